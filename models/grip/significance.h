#pragma once
// Significance for GRIP-Lung evaluations.
//
// 1. The permutation test of §2.4: shuffle the gene labels of the predicted profiles (one random
//    permutation of the genes per draw, applied to every sample), recompute the error (MSE against
//    the truth) and count how often a shuffled prediction does at least as well as the real one:
//    p = (1 + #{perm_mse <= observed}) / (1 + N). It asks only whether the predictions are better
//    than the same values attached to the wrong genes, so any sensible model passes it.
// 2. Paired comparisons of two methods across CV folds (one value per fold for each):
//    - Student's paired t-test (two-sided, n - 1 degrees of freedom);
//    - the same with Nadeau and Bengio's corrected variance (1/n + n_test/n_train) * s^2, which
//      accounts for the overlap of training sets between folds (the plain test is overconfident);
//    - Wilcoxon's signed-rank test (two-sided; zero differences dropped as in Wilcoxon's original
//      method; exact null distribution by enumerating the 2^m sign patterns of the (tie-averaged)
//      ranks for m <= 200, else the normal approximation with tie and continuity corrections).
//    With 5 folds these show little: the smallest possible two-sided Wilcoxon p is 2/2^5 = 0.0625,
//    so it can never reach 0.05, and the t-tests have 4 degrees of freedom.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gripcu::grip {

// Two-sided p-value of Student's t with `df` degrees of freedom: P(|T| >= |t|).
double student_t_two_sided_p(double t, double df);
// Regularized incomplete beta I_x(a, b) (continued fraction; exposed for tests).
double incomplete_beta(double a, double b, double x);

struct WilcoxonResult {
  int64_t n_nonzero = 0;  // differences left after dropping zeros
  double w_plus = 0;      // sum of the ranks of the positive differences
  double p = 1;           // two-sided
  bool exact = true;
};
WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& diffs);

struct PairedComparison {
  int64_t n = 0;
  double mean_diff = 0, sd_diff = 0;  // of a - b (sample sd, n - 1)
  double t = 0, p_t = 1;              // paired t-test
  double t_corrected = 0, p_t_corrected = 1;  // Nadeau-Bengio corrected resampled t-test
  WilcoxonResult wilcoxon;
};
// a[i], b[i]: the two methods' values in fold i. test_train_ratio = n_test / n_train of a fold
// (0 turns the correction off).
PairedComparison paired_comparison(const std::vector<double>& a, const std::vector<double>& b, double test_train_ratio);

struct PermutationTest {
  double observed = 0;       // MSE of the predictions
  double perm_mean = 0;      // mean MSE over the shuffles
  double perm_min = 0;       // smallest shuffled MSE
  int64_t permutations = 0;
  int64_t at_least_as_good = 0;  // shuffles with MSE <= observed
  double p = 1;
};
// pred, truth: samples x genes. Permutation i uses Philox stream `stream_base + i` of `seed`.
PermutationTest gene_label_permutation_test(const std::vector<float>& pred, const std::vector<float>& truth, size_t genes,
                                            int64_t permutations, uint64_t seed, uint64_t stream_base = 0);

}  // namespace gripcu::grip
