// The six GRIP-Lung architectures (models/grip/architectures.h): every generator x discriminator
// pairing trains on simulated data, saves, loads and predicts the same; the choice and its sizes
// travel in the checkpoint; the default residual + mlp checkpoint keeps its layout (parameter names,
// shapes, model_config keys); unknown names are input errors listing the known ones; the CLI flags.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <set>

#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/json.h"
#include "models/grip/architectures.h"
#include "models/grip/simulate.h"
#include "models/grip/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {
PairedData small_data() {
  SimConfig sc;
  sc.genes = 60;
  sc.cells = 4;
  sc.drugs = 3;
  sc.replicates = 2;
  sc.seed = 5;
  const SimResult r = simulate_perturbation(sc);
  return pair_profiles(r.baseline, r.treated, PairBy::order, nullptr);
}
std::vector<size_t> all_rows(const PairedData& d) {
  std::vector<size_t> rows(d.n());
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}
TrainConfig small_train() {
  TrainConfig tc;
  tc.epochs = 2;
  tc.batch = 5;
  tc.seed = 9;
  return tc;
}
ModelConfig arch(const std::string& g, const std::string& d) {
  ModelConfig mc;
  mc.generator = g;
  mc.discriminator = d;
  // Small sizes keep the test quick; they are written to and read from the checkpoint like any other.
  mc.embed_dim = 8, mc.hidden = 32, mc.mod_hidden = 16, mc.d_hidden1 = 32, mc.d_hidden2 = 16;
  mc.cae_bottleneck = 8, mc.tf_tokens = 5, mc.tf_dim = 12, mc.tf_heads = 3, mc.tf_layers = 2, mc.tf_ffn = 20;
  mc.cnn_channels1 = 3, mc.cnn_channels2 = 4, mc.cnn_kernel = 5, mc.cnn_stride = 2;
  return mc;
}
std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("gripcu_arch_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
std::vector<int64_t> ids(const PairedData& d, const Vocab& v, const std::vector<std::string>& names) {
  std::vector<int64_t> out;
  for (size_t r = 0; r < d.n(); ++r) out.push_back(v.index(names[r]));
  return out;
}
}  // namespace

TEST(GripArchitectures, AllSixTrainSaveLoadAndPredictTheSame) {
  const PairedData d = small_data();
  ASSERT_EQ(generator_names().size(), 3u);
  ASSERT_EQ(discriminator_names().size(), 2u);
  for (const auto& g : generator_names())
    for (const auto& dis : discriminator_names()) {
      SCOPED_TRACE(g + "+" + dis);
      auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false, arch(g, dis));
      ASSERT_TRUE(train_model(*m, d, all_rows(d), nullptr, nullptr));
      ASSERT_EQ(m->state.mse.size(), 2u);
      for (size_t e = 0; e < 2; ++e) {
        EXPECT_TRUE(std::isfinite(m->state.mse[e]));
        EXPECT_TRUE(std::isfinite(m->state.g_loss[e]));
        EXPECT_TRUE(std::isfinite(m->state.d_loss[e]));
      }
      // The networks differ: the parameter names say which one was built.
      std::set<std::string> names;
      for (const auto* s : {&m->gstore, &m->dstore})
        for (const auto& e : s->entries()) names.insert(e.name);
      const char* gmark = g == "residual" ? "generator.film.gamma.weight" : g == "cae" ? "generator.enc2.weight" : "generator.blocks.1.attn.qkv.weight";
      const char* dmark = dis == "mlp" ? "discriminator.mlp.2.weight" : "discriminator.conv2.weight";
      EXPECT_TRUE(names.count(gmark)) << gmark;
      EXPECT_TRUE(names.count(dmark)) << dmark;

      const std::string path = tmp(g + "_" + dis + ".safetensors");
      m->save(path);
      auto r = GripModel::load(path, Device::cpu());
      EXPECT_EQ(r->mcfg.generator, g);
      EXPECT_EQ(r->mcfg.discriminator, dis);
      EXPECT_EQ(r->mcfg.embed_dim, 8);
      // An architecture's sizes are stored only when it is selected (others load as the defaults).
      EXPECT_EQ(r->mcfg.cae_bottleneck, g == "cae" ? 8 : ModelConfig{}.cae_bottleneck);
      EXPECT_EQ(r->mcfg.tf_heads, g == "transformer" ? 3 : ModelConfig{}.tf_heads);
      EXPECT_EQ(r->mcfg.cnn_kernel, dis == "cnn" ? 5 : ModelConfig{}.cnn_kernel);
      const auto cells = ids(d, m->cells, d.cells), drugs = ids(d, m->drugs, d.drugs);
      const auto p1 = predict(*m, d.baseline, cells, drugs), p2 = predict(*r, d.baseline, cells, drugs);
      EXPECT_EQ(p1, p2);
      for (float v : p1) ASSERT_TRUE(std::isfinite(v));
      // Saving the loaded model gives the same bytes (every parameter and state round-trips).
      r->save(tmp("again.safetensors"));
      EXPECT_EQ(io::read_file(path), io::read_file(tmp("again.safetensors")));
    }
}

TEST(GripArchitectures, TrainingLowersTheMseForEveryGenerator) {
  // 8 epochs on 24 samples: the generator's reconstruction MSE (z units) must fall by a tenth at
  // least; a generator whose gradients did not reach its parameters would stay where it started.
  const PairedData d = small_data();
  for (const auto& g : generator_names()) {
    SCOPED_TRACE(g);
    TrainConfig tc = small_train();
    tc.epochs = 8;
    auto m = make_model(d, all_rows(d), tc, Device::cpu(), false, arch(g, "cnn"));
    ASSERT_TRUE(train_model(*m, d, all_rows(d), nullptr, nullptr));
    EXPECT_LT(m->state.mse.back(), 0.9 * m->state.mse.front());
  }
}

TEST(GripArchitectures, SameSeedSameBytes) {
  const PairedData d = small_data();
  std::string bytes[2];
  for (int i = 0; i < 2; ++i) {
    auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false, arch("transformer", "cnn"));
    ASSERT_TRUE(train_model(*m, d, all_rows(d), nullptr, nullptr));
    m->save(tmp("same" + std::to_string(i) + ".safetensors"));
    bytes[i] = io::read_file(tmp("same" + std::to_string(i) + ".safetensors"));
  }
  EXPECT_EQ(bytes[0], bytes[1]);
}

TEST(GripArchitectures, DefaultResidualMlpCheckpointLayoutIsUnchanged) {
  const PairedData d = small_data();
  auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false);
  EXPECT_EQ(m->mcfg.generator, "residual");
  EXPECT_EQ(m->mcfg.discriminator, "mlp");
  const std::string path = tmp("default.safetensors");
  m->save(path);
  const io::SafeTensors st = io::load_safetensors(path);
  // model_config: exactly the keys it had before architectures existed, in the same order.
  const JsonValue mc = json_parse(st.metadata.at("gripcu.model_config"), "model_config");
  std::vector<std::string> keys;
  for (const auto& kv : mc.obj) keys.push_back(kv.first);
  EXPECT_EQ(keys, (std::vector<std::string>{"genes", "cells", "drugs", "embed_dim", "hidden", "mod_hidden", "d_hidden1",
                                            "d_hidden2", "leaky_slope"}));
  // Parameters: the paper's networks, names and shapes in declaration order.
  const int64_t G = 60, E = 128, H = 256;
  const std::vector<std::pair<std::string, Shape>> want = {
      {"generator.cell_emb.weight", {4, E}}, {"generator.drug_emb.weight", {3, E}}, {"generator.mod.weight", {256, 2 * E}},
      {"generator.mod.bias", {256}}, {"generator.film.gamma.weight", {H, 256}}, {"generator.film.gamma.bias", {H}},
      {"generator.film.beta.weight", {H, 256}}, {"generator.film.beta.bias", {H}}, {"generator.proj.weight", {H, G}},
      {"generator.proj.bias", {H}}, {"generator.res1.weight", {H, H}}, {"generator.res1.bias", {H}},
      {"generator.res2.weight", {H, H}}, {"generator.res2.bias", {H}}, {"generator.out.weight", {G, H}},
      {"generator.out.bias", {G}}, {"discriminator.cell_emb.weight", {4, E}}, {"discriminator.drug_emb.weight", {3, E}},
      {"discriminator.mlp.0.weight", {256, G + 2 * E}}, {"discriminator.mlp.0.bias", {256}},
      {"discriminator.mlp.1.weight", {128, 256}}, {"discriminator.mlp.1.bias", {128}},
      {"discriminator.mlp.2.weight", {1, 128}}, {"discriminator.mlp.2.bias", {1}}};
  std::vector<std::pair<std::string, Shape>> got;
  for (const auto* s : {&m->gstore, &m->dstore})
    for (const auto& e : s->entries()) got.emplace_back(e.name, e.shape);
  EXPECT_EQ(got, want);
  for (const auto& [name, shape] : want) EXPECT_EQ(st.get(name).shape(), shape) << name;
}

TEST(GripArchitectures, UnknownNamesAreInputErrorsListingTheKnownOnes) {
  nn::ParamStore s;
  ModelConfig mc = arch("residual", "mlp");
  mc.genes = 10, mc.cells = 2, mc.drugs = 2;
  try {
    make_generator("gan", s, mc);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("known: residual, cae, transformer"), std::string::npos) << e.what();
  }
  try {
    make_discriminator("rnn", s, mc);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("known: mlp, cnn"), std::string::npos) << e.what();
  }
  // A checkpoint naming an architecture this build does not know: an input error naming the file.
  const PairedData d = small_data();
  auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false, arch("cae", "mlp"));
  const std::string path = tmp("renamed.safetensors");
  m->save(path);
  std::string bytes = io::read_file(path);
  const size_t at = bytes.find("\\\"generator\\\":\\\"cae\\\"");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(bytes.find("cae", at), 3, "xyz");  // same length: the header size stays valid
  io::write_file_atomic(path, bytes);
  EXPECT_THROW(GripModel::load(path, Device::cpu()), InputError);
}

TEST(GripArchitecturesCli, TrainTakesGeneratorAndDiscriminatorFlags) {
  const std::string bin = GRIPCU_BINARY, dir = tmp("cli");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(std::system((bin + " simulate perturbation --genes 40 --cells 3 --drugs 2 --seed 2 --out " + dir + " 2>/dev/null").c_str()), 0);
  const std::string data = " --baseline " + dir + "/baseline.csv --treated " + dir + "/treated.csv";
  ASSERT_EQ(std::system((bin + " train --generator cae --discriminator cnn --threads 1 --epochs 2" + data + " --out " + dir +
                         "/m 2>/dev/null").c_str()), 0);
  const auto st = io::load_safetensors(dir + "/m/model.safetensors");
  const JsonValue mc = json_parse(st.metadata.at("gripcu.model_config"), "model_config");
  EXPECT_EQ(mc.at("generator").as_string(), "cae");
  EXPECT_EQ(mc.at("discriminator").as_string(), "cnn");
  EXPECT_EQ(std::system((bin + " predict --threads 1 --model " + dir + "/m/model.safetensors --baseline " + dir +
                         "/baseline.csv --out " + dir + "/p.csv 2>/dev/null").c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/p.csv"));
  int rc = std::system((bin + " train --generator gan --threads 1" + data + " --out " + dir + "/x 2>" + dir + "/err.txt").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_NE(io::read_file(dir + "/err.txt").find("unknown generator 'gan'"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/x/model.safetensors"));
}
