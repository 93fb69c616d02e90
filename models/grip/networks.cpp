#include "models/grip/networks.h"

#include "autograd/ops.h"

namespace gripcu::grip {

using ag::Act;
using ag::Var;

Generator::Generator(nn::ParamStore& s, const ModelConfig& c)
    : cfg(c),
      cell_emb(s, "generator.cell_emb", c.cells, c.embed_dim),
      drug_emb(s, "generator.drug_emb", c.drugs, c.embed_dim),
      mod(s, "generator.mod", 2 * c.embed_dim, c.mod_hidden),
      film(s, "generator.film", c.mod_hidden, c.hidden),
      proj(s, "generator.proj", c.genes, c.hidden),
      res1(s, "generator.res1", c.hidden, c.hidden),
      res2(s, "generator.res2", c.hidden, c.hidden),
      out(s, "generator.out", c.hidden, c.genes) {}

Var Generator::condition(const Tensor& cells, const Tensor& drugs) const {
  return mod(ag::concat_cols({cell_emb(cells), drug_emb(drugs)}), Act::relu);
}

Var Generator::operator()(const Var& x, const Tensor& cells, const Tensor& drugs) const {
  GRIPCU_CHECK(x.dim(1) == cfg.genes, "generator: input ", x.value().describe(), " but the model has ", cfg.genes, " genes");
  const Var m = condition(cells, drugs);
  // FiLM + residual block fused (kernels/film_residual.h): h = h0 (1 + gamma) + beta,
  // h' = h + ReLU(res2(ReLU(res1(h)))); the same parameters (film.gamma/beta, res1, res2).
  const Var h0 = proj(x);
  const Var gamma = film.to_gamma(m);
  const Var beta = film.to_beta(m);
  const Var hp = ag::film_residual(h0, gamma, beta, res1.weight, res1.bias, res2.weight, res2.bias);
  return ag::add(x, out(hp));
}

Discriminator::Discriminator(nn::ParamStore& s, const ModelConfig& c)
    : cfg(c),
      cell_emb(s, "discriminator.cell_emb", c.cells, c.embed_dim),
      drug_emb(s, "discriminator.drug_emb", c.drugs, c.embed_dim),
      mlp(s, "discriminator.mlp", {c.genes + 2 * c.embed_dim, c.d_hidden1, c.d_hidden2, 1}, Act::leaky_relu, c.leaky_slope) {}

Var Discriminator::operator()(const Var& profile, const Tensor& cells, const Tensor& drugs) const {
  // Each layer one fused GEMM + bias + LeakyReLU (kernels/leaky_mlp.h); the logit layer is the same
  // kernel with slope 1 (the identity). Parameters stay mlp.<i>.weight / .bias.
  // The first layer reads [profile, cell embedding, drug embedding] as one concatenated input; its
  // backward gives each part only its own columns' gradient (ag::leaky_linear_cat).
  const nn::Linear& l0 = mlp.layers[0];
  Var h = ag::leaky_linear_cat({profile, cell_emb(cells), drug_emb(drugs)}, l0.weight, l0.bias,
                               mlp.layers.size() > 1 ? cfg.leaky_slope : 1.0);
  for (size_t i = 1; i < mlp.layers.size(); ++i) {
    const nn::Linear& l = mlp.layers[i];
    h = ag::leaky_linear(h, l.weight, l.bias, i + 1 < mlp.layers.size() ? cfg.leaky_slope : 1.0);
  }
  return h;
}

}  // namespace gripcu::grip
