#pragma once
// DADSP end to end: inputs resolved into two domains, splits (random, blind, target as test),
// fitting a variant (scaling on its training data, SAE pretraining, training), evaluation on the
// target test pairs, and the non-neural baselines (ridge, kNN) on the same features.
//
// Splits (all Philox-seeded by SplitConfig::seed):
//   random  target pairs: a fraction test_frac is the test set, the rest is target-train (used only
//           by the target-only baseline). Source pairs all train. The unlabelled target rows the
//           adapting variants see are all target cell lines (transductive, as the paper trains with
//           the target domain's expression and tests on its responses; §4.1).
//   blind   a fraction blind_frac of the drugs and of the target cell lines is held out together
//           (§2.2): test = target pairs with a held-out cell AND a held-out drug; no training pair
//           (source or target) has a held-out drug or cell, and held-out cells' expression is not
//           shown to the adapting variants either.
// Without a source domain only target-only training is possible (a target-domain run).
#include <memory>
#include <string>
#include <vector>

#include "models/dadsp/metrics.h"
#include "models/dadsp/model.h"
#include "models/dadsp/train.h"

namespace gripcu::dadsp {

struct Experiment {
  bool has_source = false;
  CellExpression source, target;  // same genes, same order
  DrugTable drugs;
  Pairs source_pairs, target_pairs;
  std::string label_transform = "none";
};

struct SplitConfig {
  std::string kind = "random";  // random | blind
  double test_frac = 0.5, blind_frac = 0.3;
  uint64_t seed = 1;
};
struct Split {
  SplitConfig cfg;
  std::vector<size_t> source_train, target_train, target_test;  // indices into the pairs
  std::vector<int64_t> unlabelled_target;                       // target cell rows for adaptation
  std::vector<int64_t> held_drugs, held_cells;                  // blind split
  std::string json(const Experiment& e) const;
};
Split make_split(const Experiment& e, const SplitConfig& c);

// Builds and trains a model of cfg.variant; an SAE checkpoint (a model file from `dadsp pretrain`)
// replaces the pretraining when given (its genes must match).
std::unique_ptr<DadspModel> fit_variant(const Experiment& e, const Split& s, const ModelConfig& mc,
                                        const TrainConfig& tc, const Device& dev, const std::string& sae_path = "",
                                        const LogFn& log = {});

struct EvalResult {
  std::string name;
  Metrics metrics;
  std::vector<double> truth, pred;
};
EvalResult evaluate(const DadspModel& m, const Experiment& e, const Split& s, const std::string& name);

// Ridge regression (closed form, float64, intercept unpenalized) and k-nearest-neighbour
// regression (Euclidean, mean of the k nearest labels) on [scaled expression, drug features],
// fitted on the labelled source training pairs (target-train when there is no source), scaled as
// the neural variants; evaluated on the same target test pairs.
EvalResult ridge_baseline(const Experiment& e, const Split& s, double alpha);
EvalResult knn_baseline(const Experiment& e, const Split& s, int k);

}  // namespace gripcu::dadsp
