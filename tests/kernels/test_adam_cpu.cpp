// Adam / AdamW / SGD-momentum over a slab: several steps of the float and double kernels vs a float64
// implementation of PyTorch's formulas as written in kernels/adam.h (same gradients each step).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/adam.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;
using test::random_vec;

// torch.optim.Adam / AdamW (foreach=False), in float64.
struct RefAdam {
  std::vector<double> p, m, v;
  void step(const std::vector<double>& grad, const AdamHyper& h, int64_t t) {
    const double bc1 = 1.0 - std::pow(h.beta1, double(t));
    const double bc2_sqrt = std::sqrt(1.0 - std::pow(h.beta2, double(t)));
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad[i];
      if (h.decoupled) p[i] *= 1.0 - h.lr * h.weight_decay;
      else g += h.weight_decay * p[i];
      m[i] = h.beta1 * m[i] + (1.0 - h.beta1) * g;
      v[i] = h.beta2 * v[i] + (1.0 - h.beta2) * g * g;
      p[i] -= (h.lr / bc1) * m[i] / (std::sqrt(v[i]) / bc2_sqrt + h.eps);
    }
  }
};

// torch.optim.SGD (dampening 0), in float64.
struct RefSgd {
  std::vector<double> p, buf;
  void step(const std::vector<double>& grad, const SgdHyper& h, int64_t t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad[i] + h.weight_decay * p[i];
      if (h.momentum != 0) {
        buf[i] = t <= 1 ? g : h.momentum * buf[i] + g;
        g = h.nesterov ? g + h.momentum * buf[i] : buf[i];
      }
      p[i] -= h.lr * g;
    }
  }
};

template <typename T> class OptimCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(OptimCpu, Types);

struct AdamCase { const char* name; AdamHyper h; };
std::vector<AdamCase> adam_cases() {
  std::vector<AdamCase> c;
  c.push_back({"adam", AdamHyper{}});
  AdamHyper l2;  l2.lr = 1e-2; l2.weight_decay = 1e-2;
  c.push_back({"adam_l2", l2});
  AdamHyper w;  w.lr = 3e-3; w.weight_decay = 0.1; w.decoupled = true;
  c.push_back({"adamw", w});
  AdamHyper big;  big.lr = 0.1; big.beta1 = 0.5; big.beta2 = 0.99; big.eps = 1e-6; big.weight_decay = 0.05;
  big.decoupled = true;
  c.push_back({"adamw_large_lr", big});
  return c;
}

TYPED_TEST(OptimCpu, AdamMatchesPyTorchFormulas) {
  using T = TypeParam;
  const double e = eps_of<T>();
  const int steps = 6;
  // n = 0, 1, and sizes around/above the CPU grain (2^14) so the parallel path runs.
  for (int64_t n : {0, 1, 1001, 40000})
    for (const auto& c : adam_cases()) {
      SCOPED_TRACE(testing::Message() << c.name << " n=" << n);
      auto p = random_vec<T>(n, 1, -2, 2);
      std::vector<T> m(p.size(), T(0)), v(p.size(), T(0));
      RefAdam ref{test::to_double(p), std::vector<double>(p.size()), std::vector<double>(p.size())};
      double max_g = 0;
      for (int t = 1; t <= steps; ++t) {
        auto g = random_vec<T>(n, 100 + t, -1, 1);
        for (size_t i = 0; i < g.size(); i += 7) g[i] = T(0);  // some elements see zero gradients
        if (n > 0) g[0] = T(0);                                // and one never sees any
        for (auto x : g) max_g = std::max(max_g, std::fabs(double(x)));
        adam_step_cpu<T>(n, p.data(), g.data(), m.data(), v.data(), c.h, t);
        ref.step(test::to_double(g), c.h, t);
      }
      // Each step adds a few roundings (u = eps/2) to p relative to |p| and to the update, whose size
      // is at most ~lr (1 - b1) / sqrt(1 - b2) / bias corrections <~ 4 lr here; m and v carry a few
      // roundings per step relative to max |g| and max g^2 (+ weight decay terms): 2 eps per step on
      // those scales (the worst error seen is ~1/3 of it; before the scalars were formed in double,
      // 1 - float(0.999) alone cost 4x this bound).
      const double lr = c.h.lr;
      EXPECT_TRUE(all_close(p, ref.p, [&](size_t i) { return 2 * steps * e * (std::fabs(ref.p[i]) + 4 * lr); }, "param"));
      const double gs = max_g + c.h.weight_decay * 3;
      EXPECT_TRUE(all_close(m, ref.m, [&](size_t) { return 2 * steps * e * gs; }, "exp_avg"));
      EXPECT_TRUE(all_close(v, ref.v, [&](size_t) { return 2 * steps * e * gs * gs; }, "exp_avg_sq"));
      if (n > 0 && (c.h.decoupled || c.h.weight_decay == 0)) {  // no gradient ever: m = v = 0
        EXPECT_EQ(m[0], T(0));
        EXPECT_EQ(v[0], T(0));
      }
    }
}

TYPED_TEST(OptimCpu, AdamStepFromMemoryEqualsStepArgument) {
  using T = TypeParam;
  const int64_t n = 5000;
  AdamHyper h;
  h.weight_decay = 0.01;
  h.decoupled = true;
  auto p1 = random_vec<T>(n, 2), p2 = p1;
  std::vector<T> m1(n), v1(n), m2(n), v2(n);
  for (int64_t t = 1; t <= 3; ++t) {
    const auto g = random_vec<T>(n, 200 + t);
    adam_step_cpu<T>(n, p1.data(), g.data(), m1.data(), v1.data(), h, t);
    adam_step_cpu<T>(n, p2.data(), g.data(), m2.data(), v2.data(), h, /*step ignored*/ 999, &t);
  }
  EXPECT_TRUE(bit_equal(p1, p2, "param"));
  EXPECT_TRUE(bit_equal(m1, m2, "exp_avg"));
  EXPECT_TRUE(bit_equal(v1, v2, "exp_avg_sq"));
}

TYPED_TEST(OptimCpu, SgdMomentumMatchesPyTorchFormulas) {
  using T = TypeParam;
  const double e = eps_of<T>();
  const int steps = 5;
  struct Case { const char* name; SgdHyper h; };
  std::vector<Case> cases;
  cases.push_back({"plain", SgdHyper{0.1, 0.0, 0.0, false}});
  cases.push_back({"momentum", SgdHyper{0.05, 0.9, 0.0, false}});
  cases.push_back({"momentum_wd", SgdHyper{0.05, 0.9, 1e-2, false}});
  cases.push_back({"nesterov_wd", SgdHyper{0.02, 0.8, 1e-3, true}});
  for (int64_t n : {0, 1, 1001, 40000})
    for (const auto& c : cases) {
      SCOPED_TRACE(testing::Message() << c.name << " n=" << n);
      auto p = random_vec<T>(n, 3, -2, 2);
      std::vector<T> buf(p.size(), T(123));  // garbage before step 1: must be overwritten, not read
      RefSgd ref{test::to_double(p), std::vector<double>(p.size())};
      for (int t = 1; t <= steps; ++t) {
        const auto g = random_vec<T>(n, 300 + t, -1, 1);
        sgd_step_cpu<T>(n, p.data(), g.data(), buf.data(), c.h, t);
        ref.step(test::to_double(g), c.h, t);
      }
      // Per step: p - lr * (g + wd p [+ mu buf]) is a handful of roundings relative to |p| and
      // lr * |buf| <= lr * max|g + wd p| / (1 - mu) (<= 5 lr * 1.1 here); 8 eps per step covers it,
      // including float's rounding of mu.
      const double upd = c.h.lr * 6 * (1 + c.h.momentum);
      EXPECT_TRUE(all_close(p, ref.p, [&](size_t i) { return 8 * steps * e * (std::fabs(ref.p[i]) + upd); }, "sgd param"));
      if (c.h.momentum != 0)
        EXPECT_TRUE(all_close(buf, ref.buf, [&](size_t) { return 8 * steps * e * 6; }, "momentum buffer"));
      else
        for (auto b : buf) ASSERT_EQ(b, T(123));  // no momentum: the buffer is not touched
    }
}

}  // namespace
}  // namespace gripcu::kernels
