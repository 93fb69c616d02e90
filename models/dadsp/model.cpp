#include "models/dadsp/model.h"

#include <algorithm>

#include "engine/io/safetensors.h"
#include "engine/json.h"

namespace gripcu::dadsp {

using ag::Act;
using ag::Var;

namespace {
std::vector<int64_t> cat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Tensor dvec(const std::vector<double>& v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }
}  // namespace

Tensor to_device(const std::vector<float>& v, int64_t rows, int64_t cols, const Device& dev) {
  Tensor t = Tensor::from_vector(v, {rows, cols});
  return dev.is_cpu() ? t : t.to(dev);
}
Tensor index_tensor(const std::vector<int64_t>& v, const Device& dev) {
  Tensor t = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  return dev.is_cpu() ? t : t.to(dev);
}

void set_trainable(nn::ParamStore& store, bool on, const std::string& prefix) {
  for (const auto& e : store.entries())
    if (e.name.rfind(prefix, 0) == 0) e.var->requires_grad = on;
}

DadspModel::DadspModel(const ModelConfig& m, const TrainConfig& t, const Device& dev)
    : mcfg(m), tcfg(t), device(dev), gstore(DType::f32), sdstore(DType::f32), dstore(DType::f32), rstore(DType::f32),
      cstore(DType::f32), tstore(DType::f32) {
  GRIPCU_CHECK(m.genes > 0 && m.drug_dim > 0 && !m.sae.empty() && !m.drug_hidden.empty() && !m.reg_hidden.empty() &&
                   !m.disc_hidden.empty(),
               "DADSP model needs genes, drug features and non-empty layer sizes");
  std::vector<int64_t> rev(m.sae.rbegin(), m.sae.rend());
  rev.push_back(m.genes);
  const int64_t H = m.feature_dim();
  gene = std::make_unique<nn::MLP>(gstore, "gene", cat({m.genes}, m.sae), Act::sigmoid, 0.01, Act::sigmoid);
  sae_dec = std::make_unique<nn::MLP>(sdstore, "sae_dec", rev, Act::sigmoid, 0.01, Act::sigmoid);
  drug = std::make_unique<nn::MLP>(dstore, "drug", cat({m.drug_dim}, m.drug_hidden), Act::relu, 0.01, Act::relu);
  reg = std::make_unique<nn::MLP>(rstore, "reg", cat(cat({H + m.drug_hidden.back()}, m.reg_hidden), {1}), Act::relu,
                                  0.01, Act::sigmoid);
  disc = std::make_unique<nn::MLP>(cstore, "disc", cat(cat({H}, m.disc_hidden), {2}), Act::relu, 0.01, Act::identity);
  tdec = std::make_unique<nn::MLP>(tstore, "tdec", rev, Act::sigmoid, 0.01, Act::sigmoid);
  Rng rng(t.seed);
  for (auto* s : stores()) s->finalize(dev, rng);
  snapshot_init();
}

std::vector<nn::ParamStore*> DadspModel::stores() { return {&gstore, &sdstore, &dstore, &rstore, &cstore, &tstore}; }

void DadspModel::snapshot_init() {
  init_gene.clear();
  for (const auto& e : gstore.entries()) init_gene.emplace_back("init." + e.name, e.var->value.to(Device::cpu()));
}

Var DadspModel::regress(const Var& h, const Var& fp) const { return (*reg)(ag::concat_cols({h, (*drug)(fp)})); }

std::vector<float> DadspModel::scale_rows(const CellExpression& e) const {
  GRIPCU_CHECK(e.genes == genes, "scale_rows: expression genes are not in the model's order");
  const size_t G = genes.size();
  std::vector<float> out(e.cells.size() * G);
  for (size_t c = 0; c < e.cells.size(); ++c)
    for (size_t g = 0; g < G; ++g) out[c * G + g] = static_cast<float>(xscale.apply(e.values[c * G + g], g));
  return out;
}

std::vector<double> DadspModel::predict(const std::vector<float>& X, const std::vector<int64_t>& cells,
                                        const std::vector<int64_t>& drug_idx, int64_t batch) const {
  GRIPCU_CHECK(cells.size() == drug_idx.size(), "predict: ", cells.size(), " cells vs ", drug_idx.size(), " drugs");
  const int64_t G = mcfg.genes, n_cells = static_cast<int64_t>(X.size()) / G;
  ag::NoGrad ng;
  const Var Xv(to_device(X, n_cells, G, device));
  const Var Fv(to_device(drugs.features, static_cast<int64_t>(drugs.names.size()), drugs.dim, device));
  std::vector<double> out;
  out.reserve(cells.size());
  for (size_t b = 0; b < cells.size(); b += static_cast<size_t>(batch)) {
    const size_t e = std::min(cells.size(), b + static_cast<size_t>(batch));
    std::vector<int64_t> ci(cells.begin() + b, cells.begin() + e), di(drug_idx.begin() + b, drug_idx.begin() + e);
    const Var x = ag::embedding(Xv, index_tensor(ci, device));
    const Var f = ag::embedding(Fv, index_tensor(di, device));
    const auto p = regress(features(x), f).value().to_vector<float>();
    for (float v : p) out.push_back(to_label(v));
  }
  return out;
}

void DadspModel::save(const std::string& path) const {
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const auto* s : {&gstore, &sdstore, &dstore, &rstore, &cstore, &tstore})
    for (const auto& e : s->entries()) ts.emplace_back(e.name, e.var->value);
  for (const auto& [k, v] : init_gene) ts.emplace_back(k, v);
  ts.emplace_back("scale.expr_lo", dvec(xscale.lo));
  ts.emplace_back("scale.expr_hi", dvec(xscale.hi));
  ts.emplace_back("drugs.features",
                  Tensor::from_vector(drugs.features, {static_cast<int64_t>(drugs.names.size()), drugs.dim}));
  std::map<std::string, std::string> meta;
  meta["format"] = "pt";
  JsonWriter mc, tc, lab;
  write_json(mc, mcfg);
  write_json(tc, tcfg);
  lab.begin_object().kv("lo", ylo).kv("hi", yhi).kv("transform", label_transform).kv("drug_kind", drugs.kind).end_object();
  meta["gripcu.dadsp.model_config"] = mc.str();
  meta["gripcu.dadsp.train_config"] = tc.str();
  meta["gripcu.dadsp.labels"] = lab.str();
  meta["gripcu.dadsp.split"] = split_json;
  meta["gripcu.dadsp.history"] = history_json;
  meta["gripcu.genes"] = json_string_array(genes);
  meta["gripcu.drugs"] = json_string_array(drugs.names);
  meta["gripcu.manifest"] = manifest_json;
  io::save_safetensors(path, ts, meta);
}

std::unique_ptr<DadspModel> DadspModel::load(const std::string& path, const Device& dev) {
  const io::SafeTensors st = io::load_safetensors(path);
  auto need = [&](const std::string& k) -> const std::string& {
    auto it = st.metadata.find(k);
    if (it == st.metadata.end()) throw InputError(path, "not a gripcu DADSP checkpoint (no " + k + " metadata)");
    return it->second;
  };
  const ModelConfig mc = model_config_from_json(json_parse(need("gripcu.dadsp.model_config"), path));
  const TrainConfig tc = train_config_from_json(json_parse(need("gripcu.dadsp.train_config"), path));
  auto m = std::make_unique<DadspModel>(mc, tc, dev);
  m->genes = json_parse_string_array(need("gripcu.genes"), path);
  if (static_cast<int64_t>(m->genes.size()) != mc.genes) throw InputError(path, "gene list does not match the model");
  const JsonValue lab = json_parse(need("gripcu.dadsp.labels"), path);
  m->ylo = lab.at("lo").as_number();
  m->yhi = lab.at("hi").as_number();
  m->label_transform = lab.at("transform").as_string();
  m->split_json = need("gripcu.dadsp.split");
  m->history_json = need("gripcu.dadsp.history");
  m->manifest_json = need("gripcu.manifest");
  auto load_into = [&](const std::string& name, Tensor dst) {
    const Tensor& src = st.get(name);
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype())
      throw InputError(path, "tensor '" + name + "' is " + src.describe() + ", expected " + dst.describe());
    dst.copy_(src);
  };
  for (auto* s : m->stores())
    for (const auto& e : s->entries()) load_into(e.name, e.var->value);
  m->init_gene.clear();
  for (const auto& e : m->gstore.entries()) m->init_gene.emplace_back("init." + e.name, st.get("init." + e.name).clone());
  auto vec = [&](const std::string& name) {
    const Tensor& t = st.get(name);
    if (t.dtype() != DType::f64 || t.numel() != mc.genes) throw InputError(path, "bad tensor '" + name + "'");
    return t.to_vector<double>();
  };
  m->xscale.lo = vec("scale.expr_lo");
  m->xscale.hi = vec("scale.expr_hi");
  const Tensor& f = st.get("drugs.features");
  m->drugs.names = json_parse_string_array(need("gripcu.drugs"), path);
  if (f.dtype() != DType::f32 || f.ndim() != 2 || f.dim(0) != static_cast<int64_t>(m->drugs.names.size()) ||
      f.dim(1) != mc.drug_dim)
    throw InputError(path, "bad tensor 'drugs.features'");
  m->drugs.dim = mc.drug_dim;
  m->drugs.features = f.to_vector<float>();
  m->drugs.kind = lab.find("drug_kind") ? lab.at("drug_kind").as_string() : "fingerprint";
  m->drugs.source = path;
  return m;
}

}  // namespace gripcu::dadsp
