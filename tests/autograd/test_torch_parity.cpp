// PyTorch parity: the network of tools/reference/make_torch_mlp_fixture.py (embeddings -> FiLM ->
// 2 LeakyReLU layers -> MSE head + BCE-with-logits head) built from gripcu layers, loaded with
// PyTorch's initial weights, must reproduce PyTorch's outputs, loss, every parameter gradient,
// and the parameters after 3 Adam steps. Tolerance: max |ours - torch| / max |torch| <= 1e-5
// per tensor (both sides float32; different summation orders give ~1e-7 relative differences,
// and Adam's first steps move each weight by ~lr, which amplifies them by at most ~10x).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "engine/io/safetensors.h"
#include "layers/layers.h"
#include "layers/optim.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::nn;

namespace {
struct Net {
  ParamStore store{DType::f32};
  Embedding cell_emb{store, "cell_emb", 5, 4}, drug_emb{store, "drug_emb", 3, 4};
  Linear proj{store, "proj", 6, 10};
  FiLM film{store, "film", 8, 10};
  Linear hidden{store, "hidden", 10, 10}, reg{store, "reg", 10, 6}, disc{store, "disc", 10, 1};

  std::pair<Var, Var> forward(const Var& x, const Tensor& cell, const Tensor& drug) {
    Var c = ag::concat_cols({cell_emb(cell), drug_emb(drug)});
    Var h = ag::leaky_relu(film(proj(x), c), 0.2);
    h = hidden(h, ag::Act::leaky_relu, 0.2);
    return {reg(h), disc(h)};
  }
};

using test::rel_diff;
}  // namespace

TEST(TorchParity, FilmMlpForwardBackwardAndThreeAdamSteps) {
  const std::string path = test::source_path("tests/fixtures/torch/film_mlp.safetensors");
  const io::SafeTensors fx = io::load_safetensors(path);
  Net net;
  Rng rng(0);
  net.store.finalize(Device::cpu(), rng);
  for (const auto& e : net.store.entries()) net.store.param(e.name).value_mut().copy_(fx.get("param." + e.name));

  Var x(fx.get("input.x")), y(fx.get("input.y")), label(fx.get("input.label"));
  const Tensor& cell = fx.get("input.cell");
  const Tensor& drug = fx.get("input.drug");
  auto loss_of = [&](Var* pred, Var* logit) {
    auto [p, l] = net.forward(x, cell, drug);
    if (pred) *pred = p;
    if (logit) *logit = l;
    return ag::add(ag::mse_loss(p, y), ag::scale(ag::bce_with_logits(l, label), 0.5));
  };

  const double kTol = 1e-5;
  net.store.zero_grad();
  Var pred, logit;
  Var loss = loss_of(&pred, &logit);
  EXPECT_LE(rel_diff(pred.value(), fx.get("out.pred")), kTol);
  EXPECT_LE(rel_diff(logit.value(), fx.get("out.logit")), kTol);
  EXPECT_LE(rel_diff(loss.value(), fx.get("out.loss")), kTol);
  ag::backward(loss);
  for (const auto& e : net.store.entries())
    EXPECT_LE(rel_diff(net.store.param(e.name).grad(), fx.get("grad." + e.name)), kTol) << e.name;

  Adam opt(net.store, {1e-2});
  for (int k = 0; k < 3; ++k) {
    net.store.zero_grad();
    Var l = loss_of(nullptr, nullptr);
    EXPECT_LE(rel_diff(l.value(), fx.get("step" + std::to_string(k) + ".loss")), kTol) << "step " << k;
    ag::backward(l);
    opt.step();
  }
  for (const auto& e : net.store.entries())
    EXPECT_LE(rel_diff(net.store.param(e.name).value(), fx.get("final." + e.name)), kTol) << e.name;
}
