#pragma once
// GRIP-Lung's Transformer generator (§2.1-2.3, Table 2) over gene-group tokens:
//   tokens = reshape(tok(x), [n, T, D])               learned projection G -> T x D (tf_tokens, tf_dim)
//   cond   = [cell_tok(cell_emb(c)), drug_tok(drug_emb(d))]   two conditioning tokens (E -> D each)
//   s      = [cond ; tokens]                          n sequences of T + 2 tokens
//   s      = TransformerBlock^tf_layers(s)            pre-norm, tf_heads heads, FFN tf_ffn (layers/attention.h)
//   dx     = out(flatten(LN_f(s)[:, 2:, :]))          T x D -> G
//   y~     = x + dx                                   (the residual form of the paper's generator)
// No positional embedding: each token has its own rows of the projection `tok` and of `out`, so
// token identity is already in its content and in where its output goes.
#include <vector>

#include "layers/attention.h"
#include "models/grip/model.h"

namespace gripcu::grip {

class TransformerGenerator final : public GeneratorNet {
 public:
  TransformerGenerator(nn::ParamStore& s, const ModelConfig& c);
  ag::Var operator()(const ag::Var& x, const Tensor& cells, const Tensor& drugs) const override;

  ModelConfig cfg;
  nn::Embedding cell_emb, drug_emb;
  nn::Linear cell_tok, drug_tok, tok;
  std::vector<nn::TransformerBlock> blocks;
  nn::LayerNorm ln_f;
  nn::Linear out;
};

}  // namespace gripcu::grip
