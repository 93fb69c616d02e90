#pragma once
// Simulated drug perturbations with known ground truth (`gripcu simulate perturbation`).
//
// Genes: the marker genes of the default response states (data/response_states.gmt; each state a
// "program"), then filler genes GENE00001.., G in all (at small G each program keeps its first
// max(3, G/20) markers).
// Baseline (log2 scale): x[c,g] = mu[g] + L[g,:] . F[c,:] + N(0, 0.3)          rank-5 cell factors
// Effect of drug d on cell c:
//   sensitivity s = sigmoid(2 a_c . b_d)                                       cell x drug interaction
//   if s > 0.5 the drug's effective programs (1-2 of the 5) switch on with magnitude 2s,
//   otherwise its ineffective programs (1-2 of the 3) switch on with magnitude 2(1-s);
//   a switched gene moves by m * (1 + 0.5 tanh(x - mu)) (baseline-dependent, nonlinear);
//   plus a drug signature u_d (30% of genes, N(0, 0.8), shared by all cells) and a rank-4
//   cell x drug term P (V_c * W_d) with P ~ N(0, 0.15^2) (SD ~0.3 per gene).
// Treated: y = x + effect + N(0, 0.2). Samples: every (cell, drug) pair x replicates.
// truth.json records every program's genes, and per pair the sensitivity, the label
// (effective/ineffective) and the programs switched on.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/io/expression.h"

namespace gripcu::grip {

struct SimConfig {
  int64_t genes = 978, cells = 20, drugs = 15, replicates = 1;
  uint64_t seed = 1;
};

struct SimProgram {
  std::string name, klass;  // state name, effective/ineffective
  std::vector<int64_t> genes;
};

struct SimPair {
  int64_t cell, drug;
  double sensitivity;
  bool effective;
  std::vector<int64_t> programs;  // indices into programs
};

struct SimResult {
  io::ExprMatrix baseline, treated;
  std::vector<SimProgram> programs;
  std::vector<SimPair> pairs;  // cells x drugs, cell-major
  std::string truth_json() const;
};

SimResult simulate_perturbation(const SimConfig& cfg);

}  // namespace gripcu::grip
