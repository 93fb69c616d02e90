#include "models/grip/config.h"

namespace gripcu::grip {

void write_json(JsonWriter& j, const ModelConfig& m) {
  j.begin_object();
  j.kv("genes", m.genes).kv("cells", m.cells).kv("drugs", m.drugs).kv("embed_dim", m.embed_dim);
  j.kv("hidden", m.hidden).kv("mod_hidden", m.mod_hidden).kv("d_hidden1", m.d_hidden1).kv("d_hidden2", m.d_hidden2);
  j.kv("leaky_slope", m.leaky_slope);
  j.end_object();
}

void write_json(JsonWriter& j, const TrainConfig& t) {
  j.begin_object();
  j.kv("epochs", t.epochs).kv("batch", t.batch).kv("lr", t.lr).kv("beta1", t.beta1).kv("beta2", t.beta2);
  j.kv("lambda", t.lambda).kv("seed", static_cast<long long>(t.seed));
  j.end_object();
}

ModelConfig model_config_from_json(const JsonValue& v) {
  ModelConfig m;
  m.genes = v.at("genes").as_int();
  m.cells = v.at("cells").as_int();
  m.drugs = v.at("drugs").as_int();
  m.embed_dim = v.at("embed_dim").as_int();
  m.hidden = v.at("hidden").as_int();
  m.mod_hidden = v.at("mod_hidden").as_int();
  m.d_hidden1 = v.at("d_hidden1").as_int();
  m.d_hidden2 = v.at("d_hidden2").as_int();
  m.leaky_slope = v.at("leaky_slope").as_number();
  return m;
}

TrainConfig train_config_from_json(const JsonValue& v) {
  TrainConfig t;
  t.epochs = v.at("epochs").as_int();
  t.batch = v.at("batch").as_int();
  t.lr = v.at("lr").as_number();
  t.beta1 = v.at("beta1").as_number();
  t.beta2 = v.at("beta2").as_number();
  t.lambda = v.at("lambda").as_number();
  t.seed = static_cast<uint64_t>(v.at("seed").as_int());
  return t;
}

}  // namespace gripcu::grip
