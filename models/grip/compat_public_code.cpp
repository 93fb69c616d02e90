#include "models/grip/compat_public_code.h"

#include "autograd/ops.h"

namespace gripcu::grip {

using ag::Act;
using ag::Var;

ModelConfig public_code_model_config(ModelConfig mc) {
  mc.embed_dim = 0;
  mc.mod_hidden = 0;
  mc.hidden = 256;     // ResidualGenerator(gene_dim, hidden_dim=256)
  mc.d_hidden1 = 128;  // MLPDiscriminator(gene_dim, hidden_dim=128): 128, then hidden_dim // 2
  mc.d_hidden2 = 64;
  mc.leaky_slope = 0.2;
  return mc;
}

TrainConfig public_code_train_defaults(TrainConfig tc) {
  tc.epochs = 20;
  tc.batch = 32;
  tc.lr = 1e-3;
  tc.beta1 = 0.9;  // optim.Adam defaults
  tc.beta2 = 0.999;
  tc.lambda = 0.1;
  return tc;
}

IdColumn::IdColumn(int64_t vocab, const Device& dev) {
  GRIPCU_CHECK(vocab > 0, "IdColumn: empty vocabulary");
  std::vector<float> v(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  table_ = Tensor::from_vector(v, {vocab, 1}, dev);
}

Var IdColumn::operator()(const Tensor& idx) const { return ag::embedding(Var(table_), idx); }

PublicCodeGenerator::PublicCodeGenerator(nn::ParamStore& s, const ModelConfig& c, const Device& dev)
    : cfg(c),
      cell_id(c.cells, dev),
      drug_id(c.drugs, dev),
      fc1(s, "generator.fc1", c.genes + 2, c.hidden),
      fc2(s, "generator.fc2", c.hidden, c.hidden),
      fc3(s, "generator.fc3", c.hidden, c.genes) {}

Var PublicCodeGenerator::operator()(const Var& x, const Tensor& cells, const Tensor& drugs) const {
  GRIPCU_CHECK(x.dim(1) == cfg.genes, "generator (public-code compat): input ", x.value().describe(), " but the model has ",
               cfg.genes, " genes");
  const Var inp = ag::concat_cols({x, drug_id(drugs), cell_id(cells)});  // torch.cat([x, drug, cell], dim=1)
  const Var h = fc2(fc1(inp, Act::relu), Act::relu);
  return ag::add(x, fc3(h));
}

PublicCodeDiscriminator::PublicCodeDiscriminator(nn::ParamStore& s, const ModelConfig& c, const Device& dev)
    : cfg(c),
      cell_id(c.cells, dev),
      drug_id(c.drugs, dev),
      l0(s, "discriminator.model.0", c.genes + 2, c.d_hidden1),
      l2(s, "discriminator.model.2", c.d_hidden1, c.d_hidden2),
      l4(s, "discriminator.model.4", c.d_hidden2, 1) {}

Var PublicCodeDiscriminator::operator()(const Var& profile, const Tensor& cells, const Tensor& drugs) const {
  const Var inp = ag::concat_cols({profile, drug_id(drugs), cell_id(cells)});
  const Var h = l2(l0(inp, Act::leaky_relu, cfg.leaky_slope), Act::leaky_relu, cfg.leaky_slope);
  return l4(h);
}

}  // namespace gripcu::grip
