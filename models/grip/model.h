#pragma once
// A GRIP-Lung model as saved and loaded: configuration, vocabularies, normalization, the two
// networks over their parameter slabs, and the optimizer state (for bit-identical --resume).
//
// Checkpoint (safetensors, loadable by PyTorch's safetensors package):
//   tensors   generator.* / discriminator.* (PyTorch names: weight [out,in], bias [out]),
//             optimizer.{generator,discriminator}.{m,v} (slabs), normalization.{baseline,treated}_{mean,std}
//   metadata  gripcu.model_config, gripcu.train_config, gripcu.genes, gripcu.cells, gripcu.drugs,
//             gripcu.normalization, gripcu.state ({epoch, batch, steps}), gripcu.manifest (JSON strings);
//             gripcu.compat = "public-code" (and gripcu.compat_note) only for a --compat public-code model
// Nothing time- or path-dependent is stored, so the same seed and data give the same bytes.
#include <memory>
#include <string>

#include "layers/optim.h"
#include "models/grip/dataset.h"
#include "models/grip/networks.h"

namespace gripcu::grip {

// Which networks a GripModel holds. The trainer and predict() reach them only through the two
// call interfaces below, so the paper's model and the public code's networks
// (--compat public-code, models/grip/compat_public_code.h) share training, checkpoints and prediction.
enum class Variant { paper, public_code };
const char* variant_name(Variant v);  // "paper" / "public-code"

class GeneratorNet {
 public:
  virtual ~GeneratorNet() = default;
  // x [n, G] (normalized baseline), cells/drugs i64 [n] -> predicted treated profile [n, G]
  virtual ag::Var operator()(const ag::Var& x, const Tensor& cells, const Tensor& drugs) const = 0;
};
class DiscriminatorNet {
 public:
  virtual ~DiscriminatorNet() = default;
  virtual ag::Var operator()(const ag::Var& profile, const Tensor& cells, const Tensor& drugs) const = 0;  // logits [n, 1]
};

struct TrainState {
  int64_t epoch = 0;  // epochs completed
  int64_t batch = 0;  // batches completed inside `epoch` (non-zero only after an interruption)
  std::vector<double> g_loss, d_loss, mse;  // per-epoch means (loss curves)
  double part_g = 0, part_d = 0, part_mse = 0;  // sums over the batches done in `epoch`
  int64_t part_n = 0;
};

class GripModel {
 public:
  GripModel(const ModelConfig& m, const TrainConfig& t, const Device& dev, Variant v = Variant::paper);
  Variant variant = Variant::paper;  // saved as metadata gripcu.compat ("public-code") when not the paper's
  ModelConfig mcfg;
  TrainConfig tcfg;
  Device device;
  std::vector<std::string> genes;
  Vocab cells, drugs;
  bool log2 = false;
  ZScore z_baseline, z_treated;
  std::vector<float> cell_profiles;  // cells x G: mean training baseline per cell line (input units)
  nn::ParamStore gstore, dstore;
  std::unique_ptr<GeneratorNet> G;      // the paper's Generator, or the public code's (variant)
  std::unique_ptr<DiscriminatorNet> D;
  std::unique_ptr<nn::Adam> opt_g, opt_d;
  TrainState state;
  std::string manifest_json = "{}";
  // Runtime only (not saved; it does not change a single bit of the result): on a CUDA device,
  // train each batch size's step as a captured CUDA graph.
  bool cuda_graph = true;

  void save(const std::string& path) const;
  static std::unique_ptr<GripModel> load(const std::string& path, const Device& dev);
};

}  // namespace gripcu::grip
