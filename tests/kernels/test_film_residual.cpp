// Fused FiLM + residual block (kernels/film_residual.h): the CPU kernel against a float64 reference
// (float and double, odd shapes, n = 1, shapes that straddle the GEMM tiles), against the chain of
// generic kernels it replaces (bit for bit), thread-count independence, null and accumulated
// gradients; the CUDA twin against the CPU for every variant (skipped without a device).
//
// Tolerances. A sum of k products in T has rounding error at most k u sum |terms| (u = eps/2), and
// ReLU is 1-Lipschitz, so an error bound for every output is c eps M, with M the same network run in
// float64 on absolute values (|h0| (1 + |gamma|) + |beta|, |W|, no clamp) and c the total length of
// the sums on the path: H + F (+ n for weight gradients) + a few single roundings; we allow c =
// n + H + F + 8, eps (not u) for margin. A wrong formula is off by O(M), far above this.
// The backward reference takes the masks from the tested forward's saved a1, a2 (the kernel's
// contract): a pre-activation within rounding of 0 could otherwise flip a mask between the float
// kernel and the float64 reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/tensor.h"
#include "kernels/elementwise.h"
#include "kernels/film.h"
#include "kernels/film_residual.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"
#include "tests/kernels/cpu_test_util.h"
#include "tests/test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;
using test::random_vec;

struct Dims {
  int64_t n, H, F;
};
// n = 1, sizes that are not multiples of anything, several 64-row tiles, the generator's block.
const Dims kDims[] = {{1, 1, 1}, {1, 7, 5}, {3, 13, 9}, {2, 64, 64}, {5, 70, 130}, {65, 129, 67}, {64, 256, 256}};

std::string tag(const Dims& d) {
  return "n=" + std::to_string(d.n) + " H=" + std::to_string(d.H) + " F=" + std::to_string(d.F);
}

template <typename T>
struct Problem {
  Dims d;
  std::vector<T> h0, gamma, beta, W1, b1, W2, b2, dy;
  Problem(const Dims& dd, uint64_t seed) : d(dd) {
    const double s1 = 1.0 / std::sqrt(double(d.H)), s2 = 1.0 / std::sqrt(double(d.F));
    h0 = random_vec<T>(d.n * d.H, seed + 1, -2, 2);
    gamma = random_vec<T>(d.n * d.H, seed + 2, -0.5, 0.5);
    beta = random_vec<T>(d.n * d.H, seed + 3, -0.5, 0.5);
    W1 = random_vec<T>(d.F * d.H, seed + 4, -s1, s1);
    b1 = random_vec<T>(d.F, seed + 5, -s1, s1);
    W2 = random_vec<T>(d.H * d.F, seed + 6, -s2, s2);
    b2 = random_vec<T>(d.H, seed + 7, -s2, s2);
    dy = random_vec<T>(d.n * d.H, seed + 8);
  }
  FilmResidualParams<T> params() const { return {W1.data(), b1.data(), W2.data(), b2.data()}; }
};

template <typename T>
struct Forward {
  std::vector<T> y, h, a1, a2;
  explicit Forward(const Dims& d)
      : y(size_t(d.n * d.H)), h(size_t(d.n * d.H)), a1(size_t(d.n * d.F)), a2(size_t(d.n * d.H)) {}
};

// Reference forward in float64 and its magnitudes.
struct RefForward {
  std::vector<double> y, h, a1, a2, ym, hm, a1m, a2m;
};
template <typename T>
RefForward ref_forward(const Problem<T>& p) {
  const auto [n, H, F] = p.d;
  RefForward r;
  r.h.resize(size_t(n * H));
  r.hm.resize(r.h.size());
  for (size_t i = 0; i < r.h.size(); ++i) {
    r.h[i] = double(p.h0[i]) * (1.0 + double(p.gamma[i])) + double(p.beta[i]);
    r.hm[i] = std::fabs(double(p.h0[i])) * (1.0 + std::fabs(double(p.gamma[i]))) + std::fabs(double(p.beta[i]));
  }
  auto layer = [&](const std::vector<double>& in, const std::vector<double>& inm, int64_t K, int64_t N,
                   const std::vector<T>& W, const std::vector<T>& b, std::vector<double>& out, std::vector<double>& outm) {
    out.assign(size_t(n * N), 0.0);
    outm.assign(size_t(n * N), 0.0);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < N; ++j) {
        double s = double(b[size_t(j)]), sm = std::fabs(double(b[size_t(j)]));
        for (int64_t k = 0; k < K; ++k) {
          s += in[size_t(r * K + k)] * double(W[size_t(j * K + k)]);
          sm += inm[size_t(r * K + k)] * std::fabs(double(W[size_t(j * K + k)]));
        }
        out[size_t(r * N + j)] = s > 0 ? s : 0.0;
        outm[size_t(r * N + j)] = sm;
      }
  };
  layer(r.h, r.hm, H, F, p.W1, p.b1, r.a1, r.a1m);
  layer(r.a1, r.a1m, F, H, p.W2, p.b2, r.a2, r.a2m);
  r.y.resize(r.h.size());
  r.ym.resize(r.h.size());
  for (size_t i = 0; i < r.y.size(); ++i) {
    r.y[i] = r.h[i] + r.a2[i];
    r.ym[i] = r.hm[i] + r.a2m[i];
  }
  return r;
}

// Reference gradients (float64) given the saved h, a1, a2 of a forward, and their magnitudes.
struct RefGrads {
  std::vector<double> h0, gamma, beta, W1, b1, W2, b2;
  std::vector<double> h0m, gammam, betam, W1m, b1m, W2m, b2m;
};
template <typename T>
RefGrads ref_backward(const Problem<T>& p, const Forward<T>& f) {
  const auto [n, H, F] = p.d;
  RefGrads g;
  std::vector<double> dz2(size_t(n * H)), dz2m(dz2.size()), dz1(size_t(n * F)), dz1m(dz1.size());
  for (size_t i = 0; i < dz2.size(); ++i) {
    dz2[i] = f.a2[i] > T(0) ? double(p.dy[i]) : 0.0;
    dz2m[i] = std::fabs(double(p.dy[i]));
  }
  g.W2.assign(size_t(H * F), 0.0);
  g.W2m.assign(g.W2.size(), 0.0);
  g.b2.assign(size_t(H), 0.0);
  g.b2m.assign(size_t(H), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < H; ++j) {
      const double d = dz2[size_t(r * H + j)], dm = dz2m[size_t(r * H + j)];
      g.b2[size_t(j)] += d;
      g.b2m[size_t(j)] += dm;
      for (int64_t q = 0; q < F; ++q) {
        g.W2[size_t(j * F + q)] += d * double(f.a1[size_t(r * F + q)]);
        g.W2m[size_t(j * F + q)] += dm * std::fabs(double(f.a1[size_t(r * F + q)]));
      }
    }
  for (int64_t r = 0; r < n; ++r)
    for (int64_t q = 0; q < F; ++q) {
      double s = 0, sm = 0;
      for (int64_t j = 0; j < H; ++j) {
        s += dz2[size_t(r * H + j)] * double(p.W2[size_t(j * F + q)]);
        sm += dz2m[size_t(r * H + j)] * std::fabs(double(p.W2[size_t(j * F + q)]));
      }
      dz1[size_t(r * F + q)] = f.a1[size_t(r * F + q)] > T(0) ? s : 0.0;
      dz1m[size_t(r * F + q)] = sm;
    }
  g.W1.assign(size_t(F * H), 0.0);
  g.W1m.assign(g.W1.size(), 0.0);
  g.b1.assign(size_t(F), 0.0);
  g.b1m.assign(size_t(F), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t q = 0; q < F; ++q) {
      const double d = dz1[size_t(r * F + q)], dm = dz1m[size_t(r * F + q)];
      g.b1[size_t(q)] += d;
      g.b1m[size_t(q)] += dm;
      for (int64_t k = 0; k < H; ++k) {
        g.W1[size_t(q * H + k)] += d * double(f.h[size_t(r * H + k)]);
        g.W1m[size_t(q * H + k)] += dm * std::fabs(double(f.h[size_t(r * H + k)]));
      }
    }
  const size_t nh = size_t(n * H);
  g.h0.resize(nh), g.gamma.resize(nh), g.beta.resize(nh), g.h0m.resize(nh), g.gammam.resize(nh), g.betam.resize(nh);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = 0; k < H; ++k) {
      double s = double(p.dy[size_t(r * H + k)]), sm = std::fabs(s);
      for (int64_t q = 0; q < F; ++q) {
        s += dz1[size_t(r * F + q)] * double(p.W1[size_t(q * H + k)]);
        sm += dz1m[size_t(r * F + q)] * std::fabs(double(p.W1[size_t(q * H + k)]));
      }
      const size_t i = size_t(r * H + k);
      g.h0[i] = s * (1.0 + double(p.gamma[i]));
      g.h0m[i] = sm * (1.0 + std::fabs(double(p.gamma[i])));
      g.gamma[i] = s * double(p.h0[i]);
      g.gammam[i] = sm * std::fabs(double(p.h0[i]));
      g.beta[i] = s;
      g.betam[i] = sm;
    }
  return g;
}

// Gradient buffers with prior contents (for accumulate) and GradOuts over them.
template <typename T>
struct Grads {
  std::vector<T> h0, gamma, beta, W1, b1, W2, b2;
  Grads(const Dims& d, uint64_t seed)
      : h0(random_vec<T>(d.n * d.H, seed + 11)), gamma(random_vec<T>(d.n * d.H, seed + 12)),
        beta(random_vec<T>(d.n * d.H, seed + 13)), W1(random_vec<T>(d.F * d.H, seed + 14)),
        b1(random_vec<T>(d.F, seed + 15)), W2(random_vec<T>(d.H * d.F, seed + 16)), b2(random_vec<T>(d.H, seed + 17)) {}
  FilmResidualGrads<T> outs(bool acc) {
    FilmResidualGrads<T> g;
    g.h0 = {h0.data(), acc};
    g.gamma = {gamma.data(), acc};
    g.beta = {beta.data(), acc};
    g.W1 = {W1.data(), acc};
    g.b1 = {b1.data(), acc};
    g.W2 = {W2.data(), acc};
    g.b2 = {b2.data(), acc};
    return g;
  }
};

template <typename T>
std::vector<char> workspace(const Dims& d) {
  return std::vector<char>(film_residual_backward_workspace_bytes(d.n, d.H, d.F, sizeof(T)) + 256);
}
// 256-byte aligned start inside a vector
inline void* aligned(std::vector<char>& v) {
  auto p = reinterpret_cast<uintptr_t>(v.data());
  return v.data() + ((256 - p % 256) % 256);
}

template <typename T>
void run_forward(const Problem<T>& p, Forward<T>& f) {
  film_residual_forward_cpu<T>(p.d.n, p.d.H, p.d.F, p.h0.data(), p.gamma.data(), p.beta.data(), p.params(), f.y.data(),
                               f.h.data(), f.a1.data(), f.a2.data());
}

template <typename T> class FilmResidualCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(FilmResidualCpu, Types);

TYPED_TEST(FilmResidualCpu, ForwardMatchesFloat64Reference) {
  using T = TypeParam;
  for (const Dims& d : kDims) {
    SCOPED_TRACE(tag(d));
    const Problem<T> p(d, 100);
    Forward<T> f(d);
    run_forward(p, f);
    const RefForward r = ref_forward(p);
    const double c = double(d.n + d.H + d.F + 8) * eps_of<T>();
    EXPECT_TRUE(all_close(f.h, r.h, [&](size_t i) { return c * r.hm[i]; }, "h"));
    EXPECT_TRUE(all_close(f.a1, r.a1, [&](size_t i) { return c * r.a1m[i]; }, "a1"));
    EXPECT_TRUE(all_close(f.a2, r.a2, [&](size_t i) { return c * r.a2m[i]; }, "a2"));
    EXPECT_TRUE(all_close(f.y, r.y, [&](size_t i) { return c * r.ym[i]; }, "y"));
  }
}

TYPED_TEST(FilmResidualCpu, BackwardMatchesFloat64Reference) {
  using T = TypeParam;
  for (const Dims& d : kDims)
    for (bool acc : {false, true}) {
      SCOPED_TRACE(tag(d) + (acc ? " accumulate" : " write"));
      const Problem<T> p(d, 200);
      Forward<T> f(d);
      run_forward(p, f);
      Grads<T> g(d, 300);
      const Grads<T> g0 = g;
      auto ws = workspace<T>(d);
      film_residual_backward_cpu<T>(d.n, d.H, d.F, p.h0.data(), p.gamma.data(), p.params(), f.h.data(), f.a1.data(),
                                    f.a2.data(), p.dy.data(), g.outs(acc), aligned(ws));
      const RefGrads r = ref_backward(p, f);
      const double c = double(d.n + d.H + d.F + 8) * eps_of<T>();
      auto check = [&](const std::vector<T>& got, const std::vector<T>& prior, const std::vector<double>& ref,
                       const std::vector<double>& mag, const char* what) {
        std::vector<double> want(ref), m(mag);
        for (size_t i = 0; i < want.size(); ++i)
          if (acc) {
            want[i] += double(prior[i]);
            m[i] += std::fabs(double(prior[i]));
          }
        EXPECT_TRUE(all_close(got, want, [&](size_t i) { return c * m[i]; }, what));
      };
      check(g.h0, g0.h0, r.h0, r.h0m, "dh0");
      check(g.gamma, g0.gamma, r.gamma, r.gammam, "dgamma");
      check(g.beta, g0.beta, r.beta, r.betam, "dbeta");
      check(g.W1, g0.W1, r.W1, r.W1m, "dW1");
      check(g.b1, g0.b1, r.b1, r.b1m, "db1");
      check(g.W2, g0.W2, r.W2, r.W2m, "dW2");
      check(g.b2, g0.b2, r.b2, r.b2m, "db2");
    }
}

TYPED_TEST(FilmResidualCpu, EqualsTheGenericChainBitForBit) {
  // The fused CPU kernel runs the generic chain's arithmetic in the chain's order.
  using T = TypeParam;
  for (const Dims& d : {Dims{3, 13, 9}, Dims{65, 129, 67}, Dims{64, 256, 256}}) {
    SCOPED_TRACE(tag(d));
    const auto [n, H, F] = d;
    const Problem<T> p(d, 400);
    Forward<T> f(d);
    run_forward(p, f);
    Forward<T> c(d);
    film_forward_cpu<T>(n * H, p.h0.data(), p.gamma.data(), p.beta.data(), c.h.data());
    gemm_cpu<T>(false, true, n, F, H, T(1), c.h.data(), p.W1.data(), T(0), c.a1.data(), p.b1.data(), Epilogue::bias_relu);
    gemm_cpu<T>(false, true, n, H, F, T(1), c.a1.data(), p.W2.data(), T(0), c.a2.data(), p.b2.data(), Epilogue::bias_relu);
    axpby_cpu<T>(n * H, T(1), c.h.data(), T(1), c.a2.data(), c.y.data());
    EXPECT_TRUE(bit_equal(f.h, c.h, "h"));
    EXPECT_TRUE(bit_equal(f.a1, c.a1, "a1"));
    EXPECT_TRUE(bit_equal(f.a2, c.a2, "a2"));
    EXPECT_TRUE(bit_equal(f.y, c.y, "y"));

    // Backward as the tape runs the chain: add (dh = dy, dr = dy), res2, res1 (dh += dz1 W1), FiLM.
    for (bool acc : {false, true}) {
      Grads<T> g(d, 500), w = g;
      auto ws = workspace<T>(d);
      film_residual_backward_cpu<T>(n, H, F, p.h0.data(), p.gamma.data(), p.params(), f.h.data(), f.a1.data(),
                                    f.a2.data(), p.dy.data(), g.outs(acc), aligned(ws));
      const T beta = acc ? T(1) : T(0);
      std::vector<T> dh(size_t(n * H)), dz2(dh.size()), da1(size_t(n * F)), dz1(da1.size());
      scale_cpu<T>(n * H, T(1), p.dy.data(), dh.data(), false);
      act_backward_cpu<T>(Act::relu, n * H, c.a2.data(), c.a2.data(), p.dy.data(), dz2.data(), T(0), false);
      gemm_cpu<T>(true, false, H, F, n, T(1), dz2.data(), c.a1.data(), beta, w.W2.data());
      sum_rows_cpu<T>(n, H, dz2.data(), w.b2.data(), acc);
      gemm_cpu<T>(false, false, n, F, H, T(1), dz2.data(), p.W2.data(), T(0), da1.data());
      act_backward_cpu<T>(Act::relu, n * F, c.a1.data(), c.a1.data(), da1.data(), dz1.data(), T(0), false);
      gemm_cpu<T>(true, false, F, H, n, T(1), dz1.data(), c.h.data(), beta, w.W1.data());
      sum_rows_cpu<T>(n, F, dz1.data(), w.b1.data(), acc);
      gemm_cpu<T>(false, false, n, H, F, T(1), dz1.data(), p.W1.data(), T(1), dh.data());
      film_backward_cpu<T>(n * H, p.h0.data(), p.gamma.data(), dh.data(), w.h0.data(), w.gamma.data(), w.beta.data(), acc);
      EXPECT_TRUE(bit_equal(g.W2, w.W2, "dW2"));
      EXPECT_TRUE(bit_equal(g.b2, w.b2, "db2"));
      EXPECT_TRUE(bit_equal(g.W1, w.W1, "dW1"));
      EXPECT_TRUE(bit_equal(g.b1, w.b1, "db1"));
      EXPECT_TRUE(bit_equal(g.h0, w.h0, "dh0"));
      EXPECT_TRUE(bit_equal(g.gamma, w.gamma, "dgamma"));
      EXPECT_TRUE(bit_equal(g.beta, w.beta, "dbeta"));
    }
  }
}

TYPED_TEST(FilmResidualCpu, NullGradientsAreSkippedAndMixedFlagsWork) {
  using T = TypeParam;
  const Dims d{9, 33, 21};
  const Problem<T> p(d, 600);
  Forward<T> f(d);
  run_forward(p, f);
  Grads<T> full(d, 700);
  auto ws = workspace<T>(d);
  film_residual_backward_cpu<T>(d.n, d.H, d.F, p.h0.data(), p.gamma.data(), p.params(), f.h.data(), f.a1.data(),
                                f.a2.data(), p.dy.data(), full.outs(false), aligned(ws));
  // Each gradient alone (write), then each alone with accumulate onto a prior: same bits as the full
  // run (write) / as prior + full (the add is one rounding of the same two values).
  for (int which = 0; which < 7; ++which) {
    SCOPED_TRACE(which);
    for (bool acc : {false, true}) {
      Grads<T> g(d, 800);
      const Grads<T> prior = g;
      FilmResidualGrads<T> all = g.outs(acc), one;
      GradOut<T>* slots_all[] = {&all.h0, &all.gamma, &all.beta, &all.W1, &all.b1, &all.W2, &all.b2};
      GradOut<T>* slots_one[] = {&one.h0, &one.gamma, &one.beta, &one.W1, &one.b1, &one.W2, &one.b2};
      *slots_one[which] = *slots_all[which];
      film_residual_backward_cpu<T>(d.n, d.H, d.F, p.h0.data(), p.gamma.data(), p.params(), f.h.data(), f.a1.data(),
                                    f.a2.data(), p.dy.data(), one, aligned(ws));
      const std::vector<T>* got[] = {&g.h0, &g.gamma, &g.beta, &g.W1, &g.b1, &g.W2, &g.b2};
      const std::vector<T>* ref[] = {&full.h0, &full.gamma, &full.beta, &full.W1, &full.b1, &full.W2, &full.b2};
      const std::vector<T>* pri[] = {&prior.h0, &prior.gamma, &prior.beta, &prior.W1, &prior.b1, &prior.W2, &prior.b2};
      for (int k = 0; k < 7; ++k) {
        if (k != which) {
          EXPECT_TRUE(bit_equal(*got[k], *pri[k], "untouched"));
          continue;
        }
        std::vector<T> want = *ref[k];
        if (acc)
          for (size_t i = 0; i < want.size(); ++i) want[i] = (*pri[k])[i] + want[i];
        EXPECT_TRUE(bit_equal(*got[k], want, acc ? "accumulated" : "written"));
      }
    }
  }
}

TEST(FilmResidualCpuDeterminism, SameBitsWithOneAndTwoThreads) {
  const Dims d{130, 300, 200};  // several GEMM tiles in every product
  const Problem<float> p(d, 900);
  Forward<float> f1(d), f2(d);
  Grads<float> g1(d, 901), g2 = g1;
  auto ws = workspace<float>(d);
  {
    test::ThreadScope one(1);
    run_forward(p, f1);
    film_residual_backward_cpu<float>(d.n, d.H, d.F, p.h0.data(), p.gamma.data(), p.params(), f1.h.data(),
                                      f1.a1.data(), f1.a2.data(), p.dy.data(), g1.outs(true), aligned(ws));
  }
  {
    test::ThreadScope two(2);
    run_forward(p, f2);
    film_residual_backward_cpu<float>(d.n, d.H, d.F, p.h0.data(), p.gamma.data(), p.params(), f2.h.data(),
                                      f2.a1.data(), f2.a2.data(), p.dy.data(), g2.outs(true), aligned(ws));
  }
  EXPECT_TRUE(bit_equal(f1.y, f2.y, "y"));
  EXPECT_TRUE(bit_equal(f1.a1, f2.a1, "a1"));
  EXPECT_TRUE(bit_equal(g1.h0, g2.h0, "dh0"));
  EXPECT_TRUE(bit_equal(g1.W1, g2.W1, "dW1"));
  EXPECT_TRUE(bit_equal(g1.W2, g2.W2, "dW2"));
  EXPECT_TRUE(bit_equal(g1.b1, g2.b1, "db1"));
}

TEST(FilmResidualCpu, BadSizesThrowAndEmptyBatchZeroesWrittenWeightGradients) {
  std::vector<float> z(16, 0.f);
  const FilmResidualParams<float> w{z.data(), z.data(), z.data(), z.data()};
  EXPECT_THROW(film_residual_forward_cpu<float>(1, 0, 3, z.data(), z.data(), z.data(), w, z.data(), z.data(), z.data(),
                                                z.data()),
               Error);
  // n = 0: nothing to read; written weight gradients are sums over no rows (zero), added ones keep.
  std::vector<float> dW1(6, 5.f), db1(3, 5.f), dW2(6, 5.f), db2(2, 5.f);
  FilmResidualGrads<float> g;
  g.W1 = {dW1.data(), false};
  g.b1 = {db1.data(), false};
  g.W2 = {dW2.data(), true};
  g.b2 = {db2.data(), true};
  film_residual_backward_cpu<float>(0, 2, 3, nullptr, nullptr, w, nullptr, nullptr, nullptr, nullptr, g, nullptr);
  EXPECT_EQ(dW1, std::vector<float>(6, 0.f));
  EXPECT_EQ(db1, std::vector<float>(3, 0.f));
  EXPECT_EQ(dW2, std::vector<float>(6, 5.f));
  EXPECT_EQ(db2, std::vector<float>(2, 5.f));
}

// ---- CUDA twin vs the CPU, every variant ----
#ifdef GRIPCU_HAVE_CUDA
template <typename T>
Tensor dev_copy(const std::vector<T>& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}, Device::cuda(0));
}
template <typename T>
std::vector<T> host(const Tensor& t) {
  return t.to_vector<T>();
}

template <typename T>
void cuda_vs_cpu(FilmResidualVariant v) {
  const Device gpu = Device::cuda(0);
  cudaStream_t s = stream_for(gpu);
  for (const Dims& d : kDims)
    for (bool acc : {false, true}) {
      SCOPED_TRACE(tag(d) + " " + film_residual_variant_name(v) + (acc ? " accumulate" : " write"));
      const auto [n, H, F] = d;
      const Problem<T> p(d, 1000);
      Forward<T> f(d);
      run_forward(p, f);
      const RefForward r = ref_forward(p);
      Tensor h0 = dev_copy(p.h0), gm = dev_copy(p.gamma), bt = dev_copy(p.beta), W1 = dev_copy(p.W1),
             b1 = dev_copy(p.b1), W2 = dev_copy(p.W2), b2 = dev_copy(p.b2), dy = dev_copy(p.dy);
      const FilmResidualParams<T> w{W1.data<T>(), b1.data<T>(), W2.data<T>(), b2.data<T>()};
      Tensor y = dev_copy(f.y), h = dev_copy(f.h), a1 = dev_copy(f.a1), a2 = dev_copy(f.a2);
      film_residual_forward_cuda(n, H, F, h0.data<T>(), gm.data<T>(), bt.data<T>(), w, y.data<T>(), h.data<T>(),
                                 a1.data<T>(), a2.data<T>(), v, s);
      // Two implementations, each within the bound of the exact result: twice the bound apart.
      const double c = 2.0 * double(n + H + F + 8) * eps_of<T>();
      std::vector<double> fy = test::to_double(f.y), fa1 = test::to_double(f.a1);
      EXPECT_TRUE(all_close(host<T>(y), fy, [&](size_t i) { return c * r.ym[i]; }, "y"));
      EXPECT_TRUE(all_close(host<T>(a1), fa1, [&](size_t i) { return c * r.a1m[i]; }, "a1"));
      EXPECT_TRUE(all_close(host<T>(h), test::to_double(f.h), [&](size_t i) { return c * r.hm[i]; }, "h"));
      EXPECT_TRUE(all_close(host<T>(a2), test::to_double(f.a2), [&](size_t i) { return c * r.a2m[i]; }, "a2"));

      // Backward from the CPU forward's saved tensors (the same masks on both sides).
      Tensor hs = dev_copy(f.h), a1s = dev_copy(f.a1), a2s = dev_copy(f.a2);
      Grads<T> g(d, 1100);
      const Grads<T> prior = g;
      auto ws = workspace<T>(d);
      film_residual_backward_cpu<T>(n, H, F, p.h0.data(), p.gamma.data(), p.params(), f.h.data(), f.a1.data(),
                                    f.a2.data(), p.dy.data(), g.outs(acc), aligned(ws));
      Tensor gh0 = dev_copy(prior.h0), ggm = dev_copy(prior.gamma), gbt = dev_copy(prior.beta),
             gW1 = dev_copy(prior.W1), gb1 = dev_copy(prior.b1), gW2 = dev_copy(prior.W2), gb2 = dev_copy(prior.b2);
      FilmResidualGrads<T> go;
      go.h0 = {gh0.data<T>(), acc};
      go.gamma = {ggm.data<T>(), acc};
      go.beta = {gbt.data<T>(), acc};
      go.W1 = {gW1.data<T>(), acc};
      go.b1 = {gb1.data<T>(), acc};
      go.W2 = {gW2.data<T>(), acc};
      go.b2 = {gb2.data<T>(), acc};
      const size_t wsb = film_residual_backward_workspace_bytes(n, H, F, sizeof(T));
      Tensor dws = Tensor::empty({static_cast<int64_t>(wsb / sizeof(T)) + 1}, dtype_of<T>(), gpu);
      film_residual_backward_cuda(n, H, F, h0.data<T>(), gm.data<T>(), w, hs.data<T>(), a1s.data<T>(), a2s.data<T>(),
                                  dy.data<T>(), go, dws.raw(), v, s);
      const RefGrads rg = ref_backward(p, f);
      auto near = [&](const Tensor& got, const std::vector<T>& want, const std::vector<T>& pri,
                      const std::vector<double>& mag, const char* what) {
        EXPECT_TRUE(all_close(host<T>(got), test::to_double(want), [&](size_t i) {
          return c * (mag[i] + (acc ? std::fabs(double(pri[i])) : 0.0));
        }, what));
      };
      near(gh0, g.h0, prior.h0, rg.h0m, "dh0");
      near(ggm, g.gamma, prior.gamma, rg.gammam, "dgamma");
      near(gbt, g.beta, prior.beta, rg.betam, "dbeta");
      near(gW1, g.W1, prior.W1, rg.W1m, "dW1");
      near(gb1, g.b1, prior.b1, rg.b1m, "db1");
      near(gW2, g.W2, prior.W2, rg.W2m, "dW2");
      near(gb2, g.b2, prior.b2, rg.b2m, "db2");
    }
}
#endif

TEST(FilmResidualCuda, EveryVariantMatchesCpuFloat) {
  GRIPCU_REQUIRE_CUDA();
#ifdef GRIPCU_HAVE_CUDA
  for (FilmResidualVariant v : kFilmResidualVariants) cuda_vs_cpu<float>(v);
#endif
}

TEST(FilmResidualCuda, EveryVariantMatchesCpuDouble) {
  GRIPCU_REQUIRE_CUDA();
#ifdef GRIPCU_HAVE_CUDA
  for (FilmResidualVariant v : kFilmResidualVariants) cuda_vs_cpu<double>(v);
#endif
}

}  // namespace
}  // namespace gripcu::kernels
