#pragma once
// GRIP-Lung model and training configuration. Defaults follow the paper (§4.4-4.8); sizes the
// paper does not state are documented in docs/grip_model.md.
#include <cstdint>
#include <string>

#include "engine/json.h"

namespace gripcu::grip {

struct ModelConfig {
  int64_t genes = 0;            // G
  int64_t cells = 0, drugs = 0;  // vocabulary sizes
  int64_t embed_dim = 128;      // §4.4: 128-d cell and drug embeddings
  int64_t hidden = 256;         // §4.5: projection and residual block width
  int64_t mod_hidden = 256;     // modulation network hidden width (not stated in the paper)
  int64_t d_hidden1 = 256, d_hidden2 = 128;  // §4.6: three FC layers (two hidden + one logit)
  double leaky_slope = 0.2;     // LeakyReLU slope of the discriminator (not stated; the GAN default)
  // Architecture (§2.1-2.3, Table 2): generator "residual" | "cae" | "transformer", discriminator
  // "mlp" | "cnn" (models/grip/architectures.h). The sizes below belong to one architecture each
  // (Supplementary Note S1 is not available; our choices: docs/grip_architectures.md). The JSON
  // carries a field only when its architecture is selected, so the default model's JSON is the
  // one it always was.
  std::string generator = "residual", discriminator = "mlp";
  int64_t cae_bottleneck = 64;                           // cAE code width
  int64_t tf_tokens = 16, tf_dim = 64, tf_heads = 4;     // Transformer: gene-group tokens, width, heads
  int64_t tf_layers = 2, tf_ffn = 128;                   // encoder blocks, feed-forward width
  int64_t cnn_channels1 = 16, cnn_channels2 = 32;        // 1D-CNN: two conv layers
  int64_t cnn_kernel = 9, cnn_stride = 4;                // (padding kernel / 2)
};

struct TrainConfig {
  int64_t epochs = 200;
  int64_t batch = 64;
  double lr = 1e-3;        // §4.8: Adam, learning rate 0.001
  double beta1 = 0.9, beta2 = 0.999;  // PyTorch defaults: the paper names only Adam and lr
  double lambda = 0.1;     // L_G = MSE + lambda * BCE(D(G(x)), 1)
  uint64_t seed = 1;
};

void write_json(JsonWriter& j, const ModelConfig& m);
void write_json(JsonWriter& j, const TrainConfig& t);
ModelConfig model_config_from_json(const JsonValue& v);
TrainConfig train_config_from_json(const JsonValue& v);

}  // namespace gripcu::grip
