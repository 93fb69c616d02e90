// GRIP-Lung metrics (models/grip/metrics.h) against values computed by hand on a 2 x 3 fixture,
// AUC against a brute-force pairwise count, and the significance tests against R 4.x
// (t.test / wilcox.test / pt / pbeta; the calls are quoted next to each value).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/rng.h"
#include "models/grip/metrics.h"
#include "models/grip/significance.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {
// 2 samples x 3 genes, row-major.
const std::vector<float> kTruth = {1, -2, 0.5f, -1, 3, 0};
const std::vector<float> kPred = {0.5f, -1, -0.5f, -2, 2, -1};
const std::vector<float> kBase = {0, -1, 1, 0, 2, 0.5f};
constexpr double kTol = 1e-12;  // every fixture value is exact in float; sums are in double
}  // namespace

TEST(GripMetrics, MseAndR2ByHand) {
  // errors -0.5, 1, -1, -1, -1, -1: SS_res = 5.25, MSE = 0.875
  EXPECT_NEAR(mse(kPred, kTruth), 0.875, kTol);
  // truth mean 0.25, SS_tot = 14.875, R^2 = 1 - 5.25 / 14.875 = 11/17
  EXPECT_NEAR(r2_score(kPred, kTruth), 11.0 / 17.0, kTol);
  EXPECT_NEAR(r2_score(kTruth, kTruth), 1.0, kTol);
  // Predicting the grand mean everywhere gives R^2 = 0.
  EXPECT_NEAR(r2_score(std::vector<float>(6, 0.25f), kTruth), 0.0, kTol);
}

TEST(GripMetrics, SignClassificationByHand) {
  // truth up (> 0): T F T | F T F; pred up: T F F | F T F -> tp 2, fp 0, fn 1, tn 3
  const SignScores s = sign_scores(kPred, kTruth);
  EXPECT_NEAR(s.acc, 5.0 / 6.0, kTol);
  EXPECT_NEAR(s.prec, (1.0 + 0.75) / 2, kTol);         // up 2/2, down 3/4
  EXPECT_NEAR(s.rec, (2.0 / 3.0 + 1.0) / 2, kTol);     // up 2/3, down 3/3
  EXPECT_NEAR(s.f1, (0.8 + 2 * 0.75 / 1.75) / 2, kTol);  // up 0.8, down 6/7
}

TEST(GripMetrics, ChangeSignClassificationByHand) {
  // truth - base: 1 -1 -0.5 | -1 1 -0.5 -> up T F F | F T F
  // pred - base: 0.5 0 -1.5 | -2 0 -1.5 -> up T F F | F F F (no change counts as down)
  // tp 1, fp 0, fn 1, tn 4
  const SignScores s = delta_sign_scores(kPred, kTruth, kBase);
  EXPECT_NEAR(s.acc, 5.0 / 6.0, kTol);
  EXPECT_NEAR(s.prec, (1.0 + 0.8) / 2, kTol);
  EXPECT_NEAR(s.rec, (0.5 + 1.0) / 2, kTol);
  EXPECT_NEAR(s.f1, (2.0 / 3.0 + 2 * 0.8 / 1.8) / 2, kTol);
  // Identity predicts no change: everything "down"; the empty "up" class scores 0 (zero_division=0).
  const SignScores id = delta_sign_scores(kBase, kTruth, kBase);
  EXPECT_NEAR(id.acc, 4.0 / 6.0, kTol);
  EXPECT_NEAR(id.prec, (0.0 + 4.0 / 6.0) / 2, kTol);
  EXPECT_NEAR(id.rec, (0.0 + 1.0) / 2, kTol);
}

TEST(GripMetrics, CorrelationsByHand) {
  const float a[] = {1, 2, 3}, b[] = {1, 3, 2};
  EXPECT_NEAR(pearson(a, b, 3), 0.5, kTol);  // deviations (-1,0,1), (-1,1,0): 1 / sqrt(2 * 2)
  const float c[] = {1, 2, 2, 3}, d[] = {10, 20, 30, 40};
  // ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5)
  EXPECT_NEAR(spearman(c, d, 4), 4.5 / std::sqrt(4.5 * 5.0), 1e-7);
  const float e[] = {1, 0, 1}, f[] = {1, 1, 0};
  EXPECT_NEAR(cosine(e, f, 3), 0.5, kTol);
  const float k[] = {2, 2, 2};
  EXPECT_TRUE(std::isnan(pearson(k, a, 3)));  // a constant side: undefined, not 0
  EXPECT_EQ(average_ranks({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
}

TEST(GripMetrics, GenewiseAndMedian) {
  // 3 samples x 2 genes: gene 0 perfectly correlated, gene 1 anti-correlated.
  const std::vector<float> t = {1, 1, 2, 2, 3, 3}, p = {10, 3, 20, 2, 30, 1};
  const auto r = genewise_pearson(p, t, 2);
  EXPECT_NEAR(r[0], 1.0, kTol);
  EXPECT_NEAR(r[1], -1.0, kTol);
  EXPECT_NEAR(median_finite({3, NAN, 1, 2}), 2.0, kTol);
  EXPECT_NEAR(median_finite({4, 1, 3, 2}), 2.5, kTol);
  EXPECT_TRUE(std::isnan(median_finite({NAN})));
}

TEST(GripMetrics, DegErrorsByHand) {
  // |truth - base| per sample: (1, 1, 0.5) and (1, 1, 0.5): k = 1 takes gene 0 (tie -> lower index)
  DegScores k1 = deg_scores(kPred, kTruth, kBase, 3, 1);
  EXPECT_NEAR(k1.rmse, std::sqrt((0.25 + 1.0) / 2), kTol);
  EXPECT_NEAR(k1.mae, 0.75, kTol);
  EXPECT_NEAR(k1.r2, 1 - 1.25 / 2.0, kTol);  // truth values (1, -1): mean 0, SS_tot 2
  // k = 2: genes 0, 1 of each sample: errors 0.5, 1, 1, 1; truths 1, -2, -1, 3 (mean 0.25)
  DegScores k2 = deg_scores(kPred, kTruth, kBase, 3, 2);
  EXPECT_NEAR(k2.rmse, std::sqrt(3.25 / 4), kTol);
  EXPECT_NEAR(k2.mae, 3.5 / 4, kTol);
  EXPECT_NEAR(k2.r2, 1 - 3.25 / 14.75, kTol);
  // k larger than G: all genes, RMSE = sqrt(MSE)
  EXPECT_NEAR(deg_scores(kPred, kTruth, kBase, 3, 50).rmse, std::sqrt(0.875), kTol);
}

TEST(GripMetrics, ProfileMetricsNamesAndValues) {
  const MetricSet m = profile_metrics(kPred, kTruth, kBase, 3, 1);
  ASSERT_EQ(m.size(), profile_metric_names().size());
  auto get = [&](const std::string& n) {
    for (const auto& [k, v] : m)
      if (k == n) return v;
    ADD_FAILURE() << "no metric " << n;
    return 0.0;
  };
  EXPECT_NEAR(get("mse"), 0.875, kTol);
  EXPECT_NEAR(get("r2"), 11.0 / 17.0, kTol);
  EXPECT_NEAR(get("sign_acc"), 5.0 / 6.0, kTol);
  EXPECT_NEAR(get("delta_sign_f1"), (2.0 / 3.0 + 2 * 0.8 / 1.8) / 2, kTol);
  // change R^2: dp (0.5, 0, -1.5, -2, 0, -1.5) vs dt (1, -1, -0.5, -1, 1, -0.5): 1 - 5.25 / (13/3)
  EXPECT_NEAR(get("delta_r2"), 1 - 5.25 / (13.0 / 3.0), kTol);
  EXPECT_NEAR(get("genewise_pearson_median"), 1.0, kTol);  // 2 samples: every gene +-1; here all +1
  // per-sample: Pearson 0.848555291627663 and 1 (computed independently in Python), Spearman 1 and 1
  EXPECT_NEAR(get("sample_pearson"), (0.8485552916276634 + 1.0) / 2, 1e-7);
  EXPECT_NEAR(get("sample_spearman"), 1.0, 1e-7);
  // cosine: 2.25 / sqrt(1.5 * 5.25) and 8 / sqrt(9 * 10)
  EXPECT_NEAR(get("sample_cosine"), (2.25 / std::sqrt(1.5 * 5.25) + 8 / std::sqrt(90.0)) / 2, kTol);
  EXPECT_NEAR(get("deg_mae"), 0.75, kTol);
  EXPECT_EQ(all_metric_names().size(), profile_metric_names().size() + 2);
  EXPECT_EQ(all_metric_names().back(), "disc_auc");
}

TEST(GripMetrics, AucEqualsBruteForcePairCountWithTies) {
  auto brute = [](const std::vector<double>& pos, const std::vector<double>& neg) {
    double s = 0;
    for (double p : pos)
      for (double n : neg) s += p > n ? 1.0 : p == n ? 0.5 : 0.0;
    return s / double(pos.size() * neg.size());
  };
  EXPECT_NEAR(auc({0.9, 0.5, 0.5}, {0.5, 0.1}), 5.0 / 6.0, kTol);
  Rng rng(17);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> pos, neg;
    const int np = 1 + trial * 3, nn = 2 + trial * 2;
    // Values rounded to a coarse grid so that ties within and across the sets are common.
    for (int i = 0; i < np; ++i) pos.push_back(std::round(rng.uniform(2 * trial, i) * 6 + 1) / 4);
    for (int i = 0; i < nn; ++i) neg.push_back(std::round(rng.uniform(2 * trial + 1, i) * 6) / 4);
    EXPECT_NEAR(auc(pos, neg), brute(pos, neg), 1e-12) << "trial " << trial;
  }
  EXPECT_TRUE(std::isnan(auc({}, {1.0})));
  EXPECT_NEAR(binary_accuracy({1, -1, 0}, {-2, 0, 3}), 0.5, kTol);  // 1 of 3 real > 0, 2 of 3 fake <= 0
}

TEST(GripSignificance, StudentTAndIncompleteBetaMatchR) {
  EXPECT_NEAR(student_t_two_sided_p(2.776445105, 4), 0.0500000000101195, 1e-10);  // 2*pt(-2.776445105, 4)
  EXPECT_NEAR(student_t_two_sided_p(0.5, 1), 0.704832764699134, 1e-10);           // 2*pt(-0.5, 1)
  EXPECT_NEAR(student_t_two_sided_p(-3.2, 30), 0.00323860171195314, 1e-10);       // 2*pt(-3.2, 30)
  EXPECT_NEAR(incomplete_beta(2.5, 0.5, 0.3), 0.0189271240719456, 1e-10);         // pbeta(0.3, 2.5, 0.5)
  EXPECT_NEAR(incomplete_beta(10, 3, 0.9), 0.889130022255, 1e-10);                // pbeta(0.9, 10, 3)
  EXPECT_EQ(student_t_two_sided_p(INFINITY, 4), 0.0);
}

TEST(GripSignificance, PairedTestsMatchR) {
  // a <- c(0.71,0.68,0.74,0.70,0.69); b <- c(0.65,0.66,0.70,0.645,0.695)
  // t.test(a, b, paired=TRUE): t = 2.83826516184092, p = 0.0469500551437655
  // wilcox.test(a, b, paired=TRUE, exact=TRUE): V = 14, p = 0.125
  const std::vector<double> a = {0.71, 0.68, 0.74, 0.70, 0.69}, b = {0.65, 0.66, 0.70, 0.645, 0.695};
  const PairedComparison c = paired_comparison(a, b, 0.25);
  EXPECT_EQ(c.n, 5);
  EXPECT_NEAR(c.t, 2.83826516184092, 1e-9);
  EXPECT_NEAR(c.p_t, 0.0469500551437655, 1e-9);
  EXPECT_NEAR(c.wilcoxon.w_plus, 14, 1e-12);
  EXPECT_NEAR(c.wilcoxon.p, 0.125, 1e-12);
  EXPECT_TRUE(c.wilcoxon.exact);
  // Nadeau-Bengio: the variance factor 1/5 + 0.25 instead of 1/5 shrinks t by sqrt(0.2 / 0.45).
  EXPECT_NEAR(c.t_corrected, c.t * std::sqrt(0.2 / 0.45), 1e-9);
  EXPECT_GT(c.p_t_corrected, c.p_t);
  // 12 one-sample differences, no ties: wilcox.test(d, exact=TRUE): V = 69, p = 0.01611328125
  const std::vector<double> d = {1.5, -0.3, 2.2, 0.8, -1.1, 3.0, 0.4, 2.7, -0.2, 1.9, 0.6, 1.2};
  const WilcoxonResult w = wilcoxon_signed_rank(d);
  EXPECT_NEAR(w.w_plus, 69, 1e-12);
  EXPECT_NEAR(w.p, 0.01611328125, 1e-12);
  // Five folds, all in favour: the smallest two-sided p there is, 2 / 2^5.
  EXPECT_NEAR(wilcoxon_signed_rank({0.1, 0.2, 0.3, 0.4, 0.5}).p, 0.0625, 1e-12);
  // Zeros are dropped; nothing left means no evidence.
  EXPECT_EQ(wilcoxon_signed_rank({0, 0}).p, 1.0);
}

TEST(GripSignificance, GeneLabelPermutationTest) {
  // 20 samples x 30 genes: pred = truth + small noise; shuffling gene labels must do worse.
  Rng rng(5);
  std::vector<float> t(600), p(600);
  for (size_t i = 0; i < t.size(); ++i) {
    t[i] = rng.normal(0, i);
    p[i] = t[i] + 0.1f * rng.normal(1, i);
  }
  const PermutationTest r = gene_label_permutation_test(p, t, 30, 99, 3);
  EXPECT_NEAR(r.observed, mse(p, t), 1e-12);
  EXPECT_EQ(r.at_least_as_good, 0);
  EXPECT_NEAR(r.p, 1.0 / 100.0, 1e-12);
  EXPECT_GT(r.perm_min, r.observed);
  // Predictions that ignore the genes entirely (the same value for every gene): shuffling changes
  // nothing, every shuffle ties, p = 1.
  std::vector<float> flat(600);
  for (size_t s = 0; s < 20; ++s)
    for (size_t g = 0; g < 30; ++g) flat[s * 30 + g] = static_cast<float>(s);
  EXPECT_NEAR(gene_label_permutation_test(flat, t, 30, 49, 3).p, 1.0, 1e-12);
  // Seeded: the same call gives the same answer.
  EXPECT_EQ(gene_label_permutation_test(p, t, 30, 20, 8).perm_mean, gene_label_permutation_test(p, t, 30, 20, 8).perm_mean);
}
