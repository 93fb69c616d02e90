#pragma once
// `gripcu simulate response`: two domains of cell lines with a known drug-response function and a
// domain shift in how expression is observed, so that domain adaptation has something to fix.
//
// Cell lines (both domains): a latent state u ~ N(0, I_L). Genes: baseline m_g ~ U(4, 10) (RMA-like
// log2 levels), signal sd s_g ~ U(0.5, 1.5), loadings W_g = s_g N(0, I_L) / sqrt(L).
//   source  x_g = m_g + W_g u + noise s_g e
//   target  x_g = m_g + a_g W_g u + b_g + target_noise s_g e,   a_g ~ U(1 - scale, 1 + scale),
//           b_g = W_g delta + 0.5 shift s_g N(0, 1),   delta = shift N(0, I_L) / sqrt(L)
//           (the gene-wise affine change and extra noise; part of the offset lies along the
//           biological programs W, a batch effect a source-trained model cannot ignore, and a
//           shift of the target's feature distribution that alignment can undo)
// Drugs: fingerprints (random 256-bit vectors with ~12% of bits set, or given real ones), a drug
// latent e_d = tanh(P b_d / sqrt(|b_d|)) (P ~ N(0, 1), L x bits) and a potency
// mu_d = q . b_d / sqrt(|b_d|) (q ~ N(0, 1)).
// Response (log IC50 units, the same function in both domains):
//   y = mu_d + 1.5 tanh(u . e_d) + 0.5 tanh(u_1 u_2) + label_noise N(0, 1)
// Each (cell, drug) pair is measured with probability source_measured / target_measured.
// Every quantity draws from its own Philox stream of the seed (engine/rng.h).
#include <cstdint>
#include <string>
#include <vector>

#include "models/dadsp/data.h"

namespace gripcu::dadsp {

struct SimConfig {
  int64_t source_cells = 400, target_cells = 200, drugs = 24, genes = 200, latent = 8, fp_bits = 256;
  double shift = 1.5, scale = 0.3, noise = 0.3, target_noise = 0.4, label_noise = 0.15;
  double source_measured = 0.8, target_measured = 0.5;
  uint64_t seed = 1;
  std::vector<std::string> gene_names;  // optional, size genes (e.g. a real expression file's genes)
  DrugTable fingerprints;               // optional real fingerprints: drugs = their count, fp_bits = dim
};

struct SimData {
  CellExpression source, target;
  DrugTable drugs;
  std::vector<ResponseRow> source_resp, target_resp;
  std::string truth_json;
};

SimData simulate_response(const SimConfig& c);

}  // namespace gripcu::dadsp
