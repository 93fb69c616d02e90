// mmd_loss (autograd/ops_mmd.cpp): finite-difference gradient checks in float64 (both inputs, with
// upstream scaling and accumulation into an input used twice), the adaptive bandwidth treated as a
// constant, and no-grad evaluation.
// Tolerance 1e-6 relative, as tests/autograd/test_gradcheck.cpp: central differences with h = 1e-6
// on O(1) smooth functions err by ~1e-10; a wrong formula errs by O(1).
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::ag;
using gripcu::test::random_tensor;

namespace {
kernels::MmdConfig fixed(double beta0, bool doubling) {
  kernels::MmdConfig c = kernels::mmd_config_dan(doubling ? 5 : 3, doubling ? 2.0 : 3.0, false, beta0);
  return c;
}
}  // namespace

TEST(MmdGrad, GradcheckBothInputsFixedBandwidth) {
  for (bool doubling : {true, false}) {
    SCOPED_TRACE(doubling ? "doubling" : "ratio 3");
    const auto cfg = fixed(1.3, doubling);
    auto r = gradcheck([&](const std::vector<Var>& v) { return scale(mmd_loss(v[0], v[1], cfg), 2.5); },
                       {random_tensor({6, 4}, 31), random_tensor({9, 4}, 32, DType::f64, -0.5, 1.5)});
    EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
  }
}

// An input reaching the loss twice (through the MMD and through a second term) accumulates.
TEST(MmdGrad, GradcheckThroughLinearAndAccumulation) {
  const auto cfg = fixed(0.8, true);
  auto r = gradcheck([&](const std::vector<Var>& v) {
    Var hx = linear(v[0], v[2], Var(), Act::sigmoid), hy = linear(v[1], v[2], Var(), Act::sigmoid);
    return add(mmd_loss(hx, hy, cfg), mean(mul(hx, hx)));
  }, {random_tensor({5, 7}, 33), random_tensor({8, 7}, 34, DType::f64, -1, 2), random_tensor({3, 7}, 35)});
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
}

// With the adaptive bandwidth the gradient is the fixed-bandwidth gradient at the beta0 it chose
// (DAN's detached heuristic), not the derivative through beta0.
TEST(MmdGrad, AdaptiveBandwidthIsConstantForTheGradient) {
  Tensor a = random_tensor({7, 3}, 36), b = random_tensor({6, 3}, 37, DType::f64, 0, 2);
  Var x(a.clone(), true), y(b.clone(), true);
  Tensor beta0;
  Var l = mmd_loss(x, y, kernels::mmd_config_dan(), &beta0);
  backward(l);
  const double b0 = beta0.to_vector<double>()[0];
  EXPECT_GT(b0, 0);
  Var x2(a.clone(), true), y2(b.clone(), true);
  auto cfg = kernels::mmd_config_dan(5, 2.0, false, b0);
  Var l2 = mmd_loss(x2, y2, cfg);
  backward(l2);
  EXPECT_NEAR(l.item(), l2.item(), 1e-14);
  const auto g1 = x.grad().to_vector<double>(), g2 = x2.grad().to_vector<double>();
  for (size_t i = 0; i < g1.size(); ++i) EXPECT_NEAR(g1[i], g2[i], 1e-13);
}

TEST(MmdGrad, NoGradAndShapeErrors) {
  Var x(random_tensor({4, 3}, 38), true), y(random_tensor({5, 3}, 39), true);
  {
    NoGrad ng;
    Var l = mmd_loss(x, y, kernels::mmd_config_dan());
    EXPECT_FALSE(l.requires_grad());
    EXPECT_GE(l.item(), 0.0);
  }
  Var z(random_tensor({5, 2}, 40), true);
  EXPECT_THROW(mmd_loss(x, z, kernels::mmd_config_dan()), Error);
  Var xf(random_tensor({4, 3}, 41, DType::f32), true);
  EXPECT_THROW(mmd_loss(xf, y, kernels::mmd_config_dan()), Error);
}

// slice_rows (autograd/ops_mmd.cpp): two slices of one variable, one used twice, accumulate.
TEST(MmdGrad, GradcheckSliceRows) {
  auto r = gradcheck([](const std::vector<Var>& v) {
    Var a = slice_rows(v[0], 0, 3), b = slice_rows(v[0], 3, 4);
    return add(sum(mul(a, a)), add(mean(mul(b, v[1])), sum(slice_rows(v[0], 1, 2))));
  }, {random_tensor({7, 5}, 42), random_tensor({4, 5}, 43)});
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
  Var x(random_tensor({3, 2}, 44), true);
  EXPECT_THROW(slice_rows(x, 2, 2), Error);
}
