#pragma once
// Methods evaluated beside GRIP-Lung in cross-validation, and the interface every evaluated method
// (GAN architectures included, models/grip/cv.h) implements.
//
// A FoldPredictor is fitted on a fold's training rows only (normalization statistics, vocabularies
// and parameters all come from those rows) and then predicts the fold's test rows from their
// baselines, cell lines and drugs; it never reads a test row's treated profile.
//
// Baselines (names as on the command line and in metrics.json):
//   identity     y^ = x (no change).
//   drug_mean    y^ = x + mean over training samples of the same drug of (y - x); a drug never
//                seen in training gets the mean change over all training samples.
//   ridge        a linear model of the change: with x_z the baseline z-scored by the training
//                fold's baseline statistics, and x_t, y_t the baseline and treated profiles z-scored by
//                its treated statistics (so y_t - x_t is the change in treated-sd units),
//                  y_t^ = x_t + b + cell effect + drug effect + x_z W
//                where the intercept and the cell and drug effects (centred one-hot columns) are
//                unpenalized and W is ridge-penalized (lambda -> infinity: an additive cell + drug
//                model of the change; an unseen cell line or drug gets the training average).
//                Closed form (Eigen: the one-hot block projected out, thin SVD of the rest). lambda is
//                chosen on the training fold by a grouped inner 5-fold CV (groups as the outer split:
//                pairs, or drugs / cell lines for leave-drug-out / leave-cell-out, so replicates never
//                straddle inner folds) over lambda = s_max^2 * 10^e, e = -6, -5.5, ..., 2. (GCV, a
//                leave-one-sample-out criterion, is fooled by replicates and by p > n interpolation;
//                it is used only when the training rows hold fewer than 2 groups.)
//                It sees what the generator sees: the profile, the cell line and the drug.
//   autoencoder  a plain MLP autoencoder, no adversarial loss and no residual connection:
//                [x_z, cell one-hot, drug one-hot] -> 256 -> 64 -> 256 -> y_z (ReLU, linear output),
//                MSE, Adam (lr 1e-3, batch 64), seeded Philox init and shuffles, same epochs as the
//                GAN unless set.
//   nn_transfer  the nearest-neighbour perturbation transfer of §2.4: y^ = x + Delta(c', d), where
//                Delta(c', d) is the mean training change of cell line c' under drug d, and c' is the
//                training cell line with drug d whose mean training baseline is most Pearson-correlated
//                with x (both z-scored by the training fold). If no training cell line has drug d,
//                the change of the nearest cell line averaged over its drugs is used. (The paper also
//                drops genes whose predicted TPM is negative; that applies to patient TPM, not here.)
#include <memory>
#include <string>
#include <vector>

#include "engine/device.h"
#include "models/grip/dataset.h"

namespace gripcu::grip {

class FoldPredictor {
 public:
  virtual ~FoldPredictor() = default;
  virtual void fit(const PairedData& d, const std::vector<size_t>& train) = 0;
  // Predicted treated profiles (input units), rows.size() x G, for data rows `rows`. Reads only
  // their baselines, cell lines and drugs.
  virtual std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) = 0;
  // Discriminator logits (real > 0) for `profiles` (input units, rows.size() x G) under the rows'
  // cell lines and drugs; false when the method has no discriminator or cannot score these rows.
  virtual bool discriminator_logits(const PairedData& d, const std::vector<size_t>& rows,
                                    const std::vector<float>& profiles, std::vector<double>& logits) {
    return false;
  }
  // What the fit chose, as a JSON object ("{}" when nothing): e.g. ridge's lambda.
  virtual std::string fit_json() const { return "{}"; }
};

struct BaselineOptions {
  // Groups of ridge's inner CV: "pair" (cell line, drug), "drug" or "cell".
  std::string inner_groups = "pair";
  int64_t ae_epochs = 200, ae_batch = 64;
  double ae_lr = 1e-3;
  int64_t ae_hidden = 256, ae_bottleneck = 64;
  uint64_t seed = 1;
  Device device = Device::cpu();
};

// identity, drug_mean, ridge, autoencoder, nn_transfer (in table order).
const std::vector<std::string>& baseline_names();
// InputError (where = "--baselines") for an unknown name, listing the known ones.
std::unique_ptr<FoldPredictor> make_baseline(const std::string& name, const BaselineOptions& opt);

// Ridge, exposed for tests: min ||Y - Z Gamma - X W||^2 + lambda ||W||^2 with X (n x p) penalized,
// Z (n x m) unpenalized (m may be 0; include a column of ones for an intercept) and Y (n x q), all
// row-major. Z is projected out of X and Y first (Frisch-Waugh-Lovell), then lambda =
// s_max(X_resid)^2 * grid[i] is chosen by GCV (fold empty; Z counts rank(Z) degrees of freedom) or
// by the validation MSE pooled over the inner folds fold[i] in 0..k-1 (each inner fold projects Z
// out with its own training rows). W and Gamma are then refitted on all rows.
struct RidgeFit {
  std::vector<double> W, Gamma;  // p x q, m x q
  double lambda = 0, score = 0;  // score: the criterion at the chosen lambda
  size_t grid_index = 0;
  std::vector<double> curve;     // the criterion per grid value
};
RidgeFit ridge_select(const std::vector<double>& X, const std::vector<double>& Z, const std::vector<double>& Y, size_t n,
                      size_t p, size_t m, size_t q, const std::vector<double>& grid, const std::vector<int>& fold = {},
                      int k = 0);

}  // namespace gripcu::grip
