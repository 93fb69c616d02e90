#pragma once
// GRIP-Lung cross-validation (`gripcu cv`): leakage-safe splits, the generator x discriminator
// architectures and the baselines fitted per fold, metrics per fold and mean +- std, paired
// comparisons across folds and the gene-label permutation test, written as metrics.json and a
// Table-1-style table.md.
//
// Splits (every method sees the same folds; each fold's normalization, vocabularies and
// parameters are fitted on its training rows only, never on test rows):
//   kfold   K folds over (cell line, drug) pairs: all replicates of a pair fall in one fold, so a
//           test pair is a combination never seen in training (its cell line and drug were, with
//           other partners). With one sample per pair this is the paper's per-sample 5-fold CV.
//   sample  K folds over samples, as the paper's code; replicates of a pair can straddle train and
//           test (a leak when there are replicates; kept for comparison with the paper).
//   drug    leave-drug-out: K folds over drugs (K = number of drugs: leave-one-drug-out).
//   cell    leave-cell-out: K folds over cell lines.
//   pair    leave-pair-out, both sides unseen: cell lines and drugs are each dealt into K folds; fold
//           k tests the pairs whose cell line AND drug are in fold k and trains on the pairs whose
//           cell line and drug are both outside it (pairs sharing one side are left out of that
//           fold). Only the K diagonal blocks are ever tested (about 1/K of the pairs).
// Groups are sorted by name, shuffled by a Philox permutation of `seed`, and dealt round-robin.
//
// Unseen cell lines and drugs at test time (cell, drug and pair splits): a GAN maps an unseen cell
// line to the training cell line with the most correlated mean baseline (§4.9, nearest_cell) and
// predicts an unseen drug as the average of its predictions under every training drug (nothing
// describes a drug but its identity). The baselines' rules are in baselines.h.
//
// Metric space: each fold's predictions, truths and baselines are z-scored with the treated
// statistics of that fold's training rows before scoring (the paper standardizes before its
// sign classification; the same space makes MSE and R^2 comparable with its Table 1).
//
// Architectures are names resolved to factories: a family registers the generator and
// discriminator names it builds (register_architecture_family); the CV loop only calls the
// FoldPredictor interface (baselines.h), so new generators/discriminators plug in unchanged.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/grip/baselines.h"
#include "models/grip/config.h"
#include "models/grip/metrics.h"
#include "models/grip/significance.h"

namespace gripcu::grip {

enum class SplitKind { kfold, sample, drug, cell, pair };
SplitKind parse_split(const std::string& s);  // InputError("--split", ...) listing the choices
const char* split_name(SplitKind k);
const char* split_groups_by(SplitKind k);  // a phrase for outputs ("(cell line, drug) pair", ...)

struct Fold {
  std::vector<size_t> train, test;    // data rows, ascending
  std::vector<std::string> held_out;  // names of the held-out groups (pairs as "cell|drug")
};
// InputError("--folds", ...) when K is < 2 or exceeds the number of groups.
std::vector<Fold> make_folds(const PairedData& d, SplitKind kind, int64_t k, uint64_t seed);

// ---- architectures ----
struct ArchOptions {
  TrainConfig train;
  Device device = Device::cpu();
};
using ArchFactory =
    std::function<std::unique_ptr<FoldPredictor>(const std::string& generator, const std::string& discriminator, const ArchOptions&)>;
struct ArchitectureFamily {
  std::vector<std::string> generators, discriminators;  // every pairing of these is built by `make`
  ArchFactory make;
  std::vector<std::string> labels_generators, labels_discriminators;  // table labels ("Res", "MLP"); optional
};
// Built in: generators {residual, cae, transformer} x discriminators {mlp, cnn} (models/grip/
// architectures.h; residual + mlp is the paper's Residual-FiLM generator and LeakyReLU MLP discriminator). A family registered later with a name already known replaces it.
void register_architecture_family(ArchitectureFamily f);
std::vector<std::string> known_generators();
std::vector<std::string> known_discriminators();
// InputError("--generators" / "--discriminators", ...) listing the known names.
std::unique_ptr<FoldPredictor> make_architecture(const std::string& generator, const std::string& discriminator,
                                                 const ArchOptions& o);
std::string architecture_label(const std::string& generator, const std::string& discriminator);  // "Res + MLP"

// ---- the run ----
struct CvConfig {
  SplitKind split = SplitKind::kfold;
  int64_t folds = 5;
  uint64_t seed = 1;
  std::vector<std::string> generators = {"residual"}, discriminators = {"mlp"};
  std::vector<std::string> baselines = baseline_names();
  TrainConfig train;  // epochs, batch, lr, lambda; train.seed is set from `seed`
  BaselineOptions baseline_options;
  Device device = Device::cpu();
  size_t deg_k = 50;
  int64_t permutations = 1000;
};

struct MethodResult {
  std::string name, label, kind;  // "residual+mlp", "Res + MLP", "gan" | "baseline"
  std::vector<MetricSet> folds;   // all_metric_names() order (disc_* NaN where not applicable)
  std::vector<std::string> fit_json;  // per fold
  std::vector<float> pooled_pred;     // test predictions of every fold, metric space, pooled rows x G
  std::vector<double> pooled_genewise;  // gene-wise Pearson over the pooled test predictions
  PermutationTest permutation;
};

struct CvResult {
  std::vector<Fold> folds;
  std::vector<size_t> pooled_rows;         // data rows in pooled order (fold by fold)
  std::vector<float> pooled_truth, pooled_baseline;  // metric space
  std::vector<MethodResult> methods;       // architectures first, then baselines
  double mean_test_train_ratio = 0;        // for the corrected t-test
};

// InputError naming the flag for an unknown generator, discriminator, pairing or baseline.
void validate_cv_names(const CvConfig& c);
// on_status: one line per step (fold, method) for progress logs; may be null.
CvResult run_cv(const PairedData& d, const CvConfig& c, const std::function<void(const std::string&)>& on_status);

// Mean and sample standard deviation (n - 1) over the finite values.
std::pair<double, double> mean_std(const std::vector<double>& v);

struct CvInputs {
  std::string baseline_path, treated_path, baseline_sha256, treated_sha256;
};
// metrics.json (no time, no absolute output paths: the same inputs and seed give the same bytes).
std::string cv_metrics_json(const PairedData& d, const CvConfig& c, const CvInputs& in, const CvResult& r);
// table.md: Table 1's layout and the supporting tables.
std::string cv_table_markdown(const PairedData& d, const CvConfig& c, const CvInputs& in, const CvResult& r);

}  // namespace gripcu::grip
