// Losses (MSE, BCE-with-logits, softmax cross-entropy): forward and backward, float and double, vs
// float64 references; stability at |logit| = 100; labels out of range throw gripcu::Error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/error.h"
#include "kernels/loss.h"
#include "kernels/reduce.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::eps_of;
using test::tiny_of;
using test::random_vec;

const std::vector<int64_t> kSizes = {1, 7, 33, 1000, 70001};

double lg(int64_t n) { return std::log2(static_cast<double>(n) + 1.0); }

template <typename T> class LossCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LossCpu, Types);

TYPED_TEST(LossCpu, Mse) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes) {
    SCOPED_TRACE(n);
    const auto p = random_vec<T>(n, 1, -3, 3), t = random_vec<T>(n, 2, -3, 3);
    // Reference sums in long double (64-bit mantissa): a plain double sum of 1e5 terms would itself
    // be off by more than the double kernel's pairwise bound.
    long double acc_ref = 0;
    for (int64_t i = 0; i < n; ++i) acc_ref += (static_cast<long double>(p[i]) - t[i]) * (static_cast<long double>(p[i]) - t[i]);
    const double ref = static_cast<double>(acc_ref / n);
    T loss = T(-1);
    mse_forward_cpu<T>(n, p.data(), t.data(), &loss);
    // Each term: p - t and its square (2 roundings); pairwise sum of non-negative terms; the division.
    // All terms are >= 0, so the bound is relative to the result: (log2 n + 12) eps.
    EXPECT_NEAR(double(loss), ref, (lg(n) + 12) * e * ref);
    const T dl = static_cast<T>(0.7);
    for (bool acc : {false, true}) {
      const auto dp0 = random_vec<T>(n, 3);
      std::vector<double> r(static_cast<size_t>(n)), m(r.size());
      for (int64_t i = 0; i < n; ++i) {
        const double g = 2.0 * double(dl) * (double(p[i]) - t[i]) / static_cast<double>(n);
        r[i] = acc ? dp0[i] + g : g;
        m[i] = std::fabs(g) + (acc ? std::fabs(double(dp0[i])) : 0.0);
      }
      auto dp = dp0;
      mse_backward_cpu<T>(n, p.data(), t.data(), &dl, dp.data(), acc);
      // 2 dloss / n (2 roundings), p - t, the product, the accumulate: 5 u < 3 eps on the terms.
      EXPECT_TRUE(all_close(dp, r, [&](size_t i) { return 3 * e * m[i]; }, "mse backward"));
    }
  }
}

double ref_bce_term(double z, double t) { return std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z))); }
double ref_sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

template <typename T>
void check_bce(const std::vector<T>& z, const std::vector<T>& t, const char* what) {
  SCOPED_TRACE(what);
  const double e = eps_of<T>();
  const int64_t n = static_cast<int64_t>(z.size());
  long double ref_acc = 0;  // long double: see Mse
  double mag = 0;
  for (int64_t i = 0; i < n; ++i) {
    ref_acc += ref_bce_term(z[i], t[i]);
    mag += std::fabs(double(z[i])) * (1 + std::fabs(double(t[i]))) + std::log1p(std::exp(-std::fabs(double(z[i]))));
  }
  const double ref = static_cast<double>(ref_acc / n);
  mag /= static_cast<double>(n);
  T loss = T(-1);
  bce_logits_forward_cpu<T>(n, z.data(), t.data(), &loss);
  ASSERT_TRUE(std::isfinite(double(loss)));
  // Per term: max(z,0) - z t + log1p(exp(-|z|)), a few roundings plus libm's exp/log1p (< 2 ulp
  // each), on the magnitude of its parts |z|(1 + |t|) + log1p(.); then the pairwise mean.
  EXPECT_NEAR(double(loss), ref, (lg(n) + 16) * e * mag);
  const T dl = static_cast<T>(1.3);
  for (bool acc : {false, true}) {
    const auto dz0 = random_vec<T>(n, 4);
    std::vector<double> r(static_cast<size_t>(n)), m(r.size());
    const double s = double(dl) / static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) {
      const double sg = ref_sigmoid(z[i]);
      r[i] = s * (sg - t[i]) + (acc ? double(dz0[i]) : 0.0);
      m[i] = std::fabs(s) * (sg + std::fabs(double(t[i]))) + (acc ? std::fabs(double(dz0[i])) : 0.0);
    }
    auto dz = dz0;
    bce_logits_backward_cpu<T>(n, z.data(), t.data(), &dl, dz.data(), acc);
    for (auto v : dz) ASSERT_TRUE(std::isfinite(double(v)));
    // sigmoid (libm exp + 2 roundings, ~3 eps relative), the difference, the scale (2 roundings),
    // the accumulate: 6 eps on the magnitude of the terms.
    EXPECT_TRUE(all_close(dz, r, [&](size_t i) { return 6 * e * m[i] + tiny_of<T>(); }, "bce backward"));
  }
}

// The loss is the pairwise sum of its terms (kernels/reduce.h), whatever the split into subtrees
// summed on different threads: the same bits as pairwise_sum over the terms, divided by n.
TYPED_TEST(LossCpu, MseHasTheBitsOfThePairwiseSumOfItsTerms) {
  using T = TypeParam;
  for (int64_t n : {int64_t{1}, int64_t{9}, int64_t{17}, int64_t{40000}, int64_t{62592}, int64_t{100003}}) {
    SCOPED_TRACE(n);
    const auto p = random_vec<T>(n, 4, -3, 3), t = random_vec<T>(n, 5, -3, 3);
    std::vector<T> terms(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) terms[i] = (p[i] - t[i]) * (p[i] - t[i]);
    const T want = pairwise_sum<T>(terms.data(), n) / static_cast<T>(n);
    T loss = T(-1);
    mse_forward_cpu<T>(n, p.data(), t.data(), &loss);
    EXPECT_EQ(loss, want);
  }
}

TYPED_TEST(LossCpu, BceWithLogits) {
  using T = TypeParam;
  for (int64_t n : kSizes) {
    SCOPED_TRACE(n);
    check_bce<T>(random_vec<T>(n, 5, -8, 8), random_vec<T>(n, 6, 0, 1), "soft targets");
    auto hard = random_vec<T>(n, 7, 0, 1);
    for (auto& v : hard) v = v < T(0.5) ? T(0) : T(1);
    check_bce<T>(random_vec<T>(n, 8, -8, 8), hard, "hard targets");
  }
}

TYPED_TEST(LossCpu, BceStableAtLargeLogits) {
  using T = TypeParam;
  // |z| = 100: exp(100) overflows float, so a naive log(1 + exp(z)) would give inf/NaN.
  const std::vector<T> z = {T(100), T(-100), T(100), T(-100), T(100), T(-100)};
  const std::vector<T> t = {T(1), T(0), T(0), T(1), T(0.25), T(0.5)};
  check_bce<T>(z, t, "|z| = 100");
  // Confident and right: loss ~ exp(-100); confident and wrong: loss 100 per term.
  T loss;
  const std::vector<T> right_z = {T(100), T(-100)}, right_t = {T(1), T(0)};
  bce_logits_forward_cpu<T>(2, right_z.data(), right_t.data(), &loss);
  EXPECT_GE(loss, T(0));
  EXPECT_LT(double(loss), 1e-40);
  const std::vector<T> wrong_t = {T(0), T(1)};
  bce_logits_forward_cpu<T>(2, right_z.data(), wrong_t.data(), &loss);
  EXPECT_NEAR(double(loss), 100.0, 100.0 * 4 * eps_of<T>());
}

// Reference softmax cross-entropy on float64 copies of the inputs.
struct XentRef {
  double loss = 0, loss_mag = 0;
  std::vector<double> prob;  // softmax per row
};
template <typename T>
XentRef ref_xent(int64_t rows, int64_t classes, const std::vector<T>& z, const std::vector<int64_t>& lab) {
  XentRef r;
  r.prob.resize(static_cast<size_t>(rows * classes));
  for (int64_t i = 0; i < rows; ++i) {
    const T* zr = z.data() + i * classes;
    double mx = zr[0];
    for (int64_t c = 1; c < classes; ++c) mx = std::max(mx, double(zr[c]));
    double s = 0;
    for (int64_t c = 0; c < classes; ++c) s += std::exp(double(zr[c]) - mx);
    for (int64_t c = 0; c < classes; ++c) r.prob[i * classes + c] = std::exp(double(zr[c]) - mx) / s;
    r.loss += mx + std::log(s) - double(zr[lab[i]]);
    r.loss_mag += std::fabs(mx) + std::log(s) + std::fabs(double(zr[lab[i]]));
  }
  r.loss /= static_cast<double>(rows);
  r.loss_mag /= static_cast<double>(rows);
  return r;
}

template <typename T>
void check_xent(int64_t rows, int64_t classes, const std::vector<T>& z, const std::vector<int64_t>& lab) {
  SCOPED_TRACE(testing::Message() << rows << "x" << classes);
  const double e = eps_of<T>();
  const auto ref = ref_xent(rows, classes, z, lab);
  T loss = T(-1);
  softmax_xent_forward_cpu<T>(rows, classes, z.data(), lab.data(), &loss);
  ASSERT_TRUE(std::isfinite(double(loss)));
  // Per row: the sequential sum of `classes` exponentials (classes roundings + exp's ulp, each term
  // also off by u |z - max| e^(z - max) <= u / e from the subtraction), log of it, then
  // max + log - z_label (2 roundings on their magnitudes); then the pairwise mean over rows.
  const double tol = e * ((static_cast<double>(classes) + 4) + (lg(rows) + 10) * ref.loss_mag);
  EXPECT_NEAR(double(loss), ref.loss, tol);
  const T dl = static_cast<T>(0.9);
  const double scale = double(dl) / static_cast<double>(rows);
  for (bool acc : {false, true}) {
    const auto dz0 = random_vec<T>(rows * classes, 9);
    std::vector<double> r(dz0.size()), m(dz0.size());
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t c = 0; c < classes; ++c) {
        const size_t k = static_cast<size_t>(i * classes + c);
        const double oh = c == lab[i] ? 1.0 : 0.0;
        r[k] = scale * (ref.prob[k] - oh) + (acc ? double(dz0[k]) : 0.0);
        m[k] = std::fabs(scale) * (ref.prob[k] + oh) + (acc ? std::fabs(double(dz0[k])) : 0.0);
      }
    auto dz = dz0;
    softmax_xent_backward_cpu<T>(rows, classes, z.data(), lab.data(), &dl, dz.data(), acc);
    for (auto v : dz) ASSERT_TRUE(std::isfinite(double(v)));
    // softmax: relative error of the row sum (classes + 4 roundings, as above) plus exp's ulp and the
    // division; then p - onehot, the scale, the accumulate: (classes + 8) eps on the terms' magnitude.
    EXPECT_TRUE(all_close(dz, r, [&](size_t k) { return (static_cast<double>(classes) + 8) * e * m[k] + tiny_of<T>(); },
                          "softmax_xent backward"));
  }
}

TYPED_TEST(LossCpu, SoftmaxXent) {
  using T = TypeParam;
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 1}, {1, 2}, {7, 3}, {33, 10}, {64, 129}, {5, 1000}};
  uint64_t seed = 50;
  for (auto [rows, classes] : shapes) {
    const auto z = random_vec<T>(rows * classes, ++seed, -6, 6);
    test::SplitMix g(++seed);
    std::vector<int64_t> lab(static_cast<size_t>(rows));
    for (auto& l : lab) l = g.below(classes);
    check_xent<T>(rows, classes, z, lab);
  }
}

TYPED_TEST(LossCpu, SoftmaxXentStableAtLargeLogits) {
  using T = TypeParam;
  // |logit| = 100: exp(100) overflows float without the max subtraction.
  const int64_t rows = 4, classes = 3;
  const std::vector<T> z = {T(100), T(-100), T(0),    // right and confident: loss ~ 0
                            T(-100), T(100), T(0),    // wrong and confident: loss 200
                            T(100), T(100), T(-100),  // a tie: loss log 2
                            T(-100), T(-100), T(-100)};
  const std::vector<int64_t> lab = {0, 0, 1, 2};
  check_xent<T>(rows, classes, z, lab);
  T loss;
  softmax_xent_forward_cpu<T>(rows, classes, z.data(), lab.data(), &loss);
  const double expect = (0.0 + 200.0 + std::log(2.0) + std::log(3.0)) / 4.0;
  EXPECT_NEAR(double(loss), expect, 1e-5 * expect);
}

TYPED_TEST(LossCpu, SoftmaxXentLabelOutOfRangeThrows) {
  using T = TypeParam;
  const std::vector<T> z(6, T(0.5));
  T loss = T(0), dl = T(1);
  std::vector<T> dz(6);
  for (int64_t bad : {int64_t{-1}, int64_t{3}, int64_t{1000}}) {
    const std::vector<int64_t> lab = {0, bad};
    EXPECT_THROW(softmax_xent_forward_cpu<T>(2, 3, z.data(), lab.data(), &loss), Error) << bad;
    EXPECT_THROW(softmax_xent_backward_cpu<T>(2, 3, z.data(), lab.data(), &dl, dz.data(), false), Error) << bad;
  }
  try {
    const std::vector<int64_t> lab = {0, 7};
    softmax_xent_forward_cpu<T>(2, 3, z.data(), lab.data(), &loss);
    FAIL() << "no throw";
  } catch (const Error& err) {
    const std::string msg = err.what();
    EXPECT_NE(msg.find("label 7"), std::string::npos) << msg;
    EXPECT_NE(msg.find("row 1"), std::string::npos) << msg;
  }
}

TYPED_TEST(LossCpu, EmptyInputs) {
  using T = TypeParam;
  // n == 0: the mean of nothing is defined as 0 here (no NaN into a training step); backward writes
  // nothing.
  T loss = T(-1), dl = T(1);
  mse_forward_cpu<T>(0, nullptr, nullptr, &loss);
  EXPECT_EQ(loss, T(0));
  loss = T(-1);
  bce_logits_forward_cpu<T>(0, nullptr, nullptr, &loss);
  EXPECT_EQ(loss, T(0));
  loss = T(-1);
  softmax_xent_forward_cpu<T>(0, 5, nullptr, nullptr, &loss);
  EXPECT_EQ(loss, T(0));
  mse_backward_cpu<T>(0, nullptr, nullptr, &dl, nullptr, false);
  bce_logits_backward_cpu<T>(0, nullptr, nullptr, &dl, nullptr, true);
  softmax_xent_backward_cpu<T>(0, 5, nullptr, nullptr, &dl, nullptr, false);
}

}  // namespace
}  // namespace gripcu::kernels
