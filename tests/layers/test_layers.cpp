// Whole-layer checks: parameter gradients of Linear, Embedding, FiLM, GRL and MLP against central
// finite differences over the ParamStore slab (float64; tolerance as in test_gradcheck.cpp),
// initialisation ranges, naming, and the optimizers.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "layers/layers.h"
#include "layers/optim.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::nn;
using gripcu::test::random_tensor;

namespace {
// Max relative error between the slab gradient from backward() and central differences.
double slab_gradcheck(ParamStore& store, const std::function<Var()>& loss_fn, double h = 1e-6) {
  store.zero_grad();
  ag::backward(loss_fn());
  const auto analytic = store.grads().to_vector<double>();
  double* p = store.values().data<double>();
  double worst = 0;
  for (int64_t i = 0; i < store.numel(); ++i) {
    const double x0 = p[i];
    ag::NoGrad ng;
    p[i] = x0 + h;
    const double fp = loss_fn().item();
    p[i] = x0 - h;
    const double fm = loss_fn().item();
    p[i] = x0;
    const double num = (fp - fm) / (2 * h);
    worst = std::max(worst, std::fabs(analytic[static_cast<size_t>(i)] - num) / std::max(1.0, std::fabs(num)));
  }
  return worst;
}
Tensor idx_tensor(std::vector<int64_t> v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }
}  // namespace

TEST(Layers, LinearParameterGradients) {
  ParamStore s(DType::f64);
  Rng rng(1);
  Linear lin(s, "lin", 6, 4);
  s.finalize(Device::cpu(), rng);
  Var x(random_tensor({5, 6}, 2)), t(random_tensor({5, 4}, 3));
  EXPECT_LT(slab_gradcheck(s, [&] { return ag::mse_loss(lin(x, ag::Act::tanh), t); }), 1e-6);
}

TEST(Layers, EmbeddingFilmMlpGrlTogether) {
  // A miniature of the GRIP generator and DADSP discriminator paths: every layer type at once.
  ParamStore s(DType::f64);
  Rng rng(4);
  Embedding cell(s, "cell", 4, 3), drug(s, "drug", 3, 3);
  Linear proj(s, "proj", 5, 6);
  FiLM film(s, "film", 6, 6);
  MLP head(s, "head", {6, 7, 2}, ag::Act::leaky_relu, 0.2);
  GradientReversal grl(Device::cpu(), DType::f64, 0.5);
  s.finalize(Device::cpu(), rng);
  Var x(random_tensor({6, 5}, 5)), t(random_tensor({6, 2}, 6));
  Tensor ci = idx_tensor({0, 3, 3, 1, 2, 0}), di = idx_tensor({2, 2, 0, 1, 0, 1});
  auto loss = [&] {
    Var cond = ag::concat_cols({cell(ci), drug(di)});
    Var h = film(proj(x), cond);
    return ag::mse_loss(head(grl(h)), t);
  };
  // With the GRL inside, gradients of parameters before it are -lambda x the true ones: check
  // the parameters after it by finite differences, and the ones before it by that identity.
  grl.set_lambda(-1.0);  // -(-1) = identity: every parameter's gradient is the true one
  EXPECT_LT(slab_gradcheck(s, loss), 1e-6);
  s.zero_grad();
  ag::backward(loss());
  const auto g_identity = s.grads().to_vector<double>();
  grl.set_lambda(0.5);
  s.zero_grad();
  ag::backward(loss());
  const auto g_rev = s.grads().to_vector<double>();
  const auto& head_first = s.entry("head.0.weight");
  for (const auto& e : s.entries()) {
    const bool before_grl = e.offset < head_first.offset;
    for (int64_t i = 0; i < shape_numel(e.shape); ++i) {
      const size_t k = static_cast<size_t>(e.offset + i);
      EXPECT_NEAR(g_rev[k], before_grl ? -0.5 * g_identity[k] : g_identity[k], 1e-12) << e.name;
    }
  }
}

TEST(Layers, NamesAndInitRangesFollowPyTorch) {
  ParamStore s(DType::f32);
  Rng rng(7);
  Linear lin(s, "gen.proj", 100, 30);
  Embedding emb(s, "gen.cell_emb", 50, 40);
  s.finalize(Device::cpu(), rng);
  std::vector<std::string> names;
  for (const auto& e : s.entries()) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"gen.proj.weight", "gen.proj.bias", "gen.cell_emb.weight"}));
  const auto w = lin.weight.value().to_vector<float>();
  for (float v : w) EXPECT_LE(std::fabs(v), 0.1f);  // 1/sqrt(100)
  const auto e = emb.weight.value().to_vector<float>();
  double m = 0, v2 = 0;
  for (float v : e) { m += v; v2 += double(v) * v; }
  m /= double(e.size());
  v2 = v2 / double(e.size()) - m * m;
  EXPECT_NEAR(m, 0.0, 0.1);   // 2000 N(0,1) draws: std error of the mean 0.022
  EXPECT_NEAR(v2, 1.0, 0.15);  // std error of the variance ~0.032
}

TEST(Layers, SameSeedSameWeightsDifferentSeedDifferentWeights) {
  auto weights = [](uint64_t seed) {
    ParamStore s;
    Rng rng(seed);
    MLP m(s, "m", {8, 16, 4});
    s.finalize(Device::cpu(), rng);
    return s.values().to_vector<float>();
  };
  EXPECT_EQ(weights(3), weights(3));
  EXPECT_NE(weights(3), weights(4));
}

TEST(Optim, AdamMinimisesAQuadratic) {
  ParamStore s(DType::f64);
  Rng rng(8);
  Var p = s.declare("p", {3}, Init::uniform(-1, 1));
  s.finalize(Device::cpu(), rng);
  Adam opt(s, {0.1});
  Var target(Tensor::from_vector(std::vector<double>{0.5, -2.0, 3.0}, {3}));
  for (int i = 0; i < 500; ++i) {
    s.zero_grad();
    ag::backward(ag::mse_loss(p, target));
    opt.step();
  }
  const auto v = p.value().to_vector<double>();
  EXPECT_NEAR(v[0], 0.5, 1e-3);
  EXPECT_NEAR(v[1], -2.0, 1e-3);
  EXPECT_NEAR(v[2], 3.0, 1e-3);
}

TEST(Optim, SgdMomentumMinimisesAQuadratic) {
  ParamStore s(DType::f64);
  Rng rng(9);
  Var p = s.declare("p", {2}, Init::zeros());
  s.finalize(Device::cpu(), rng);
  SGD opt(s, {0.1, 0.9});
  Var target(Tensor::from_vector(std::vector<double>{1.0, -1.0}, {2}));
  for (int i = 0; i < 300; ++i) {
    s.zero_grad();
    ag::backward(ag::mse_loss(p, target));
    opt.step();
  }
  const auto v = p.value().to_vector<double>();
  EXPECT_NEAR(v[0], 1.0, 1e-4);
  EXPECT_NEAR(v[1], -1.0, 1e-4);
}
