#pragma once
// GRIP-Lung's conditional-autoencoder generator (cAE; §2.1-2.3, Table 2). It maps the baseline and
// the conditions straight to the treated profile: there is NO residual connection (y~ = x + dx in
// the residual-FiLM generator), which is the point of the comparison: the cAE has to reconstruct
// the whole profile through its bottleneck, the residual generator only the change.
//   e  = [cell_emb(c), drug_emb(d)]                          2 x embed_dim
//   z  = ReLU(enc2(ReLU(enc1([x, e]))))                       G + 2E -> hidden -> cae_bottleneck
//   y~ = dec2(ReLU(dec1([z, e])))                             bottleneck + 2E -> hidden -> G
// The decoder sees the embeddings again (a conditional decoder), so the code z need not carry them.
#include "models/grip/model.h"

namespace gripcu::grip {

class CaeGenerator final : public GeneratorNet {
 public:
  CaeGenerator(nn::ParamStore& s, const ModelConfig& c);
  ag::Var operator()(const ag::Var& x, const Tensor& cells, const Tensor& drugs) const override;

  ModelConfig cfg;
  nn::Embedding cell_emb, drug_emb;
  nn::Linear enc1, enc2, dec1, dec2;
};

}  // namespace gripcu::grip
