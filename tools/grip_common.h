#pragma once
// Pieces shared by the GRIP-Lung subcommands (train, predict, demo).
#include <string>
#include <vector>

#include "engine/io/expression.h"
#include "models/grip/model.h"

namespace gripcu::tools {

// Reads and pairs baseline/treated files (format auto-detected) and reports dropped genes.
grip::PairedData load_pairs(const std::string& baseline, const std::string& treated, bool pair_by_name);
// Trains with checkpoints each epoch (and on SIGINT/SIGTERM) to DIR/model.safetensors; writes
// DIR/losses.svg. Returns false when interrupted (checkpoint written).
bool train_to_dir(grip::GripModel& m, const grip::PairedData& d, const std::vector<size_t>& rows, const std::string& dir,
                  int64_t checkpoint_every);
void write_loss_svg(const grip::GripModel& m, const std::string& path);

}  // namespace gripcu::tools
