#include "models/grip/model.h"

#include "engine/io/safetensors.h"
#include "engine/json.h"
#include "models/grip/architectures.h"
#include "models/grip/compat_public_code.h"

namespace gripcu::grip {

namespace {
kernels::AdamHyper adam_of(const TrainConfig& t) {
  kernels::AdamHyper h;
  h.lr = t.lr;
  h.beta1 = t.beta1;
  h.beta2 = t.beta2;
  return h;
}
Tensor floats(const std::vector<float>& v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }
std::vector<double> doubles_from_json(const JsonValue* v) {
  std::vector<double> out;
  if (v)
    for (const auto& e : v->arr) out.push_back(e.type == JsonValue::Type::number ? e.num : 0.0);
  return out;
}
}  // namespace

const char* variant_name(Variant v) { return v == Variant::paper ? "paper" : "public-code"; }

GripModel::GripModel(const ModelConfig& m, const TrainConfig& t, const Device& dev, Variant v)
    : variant(v), mcfg(m), tcfg(t), device(dev), gstore(DType::f32), dstore(DType::f32) {
  GRIPCU_CHECK(m.genes > 0 && m.cells > 0 && m.drugs > 0, "GRIP model needs genes, cells and drugs (", m.genes, ", ",
               m.cells, ", ", m.drugs, ")");
  if (v == Variant::paper) {  // the architectures by name (architectures.h); default residual + mlp
    G = make_generator(m.generator, gstore, m);
    D = make_discriminator(m.discriminator, dstore, m);
  } else {  // --compat public-code (compat_public_code.h)
    G = std::make_unique<PublicCodeGenerator>(gstore, m, dev);
    D = std::make_unique<PublicCodeDiscriminator>(dstore, m, dev);
  }
  Rng rng(t.seed);  // initial weights: streams 0.. in declaration order, generator first
  gstore.finalize(dev, rng);
  dstore.finalize(dev, rng);
  opt_g = std::make_unique<nn::Adam>(gstore, adam_of(t));
  opt_d = std::make_unique<nn::Adam>(dstore, adam_of(t));
}

void GripModel::save(const std::string& path) const {
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const auto* s : {&gstore, &dstore})
    for (const auto& e : s->entries()) ts.emplace_back(e.name, e.var->value);
  ts.emplace_back("optimizer.generator.m", opt_g->m());
  ts.emplace_back("optimizer.generator.v", opt_g->v());
  ts.emplace_back("optimizer.discriminator.m", opt_d->m());
  ts.emplace_back("optimizer.discriminator.v", opt_d->v());
  ts.emplace_back("normalization.baseline_mean", floats(z_baseline.mean));
  ts.emplace_back("normalization.baseline_std", floats(z_baseline.std));
  ts.emplace_back("normalization.treated_mean", floats(z_treated.mean));
  ts.emplace_back("normalization.treated_std", floats(z_treated.std));
  ts.emplace_back("reference.cell_baseline_mean", Tensor::from_vector(cell_profiles, {mcfg.cells, mcfg.genes}));

  std::map<std::string, std::string> meta;
  meta["format"] = "pt";
  JsonWriter mc, tc, st, nz;
  write_json(mc, mcfg);
  write_json(tc, tcfg);
  st.begin_object().kv("epoch", state.epoch).kv("batch", state.batch).kv("part_g", state.part_g).kv("part_d", state.part_d);
  st.kv("part_mse", state.part_mse).kv("part_n", state.part_n).kv("g_steps", opt_g->steps()).kv("d_steps", opt_d->steps());
  for (const auto& [name, v] : {std::pair{"g_loss", &state.g_loss}, {"d_loss", &state.d_loss}, {"mse", &state.mse}}) {
    st.key(name).begin_array();
    for (double x : *v) st.value(x);
    st.end_array();
  }
  st.end_object();
  nz.begin_object().kv("log2", log2).kv("zscore", variant == Variant::paper
      ? "per gene, fitted on training samples, baseline and treated separately"
      : "per gene, fitted on all samples (public-code compat), baseline and treated separately").end_object();
  meta["gripcu.model_config"] = mc.str();
  meta["gripcu.train_config"] = tc.str();
  meta["gripcu.state"] = st.str();
  meta["gripcu.normalization"] = nz.str();
  meta["gripcu.genes"] = json_string_array(genes);
  meta["gripcu.cells"] = json_string_array(cells.names);
  meta["gripcu.drugs"] = json_string_array(drugs.names);
  meta["gripcu.manifest"] = manifest_json;
  if (variant == Variant::public_code) {  // absent for the paper's model (its bytes are unchanged)
    meta["gripcu.compat"] = "public-code";
    meta["gripcu.compat_note"] = kCompatPublicCodeNote;
  }
  io::save_safetensors(path, ts, meta);
}

std::unique_ptr<GripModel> GripModel::load(const std::string& path, const Device& dev) {
  const io::SafeTensors st = io::load_safetensors(path);
  auto need = [&](const std::string& k) -> const std::string& {
    auto it = st.metadata.find(k);
    if (it == st.metadata.end()) throw InputError(path, "not a gripcu GRIP-Lung checkpoint (no " + k + " metadata)");
    return it->second;
  };
  const ModelConfig mc = model_config_from_json(json_parse(need("gripcu.model_config"), path));
  const TrainConfig tc = train_config_from_json(json_parse(need("gripcu.train_config"), path));
  check_generator_name(mc.generator, path);
  check_discriminator_name(mc.discriminator, path);
  Variant variant = Variant::paper;
  if (auto it = st.metadata.find("gripcu.compat"); it != st.metadata.end()) {
    if (it->second != "public-code")
      throw InputError(path, "unknown gripcu.compat '" + it->second + "' (this build knows 'public-code')");
    variant = Variant::public_code;
  }
  auto m = std::make_unique<GripModel>(mc, tc, dev, variant);
  m->genes = json_parse_string_array(need("gripcu.genes"), path);
  m->cells.names = json_parse_string_array(need("gripcu.cells"), path);
  m->drugs.names = json_parse_string_array(need("gripcu.drugs"), path);
  if (static_cast<int64_t>(m->genes.size()) != mc.genes || static_cast<int64_t>(m->cells.names.size()) != mc.cells ||
      static_cast<int64_t>(m->drugs.names.size()) != mc.drugs)
    throw InputError(path, "vocabulary sizes do not match the model configuration");
  const JsonValue nz = json_parse(need("gripcu.normalization"), path);
  m->log2 = nz.at("log2").b;
  const JsonValue state = json_parse(need("gripcu.state"), path);
  m->state.epoch = state.at("epoch").as_int();
  m->state.batch = state.at("batch").as_int();
  m->state.part_g = state.at("part_g").as_number();
  m->state.part_d = state.at("part_d").as_number();
  m->state.part_mse = state.at("part_mse").as_number();
  m->state.part_n = state.at("part_n").as_int();
  m->state.g_loss = doubles_from_json(state.find("g_loss"));
  m->state.d_loss = doubles_from_json(state.find("d_loss"));
  m->state.mse = doubles_from_json(state.find("mse"));
  m->manifest_json = need("gripcu.manifest");
  auto load_into = [&](const std::string& name, Tensor& dst) {
    const Tensor& src = st.get(name);
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype())
      throw InputError(path, "tensor '" + name + "' is " + src.describe() + ", expected " + dst.describe());
    dst.copy_(src);
  };
  for (auto* s : {&m->gstore, &m->dstore})
    for (const auto& e : s->entries()) {
      Tensor v = e.var->value;
      load_into(e.name, v);
    }
  load_into("optimizer.generator.m", m->opt_g->m());
  load_into("optimizer.generator.v", m->opt_g->v());
  load_into("optimizer.discriminator.m", m->opt_d->m());
  load_into("optimizer.discriminator.v", m->opt_d->v());
  m->opt_g->set_steps(state.at("g_steps").as_int());
  m->opt_d->set_steps(state.at("d_steps").as_int());
  auto vec = [&](const std::string& name) {
    const Tensor& t = st.get(name);
    if (t.dtype() != DType::f32 || t.numel() != mc.genes) throw InputError(path, "bad normalization tensor '" + name + "'");
    return t.to_vector<float>();
  };
  m->z_baseline = {vec("normalization.baseline_mean"), vec("normalization.baseline_std")};
  m->z_treated = {vec("normalization.treated_mean"), vec("normalization.treated_std")};
  const Tensor& cp = st.get("reference.cell_baseline_mean");
  if (cp.dtype() != DType::f32 || cp.shape() != Shape{mc.cells, mc.genes}) throw InputError(path, "bad reference.cell_baseline_mean");
  m->cell_profiles = cp.to_vector<float>();
  return m;
}

}  // namespace gripcu::grip
