#pragma once
// DADSP model and training configuration. Defaults follow the paper (§4.3-4.4); sizes the paper does
// not state are documented in docs/dadsp.md.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/json.h"

namespace gripcu::dadsp {

enum class Variant {
  A,            // DADSP-A: SAE-initialized extractor, GRL + domain discriminator (§4.4.1)
  B,            // DADSP-B: MMD with the three-stage freezing schedule (§4.4.2)
  no_pretrain,  // DADSPA-: DADSP-A without the stacked-autoencoder initialization
  source_only,  // no adaptation: the DADSP-A network without the discriminator, source labels only
  target_only,  // DeepDSC-1: the same network trained and tested on the target domain only
};
Variant parse_variant(const std::string& s, const std::string& flag = "--variant");
const char* variant_name(Variant v);

struct ModelConfig {
  int64_t genes = 0, drug_dim = 0;
  std::vector<int64_t> sae = {2048, 1024, 512};     // §4.3 (the default), sigmoid
  std::vector<int64_t> drug_hidden = {128, 64};     // two-layer FFN over the fingerprint (sizes ours)
  std::vector<int64_t> reg_hidden = {256, 128, 64};  // four layers with the sigmoid output (sizes ours)
  std::vector<int64_t> disc_hidden = {256, 128};    // three layers, 2 logits (sizes ours)
  int mmd_kernels = 5;                              // DADSP-B: DAN's 5 bandwidths, ratio 2
  double mmd_ratio = 2.0;
  int64_t feature_dim() const { return sae.back(); }
};

struct TrainConfig {
  Variant variant = Variant::A;
  int64_t epochs = 15, batch = 128, patience = 3;  // §4.4.1
  double lr = 1e-4, gamma = 10.0;                 // Adam 1e-4; lambda(p) = 2 / (1 + exp(-gamma p)) - 1
  double mmd_weight = 1.0, recon_weight = 1.0;     // DADSP-B stage 2 loss weights (ours)
  int64_t b_stage_epochs[3] = {15, 15, 15};        // DADSP-B stages (each with early stopping)
  int64_t sae_layer_epochs = 50, sae_finetune_epochs = 50, sae_batch = 128;  // ours (unstated)
  double sae_lr = 1e-3;
  double val_frac = 0.1;  // labelled training pairs held out (validation MSE, logged; early stopping with "val")
  // Early stopping monitors "train": the epoch's mean training regression MSE (the paper: "if the
  // model's loss does not decrease for 3 consecutive epochs"), or "val": the validation MSE.
  std::string early_stop = "train";
  uint64_t seed = 1;
};

void write_json(JsonWriter& j, const ModelConfig& m);
void write_json(JsonWriter& j, const TrainConfig& t);
ModelConfig model_config_from_json(const JsonValue& v);
TrainConfig train_config_from_json(const JsonValue& v);
// "2048,1024,512" -> sizes (InputError naming the flag otherwise).
std::vector<int64_t> parse_sizes(const std::string& s, const std::string& flag);

}  // namespace gripcu::dadsp
