// GRIP-Lung core: determinism of training and checkpoints, bit-identical resume after an
// interruption, checkpoint round trip, and the CLI's bad-input contract.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
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
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}
TrainConfig small_train() {
  TrainConfig tc;
  tc.epochs = 3;
  tc.batch = 5;  // 24 samples: 5 batches per epoch, the last one partial
  tc.seed = 9;
  return tc;
}
std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("gripcu_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
std::string train_and_save(const PairedData& d, const std::string& path) {
  auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false);
  EXPECT_TRUE(train_model(*m, d, all_rows(d), nullptr, nullptr));
  m->save(path);
  return io::read_file(path);
}
}  // namespace

TEST(GripCore, SameSeedSameCheckpointBytes) {
  const PairedData d = small_data();
  EXPECT_EQ(train_and_save(d, tmp("a.safetensors")), train_and_save(d, tmp("b.safetensors")));
}

TEST(GripCore, InterruptAndResumeGivesTheSameBytes) {
  const PairedData d = small_data();
  const std::string straight = train_and_save(d, tmp("straight.safetensors"));
  // Stop after 7 steps (epoch 1, batch 2), save, load into a fresh model, finish.
  auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false);
  int polls = 0;
  EXPECT_FALSE(train_model(*m, d, all_rows(d), nullptr, [&] { return polls++ == 7; }));
  EXPECT_EQ(m->state.epoch, 1);
  EXPECT_EQ(m->state.batch, 2);
  const std::string path = tmp("resumed.safetensors");
  m->save(path);
  auto r = GripModel::load(path, Device::cpu());
  EXPECT_TRUE(train_model(*r, d, all_rows(d), nullptr, nullptr));
  r->save(path);
  EXPECT_EQ(io::read_file(path), straight);
}

TEST(GripCore, CheckpointRoundTripPredictsTheSame) {
  const PairedData d = small_data();
  auto m = make_model(d, all_rows(d), small_train(), Device::cpu(), false);
  train_model(*m, d, all_rows(d), nullptr, nullptr);
  const std::string path = tmp("rt.safetensors");
  m->save(path);
  auto r = GripModel::load(path, Device::cpu());
  std::vector<int64_t> cells, drugs;
  for (size_t i = 0; i < d.n(); ++i) {
    cells.push_back(m->cells.index(d.cells[i]));
    drugs.push_back(m->drugs.index(d.drugs[i]));
  }
  EXPECT_EQ(predict(*m, d.baseline, cells, drugs), predict(*r, d.baseline, cells, drugs));
  // PyTorch-style names, and the metadata a reader needs.
  const auto st = io::load_safetensors(path);
  EXPECT_TRUE(st.has("generator.proj.weight"));
  EXPECT_TRUE(st.has("discriminator.mlp.0.weight"));
  EXPECT_EQ(st.get("generator.proj.weight").shape(), (Shape{256, 60}));
  EXPECT_TRUE(st.metadata.count("gripcu.genes"));
}

TEST(GripCore, TrainingLowersTheGeneratorMse) {
  const PairedData d = small_data();
  TrainConfig tc = small_train();
  tc.epochs = 30;
  auto m = make_model(d, all_rows(d), tc, Device::cpu(), false);
  train_model(*m, d, all_rows(d), nullptr, nullptr);
  // z-scored targets: predicting the baseline alone leaves MSE ~ 1 - corr; 30 epochs reach far less.
  EXPECT_LT(m->state.mse.back(), 0.5 * m->state.mse.front());
}

TEST(GripCli, BadInputIsExitCodeTwoWithFileAndNothingWritten) {
  const std::string dir = tmp("cli");
  const std::string bin = GRIPCU_BINARY;
  ASSERT_EQ(std::system((bin + " simulate perturbation --genes 40 --cells 3 --drugs 2 --seed 1 --out " + dir + " 2>/dev/null").c_str()), 0);
  // Missing file.
  int rc = std::system((bin + " train --baseline " + dir + "/nope.csv --treated " + dir + "/treated.csv --out " + dir + "/t 2>/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/t/model.safetensors"));
  // Unknown drug at prediction.
  ASSERT_EQ(std::system((bin + " train --baseline " + dir + "/baseline.csv --treated " + dir + "/treated.csv --out " + dir +
                         "/m --epochs 1 2>/dev/null").c_str()), 0);
  rc = std::system((bin + " predict --model " + dir + "/m/model.safetensors --baseline " + dir + "/baseline.csv --drug NOSUCH --out " +
                    dir + "/p.csv 2>" + dir + "/err.txt").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/p.csv"));
  const std::string err = io::read_file(dir + "/err.txt");
  EXPECT_NE(err.find("unknown drug 'NOSUCH'; the model knows: DRUG01, DRUG02"), std::string::npos) << err;
  // Unknown device.
  rc = std::system((bin + " train --baseline " + dir + "/baseline.csv --treated " + dir + "/treated.csv --out " + dir + "/x --device tpu 2>/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
}
