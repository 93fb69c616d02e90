#pragma once
// The GRIP-Lung generator and discriminator (§4.4-4.6).
//
// Generator (residual FiLM):
//   e   = [cell_emb(c), drug_emb(d)]                      128 + 128
//   m   = ReLU(mod(e))                                    modulation network, mod_hidden
//   h0  = proj(x)                                         G -> 256
//   h   = h0 * (1 + gamma(m)) + beta(m)                   FiLM
//   h'  = h + ReLU(W2 ReLU(W1 h + b1) + b2)               residual block, two 256-unit layers
//   dx  = out(h')                                         256 -> G
//   y~  = x + dx
// Discriminator (LeakyReLU MLP): [y, cell_emb_D(c), drug_emb_D(d)] -> d_hidden1 -> d_hidden2 -> 1
// logit, LeakyReLU between. It has its own embedding tables (the paper feeds "the embeddings of the
// corresponding cell type and drug"; keeping D's separate means D's loss never moves G's).
#include "layers/layers.h"
#include "models/grip/config.h"

namespace gripcu::grip {

class Generator {
 public:
  Generator(nn::ParamStore& s, const ModelConfig& c);
  // x [n, G] (normalized baseline), cells/drugs i64 [n] -> predicted treated profile [n, G]
  ag::Var operator()(const ag::Var& x, const Tensor& cells, const Tensor& drugs) const;
  // The 2x256 conditioning (for inspection and tests).
  ag::Var condition(const Tensor& cells, const Tensor& drugs) const;

  ModelConfig cfg;
  nn::Embedding cell_emb, drug_emb;
  nn::Linear mod;
  nn::FiLM film;
  nn::Linear proj, res1, res2, out;
};

class Discriminator {
 public:
  Discriminator(nn::ParamStore& s, const ModelConfig& c);
  ag::Var operator()(const ag::Var& profile, const Tensor& cells, const Tensor& drugs) const;  // logits [n, 1]

  ModelConfig cfg;
  nn::Embedding cell_emb, drug_emb;
  nn::MLP mlp;
};

}  // namespace gripcu::grip
