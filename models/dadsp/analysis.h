#pragma once
// DADSP analyses: missing-pair prediction (§2.4), integrated gradients (§2.5) and the feature space
// before and after adaptation (§2.6).
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/dadsp/model.h"

namespace gripcu::dadsp {

// Every (cell, drug) pair of `cells` x the model's drugs that is not in `measured` (names), predicted.
struct MissingPrediction {
  std::vector<std::string> cell, drug;
  std::vector<double> pred;
  // Drugs by mean prediction over their missing pairs, ascending: (drug, mean, pairs).
  std::vector<std::pair<std::string, double>> drug_means;
  std::vector<size_t> drug_counts;
};
MissingPrediction predict_missing(const DadspModel& m, const CellExpression& cells,
                                  const std::set<std::pair<std::string, std::string>>& measured);

// Integrated gradients (Sundararajan et al. 2017) of the predicted label (transformed IC50 units)
// for one cell's scaled expression x (G values) and drug index d (the model's), from `baseline`
// (scaled units, G values) along the straight path, midpoint Riemann sum over `steps` points:
//   IG_g = (x_g - x'_g) * (1/steps) sum_k dF/dx_g (x' + (k + 1/2)/steps (x - x'))
// f_x, f_base receive F(x) and F(x'); sum_g IG_g approaches F(x) - F(x') as steps grows.
std::vector<double> integrated_gradients(const DadspModel& m, const std::vector<float>& x, int64_t d,
                                         const std::vector<float>& baseline, int steps, double* f_x = nullptr,
                                         double* f_base = nullptr);

// Hidden features (the gene extractor's output) of scaled rows X (n x G), with the current weights
// or with the weights before adaptation (init.gene.*), without gradients.
std::vector<float> extract_features(DadspModel& m, const std::vector<float>& X, int64_t n, bool before);
// The first two principal components of rows (n x d, centred on their mean): n x 2 scores.
std::vector<double> pca2(const std::vector<float>& rows, int64_t n, int64_t d);
// MMD^2 (kernels/mmd.h, DAN's 5 bandwidths, adaptive) between two feature sets, float64.
double feature_mmd(const std::vector<float>& a, int64_t na, const std::vector<float>& b, int64_t nb, int64_t d);
// Scatter of 2-d points coloured by group (one legend entry per group name).
std::string svg_group_scatter(const std::string& title, const std::vector<double>& xy,
                              const std::vector<int>& group, const std::vector<std::string>& group_names,
                              const std::string& note = "");

}  // namespace gripcu::dadsp
