#pragma once
// Ranks for rank statistics (Spearman's rho, Wilcoxon, Mann-Whitney): shared by GRIP-Lung's and
// DADSP's metrics and GRIP-Lung's response states.
#include <vector>

namespace gripcu {

// Ranks 1..n of v (ascending) with ties given their average rank.
std::vector<double> average_ranks(const std::vector<double>& v);

}  // namespace gripcu
