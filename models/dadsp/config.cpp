#include "models/dadsp/config.h"

#include <cstdlib>

#include "engine/error.h"

namespace gripcu::dadsp {

Variant parse_variant(const std::string& s, const std::string& flag) {
  if (s == "A" || s == "a") return Variant::A;
  if (s == "B" || s == "b") return Variant::B;
  if (s == "no-pretrain" || s == "A-") return Variant::no_pretrain;
  if (s == "source-only") return Variant::source_only;
  if (s == "target-only") return Variant::target_only;
  throw InputError(flag, "expected A, B, no-pretrain, source-only or target-only, got '" + s + "'");
}

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::A: return "A";
    case Variant::B: return "B";
    case Variant::no_pretrain: return "no-pretrain";
    case Variant::source_only: return "source-only";
    default: return "target-only";
  }
}

namespace {
void sizes(JsonWriter& j, const char* k, const std::vector<int64_t>& v) {
  j.key(k).begin_array();
  for (int64_t x : v) j.value(static_cast<long long>(x));
  j.end_array();
}
std::vector<int64_t> sizes_from(const JsonValue& v) {
  std::vector<int64_t> o;
  for (const auto& e : v.arr) o.push_back(e.as_int());
  return o;
}
}  // namespace

void write_json(JsonWriter& j, const ModelConfig& m) {
  j.begin_object();
  j.kv("genes", m.genes).kv("drug_dim", m.drug_dim);
  sizes(j, "sae", m.sae);
  sizes(j, "drug_hidden", m.drug_hidden);
  sizes(j, "reg_hidden", m.reg_hidden);
  sizes(j, "disc_hidden", m.disc_hidden);
  j.kv("mmd_kernels", m.mmd_kernels).kv("mmd_ratio", m.mmd_ratio);
  j.end_object();
}

void write_json(JsonWriter& j, const TrainConfig& t) {
  j.begin_object();
  j.kv("variant", variant_name(t.variant)).kv("epochs", t.epochs).kv("batch", t.batch).kv("patience", t.patience);
  j.kv("lr", t.lr).kv("gamma", t.gamma).kv("mmd_weight", t.mmd_weight).kv("recon_weight", t.recon_weight);
  j.key("b_stage_epochs").begin_array();
  for (int64_t e : t.b_stage_epochs) j.value(static_cast<long long>(e));
  j.end_array();
  j.kv("sae_layer_epochs", t.sae_layer_epochs).kv("sae_finetune_epochs", t.sae_finetune_epochs);
  j.kv("sae_batch", t.sae_batch).kv("sae_lr", t.sae_lr).kv("val_frac", t.val_frac).kv("early_stop", t.early_stop);
  j.kv("seed", static_cast<long long>(t.seed));
  j.end_object();
}

ModelConfig model_config_from_json(const JsonValue& v) {
  ModelConfig m;
  m.genes = v.at("genes").as_int();
  m.drug_dim = v.at("drug_dim").as_int();
  m.sae = sizes_from(v.at("sae"));
  m.drug_hidden = sizes_from(v.at("drug_hidden"));
  m.reg_hidden = sizes_from(v.at("reg_hidden"));
  m.disc_hidden = sizes_from(v.at("disc_hidden"));
  m.mmd_kernels = static_cast<int>(v.at("mmd_kernels").as_int());
  m.mmd_ratio = v.at("mmd_ratio").as_number();
  return m;
}

TrainConfig train_config_from_json(const JsonValue& v) {
  TrainConfig t;
  t.variant = parse_variant(v.at("variant").as_string(), "checkpoint");
  t.epochs = v.at("epochs").as_int();
  t.batch = v.at("batch").as_int();
  t.patience = v.at("patience").as_int();
  t.lr = v.at("lr").as_number();
  t.gamma = v.at("gamma").as_number();
  t.mmd_weight = v.at("mmd_weight").as_number();
  t.recon_weight = v.at("recon_weight").as_number();
  const auto& b = v.at("b_stage_epochs").arr;
  for (size_t i = 0; i < 3 && i < b.size(); ++i) t.b_stage_epochs[i] = b[i].as_int();
  t.sae_layer_epochs = v.at("sae_layer_epochs").as_int();
  t.sae_finetune_epochs = v.at("sae_finetune_epochs").as_int();
  t.sae_batch = v.at("sae_batch").as_int();
  t.sae_lr = v.at("sae_lr").as_number();
  t.val_frac = v.at("val_frac").as_number();
  if (const JsonValue* e = v.find("early_stop")) t.early_stop = e->as_string();
  t.seed = static_cast<uint64_t>(v.at("seed").as_int());
  return t;
}

std::vector<int64_t> parse_sizes(const std::string& s, const std::string& flag) {
  std::vector<int64_t> out;
  size_t b = 0;
  while (b <= s.size()) {
    size_t e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    const std::string tok = s.substr(b, e - b);
    char* end = nullptr;
    const long long v = std::strtoll(tok.c_str(), &end, 10);
    if (tok.empty() || *end != '\0' || v < 1 || v > (1 << 24))
      throw InputError(flag, "expected comma-separated positive sizes (e.g. 2048,1024,512), got '" + s + "'");
    out.push_back(v);
    b = e + 1;
  }
  return out;
}

}  // namespace gripcu::dadsp
