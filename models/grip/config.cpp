#include "models/grip/config.h"

namespace gripcu::grip {

void write_json(JsonWriter& j, const ModelConfig& m) {
  j.begin_object();
  j.kv("genes", m.genes).kv("cells", m.cells).kv("drugs", m.drugs).kv("embed_dim", m.embed_dim);
  j.kv("hidden", m.hidden).kv("mod_hidden", m.mod_hidden).kv("d_hidden1", m.d_hidden1).kv("d_hidden2", m.d_hidden2);
  j.kv("leaky_slope", m.leaky_slope);
  // Only when not the default residual + mlp (keeps that model's JSON unchanged).
  if (m.generator != "residual") j.kv("generator", m.generator);
  if (m.generator == "cae") j.kv("cae_bottleneck", m.cae_bottleneck);
  if (m.generator == "transformer")
    j.kv("tf_tokens", m.tf_tokens).kv("tf_dim", m.tf_dim).kv("tf_heads", m.tf_heads).kv("tf_layers", m.tf_layers).kv("tf_ffn", m.tf_ffn);
  if (m.discriminator != "mlp") j.kv("discriminator", m.discriminator);
  if (m.discriminator == "cnn")
    j.kv("cnn_channels1", m.cnn_channels1).kv("cnn_channels2", m.cnn_channels2).kv("cnn_kernel", m.cnn_kernel).kv("cnn_stride", m.cnn_stride);
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
  auto str = [&](const char* k, std::string& dst) { if (const JsonValue* e = v.find(k)) dst = e->as_string(); };
  auto num = [&](const char* k, int64_t& dst) { if (const JsonValue* e = v.find(k)) dst = e->as_int(); };
  str("generator", m.generator);
  str("discriminator", m.discriminator);
  num("cae_bottleneck", m.cae_bottleneck);
  num("tf_tokens", m.tf_tokens);
  num("tf_dim", m.tf_dim);
  num("tf_heads", m.tf_heads);
  num("tf_layers", m.tf_layers);
  num("tf_ffn", m.tf_ffn);
  num("cnn_channels1", m.cnn_channels1);
  num("cnn_channels2", m.cnn_channels2);
  num("cnn_kernel", m.cnn_kernel);
  num("cnn_stride", m.cnn_stride);
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
