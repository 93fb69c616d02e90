#pragma once
// A DADSP model as trained, saved and loaded: configuration, genes, drug features, scaling, and the
// networks over their parameter slabs (one store each, so stages can freeze them one by one).
//   gene     gene feature extractor: the SAE encoder, sizes {G, sae...}, sigmoid (§4.3, §4.4.1)
//   sae_dec  the SAE decoder, mirrored sizes, sigmoid (pretraining; DADSP-B's target decoder init)
//   drug     drug feature extractor: {F, drug_hidden...}, ReLU (two layers)
//   reg      regression head: {H + drug_out, reg_hidden..., 1}, ReLU, sigmoid output (four layers)
//   disc     domain discriminator: {H, disc_hidden..., 2}, ReLU, logits (three layers)
//   tdec     DADSP-B's target-domain decoder (mirrors the SAE decoder)
// Every store is built for every variant, in this order, from one seed: all variants start from
// the same initial weights.
//
// Checkpoint (safetensors; PyTorch's naming: <net>.<layer>.weight [out, in], .bias [out]):
//   tensors   gene.*, sae_dec.*, drug.*, reg.*, disc.*, tdec.*, init.gene.* (the extractor before
//             adaptation, for `dadsp embed`), scale.expr_lo / scale.expr_hi [G], drugs.features [D, F]
//   metadata  gripcu.dadsp.model_config, gripcu.dadsp.train_config, gripcu.genes, gripcu.drugs,
//             gripcu.dadsp.labels ({lo, hi, transform}), gripcu.dadsp.split, gripcu.dadsp.history,
//             gripcu.manifest
#include <memory>
#include <string>
#include <vector>

#include "layers/layers.h"
#include "models/dadsp/config.h"
#include "models/dadsp/data.h"

namespace gripcu::dadsp {

class DadspModel {
 public:
  DadspModel(const ModelConfig& m, const TrainConfig& t, const Device& dev);
  ModelConfig mcfg;
  TrainConfig tcfg;
  Device device;
  std::vector<std::string> genes;
  DrugTable drugs;             // the drug features the model was trained with (its vocabulary)
  MinMax xscale;               // per gene, fitted on the training cells
  double ylo = 0, yhi = 1;     // label min-max (fitted on the training labels); prediction = ylo + s (yhi - ylo)
  std::string label_transform = "none";
  nn::ParamStore gstore, sdstore, dstore, rstore, cstore, tstore;
  std::unique_ptr<nn::MLP> gene, sae_dec, drug, reg, disc, tdec;
  std::vector<std::pair<std::string, Tensor>> init_gene;  // extractor weights before adaptation
  std::string split_json = "{}", history_json = "{}", manifest_json = "{}";

  std::vector<nn::ParamStore*> stores();
  void snapshot_init();  // init_gene <- current gene weights

  // Forward pieces (on the model's device). x: scaled expression rows [n, G]; fp: drug features [n, F].
  ag::Var features(const ag::Var& x) const { return (*gene)(x); }
  ag::Var regress(const ag::Var& h, const ag::Var& fp) const;  // [n, 1] in [0, 1]
  double label_scale() const { return yhi > ylo ? yhi - ylo : 1.0; }
  double to_label(double s) const { return ylo + s * label_scale(); }
  double from_label(double y) const { return (y - ylo) / label_scale(); }

  // Scales rows of a CellExpression already in the model's gene order (cells x G) into float.
  std::vector<float> scale_rows(const CellExpression& e) const;
  // Predicted labels (transformed IC50 units) for (row of X, drug index) pairs; X: scaled cells x G.
  std::vector<double> predict(const std::vector<float>& X, const std::vector<int64_t>& cells,
                              const std::vector<int64_t>& drug_idx, int64_t batch = 1024) const;

  void save(const std::string& path) const;
  static std::unique_ptr<DadspModel> load(const std::string& path, const Device& dev);
};

// Marks the parameters of `store` whose names start with `prefix` trainable or frozen.
void set_trainable(nn::ParamStore& store, bool on, const std::string& prefix = "");
// A [rows, cols] float tensor on dev from host values.
Tensor to_device(const std::vector<float>& v, int64_t rows, int64_t cols, const Device& dev);
Tensor index_tensor(const std::vector<int64_t>& v, const Device& dev);

}  // namespace gripcu::dadsp
