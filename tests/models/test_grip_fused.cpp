// The GRIP-Lung networks run the fused kernels (generator: film_residual; discriminator:
// leaky_linear_cat, then leaky_linear per layer). They must compute what the chain of generic ops
// computes: on the CPU the outputs bit for bit (the fused CPU kernels run the same arithmetic in
// the same order, and the test builds the chain in the networks' op order) and every parameter
// gradient to float rounding (the discriminator's first layer gives each input part the gradient
// from its own columns of W: the same sums from a narrower GEMM, which Eigen may block otherwise);
// and on a GPU the CUDA networks must match the CPU ones (skipped without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "models/grip/networks.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;
using ag::Act;
using ag::Var;

namespace {

ModelConfig small_config() {
  ModelConfig c;
  c.genes = 37;
  c.cells = 3;
  c.drugs = 4;
  c.embed_dim = 8;
  c.hidden = 70;  // > 64: several GEMM tiles per layer
  c.mod_hidden = 24;
  c.d_hidden1 = 66;
  c.d_hidden2 = 20;
  return c;
}

// The unfused generator: FiLM, res1, res2, add, as the networks were written before fusion.
Var chain_generator(const Generator& g, const Var& x, const Tensor& cells, const Tensor& drugs) {
  const Var m = g.condition(cells, drugs);
  const Var h0 = g.proj(x);
  const Var gamma = g.film.to_gamma(m);
  const Var beta = g.film.to_beta(m);
  const Var h = ag::film(h0, gamma, beta);
  const Var r = g.res2(g.res1(h, Act::relu), Act::relu);
  return ag::add(x, g.out(ag::add(h, r)));
}
Var chain_discriminator(const Discriminator& d, const Var& y, const Tensor& cells, const Tensor& drugs) {
  return d.mlp(ag::concat_cols({y, d.cell_emb(cells), d.drug_emb(drugs)}));
}

struct NetOut {
  std::vector<float> out, gparams;
};

struct Nets {
  ModelConfig cfg = small_config();
  nn::ParamStore gs, ds;
  Generator G{gs, cfg};
  Discriminator D{ds, cfg};
  explicit Nets(const Device& dev) {
    Rng rng(7);
    gs.finalize(dev, rng);
    ds.finalize(dev, rng);
  }
  // One generator-style loss through both networks: MSE(G(x), y) + BCE(D(G(x)), 1) + BCE(D(y), 0).
  NetOut run(bool fused, const Device& dev) {
    const int64_t n = 5;
    const Tensor x = test::random_tensor({n, cfg.genes}, 11, DType::f32, -2, 2).to(dev);
    const Tensor y = test::random_tensor({n, cfg.genes}, 12, DType::f32, -2, 2).to(dev);
    const Tensor cells = Tensor::from_vector(std::vector<int64_t>{0, 2, 1, 2, 0}, {n}, dev);
    const Tensor drugs = Tensor::from_vector(std::vector<int64_t>{3, 0, 1, 1, 2}, {n}, dev);
    const Tensor ones = Tensor::full({n, 1}, 1.0, DType::f32, dev), zeros = Tensor::zeros({n, 1}, DType::f32, dev);
    gs.zero_grad();
    ds.zero_grad();
    const Var fake = fused ? G(Var(x), cells, drugs) : chain_generator(G, Var(x), cells, drugs);
    const Var d_fake = fused ? D(fake, cells, drugs) : chain_discriminator(D, fake, cells, drugs);
    const Var d_real = fused ? D(Var(y), cells, drugs) : chain_discriminator(D, Var(y), cells, drugs);
    const Var loss = ag::add(ag::mse_loss(fake, Var(y)),
                             ag::add(ag::bce_with_logits(d_fake, Var(ones)), ag::bce_with_logits(d_real, Var(zeros))));
    ag::backward(loss);
    NetOut r;
    r.out = fake.value().to(Device::cpu()).to_vector<float>();
    for (const float v : d_fake.value().to(Device::cpu()).to_vector<float>()) r.out.push_back(v);
    r.gparams = gs.grads().to(Device::cpu()).to_vector<float>();
    for (const float v : ds.grads().to(Device::cpu()).to_vector<float>()) r.gparams.push_back(v);
    return r;
  }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST(GripFusedNetworks, ParameterNamesAndShapesAreUnchanged) {
  Nets nets(Device::cpu());
  const ModelConfig& c = nets.cfg;
  EXPECT_EQ(nets.gs.entry("generator.res1.weight").shape, (Shape{c.hidden, c.hidden}));
  EXPECT_EQ(nets.gs.entry("generator.res2.bias").shape, (Shape{c.hidden}));
  EXPECT_EQ(nets.gs.entry("generator.film.gamma.weight").shape, (Shape{c.hidden, c.mod_hidden}));
  EXPECT_EQ(nets.gs.entry("generator.film.beta.bias").shape, (Shape{c.hidden}));
  EXPECT_EQ(nets.ds.entry("discriminator.mlp.0.weight").shape, (Shape{c.d_hidden1, c.genes + 2 * c.embed_dim}));
  EXPECT_EQ(nets.ds.entry("discriminator.mlp.2.weight").shape, (Shape{1, c.d_hidden2}));
}

TEST(GripFusedNetworks, CpuEqualsTheGenericChain) {
  Nets nets(Device::cpu());
  const NetOut fused = nets.run(true, Device::cpu());
  const NetOut chain = nets.run(false, Device::cpu());
  EXPECT_TRUE(same_bits(fused.out, chain.out)) << "outputs differ";
  ASSERT_EQ(fused.gparams.size(), chain.gparams.size());
  // float32 sums of at most G + 2e = 53 or hidden = 70 terms: reordering moves ~1e-7 relative; a
  // wrong column block of W would be off by O(1).
  for (size_t i = 0; i < fused.gparams.size(); ++i)
    ASSERT_NEAR(fused.gparams[i], chain.gparams[i], 1e-6 * (1 + std::fabs(chain.gparams[i]))) << "gradient " << i;
  // Not vacuous: every parameter tensor got a gradient somewhere.
  double s = 0;
  for (float v : fused.gparams) s += std::fabs(v);
  EXPECT_GT(s, 0.0);
}

TEST(GripFusedNetworks, CudaMatchesCpu) {
  GRIPCU_REQUIRE_CUDA();
  Nets cpu(Device::cpu()), gpu(Device::cuda(0));  // same seed: the same initial weights (Philox)
  const NetOut a = cpu.run(true, Device::cpu());
  const NetOut b = gpu.run(true, Device::cuda(0));
  ASSERT_EQ(a.out.size(), b.out.size());
  ASSERT_EQ(a.gparams.size(), b.gparams.size());
  // float32 with sums of up to G + 2 e = 53 and hidden 70 terms per layer, a few layers deep, and
  // O(1) values: different summation orders differ by ~1e-5 relative; 1e-3 absolute + relative is
  // far below a wrong formula's O(1) error.
  for (size_t i = 0; i < a.out.size(); ++i) EXPECT_NEAR(a.out[i], b.out[i], 1e-3 * (1 + std::fabs(a.out[i]))) << "output " << i;
  for (size_t i = 0; i < a.gparams.size(); ++i)
    EXPECT_NEAR(a.gparams[i], b.gparams[i], 1e-3 * (1 + std::fabs(a.gparams[i]))) << "gradient " << i;
}
