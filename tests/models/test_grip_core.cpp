// GRIP-Lung core: the simulator's structure, learning on held-out pairs, determinism of training
// and checkpoints, bit-identical resume after an interruption, checkpoint round trip, CUDA graph
// replay against eager steps (GPU only), and the CLI's bad-input contract.
#include <gtest/gtest.h>

#include <cmath>
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

TEST(GripSimulate, ReplicatesShareTheirCellsBaseline) {
  SimConfig sc;
  sc.genes = 120;
  sc.cells = 3;
  sc.drugs = 2;
  sc.replicates = 3;
  const SimResult r = simulate_perturbation(sc);
  const auto& b = r.baseline;
  ASSERT_EQ(b.n_samples(), 18u);
  // Samples are cell-major: (c, d, rep). Two replicates differ only by the baseline noise
  // (sd 0.3 each, so sd 0.3*sqrt(2) of the difference); two cell lines by their rank-5 factors too.
  auto rms = [&](size_t s1, size_t s2) {
    double ss = 0;
    for (size_t g = 0; g < b.n_genes(); ++g) ss += (b.at(g, s1) - b.at(g, s2)) * (b.at(g, s1) - b.at(g, s2));
    return std::sqrt(ss / static_cast<double>(b.n_genes()));
  };
  EXPECT_NEAR(rms(0, 1), 0.3 * std::sqrt(2.0), 0.1);
  EXPECT_NEAR(rms(0, 3), 0.3 * std::sqrt(2.0), 0.1);  // same cell, other drug: same baseline law
  EXPECT_GT(rms(0, 6), 2 * rms(0, 1));               // another cell line
  for (double v : r.treated.values) ASSERT_TRUE(std::isfinite(v) && v != 0.0);
  EXPECT_EQ(b.cells[7], "CELL02");
  EXPECT_EQ(b.drugs[7], "DRUG01");
}

// Held-out (cell, drug) pairs never seen in training, all replicates held out together: the model
// must explain the change y - x far better than the identity baseline (which explains none of it).
TEST(GripCore, HeldOutPairsBeatTheIdentityBaseline) {
  SimConfig sc;
  sc.genes = 100;
  sc.cells = 8;
  sc.drugs = 6;
  sc.replicates = 3;
  sc.seed = 3;
  const SimResult sim = simulate_perturbation(sc);
  const PairedData d = pair_profiles(sim.baseline, sim.treated, PairBy::order, nullptr);
  std::vector<size_t> train, test;
  for (size_t s = 0; s < d.n(); ++s) (((s / 3) % 5 == 2) ? test : train).push_back(s);
  TrainConfig tc;
  tc.epochs = 30;
  tc.batch = 16;
  tc.seed = 4;
  auto m = make_model(d, train, tc, Device::cpu(), false);
  ASSERT_TRUE(train_model(*m, d, train, nullptr, nullptr));
  std::vector<int64_t> cells, drugs;
  for (size_t r : test) {
    cells.push_back(m->cells.index(d.cells[r]));
    drugs.push_back(m->drugs.index(d.drugs[r]));
  }
  const auto x = take_rows(d.baseline, d.g(), test), y = take_rows(d.treated, d.g(), test);
  const auto p = predict(*m, x, cells, drugs);
  std::vector<float> dy(y.size()), dp(y.size());
  for (size_t i = 0; i < y.size(); ++i) { dy[i] = y[i] - x[i]; dp[i] = p[i] - x[i]; }
  const double r2_model = r2_score(p, y), r2_identity = r2_score(x, y), r2_change = r2_score(dp, dy);
  std::printf("[ held-out ] R2 model %.4f identity %.4f change %.4f\n", r2_model, r2_identity, r2_change);
  // Measured at this seed: see the message. The margins leave room for rounding changes
  // (kernel fusion, thread counts) while failing for a model that does not learn the drugs.
  EXPECT_GT(r2_change, 0.3) << "R2 model " << r2_model << " identity " << r2_identity << " change " << r2_change;
  EXPECT_GT(r2_model, r2_identity + 0.04);
}

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

// On a GPU: training with the step captured as a CUDA graph gives the same bytes as eager steps,
// and an interrupted + resumed graph run the same bytes as an uninterrupted one.
TEST(GripCuda, GraphReplayEqualsEagerAndResumes) {
  GRIPCU_REQUIRE_CUDA();
  const PairedData d = small_data();
  const Device dev = Device::cuda(0);
  auto run = [&](bool graph, const std::string& name) {
    auto m = make_model(d, all_rows(d), small_train(), dev, false);
    m->cuda_graph = graph;
    EXPECT_TRUE(train_model(*m, d, all_rows(d), nullptr, nullptr));
    m->save(tmp(name));
    return io::read_file(tmp(name));
  };
  const std::string eager = run(false, "cuda_eager.safetensors");
  EXPECT_EQ(run(true, "cuda_graph.safetensors"), eager);
  auto m = make_model(d, all_rows(d), small_train(), dev, false);
  int polls = 0;
  EXPECT_FALSE(train_model(*m, d, all_rows(d), nullptr, [&] { return polls++ == 8; }));
  m->save(tmp("cuda_part.safetensors"));
  auto r = GripModel::load(tmp("cuda_part.safetensors"), dev);
  EXPECT_TRUE(train_model(*r, d, all_rows(d), nullptr, nullptr));
  r->save(tmp("cuda_resumed.safetensors"));
  EXPECT_EQ(io::read_file(tmp("cuda_resumed.safetensors")), eager);
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
