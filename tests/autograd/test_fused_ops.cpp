// Autograd ops over the fused kernel families (autograd/ops_fused.cpp): float64 finite-difference
// gradient checks (tolerance as tests/autograd/test_gradcheck.cpp: 1e-6 relative, where truncation
// is ~1e-12 and rounding ~1e-10 for these O(1) functions, and a wrong formula is off by O(1)),
// variables passed twice (contributions written then added), and op-level equality with the chain
// of generic ops they replace (bit for bit on the CPU: same kernels, same order).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "autograd/gradcheck.h"
#include "engine/error.h"
#include "autograd/ops.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::ag;
using gripcu::test::random_tensor;

namespace {
constexpr double kTol = 1e-6;
void expect_ok(const GradcheckResult& r) { EXPECT_TRUE(r.ok(kTol)) << "max rel err " << r.max_rel_err << " at " << r.worst; }

Var chain_film_residual(const Var& h0, const Var& g, const Var& b, const Var& W1, const Var& b1, const Var& W2, const Var& b2) {
  const Var h = film(h0, g, b);
  return add(h, linear(linear(h, W1, b1, Act::relu), W2, b2, Act::relu));
}
}  // namespace

TEST(FusedOpsGradcheck, FilmResidual) {
  // n = 3 rows, H = 5, F = 4; a loss that weights every output differently.
  const std::vector<Tensor> in = {random_tensor({3, 5}, 1, DType::f64, -2, 2), random_tensor({3, 5}, 2, DType::f64, -0.5, 0.5),
                                  random_tensor({3, 5}, 3, DType::f64, -0.5, 0.5), random_tensor({4, 5}, 4),
                                  random_tensor({4}, 5), random_tensor({5, 4}, 6), random_tensor({5}, 7),
                                  random_tensor({3, 5}, 8)};
  expect_ok(gradcheck([](const std::vector<Var>& v) {
    return sum(mul(film_residual(v[0], v[1], v[2], v[3], v[4], v[5], v[6]), v[7]));
  }, in));
}

TEST(FusedOpsGradcheck, FilmResidualWithVariablesPassedTwice) {
  // gamma and beta one variable; W1 and W2 one variable (H = F), b1 and b2 too.
  const std::vector<Tensor> in = {random_tensor({2, 4}, 11, DType::f64, -2, 2), random_tensor({2, 4}, 12, DType::f64, -0.5, 0.5),
                                  random_tensor({4, 4}, 13), random_tensor({4}, 14)};
  expect_ok(gradcheck([](const std::vector<Var>& v) {
    const Var y = film_residual(v[0], v[1], v[1], v[2], v[3], v[2], v[3]);
    return sum(mul(y, y));
  }, in));
}

TEST(FusedOpsGradcheck, LeakyLinearEverySlopeWithAndWithoutBias) {
  for (double slope : {0.2, 0.0, 1.0})
    for (bool bias : {true, false}) {
      SCOPED_TRACE(std::to_string(slope) + (bias ? " bias" : " no bias"));
      std::vector<Tensor> in = {random_tensor({5, 7}, 21, DType::f64, -2, 2), random_tensor({3, 7}, 22)};
      if (bias) in.push_back(random_tensor({3}, 23));
      expect_ok(gradcheck([&](const std::vector<Var>& v) {
        const Var y = leaky_linear(v[0], v[1], bias ? v[2] : Var(), slope);
        return sum(mul(y, y));
      }, in));
    }
}

TEST(FusedOpsGradcheck, LeakyLinearStack) {
  // Three layers as the discriminator stacks them (LeakyReLU 0.2, then the identity logit).
  const std::vector<Tensor> in = {random_tensor({4, 6}, 31, DType::f64, -2, 2), random_tensor({5, 6}, 32), random_tensor({5}, 33),
                                  random_tensor({3, 5}, 34), random_tensor({3}, 35), random_tensor({1, 3}, 36),
                                  random_tensor({1}, 37)};
  expect_ok(gradcheck([](const std::vector<Var>& v) {
    Var h = leaky_linear(v[0], v[1], v[2], 0.2);
    h = leaky_linear(h, v[3], v[4], 0.2);
    return mean(leaky_linear(h, v[5], v[6], 1.0));
  }, in));
}

TEST(FusedOpsGradcheck, LeakyLinearCatEveryPartAndSlope) {
  // Three parts of widths 4, 2, 3 (a profile and two embeddings) into 5 units.
  for (double slope : {0.2, 1.0}) {
    SCOPED_TRACE("slope " + std::to_string(slope));
    const std::vector<Tensor> in = {random_tensor({6, 4}, 71, DType::f64, -2, 2), random_tensor({6, 2}, 72, DType::f64, -2, 2),
                                    random_tensor({6, 3}, 73, DType::f64, -2, 2), random_tensor({5, 9}, 74),
                                    random_tensor({5}, 75), random_tensor({6, 5}, 76)};
    expect_ok(gradcheck([&](const std::vector<Var>& v) {
      return sum(mul(leaky_linear_cat({v[0], v[1], v[2]}, v[3], v[4], slope), v[5]));
    }, in));
  }
}

TEST(FusedOpsGradcheck, LeakyLinearCatWithPartsThatNeedNoGradient) {
  // The discriminator's two steps: the data part constant (D step), or W, b and the embedding
  // parts constant (G step, D frozen); the remaining variables' gradients must still be right.
  const Tensor data = random_tensor({6, 4}, 81, DType::f64, -2, 2), emb = random_tensor({6, 3}, 82, DType::f64, -2, 2);
  const Tensor W = random_tensor({5, 7}, 83), b = random_tensor({5}, 84);
  expect_ok(gradcheck([&](const std::vector<Var>& v) {
    return sum(mul(leaky_linear_cat({Var(data), v[0]}, v[1], v[2], 0.2), v[3]));
  }, {emb, W, b, random_tensor({6, 5}, 85)}));
  expect_ok(gradcheck([&](const std::vector<Var>& v) {
    return sum(mul(leaky_linear_cat({v[0], Var(emb)}, Var(W), Var(b), 0.2), v[1]));
  }, {data, random_tensor({6, 5}, 86)}));
}

TEST(FusedOps, LeakyLinearCatEqualsConcatThenLeakyLinearOnCpu) {
  // Forward, dW and db: the same kernels on the same concatenated input, bit for bit. Each part's
  // gradient is the same sums from a GEMM of that part's width instead of the full one, which Eigen
  // may block differently: equal to float rounding (a wrong column block would be off by O(1)).
  const std::vector<Tensor> in = {random_tensor({9, 300}, 91, DType::f32, -2, 2), random_tensor({9, 40}, 92, DType::f32, -2, 2),
                                  random_tensor({9, 40}, 93, DType::f32, -2, 2), random_tensor({130, 380}, 94, DType::f32, -0.1, 0.1),
                                  random_tensor({130}, 95, DType::f32, -0.1, 0.1)};
  const Tensor w = random_tensor({9, 130}, 96, DType::f32);
  auto run = [&](bool cat, std::vector<Tensor>& grads) {
    std::vector<Var> v;
    for (const auto& t : in) v.emplace_back(t.clone(), true);
    const Var y = cat ? leaky_linear_cat({v[0], v[1], v[2]}, v[3], v[4], 0.2)
                      : leaky_linear(concat_cols({v[0], v[1], v[2]}), v[3], v[4], 0.2);
    backward(sum(mul(y, Var(w))));
    for (const auto& x : v) grads.push_back(x.grad().clone());
    return y.value().clone();
  };
  std::vector<Tensor> gf, gc;
  const Tensor yf = run(true, gf), yc = run(false, gc);
  EXPECT_EQ(std::memcmp(yf.raw(), yc.raw(), yf.nbytes()), 0) << "forward";
  EXPECT_EQ(std::memcmp(gf[3].raw(), gc[3].raw(), gf[3].nbytes()), 0) << "dW";
  EXPECT_EQ(std::memcmp(gf[4].raw(), gc[4].raw(), gf[4].nbytes()), 0) << "db";
  for (size_t i = 0; i < 3; ++i) {
    const auto a = gf[i].to_vector<float>(), c = gc[i].to_vector<float>();
    for (size_t e = 0; e < a.size(); ++e)
      ASSERT_NEAR(a[e], c[e], 1e-6 * (1 + std::abs(c[e]))) << "gradient of part " << i << ", element " << e;
  }
}

TEST(FusedOps, FilmResidualEqualsTheChainBitForBitOnCpu) {
  for (DType dt : {DType::f32, DType::f64}) {
    const std::vector<Tensor> in = {random_tensor({7, 70}, 41, dt, -2, 2), random_tensor({7, 70}, 42, dt, -0.5, 0.5),
                                    random_tensor({7, 70}, 43, dt, -0.5, 0.5), random_tensor({66, 70}, 44, dt, -0.2, 0.2),
                                    random_tensor({66}, 45, dt, -0.2, 0.2), random_tensor({70, 66}, 46, dt, -0.2, 0.2),
                                    random_tensor({70}, 47, dt, -0.2, 0.2)};
    const Tensor w = random_tensor({7, 70}, 48, dt);
    auto run = [&](bool fused, std::vector<Tensor>& grads) {
      std::vector<Var> v;
      for (const auto& t : in) v.emplace_back(t.clone(), true);
      const Var y = fused ? film_residual(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
                          : chain_film_residual(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
      backward(sum(mul(y, Var(w))));
      for (const auto& x : v) grads.push_back(x.grad().clone());
      return y.value().clone();
    };
    std::vector<Tensor> gf, gc;
    const Tensor yf = run(true, gf), yc = run(false, gc);
    EXPECT_EQ(std::memcmp(yf.raw(), yc.raw(), yf.nbytes()), 0) << "forward, " << dtype_name(dt);
    for (size_t i = 0; i < gf.size(); ++i)
      EXPECT_EQ(std::memcmp(gf[i].raw(), gc[i].raw(), gf[i].nbytes()), 0) << "gradient of input " << i << ", " << dtype_name(dt);
  }
}

TEST(FusedOps, LeakyLinearEqualsLinearBitForBitOnCpu) {
  for (double slope : {0.2, 1.0}) {
    const std::vector<Tensor> in = {random_tensor({9, 300}, 51, DType::f32, -2, 2), random_tensor({130, 300}, 52, DType::f32, -0.1, 0.1),
                                    random_tensor({130}, 53, DType::f32, -0.1, 0.1)};
    const Tensor w = random_tensor({9, 130}, 54, DType::f32);
    auto run = [&](bool fused, std::vector<Tensor>& grads) {
      std::vector<Var> v;
      for (const auto& t : in) v.emplace_back(t.clone(), true);
      const Var y = fused ? leaky_linear(v[0], v[1], v[2], slope)
                          : linear(v[0], v[1], v[2], slope == 1.0 ? Act::identity : Act::leaky_relu, slope);
      backward(sum(mul(y, Var(w))));
      for (const auto& x : v) grads.push_back(x.grad().clone());
      return y.value().clone();
    };
    std::vector<Tensor> gf, gc;
    const Tensor yf = run(true, gf), yc = run(false, gc);
    EXPECT_EQ(std::memcmp(yf.raw(), yc.raw(), yf.nbytes()), 0) << "forward, slope " << slope;
    for (size_t i = 0; i < gf.size(); ++i)
      EXPECT_EQ(std::memcmp(gf[i].raw(), gc[i].raw(), gf[i].nbytes()), 0) << "gradient of input " << i << ", slope " << slope;
  }
}

TEST(FusedOps, ShapeErrorsNameTheOp) {
  const Var h0(Tensor::zeros({2, 4})), W1(Tensor::zeros({3, 4})), b1(Tensor::zeros({3})), W2(Tensor::zeros({4, 3})),
      b2(Tensor::zeros({4})), bad(Tensor::zeros({2, 5}));
  try {
    film_residual(h0, bad, h0, W1, b1, W2, b2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("film_residual"), std::string::npos) << e.what();
  }
  EXPECT_THROW(film_residual(h0, h0, h0, W1, b1, W1, b2), Error);   // W2 has the wrong shape
  EXPECT_THROW(leaky_linear(h0, W2, Var(), 0.2), Error);            // [2,4] x [4,3]^T: in differs
  EXPECT_THROW(leaky_linear(h0, W1, b1, -0.5), Error);              // negative slope
}
