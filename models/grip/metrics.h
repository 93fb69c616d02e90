#pragma once
// GRIP-Lung evaluation metrics, defined once (DESIGN.md §4). Profiles are samples x genes,
// row-major float; every sum is accumulated in double, in a fixed order.
//
// The names below are the keys of metrics.json and the rows/columns of table.md:
//   mse                      mean of (pred - truth)^2 over all genes and samples
//   r2                       1 - SS_res / SS_tot over all genes and samples, SS_tot about the grand mean
//   sign_acc, sign_prec,     the paper's classification (§2.1): each value is "up" when > 0 and
//   sign_rec, sign_f1        "down" when <= 0 (values standardized); accuracy, and precision, recall
//                            and F1 macro-averaged over the two classes (sklearn's average="macro";
//                            a class with an empty denominator scores 0, sklearn's zero_division=0)
//   delta_sign_acc, ...prec, the same four on the sign of the change: (pred - baseline) vs
//   ...rec, ...f1            (truth - baseline). A method that predicts no change (identity) calls
//                            every value "down".
//   delta_r2                 R^2 of the change (pred - baseline vs truth - baseline)
//   genewise_pearson_median  Pearson correlation of each gene across samples (Fig. 4), median over
//                            genes where it is defined (both sides vary)
//   sample_pearson,          per sample, across genes: Pearson, Spearman (ranks, ties averaged) and
//   sample_spearman,         cosine similarity of pred and truth (Fig. 7B); mean over samples where
//   sample_cosine            defined
//   deg_rmse, deg_mae,       on the top-k differentially expressed genes of each true profile: the
//   deg_r2                   k genes with the largest |truth - baseline| in that sample (ties: lower
//                            gene index first); RMSE, MAE and R^2 (about the mean of those values)
//                            of pred vs truth over the selected (sample, gene) entries (§2.4)
//   disc_acc, disc_auc       discriminator on real vs generated test profiles: accuracy at logit 0
//                            (real = logit > 0) over both sets, and the ROC AUC of real above
//                            generated (Mann-Whitney, ties count 1/2). GAN models only.
// Which space the inputs are in is the caller's choice; gripcu cv passes values standardized with
// the training fold's treated z-score (baseline included, so the sign of a change is unchanged).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "engine/ranks.h"  // average_ranks

namespace gripcu::grip {

double mse(const std::vector<float>& pred, const std::vector<float>& truth);
// R^2 = 1 - SS_res / SS_tot over all values (SS_tot about the grand mean), as in the paper;
// 0 when SS_tot is 0.
double r2_score(const std::vector<float>& pred, const std::vector<float>& truth);

struct SignScores {
  double acc = 0, prec = 0, rec = 0, f1 = 0;  // prec, rec, f1 macro over {up: v > 0, down: v <= 0}
};
SignScores sign_scores(const std::vector<float>& pred, const std::vector<float>& truth);
// The same on the change from `baseline`.
SignScores delta_sign_scores(const std::vector<float>& pred, const std::vector<float>& truth,
                             const std::vector<float>& baseline);

// Area under the ROC curve of `pos` scored above `neg`: the fraction of (pos, neg) pairs with
// pos > neg, ties counting 1/2 (computed from average ranks, O(n log n)). NaN if either is empty.
double auc(const std::vector<double>& pos, const std::vector<double>& neg);
// (#pos > threshold + #neg <= threshold) / (#pos + #neg).
double binary_accuracy(const std::vector<double>& pos, const std::vector<double>& neg, double threshold = 0.0);

// Correlations of n values a[i * stride_a], b[i * stride_b]; NaN when either side has zero variance.
double pearson(const float* a, const float* b, size_t n, size_t stride_a = 1, size_t stride_b = 1);
double spearman(const float* a, const float* b, size_t n);
double cosine(const float* a, const float* b, size_t n);  // NaN when either is all zeros

// Per gene, Pearson across the samples (NaN where undefined).
std::vector<double> genewise_pearson(const std::vector<float>& pred, const std::vector<float>& truth, size_t genes);
// Median of the finite values (NaN if none).
double median_finite(std::vector<double> v);

struct DegScores {
  double rmse = 0, mae = 0, r2 = 0;
};
DegScores deg_scores(const std::vector<float>& pred, const std::vector<float>& truth, const std::vector<float>& baseline,
                     size_t genes, size_t k);

// Named metric values in a fixed order.
using MetricSet = std::vector<std::pair<std::string, double>>;
// Every metric above except disc_acc and disc_auc, in the order of profile_metric_names().
MetricSet profile_metrics(const std::vector<float>& pred, const std::vector<float>& truth,
                          const std::vector<float>& baseline, size_t genes, size_t deg_k);
const std::vector<std::string>& profile_metric_names();
// profile_metric_names() followed by disc_acc, disc_auc.
const std::vector<std::string>& all_metric_names();

}  // namespace gripcu::grip
