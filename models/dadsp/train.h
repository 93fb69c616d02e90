#pragma once
// DADSP training (§4.3-4.4): stacked-autoencoder pretraining, DADSP-A (gradient reversal), DADSP-B
// (MMD, three freezing stages) and the neural baselines (no pretraining, source only, target only).
//
// Data: a labelled domain (scaled expression rows XL, (cell, drug, label) pairs with labels already
// min-max scaled to [0, 1], a validation subset for early stopping) and, for the adapting variants,
// unlabelled target rows XU. One epoch is one pass over the labelled training pairs in batches of
// `batch`, shuffled by a Philox permutation of stream kShuffle + epoch. Each adapting step also
// takes `batch` target rows (a Philox permutation per epoch, cycled when the target is smaller).
//   A:  x = [xs; xt] -> gene extractor h -> split; reg([h_s, drug(fp)]) -> MSE; disc(GRL_lambda(h))
//       -> softmax cross-entropy against domain labels 0 (source) / 1 (target); loss = MSE + CE,
//       lambda(p) = 2 / (1 + exp(-gamma p)) - 1, p = step / total steps (§4.4.1).
//   B:  1) gene + drug + reg on the source MSE; 2) reg and drug frozen: gene + target decoder on
//       MSE_s + mmd_weight MMD(h_s, h_t) + recon_weight MSE(tdec(h_t), x_t); 3) gene and drug frozen:
//       reg on the source MSE (§4.4.2).
// Early stopping: after each epoch the mean training regression MSE (TrainConfig::early_stop
// "train", the default; "val": the validation MSE; stage 2 of B: the epoch's mean total loss);
// stop after `patience` epochs without improvement and restore the best weights.
#include <functional>
#include <string>
#include <vector>

#include "models/dadsp/model.h"

namespace gripcu::dadsp {

struct TrainData {
  std::vector<float> XL;  // labelled-domain rows, scaled, nL x G
  int64_t nL = 0;
  Pairs train, val;       // cells index XL rows; y scaled to [0, 1]
  std::vector<float> XU;  // unlabelled target rows, scaled, nU x G (adapting variants)
  int64_t nU = 0;
};

struct EpochLog {
  std::string stage;
  int64_t epoch = 0;
  double train_mse = 0, domain_loss = 0, mmd = 0, recon = 0, val_mse = 0, lambda = 0;
};

using LogFn = std::function<void(const EpochLog&)>;

// Greedy layer-wise pretraining (each encoder layer with its decoder layer on the previous layer's
// codes), then fine-tuning of the whole stack, on rows X (n x G, scaled). Returns per-epoch losses.
std::vector<EpochLog> pretrain_sae(DadspModel& m, const std::vector<float>& X, int64_t n, const LogFn& log = {});
// Trains m by its variant; returns the per-epoch log (also stored as m.history_json).
std::vector<EpochLog> train_dadsp(DadspModel& m, const TrainData& d, const LogFn& log = {});
// lambda(p) of the gradient reversal layer.
double grl_lambda(double p, double gamma);

// One DADSP-A forward and backward (no optimizer step): x = [x_s; x_t] ([bs + bt, G], scaled),
// fp the drug features of the bs source pairs, y their scaled labels [bs, 1]. Gradients accumulate
// into the parameter slabs of the trainable stores (zero them first). With adversarial = false
// (bt = 0) only the regression loss. Returns {MSE, domain cross-entropy}.
struct StepLoss {
  double mse = 0, domain = 0;
};
StepLoss adversarial_step(DadspModel& m, const ag::Var& x, int64_t bs, const ag::Var& fp, const Tensor& y,
                          nn::GradientReversal& grl, double lambda, bool adversarial = true);

}  // namespace gripcu::dadsp
