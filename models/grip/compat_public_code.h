#pragma once
// `--compat public-code`: the networks and preprocessing of GRIP-Lung's public code
// (github.com/XieHB-lab/GRIP-Lung, models.py / data_utils.py / train.py at d2fbf41), kept for
// reproducibility comparisons. It is NOT the paper's model (§4.4-4.6): no cell or drug embeddings,
// no FiLM, no residual block; the ids are fed to the first layer as plain numbers. Every run,
// checkpoint and manifest made in this mode says "compat: public-code — not the paper's model".
//
// What the public code does, and what this mode reproduces:
//   ids         LabelEncoder over ALL samples: the index of the name in the sorted unique names
//               (our Vocab), given to the network as a float32 number ([n, 1] columns)
//   generator   inp = [x, drug_id, cell_id]  (G + 2)
//               h   = ReLU(fc1(inp))         G + 2 -> 256
//               h   = ReLU(fc2(h))           256 -> 256
//               y~  = x + fc3(h)             256 -> G
//   discrim.    [profile, drug_id, cell_id] -> 128 -> LeakyReLU(0.2) -> 64 -> LeakyReLU(0.2) -> 1 logit
//   scaler      StandardScaler fitted on ALL samples (before any train/test split), baseline and
//               treated separately; vocabularies likewise from all samples
//   training    Adam lr 1e-3, L_G = MSE + 0.1 BCE, D step then G step; 20 epochs of batch 32
//               (the defaults `gripcu train --compat public-code` takes when --epochs/--batch are
//               not given)
// Parameter names are the public code's state_dict keys under our prefixes (generator.fc1.weight,
// discriminator.model.0.weight, .2, .4), so a checkpoint loads into its ResidualGenerator /
// MLPDiscriminator after stripping "generator." / "discriminator.".
// Like the public code, the trainer walks the training rows in their given order every epoch (no
// shuffle) in this mode. Not reproduced here (docs/grip_data.md): its 5-fold KFold(seed 42) CV and
// its per-gene-averaged R² (sklearn) belong to the CV tooling, not to this mode.
#include "models/grip/model.h"

namespace gripcu::grip {

constexpr const char* kCompatPublicCodeNote =
    "compat: public-code \xE2\x80\x94 not the paper's model (no embeddings, no FiLM; cell/drug ids fed as numbers; "
    "z-score fitted on all samples)";

// The public code's sizes in our ModelConfig: hidden = 256 (generator), d_hidden1 = 128,
// d_hidden2 = 64, LeakyReLU 0.2; embed_dim and mod_hidden are 0 (there are none).
ModelConfig public_code_model_config(ModelConfig mc);
// The public code's training defaults: 20 epochs, batch 32, lr 1e-3, lambda 0.1 (seed kept).
TrainConfig public_code_train_defaults(TrainConfig tc);

// The ids as float columns: a constant [vocab, 1] table whose row i holds float(i), gathered by the
// engine's embedding kernel, so the conversion runs on the model's device (and inside a captured
// CUDA graph) and an out-of-range id is the kernel's checked error. No gradient flows into it.
class IdColumn {
 public:
  IdColumn(int64_t vocab, const Device& dev);
  ag::Var operator()(const Tensor& idx) const;  // i64 [n] -> f32 [n, 1]

 private:
  Tensor table_;
};

class PublicCodeGenerator final : public GeneratorNet {
 public:
  PublicCodeGenerator(nn::ParamStore& s, const ModelConfig& c, const Device& dev);
  ag::Var operator()(const ag::Var& x, const Tensor& cells, const Tensor& drugs) const override;

  ModelConfig cfg;
  IdColumn cell_id, drug_id;
  nn::Linear fc1, fc2, fc3;
};

class PublicCodeDiscriminator final : public DiscriminatorNet {
 public:
  PublicCodeDiscriminator(nn::ParamStore& s, const ModelConfig& c, const Device& dev);
  ag::Var operator()(const ag::Var& profile, const Tensor& cells, const Tensor& drugs) const override;

  ModelConfig cfg;
  IdColumn cell_id, drug_id;
  nn::Linear l0, l2, l4;  // nn.Sequential indices 0, 2, 4 (1 and 3 are the LeakyReLUs)
};

}  // namespace gripcu::grip
