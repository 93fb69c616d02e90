#include "models/grip/arch_cae.h"

namespace gripcu::grip {

using ag::Act;
using ag::Var;

CaeGenerator::CaeGenerator(nn::ParamStore& s, const ModelConfig& c)
    : cfg(c),
      cell_emb(s, "generator.cell_emb", c.cells, c.embed_dim),
      drug_emb(s, "generator.drug_emb", c.drugs, c.embed_dim),
      enc1(s, "generator.enc1", c.genes + 2 * c.embed_dim, c.hidden),
      enc2(s, "generator.enc2", c.hidden, c.cae_bottleneck),
      dec1(s, "generator.dec1", c.cae_bottleneck + 2 * c.embed_dim, c.hidden),
      dec2(s, "generator.dec2", c.hidden, c.genes) {}

Var CaeGenerator::operator()(const Var& x, const Tensor& cells, const Tensor& drugs) const {
  GRIPCU_CHECK(x.dim(1) == cfg.genes, "cAE generator: input ", x.value().describe(), " but the model has ", cfg.genes, " genes");
  const Var ce = cell_emb(cells), de = drug_emb(drugs);
  const Var z = enc2(enc1(ag::concat_cols({x, ce, de}), Act::relu), Act::relu);
  return dec2(dec1(ag::concat_cols({z, ce, de}), Act::relu));
}

}  // namespace gripcu::grip
