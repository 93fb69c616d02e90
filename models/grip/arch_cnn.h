#pragma once
// GRIP-Lung's 1D-CNN discriminator (§2.1-2.3, Table 2). The profile, in the model's gene order, is
// one channel of length G; two strided convolutions summarize local gene neighbourhoods, then the
// flattened features meet the condition embeddings in a LeakyReLU MLP:
//   h1 = LeakyReLU(conv1(profile[n, 1, G]))       1 -> cnn_channels1, kernel cnn_kernel, stride cnn_stride
//   h2 = LeakyReLU(conv2(h1))                     channels1 -> cnn_channels2, same kernel and stride
//   logit = fc2(LeakyReLU(fc1([flatten(h2), cell_emb_D(c), drug_emb_D(d)])))   -> d_hidden2 -> 1
// Padding is kernel / 2. Own embedding tables, as the MLP discriminator (networks.h).
#include "layers/conv1d.h"
#include "models/grip/model.h"

namespace gripcu::grip {

class CnnDiscriminator final : public DiscriminatorNet {
 public:
  CnnDiscriminator(nn::ParamStore& s, const ModelConfig& c);
  ag::Var operator()(const ag::Var& profile, const Tensor& cells, const Tensor& drugs) const override;

  ModelConfig cfg;
  nn::Embedding cell_emb, drug_emb;
  nn::Conv1d conv1, conv2;
  int64_t flat;  // cnn_channels2 x length after conv2
  nn::Linear fc1, fc2;
};

}  // namespace gripcu::grip
