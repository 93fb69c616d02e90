#pragma once
// GRIP-Lung end to end on paired data: fit (vocabularies, normalization on training rows only,
// the model), train, predict in the input's units, and map new baselines to the nearest training
// cell line (§2.4, §4.9).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/grip/metrics.h"  // r2_score (defined there with the other metrics)
#include "models/grip/model.h"

namespace gripcu::grip {

// Builds an untrained model for `data` whose training samples are `train_rows`: vocabularies,
// log2 (optional) and z-scores fitted on those rows, per-cell reference profiles.
// Variant::public_code (--compat public-code) reproduces the public code instead: its networks and
// sizes (compat_public_code.h), and vocabularies, z-scores and reference profiles fitted on ALL of
// data's rows, test rows included (its scaler runs before the split; a leak the paper avoids).
std::unique_ptr<GripModel> make_model(const PairedData& data, const std::vector<size_t>& train_rows,
                                      const TrainConfig& tc, const Device& dev, bool log2, ModelConfig mc = {},
                                      Variant variant = Variant::paper);

// Trains `m` on data's train_rows (continuing from m.state). Returns false when stopped early.
bool train_model(GripModel& m, const PairedData& data, const std::vector<size_t>& train_rows,
                 const std::function<void(int64_t)>& on_epoch, const std::function<bool()>& should_stop);

struct NearestCell {
  int64_t cell = -1;
  double correlation = 0;
};
// Pearson correlation of a baseline (input units, model gene order) with each training cell line's
// mean baseline; the best one.
NearestCell nearest_cell(const GripModel& m, const float* baseline);

// Predicted treated profiles (input units) for baselines x (n x G, model gene order, input units)
// under the given cell and drug indices. Runs on the model's device, without gradients.
std::vector<float> predict(const GripModel& m, const std::vector<float>& x, const std::vector<int64_t>& cells,
                           const std::vector<int64_t>& drugs);

// Rows of a samples x G matrix.
std::vector<float> take_rows(const std::vector<float>& m, size_t g, const std::vector<size_t>& rows);

}  // namespace gripcu::grip
