#include "models/grip/arch_cnn.h"

namespace gripcu::grip {

using ag::Var;

namespace {
int64_t conv_out(int64_t l, const ModelConfig& c) { return (l + 2 * (c.cnn_kernel / 2) - c.cnn_kernel) / c.cnn_stride + 1; }
int64_t flat_size(const ModelConfig& c) {
  GRIPCU_CHECK(c.cnn_kernel > 0 && c.cnn_stride > 0 && c.genes + 2 * (c.cnn_kernel / 2) >= c.cnn_kernel,
               "1D-CNN discriminator: kernel ", c.cnn_kernel, " / stride ", c.cnn_stride, " do not fit ", c.genes, " genes");
  return c.cnn_channels2 * conv_out(conv_out(c.genes, c), c);
}
}  // namespace

CnnDiscriminator::CnnDiscriminator(nn::ParamStore& s, const ModelConfig& c)
    : cfg(c),
      cell_emb(s, "discriminator.cell_emb", c.cells, c.embed_dim),
      drug_emb(s, "discriminator.drug_emb", c.drugs, c.embed_dim),
      conv1(s, "discriminator.conv1", 1, c.cnn_channels1, c.cnn_kernel, c.cnn_stride, c.cnn_kernel / 2),
      conv2(s, "discriminator.conv2", c.cnn_channels1, c.cnn_channels2, c.cnn_kernel, c.cnn_stride, c.cnn_kernel / 2),
      flat(flat_size(c)),
      fc1(s, "discriminator.fc1", flat + 2 * c.embed_dim, c.d_hidden2),
      fc2(s, "discriminator.fc2", c.d_hidden2, 1) {}

Var CnnDiscriminator::operator()(const Var& profile, const Tensor& cells, const Tensor& drugs) const {
  GRIPCU_CHECK(profile.dim(1) == cfg.genes, "1D-CNN discriminator: input ", profile.value().describe(), " but the model has ",
               cfg.genes, " genes");
  const int64_t n = profile.dim(0);
  Var h = ag::reshape(profile, {n, 1, cfg.genes});
  h = ag::leaky_relu(conv1(h), cfg.leaky_slope);
  h = ag::leaky_relu(conv2(h), cfg.leaky_slope);
  h = ag::concat_cols({ag::reshape(h, {n, flat}), cell_emb(cells), drug_emb(drugs)});
  return fc2(fc1(h, ag::Act::leaky_relu, cfg.leaky_slope));
}

}  // namespace gripcu::grip
