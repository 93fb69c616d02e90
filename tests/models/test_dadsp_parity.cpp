// PyTorch parity for one DADSP-A step (tools/reference/make_torch_dadsp_fixture.py): the gripcu
// DadspModel at the fixture's sizes, loaded with PyTorch's initial weights, must reproduce the
// prediction, the MSE and domain cross-entropy, every parameter gradient (through the gradient
// reversal layer with lambda = 0.37) and the parameters after one Adam step.
// Tolerance: max |ours - torch| / max |torch| <= 1e-5 per tensor: both sides are float32 with
// different summation orders (~1e-7 relative); Adam's first step moves each weight by ~lr
// whatever the gradient's size, so parameters after the step agree to ~1e-7 of their scale too.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "engine/io/safetensors.h"
#include "layers/optim.h"
#include "models/dadsp/train.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::dadsp;

using test::rel_diff;

TEST(DadspParity, OneAdversarialStepMatchesPyTorch) {
  const io::SafeTensors fx = io::load_safetensors(test::source_path("tests/fixtures/torch/dadsp_a_step.safetensors"));
  ModelConfig mc;
  mc.genes = 12;
  mc.drug_dim = 16;
  mc.sae = {10, 6};
  mc.drug_hidden = {8, 4};
  mc.reg_hidden = {8, 6, 4};
  mc.disc_hidden = {6, 5};
  TrainConfig tc;
  DadspModel m(mc, tc, Device::cpu());
  std::vector<nn::ParamStore*> trained = {&m.gstore, &m.dstore, &m.rstore, &m.cstore};
  for (auto* s : trained)
    for (const auto& e : s->entries()) e.var->value.copy_(fx.get("param." + e.name));
  const ag::Var x(fx.get("input.x")), fp(fx.get("input.fp"));
  const Tensor& y = fx.get("input.y");
  const double lambda = fx.get("input.lambda").to_vector<float>()[0];
  {
    ag::NoGrad ng;
    const ag::Var pred = m.regress(ag::slice_rows(m.features(x), 0, 5), fp);
    EXPECT_LE(rel_diff(pred.value(), fx.get("out.pred")), 1e-5);
  }
  for (auto* s : m.stores()) s->zero_grad();
  nn::GradientReversal grl(Device::cpu(), DType::f32);
  const StepLoss l = adversarial_step(m, x, 5, fp, y, grl, lambda, true);
  EXPECT_NEAR(l.mse, fx.get("out.mse").to_vector<float>()[0], 1e-6);
  EXPECT_NEAR(l.domain, fx.get("out.ce").to_vector<float>()[0], 1e-6);
  int checked = 0;
  for (auto* s : trained)
    for (const auto& e : s->entries()) {
      EXPECT_LE(rel_diff(e.var->grad, fx.get("grad." + e.name)), 1e-5) << "gradient of " << e.name;
      ++checked;
    }
  EXPECT_EQ(checked, 2 * (2 + 2 + 4 + 3));  // weights and biases of the 11 layers
  kernels::AdamHyper h;
  h.lr = 1e-2;
  for (auto* s : trained) {
    nn::Adam opt(*s, h);
    opt.step();
    for (const auto& e : s->entries())
      EXPECT_LE(rel_diff(e.var->value, fx.get("after." + e.name)), 1e-5) << "after Adam: " << e.name;
  }
}
