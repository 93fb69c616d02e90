// Elementwise arithmetic and the five activations (forward, backward with accumulate on/off), float
// and double, vs float64 references computed from the same (rounded) inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/elementwise.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::eps_of;
using test::tiny_of;
using test::random_vec;
using test::to_double;

// Sizes: empty, one element, around SIMD/warp/block multiples, and above the CPU grain (2^15) so the
// parallel path runs.
const std::vector<int64_t> kSizes = {0, 1, 7, 31, 33, 255, 257, 1000, 70001};

template <typename T> class ElementwiseCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ElementwiseCpu, Types);

TYPED_TEST(ElementwiseCpu, AxpbyMulScale) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes) {
    SCOPED_TRACE(n);
    const auto a = random_vec<T>(n, 1, -3, 3), b = random_vec<T>(n, 2, -3, 3);
    for (auto [al, be] : {std::pair{1.0, 1.0}, std::pair{1.0, -1.0}, std::pair{0.3, -2.5}}) {
      const T alpha = static_cast<T>(al), beta = static_cast<T>(be);
      std::vector<double> ref(a.size()), mag(a.size());
      for (size_t i = 0; i < a.size(); ++i) {
        ref[i] = double(alpha) * a[i] + double(beta) * b[i];
        mag[i] = std::fabs(double(alpha) * a[i]) + std::fabs(double(beta) * b[i]);
      }
      // Two products and a sum: at most 3 roundings of u = eps/2 on |alpha a| + |beta b|.
      const auto tol = [&](size_t i) { return 2 * e * mag[i]; };
      std::vector<T> out(a.size());
      axpby_cpu<T>(n, alpha, a.data(), beta, b.data(), out.data());
      EXPECT_TRUE(all_close(out, ref, tol, "axpby"));
      auto alias = a;  // out aliases a
      axpby_cpu<T>(n, alpha, alias.data(), beta, b.data(), alias.data());
      EXPECT_TRUE(all_close(alias, ref, tol, "axpby aliased"));
    }
    // mul: one rounding.
    std::vector<double> pr(a.size());
    for (size_t i = 0; i < a.size(); ++i) pr[i] = double(a[i]) * b[i];
    const auto tol1 = [&](size_t i) { return e * std::fabs(pr[i]); };
    std::vector<T> out(a.size());
    mul_cpu<T>(n, a.data(), b.data(), out.data());
    EXPECT_TRUE(all_close(out, pr, tol1, "mul"));
    auto alias = b;
    mul_cpu<T>(n, a.data(), alias.data(), alias.data());
    EXPECT_TRUE(all_close(alias, pr, tol1, "mul aliased"));
    // scale, write and accumulate: one product (+ one sum).
    const T s = static_cast<T>(-1.7);
    std::vector<double> sr(a.size()), sacc(a.size()), smag(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      sr[i] = double(s) * a[i];
      sacc[i] = double(b[i]) + sr[i];
      smag[i] = std::fabs(double(b[i])) + std::fabs(sr[i]);
    }
    scale_cpu<T>(n, s, a.data(), out.data(), false);
    EXPECT_TRUE(all_close(out, sr, [&](size_t i) { return e * std::fabs(sr[i]); }, "scale"));
    out = b;
    scale_cpu<T>(n, s, a.data(), out.data(), true);
    // 2 roundings: eps on the terms to first order, 1.5 eps with the second-order terms.
    EXPECT_TRUE(all_close(out, sacc, [&](size_t i) { return 1.5 * e * smag[i]; }, "scale accumulate"));
  }
}

TYPED_TEST(ElementwiseCpu, AddRowvecAndFill) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{0, 5}, {3, 0}, {1, 1}, {7, 33}, {64, 978}, {65, 257}}) {
    SCOPED_TRACE(testing::Message() << rows << "x" << cols);
    const auto x = random_vec<T>(rows * cols, 3), v = random_vec<T>(cols, 4);
    std::vector<double> ref(x.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) ref[r * cols + c] = double(x[r * cols + c]) + v[c];
    std::vector<T> out(x.size());
    add_rowvec_cpu<T>(rows, cols, x.data(), v.data(), out.data());
    // One sum: half an ulp of the result (bounded by eps * (|x| + |v|)).
    EXPECT_TRUE(all_close(out, ref,
                          [&](size_t i) { return e * (std::fabs(double(x[i])) + std::fabs(double(v[i % cols]))); },
                          "add_rowvec"));
  }
  for (int64_t n : kSizes) {
    std::vector<T> out(static_cast<size_t>(n), T(7));
    fill_cpu<T>(n, static_cast<T>(-0.25), out.data());
    for (auto y : out) ASSERT_EQ(y, static_cast<T>(-0.25));  // exact
  }
}

double ref_act(Act a, double x, double slope) {
  switch (a) {
    case Act::identity: return x;
    case Act::relu: return x > 0 ? x : 0.0;
    case Act::leaky_relu: return x > 0 ? x : slope * x;
    case Act::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Act::tanh: return std::tanh(x);
  }
  return 0;
}

constexpr Act kActs[] = {Act::identity, Act::relu, Act::leaky_relu, Act::sigmoid, Act::tanh};

TYPED_TEST(ElementwiseCpu, ActivationForward) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (Act a : kActs)
    for (int64_t n : kSizes) {
      SCOPED_TRACE(testing::Message() << act_name(a) << " n=" << n);
      auto x = random_vec<T>(n, 5, -9, 9);
      if (n > 3) { x[0] = T(0); x[1] = T(-0.0); x[2] = T(30); x[3] = T(-30); }  // the kink, saturation
      const T slope = static_cast<T>(0.2);
      std::vector<double> ref(x.size());
      for (size_t i = 0; i < x.size(); ++i) ref[i] = ref_act(a, x[i], slope);
      std::vector<T> y(x.size());
      act_forward_cpu<T>(a, n, x.data(), y.data(), slope);
      // identity/relu are exact; leaky is one product; sigmoid/tanh go through libm exp/tanh
      // (glibc: < 2 ulp) and at most 2 more roundings, each relative to the result: 4 eps |f(x)|.
      EXPECT_TRUE(all_close(y, ref, [&](size_t i) { return 4 * e * std::fabs(ref[i]) + tiny_of<T>(); }, act_name(a)));
      for (size_t i = 0; i < y.size(); ++i) ASSERT_TRUE(std::isfinite(double(y[i])));
    }
  // sigmoid is stable on both tails: no NaN/overflow at +-100, and in [0, 1].
  for (T xv : {T(100), T(-100), T(1000), T(-1000)}) {
    T y;
    act_forward_cpu<T>(Act::sigmoid, 1, &xv, &y, T(0));
    EXPECT_TRUE(y >= T(0) && y <= T(1)) << xv << " -> " << y;
  }
}

TYPED_TEST(ElementwiseCpu, ActivationBackward) {
  using T = TypeParam;
  const double e = eps_of<T>();
  const T slope = static_cast<T>(0.01);
  for (Act a : kActs)
    for (bool acc : {false, true})
      for (int64_t n : kSizes) {
        SCOPED_TRACE(testing::Message() << act_name(a) << " accumulate=" << acc << " n=" << n);
        auto x = random_vec<T>(n, 6, -5, 5);
        if (n > 1) { x[0] = T(0); x[1] = T(-0.0); }  // relu'(0) = 0 and leaky'(0) = slope by the header
        std::vector<T> y(x.size());
        act_forward_cpu<T>(a, n, x.data(), y.data(), slope);  // y as the layer would save it
        const auto dy = random_vec<T>(n, 7, -2, 2);
        const auto dx0 = random_vec<T>(n, 8, -1, 1);
        std::vector<double> ref(x.size()), mag(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
          const double X = x[i], Y = y[i], D = dy[i];
          double g = 0, m = 0;
          switch (a) {
            case Act::identity: g = D; m = std::fabs(D); break;
            case Act::relu: g = X > 0 ? D : 0.0; m = std::fabs(g); break;
            case Act::leaky_relu: g = X > 0 ? D : double(slope) * D; m = std::fabs(g); break;
            // The terms the formula computes, so cancellation in 1 - y and 1 - y^2 is covered.
            case Act::sigmoid: g = D * Y * (1 - Y); m = std::fabs(D * Y) * (std::fabs(Y) + 1); break;
            case Act::tanh: g = D * (1 - Y * Y); m = std::fabs(D) * (Y * Y + 1); break;
          }
          ref[i] = acc ? double(dx0[i]) + g : g;
          mag[i] = acc ? m + std::fabs(double(dx0[i])) : m;
        }
        auto dx = dx0;
        act_backward_cpu<T>(a, n, x.data(), y.data(), dy.data(), dx.data(), slope, acc);
        // At most 4 roundings (1 - y, two products, the accumulate) on the magnitude of the terms.
        EXPECT_TRUE(all_close(dx, ref, [&](size_t i) { return 3 * e * mag[i] + tiny_of<T>(); }, act_name(a)));
      }
}

TYPED_TEST(ElementwiseCpu, MulBackward) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes)
    for (bool acc : {false, true}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " accumulate=" << acc);
      const auto a = random_vec<T>(n, 9), b = random_vec<T>(n, 10), dy = random_vec<T>(n, 11);
      const auto da0 = random_vec<T>(n, 12), db0 = random_vec<T>(n, 13);
      std::vector<double> ra(a.size()), rb(a.size()), ma(a.size()), mb(a.size());
      for (size_t i = 0; i < a.size(); ++i) {
        ra[i] = double(dy[i]) * b[i] + (acc ? double(da0[i]) : 0.0);
        rb[i] = double(dy[i]) * a[i] + (acc ? double(db0[i]) : 0.0);
        ma[i] = std::fabs(double(dy[i]) * b[i]) + (acc ? std::fabs(double(da0[i])) : 0.0);
        mb[i] = std::fabs(double(dy[i]) * a[i]) + (acc ? std::fabs(double(db0[i])) : 0.0);
      }
      // A product and (with accumulate) a sum: eps on the magnitude of the terms to first order,
      // 1.5 eps with the second-order terms.
      auto da = da0, db = db0;
      mul_backward_cpu<T>(n, a.data(), b.data(), dy.data(), da.data(), db.data(), acc);
      EXPECT_TRUE(all_close(da, ra, [&](size_t i) { return 1.5 * e * ma[i]; }, "da"));
      EXPECT_TRUE(all_close(db, rb, [&](size_t i) { return 1.5 * e * mb[i]; }, "db"));
      // Either output may be null.
      auto da2 = da0;
      mul_backward_cpu<T>(n, a.data(), b.data(), dy.data(), da2.data(), nullptr, acc);
      EXPECT_TRUE(test::bit_equal(da2, da, "da only"));
      auto db2 = db0;
      mul_backward_cpu<T>(n, a.data(), b.data(), dy.data(), nullptr, db2.data(), acc);
      EXPECT_TRUE(test::bit_equal(db2, db, "db only"));
    }
}

TEST(ElementwiseCpuNames, ActNames) {
  EXPECT_STREQ(act_name(Act::identity), "identity");
  EXPECT_STREQ(act_name(Act::relu), "relu");
  EXPECT_STREQ(act_name(Act::leaky_relu), "leaky_relu");
  EXPECT_STREQ(act_name(Act::sigmoid), "sigmoid");
  EXPECT_STREQ(act_name(Act::tanh), "tanh");
}

}  // namespace
}  // namespace gripcu::kernels
