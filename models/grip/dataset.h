#pragma once
// Paired baseline/treated profiles for GRIP-Lung, in the model's layout (samples x genes, float).
// Pairing: by sample order (default) or by a sample-name key; genes intersected by symbol, in the
// baseline's order, with what was dropped reported. Normalization: optional log2(x + 1), then a
// per-gene z-score fitted on training rows only, separately for baseline and treated (§4.1), and
// inverted on output so predictions come back in the input's units.
#include <string>
#include <vector>

#include "engine/io/expression.h"

namespace gripcu::grip {

struct PairReport {
  std::vector<std::string> dropped_baseline_genes, dropped_treated_genes;
  std::string summary() const;
};

struct PairedData {
  std::vector<std::string> genes, samples, cells, drugs;  // per sample: cells[i], drugs[i]
  std::vector<float> baseline, treated;                    // samples x genes
  size_t n() const { return samples.size(); }
  size_t g() const { return genes.size(); }
};

enum class PairBy { order, name };
PairedData pair_profiles(const io::ExprMatrix& baseline, const io::ExprMatrix& treated, PairBy by, PairReport* report);
void log2p1_inplace(std::vector<float>& v, const std::string& what);  // InputError on values <= -1

// Per-gene mean and standard deviation (population, as sklearn's StandardScaler; genes with zero
// variance get std 1).
struct ZScore {
  std::vector<float> mean, std;
  static ZScore fit(const std::vector<float>& x, size_t genes, const std::vector<size_t>& rows);
  void apply(std::vector<float>& x, size_t genes) const;
  void invert(std::vector<float>& x, size_t genes) const;
};

// Sorted unique names and the index of each sample's name.
struct Vocab {
  std::vector<std::string> names;
  static Vocab build(const std::vector<std::string>& values, const std::vector<size_t>& rows);
  int64_t index(const std::string& name) const;  // -1 if unknown
};

}  // namespace gripcu::grip
