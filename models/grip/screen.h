#pragma once
// Drug screening (`gripcu screen`): every sample of a cohort x every chosen drug -> predicted
// post-treatment profile -> ssGSEA response-state scores -> resistance index and label.
//
// Pairs are sample-major: pair p = s * n_drugs + d. They are predicted and scored in chunks of
// `chunk_pairs` on the model's device, and nothing but the final [states x pairs] score matrix
// leaves it:
//   1. the cohort's baselines, normalized as grip::predict does (log2(x + 1) if the model uses it,
//      then the model's baseline z-score), are uploaded once as a [samples x genes] table, with
//      the pair -> (sample, cell, drug) index arrays;
//   2. per chunk: gather the chunk's baseline rows (kernels/embedding), run the generator
//      (no gradients), bring the output back to input units in place (inverse z-score, then
//      exp2(x) - 1 if log2: kernels/ssgsea ssgsea_unnormalize_rows_*), and score the states on
//      the samples x genes predictions (ssGSEA raw scores; on CUDA ssgsea_cuda_raw_into writes the
//      chunk's columns of the device score matrix);
//   3. one download of the raw scores; GSVA's normalization (divide by the range of the whole
//      [states x pairs] matrix) and the resistance index on the host (score_states).
// The same code runs on the CPU with the CPU kernels. There, chunks are multiples of 64 pairs (the
// CPU GEMM's fixed row tile), so every prediction has the same bits as grip::predict over all
// pairs, and CPU screen equals predict -> ssgsea -> states exactly (tests/models/test_states_screen.cpp).
//
// z-score population: all (sample, drug) pairs of the run together. One population for the whole
// screen keeps RI comparable across drugs and samples (z-scoring per drug would force every drug
// to about half effective); it also means RI values depend on which samples and drugs were
// screened together, as any z-score does.
#include <cstdint>
#include <string>
#include <vector>

#include "models/grip/model.h"
#include "models/grip/states.h"

namespace gripcu::grip {

struct ScreenOptions {
  double alpha = 0.25;          // ssGSEA weight exponent
  bool normalize = true;        // GSVA's ssgsea.norm over the whole score matrix
  int64_t chunk_pairs = 4096;   // pairs predicted and scored together (CPU: rounded to a multiple of 64)
  size_t workspace_budget = 0;  // CUDA: ssGSEA workspace bytes per chunk (0: 512 MiB); caps the chunk
};

struct ScreenResult {
  int64_t n_samples = 0, n_drugs = 0, chunk_pairs = 0, chunks = 0;
  std::vector<double> raw_scores;  // [states x pairs]
  std::vector<double> scores;      // normalized when options.normalize
  double norm_range = 1;           // the divisor (1 without normalization)
  StatesResult states;             // z over all pairs
  int64_t pair(int64_t s, int64_t d) const { return s * n_drugs + d; }
};

// baselines: [samples x model genes] in input units, model gene order; cells: a model cell index
// per sample (its own, or the nearest: nearest_cell); drugs: model drug indices; states indexed
// against m.genes (index_states).
ScreenResult screen(const GripModel& m, const std::vector<float>& baselines, const std::vector<int64_t>& cells,
                    const std::vector<int64_t>& drugs, const IndexedStates& states, const ScreenOptions& opt);

// Steps 1-2 only: the raw [states x pairs] ssGSEA scores (and the chunk size used).
std::vector<double> screen_raw_scores(const GripModel& m, const std::vector<float>& baselines,
                                      const std::vector<int64_t>& cells, const std::vector<int64_t>& drugs,
                                      const io::IndexedGeneSets& sets, const ScreenOptions& opt, int64_t* chunk_used);

}  // namespace gripcu::grip
