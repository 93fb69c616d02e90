#include "models/grip/arch_transformer.h"

namespace gripcu::grip {

using ag::Var;

namespace {
const ModelConfig& checked(const ModelConfig& c) {
  GRIPCU_CHECK(c.tf_tokens > 0 && c.tf_dim > 0 && c.tf_heads > 0 && c.tf_dim % c.tf_heads == 0 && c.tf_layers >= 0 &&
                   c.tf_ffn > 0,
               "Transformer generator: bad sizes (tokens ", c.tf_tokens, ", dim ", c.tf_dim, ", heads ", c.tf_heads,
               ", layers ", c.tf_layers, ", ffn ", c.tf_ffn, ")");
  return c;
}
}  // namespace

TransformerGenerator::TransformerGenerator(nn::ParamStore& s, const ModelConfig& c)
    : cfg(checked(c)),
      cell_emb(s, "generator.cell_emb", c.cells, c.embed_dim),
      drug_emb(s, "generator.drug_emb", c.drugs, c.embed_dim),
      cell_tok(s, "generator.cell_tok", c.embed_dim, c.tf_dim),
      drug_tok(s, "generator.drug_tok", c.embed_dim, c.tf_dim),
      tok(s, "generator.tok", c.genes, c.tf_tokens * c.tf_dim),
      blocks([&] {
        std::vector<nn::TransformerBlock> b;
        b.reserve(static_cast<size_t>(c.tf_layers));
        for (int64_t i = 0; i < c.tf_layers; ++i)
          b.emplace_back(s, "generator.blocks." + std::to_string(i), c.tf_dim, c.tf_heads, c.tf_ffn);
        return b;
      }()),
      ln_f(s, "generator.ln_f", c.tf_dim),
      out(s, "generator.out", c.tf_tokens * c.tf_dim, c.genes) {}

Var TransformerGenerator::operator()(const Var& x, const Tensor& cells, const Tensor& drugs) const {
  GRIPCU_CHECK(x.dim(1) == cfg.genes, "Transformer generator: input ", x.value().describe(), " but the model has ",
               cfg.genes, " genes");
  const int64_t n = x.dim(0), D = cfg.tf_dim, T = cfg.tf_tokens, S = T + 2;
  const Var seq0 = ag::concat_cols({cell_tok(cell_emb(cells)), drug_tok(drug_emb(drugs)), tok(x)});  // [n, S*D]
  Var s = ag::reshape(seq0, {n * S, D});
  for (const auto& b : blocks) s = b(s, n);
  s = ln_f(s);
  const Var body = ag::slice_cols(ag::reshape(s, {n, S * D}), 2 * D, T * D);
  return ag::add(x, out(body));
}

}  // namespace gripcu::grip
