// Finite-difference gradient checks (float64, central differences, h = 1e-6) for every autograd op.
// Tolerance 1e-6 relative: the FD truncation error is O(h^2 f''') ~ 1e-12 and the rounding error
// O(eps / h) ~ 1e-10 for these O(1) functions, so 1e-6 leaves a wide margin yet catches any
// wrong formula (those give O(1) errors).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::ag;
using gripcu::test::random_tensor;

namespace {
constexpr double kTol = 1e-6;
void expect_ok(const GradcheckResult& r) { EXPECT_TRUE(r.ok(kTol)) << "max rel err " << r.max_rel_err << " at " << r.worst; }
Tensor idx_tensor(std::vector<int64_t> v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }
}  // namespace

TEST(Gradcheck, LinearEveryActivationWithAndWithoutBias) {
  for (Act act : {Act::identity, Act::relu, Act::leaky_relu, Act::sigmoid, Act::tanh}) {
    for (bool bias : {true, false}) {
      std::vector<Tensor> in = {random_tensor({5, 7}, 1), random_tensor({3, 7}, 2)};
      if (bias) in.push_back(random_tensor({3}, 3));
      auto r = gradcheck([&](const std::vector<Var>& v) {
        Var y = linear(v[0], v[1], bias ? v[2] : Var(), act, 0.2);
        return sum(mul(y, y));
      }, in);
      SCOPED_TRACE(std::string(kernels::act_name(act)) + (bias ? " bias" : " no bias"));
      expect_ok(r);
    }
  }
}

TEST(Gradcheck, Matmul) {
  expect_ok(gradcheck([](const std::vector<Var>& v) { Var y = matmul(v[0], v[1]); return sum(mul(y, y)); },
                      {random_tensor({4, 6}, 4), random_tensor({6, 3}, 5)}));
}

TEST(Gradcheck, AddSubMulScaleRowvec) {
  auto in = std::vector<Tensor>{random_tensor({3, 4}, 6), random_tensor({3, 4}, 7), random_tensor({4}, 8)};
  expect_ok(gradcheck([](const std::vector<Var>& v) {
    Var a = add(v[0], v[1]), b = sub(v[0], scale(v[1], 0.3)), c = mul(a, b);
    return mean(mul(add_rowvec(c, v[2]), c));
  }, in));
}

TEST(Gradcheck, Activations) {
  for (Act act : {Act::relu, Act::leaky_relu, Act::sigmoid, Act::tanh}) {
    SCOPED_TRACE(kernels::act_name(act));
    expect_ok(gradcheck([act](const std::vector<Var>& v) { Var y = activation(v[0], act, 0.1); return sum(mul(y, v[1])); },
                        {random_tensor({6, 5}, 9, DType::f64, -2, 2), random_tensor({6, 5}, 10)}));
  }
}

TEST(Gradcheck, SumAndMean) {
  expect_ok(gradcheck([](const std::vector<Var>& v) { return add(sum(mul(v[0], v[0])), scale(mean(v[0]), 3.0)); },
                      {random_tensor({7, 3}, 11)}));
}

TEST(Gradcheck, MseBothArguments) {
  expect_ok(gradcheck([](const std::vector<Var>& v) { return mse_loss(v[0], v[1]); },
                      {random_tensor({4, 9}, 12), random_tensor({4, 9}, 13)}));
}

TEST(Gradcheck, BceWithLogitsIncludingLargeLogits) {
  Tensor t = random_tensor({10, 1}, 15, DType::f64, 0, 1);
  auto z = random_tensor({10, 1}, 14, DType::f64, -30, 30);
  expect_ok(gradcheck([&](const std::vector<Var>& v) { return bce_with_logits(v[0], Var(t)); }, {z}));
}

TEST(Gradcheck, SoftmaxCrossEntropy) {
  Tensor labels = idx_tensor({0, 3, 2, 3, 1});
  expect_ok(gradcheck([&](const std::vector<Var>& v) { return softmax_cross_entropy(v[0], labels); },
                      {random_tensor({5, 4}, 16, DType::f64, -3, 3)}));
}

TEST(Gradcheck, EmbeddingWithRepeatedIndices) {
  Tensor idx = idx_tensor({2, 0, 2, 2, 4});
  expect_ok(gradcheck([&](const std::vector<Var>& v) { Var e = embedding(v[0], idx); return sum(mul(e, v[1])); },
                      {random_tensor({5, 3}, 17), random_tensor({5, 3}, 18)}));
}

TEST(Gradcheck, ConcatAndSlice) {
  expect_ok(gradcheck([](const std::vector<Var>& v) {
    Var c = concat_cols({v[0], v[1], v[0]});
    Var s = slice_cols(c, 2, 4);
    return add(sum(mul(c, c)), sum(mul(s, s)));
  }, {random_tensor({3, 2}, 19), random_tensor({3, 5}, 20)}));
}

TEST(Gradcheck, Film) {
  expect_ok(gradcheck([](const std::vector<Var>& v) { Var y = film(v[0], v[1], v[2]); return sum(mul(y, v[3])); },
                      {random_tensor({4, 6}, 21), random_tensor({4, 6}, 22), random_tensor({4, 6}, 23), random_tensor({4, 6}, 24)}));
}

TEST(Gradcheck, FilmWithSharedInput) {
  // gamma and beta are the same variable: the fused backward must accumulate both contributions.
  expect_ok(gradcheck([](const std::vector<Var>& v) { Var y = film(v[0], v[1], v[1]); return sum(mul(y, y)); },
                      {random_tensor({3, 5}, 25), random_tensor({3, 5}, 26)}));
}

TEST(Gradcheck, GradientReversalScalesByMinusLambda) {
  Tensor lambda = Tensor::full({1}, 0.7, DType::f64);
  Tensor x = random_tensor({4, 3}, 27);
  // The GRL is not a gradient of anything: its backward is -lambda times the true gradient.
  // So check it two ways: the analytic gradient equals -0.7 x the finite difference of the
  // un-reversed function, exactly as the definition says.
  std::vector<Var> v = {Var(x.clone(), true)};
  Var loss = sum(mul(gradient_reversal(v[0], lambda), gradient_reversal(v[0], lambda)));
  backward(loss);
  const auto g = v[0].grad().to_vector<double>();
  const auto xs = x.to_vector<double>();
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(g[i], -0.7 * 2 * xs[i], 1e-12);
  // And composed with an identity-preserving double reversal (lambda = -1 gives the plain gradient).
  Tensor minus_one = Tensor::full({1}, -1.0, DType::f64);
  expect_ok(gradcheck([&](const std::vector<Var>& w) { Var y = gradient_reversal(w[0], minus_one); return sum(mul(y, y)); },
                      {x}));
}

TEST(Gradcheck, DropoutWithFixedStream) {
  expect_ok(gradcheck([](const std::vector<Var>& v) { Var y = dropout(v[0], 0.3, 42, 7); return sum(mul(y, v[0])); },
                      {random_tensor({8, 9}, 28)}));
}

TEST(Autograd, GradientsAccumulateAcrossUsesAndBackwardCalls) {
  Var x(Tensor::from_vector(std::vector<double>{1.0, 2.0}, {2}), true);
  Var y = add(mul(x, x), x);  // dy/dx = 2x + 1
  backward(sum(y));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3.0, 5.0}));
  backward(sum(scale(x, 2.0)));  // a second backward adds into leaf grads
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{5.0, 7.0}));
}

TEST(Autograd, NoGradRecordsNothing) {
  Var x(random_tensor({3}, 29), true);
  tape().clear();
  {
    NoGrad ng;
    Var y = mul(x, x);
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_EQ(tape().size(), 0u);
}

TEST(Autograd, ShapeAndDtypeErrorsNameTheOp) {
  Var a(random_tensor({3, 4}, 30)), b(random_tensor({4, 3}, 31)), f(random_tensor({3, 4}, 32, DType::f32));
  try {
    add(a, b);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("add: shape mismatch f64[3,4]@cpu vs f64[4,3]@cpu"), std::string::npos) << e.what();
  }
  try {
    mul(a, f);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mul: expected f64"), std::string::npos) << e.what();
  }
  try {
    linear(a, b, Var());  // needs W [out, 4]
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("linear: input f64[3,4]@cpu does not match weight f64[4,3]@cpu"), std::string::npos) << e.what();
  }
}

TEST(Autograd, NonFiniteLossIsAnErrorNamingTheOp) {
  Tensor p = Tensor::from_vector(std::vector<double>{1.0, std::nan("")}, {2});
  try {
    mse_loss(Var(p), Var(Tensor::zeros({2}, DType::f64)));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mse_loss(f64[2]@cpu, f64[2]@cpu): non-finite loss"), std::string::npos) << e.what();
  }
}

TEST(Autograd, CudaTensorWithoutDeviceIsAClearError) {
  if (!cuda_devices().empty()) GTEST_SKIP() << "a CUDA device is present; this checks the no-device message";
  try {
    Tensor::zeros({2}, DType::f32, Device::cuda(0));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("requested but no CUDA device is available"), std::string::npos) << e.what();
  }
}
