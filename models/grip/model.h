#pragma once
// A GRIP-Lung model as saved and loaded: configuration, vocabularies, normalization, the two
// networks over their parameter slabs, and the optimizer state (for bit-identical --resume).
//
// Checkpoint (safetensors, loadable by PyTorch's safetensors package):
//   tensors   generator.* / discriminator.* (PyTorch names: weight [out,in], bias [out]),
//             optimizer.{generator,discriminator}.{m,v} (slabs), normalization.{baseline,treated}_{mean,std}
//   metadata  gripcu.model_config, gripcu.train_config, gripcu.genes, gripcu.cells, gripcu.drugs,
//             gripcu.normalization, gripcu.state ({epoch, batch, steps}), gripcu.manifest (JSON strings)
// Nothing time- or path-dependent is stored, so the same seed and data give the same bytes.
#include <memory>
#include <string>

#include "layers/optim.h"
#include "models/grip/dataset.h"
#include "models/grip/networks.h"

namespace gripcu::grip {

struct TrainState {
  int64_t epoch = 0;  // epochs completed
  int64_t batch = 0;  // batches completed inside `epoch` (non-zero only after an interruption)
  std::vector<double> g_loss, d_loss, mse;  // per-epoch means (loss curves)
  double part_g = 0, part_d = 0, part_mse = 0;  // sums over the batches done in `epoch`
  int64_t part_n = 0;
};

class GripModel {
 public:
  GripModel(const ModelConfig& m, const TrainConfig& t, const Device& dev);
  ModelConfig mcfg;
  TrainConfig tcfg;
  Device device;
  std::vector<std::string> genes;
  Vocab cells, drugs;
  bool log2 = false;
  ZScore z_baseline, z_treated;
  std::vector<float> cell_profiles;  // cells x G: mean training baseline per cell line (input units)
  nn::ParamStore gstore, dstore;
  std::unique_ptr<Generator> G;
  std::unique_ptr<Discriminator> D;
  std::unique_ptr<nn::Adam> opt_g, opt_d;
  TrainState state;
  std::string manifest_json = "{}";

  void save(const std::string& path) const;
  static std::unique_ptr<GripModel> load(const std::string& path, const Device& dev);
};

}  // namespace gripcu::grip
