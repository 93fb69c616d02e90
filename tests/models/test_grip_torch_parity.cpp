// GRIP-Lung against PyTorch (fixture: tests/fixtures/torch/grip_gan.safetensors, written by
// tools/reference/make_torch_gan_fixture.py from tools/reference/grip_torch.py, the paper's
// generator and discriminator in PyTorch at reduced widths):
//  - two full GAN iterations (GanTrainer::step: D step, then G step through the frozen D, Adam
//    lr 1e-3, lambda 0.1) from PyTorch's initial weights: losses, every gradient and every
//    parameter after each step;
//  - `gripcu predict` on the real GRIP-Lung example (../shared/data/grip_lung_example, XieHB-lab/
//    GRIP-Lung @03549f6 example/) with a checkpoint written by gripcu holding PyTorch's weights,
//    against PyTorch's predictions, with and without log2(x + 1);
//  - grip_torch.py predict reading that gripcu checkpoint (when /usr/bin/python3 has torch);
//  - `gripcu bench gan --json` runs (both loops) and reports its fields; bad usage exits 2.
//
// Tolerance: max |ours - torch| / max |torch| <= 1e-5 per tensor. Both sides compute in float32
// with different summation orders (Eigen's GEMM blocking vs MKL/OpenBLAS), which gives relative
// differences of ~1e-7 in forward values and gradients; Adam's first steps move each weight by
// ~lr * m/sqrt(v), which is insensitive to those differences except for gradients within rounding
// of zero (none here: the measured worst is printed), so parameters agree as closely as the
// gradients. Predictions are compared in input units (~13 on log2 expression) and, more
// strictly, relative to the model's change max |pred - baseline|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include <sys/wait.h>

#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/safetensors.h"
#include "engine/json.h"
#include "models/grip/trainer.h"
#include "models/grip/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {

constexpr double kTol = 1e-5;

const io::SafeTensors& fixture() {
  static const io::SafeTensors fx = io::load_safetensors(test::source_path("tests/fixtures/torch/grip_gan.safetensors"));
  return fx;
}

std::string meta(const std::string& key) {
  const auto it = fixture().metadata.find(key);
  if (it == fixture().metadata.end()) throw std::runtime_error("fixture has no metadata " + key);
  return it->second;
}

using test::rel_diff;

template <typename T>
std::vector<T> vec(const std::string& name) { return fixture().get(name).to_vector<T>(); }

void load_params(GripModel& m, const std::string& prefix) {
  for (auto* s : {&m.gstore, &m.dstore})
    for (const auto& e : s->entries()) s->param(e.name).value_mut().copy_(fixture().get(prefix + e.name));
}

std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("gripcu_torch_parity_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string example(const std::string& file) { return test::shared_data("grip_lung_example/" + file); }

// A gripcu checkpoint (written by GripModel::save) for the real example, normalization fitted by
// make_model on all 14 samples, holding PyTorch's weights. Returns its path.
std::string real_checkpoint(bool log2) {
  const PairedData d = pair_profiles(io::read_expression(example("input_expression.csv")),
                                     io::read_expression(example("output_expression.csv")), PairBy::order, nullptr);
  std::vector<size_t> rows(d.n());
  std::iota(rows.begin(), rows.end(), 0);
  const ModelConfig mc = model_config_from_json(json_parse(meta("real.model_config"), "fixture"));
  auto m = make_model(d, rows, TrainConfig{}, Device::cpu(), log2, mc);
  EXPECT_EQ(m->mcfg.genes, mc.genes);
  std::vector<std::string> cells, drugs;
  for (const auto& v : json_parse(meta("real.cells"), "fixture").arr) cells.push_back(v.as_string());
  for (const auto& v : json_parse(meta("real.drugs"), "fixture").arr) drugs.push_back(v.as_string());
  EXPECT_EQ(m->cells.names, cells);
  EXPECT_EQ(m->drugs.names, drugs);
  // The normalization both sides fitted: float64 sums in different orders, then rounded to float.
  const std::string tag = log2 ? "real.log2." : "real.";
  EXPECT_LE(rel_diff(m->z_baseline.mean, vec<float>(tag + "baseline_mean")), 1e-6);
  EXPECT_LE(rel_diff(m->z_baseline.std, vec<float>(tag + "baseline_std")), 1e-6);
  EXPECT_LE(rel_diff(m->z_treated.mean, vec<float>(tag + "treated_mean")), 1e-6);
  EXPECT_LE(rel_diff(m->z_treated.std, vec<float>(tag + "treated_std")), 1e-6);
  load_params(*m, "real.param.");
  const std::string path = tmp(log2 ? "real_log2.safetensors" : "real.safetensors");
  m->save(path);
  return path;
}

// samples x genes (file order) from a GRIP CSV prediction, as float.
std::vector<float> read_prediction(const std::string& path) {
  const io::ExprMatrix p = io::read_expression(path);
  std::vector<float> out(p.n_samples() * p.n_genes());
  for (size_t s = 0; s < p.n_samples(); ++s)
    for (size_t g = 0; g < p.n_genes(); ++g) out[s * p.n_genes() + g] = static_cast<float>(p.at(g, s));
  return out;
}

void expect_predictions_match(const std::vector<float>& ours, const std::vector<float>& ref, const std::string& what) {
  ASSERT_EQ(ours.size(), ref.size()) << what;
  const io::ExprMatrix x = io::read_expression(example("input_expression.csv"));
  double maxdiff = 0, scale = 0, change = 0;
  for (size_t s = 0; s < x.n_samples(); ++s)
    for (size_t g = 0; g < x.n_genes(); ++g) {
      const size_t i = s * x.n_genes() + g;
      maxdiff = std::max(maxdiff, std::fabs(double(ours[i]) - ref[i]));
      scale = std::max(scale, std::fabs(double(ref[i])));
      change = std::max(change, std::fabs(double(ref[i]) - x.at(g, s)));
    }
  EXPECT_GT(change, 0.1) << what << ": the model barely changes its input; the comparison would be weak";
  EXPECT_LE(maxdiff / scale, kTol) << what;
  EXPECT_LE(maxdiff / change, kTol) << what << " (relative to the largest predicted change)";
  std::printf("[ %s ] max |diff| %.3g, / max |pred| %.3g, / max |pred - baseline| %.3g\n", what.c_str(), maxdiff,
              maxdiff / scale, maxdiff / change);
}

int run(const std::string& cmd) { return std::system((cmd + " 2>/dev/null").c_str()); }

}  // namespace

TEST(GripTorchParity, TwoGanStepsMatchPyTorch) {
  const ModelConfig mc = model_config_from_json(json_parse(meta("gan.model_config"), "fixture"));
  TrainConfig tc;
  tc.lr = 1e-3;
  tc.lambda = 0.1;
  ASSERT_EQ(std::stod(meta("lr")), tc.lr);
  ASSERT_EQ(std::stod(meta("lambda")), tc.lambda);
  GripModel m(mc, tc, Device::cpu());
  load_params(m, "gan.init.");
  GanTrainer trainer(m, vec<float>("gan.x"), vec<float>("gan.y"), vec<int64_t>("gan.cells"), vec<int64_t>("gan.drugs"));

  double worst_param = 0, worst_grad = 0;
  for (int k = 0; k < 2; ++k) {
    const std::string p = "gan.step" + std::to_string(k) + ".";
    const StepLosses l = trainer.step(vec<int64_t>(p + "rows"));
    EXPECT_LE(std::fabs(l.d_loss.item() - vec<float>(p + "d_loss")[0]) / std::fabs(vec<float>(p + "d_loss")[0]), kTol) << p;
    EXPECT_LE(std::fabs(l.g_loss.item() - vec<float>(p + "g_loss")[0]) / std::fabs(vec<float>(p + "g_loss")[0]), kTol) << p;
    EXPECT_LE(std::fabs(l.mse.item() - vec<float>(p + "mse")[0]) / std::fabs(vec<float>(p + "mse")[0]), kTol) << p;
    for (const auto* s : {&m.gstore, &m.dstore})
      for (const auto& e : s->entries()) {
        const double dg = rel_diff(s->param(e.name).grad(), fixture().get(p + "grad." + e.name));
        const double dp = rel_diff(s->param(e.name).value(), fixture().get(p + e.name));
        EXPECT_LE(dg, kTol) << p << "grad." << e.name;
        EXPECT_LE(dp, kTol) << p << e.name;
        worst_grad = std::max(worst_grad, dg);
        worst_param = std::max(worst_param, dp);
      }
  }
  // The step must have moved every weight matrix (a no-op step would pass the comparison only
  // if the fixture were wrong too; this keeps the test able to fail on a silent no-op).
  for (const auto* s : {&m.gstore, &m.dstore})
    for (const auto& e : s->entries())
      EXPECT_GT(rel_diff(fixture().get("gan.init." + e.name), fixture().get("gan.step1." + e.name)), 1e-4) << e.name;
  std::printf("[ parity ] worst relative difference: gradients %.3g, parameters %.3g\n", worst_grad, worst_param);
}

TEST(GripTorchParity, PredictOnRealExampleMatchesPyTorch) {
  if (!std::filesystem::exists(example("input_expression.csv"))) GTEST_SKIP() << "no shared data at " << example("");
  const std::string bin = GRIPCU_BINARY;
  for (const bool log2 : {false, true}) {
    const std::string ckpt = real_checkpoint(log2), out = tmp(log2 ? "pred_log2.csv" : "pred.csv");
    ASSERT_EQ(run(bin + " predict --threads 1 --model " + ckpt + " --baseline " + example("input_expression.csv") +
                  " --out " + out),
              0);
    expect_predictions_match(read_prediction(out), vec<float>(log2 ? "real.log2.pred" : "real.pred"),
                             log2 ? "gripcu predict, log2" : "gripcu predict");
  }
}

TEST(GripTorchParity, TorchScriptReadsGripcuCheckpoint) {
  if (!std::filesystem::exists(example("input_expression.csv"))) GTEST_SKIP() << "no shared data at " << example("");
  if (run("/usr/bin/python3 -c 'import torch, numpy' >/dev/null") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch and numpy (Debian: python3-torch)";
  // The log2 checkpoint only (one torch start-up, a few seconds): it reads every part of the
  // checkpoint the linear one does, plus the log2 flag and its inversion.
  const std::string script = test::source_path("tools/reference/grip_torch.py");
  const std::string ckpt = real_checkpoint(true), out = tmp("torch_log2.csv");
  ASSERT_EQ(run("/usr/bin/python3 " + script + " predict --model " + ckpt + " --baseline " + example("input_expression.csv") +
                " --out " + out),
            0);
  // The script on gripcu's checkpoint must give the predictions PyTorch made from its own weights.
  expect_predictions_match(read_prediction(out), vec<float>("real.log2.pred"), "grip_torch.py predict, log2");
}

TEST(GripBench, GanJsonReportsThroughput) {
  const std::string bin = GRIPCU_BINARY, out = tmp("bench.json");
  ASSERT_EQ(run(bin + " bench gan --genes 60 --cells 3 --drugs 2 --batch 8 --steps 3 --warmup 1 --repeats 2 --threads 1 --json > " + out), 0);
  const JsonValue j = json_parse(io::read_file(out), out);
  EXPECT_EQ(j.at("benchmark").as_string(), "gan");
  EXPECT_EQ(j.at("genes").as_int(), 60);
  EXPECT_EQ(j.at("batch").as_int(), 8);
  EXPECT_EQ(j.at("steps").as_int(), 3);
  EXPECT_EQ(j.at("threads").as_int(), 1);
  EXPECT_EQ(j.at("device").as_string(), "cpu");
  EXPECT_EQ(j.at("seconds_all").arr.size(), 2u);
  EXPECT_GT(j.at("steps_per_s").as_number(), 0.0);
  EXPECT_GT(j.at("seconds").as_number(), 0.0);
  EXPECT_NEAR(j.at("steps_per_s").as_number() * j.at("seconds").as_number(), 3.0, 1e-6);
  EXPECT_TRUE(std::isfinite(j.at("final_g_loss").as_number()));
  EXPECT_FALSE(j.at("build").at("git_revision").as_string().empty());
  // --loop epochs: GanTrainer::run over whole epochs; 6 samples in batches of 2 -> 3 steps per
  // epoch, so 4 steps round up to 2 epochs = 6 steps.
  ASSERT_EQ(run(bin + " bench gan --genes 60 --cells 3 --drugs 2 --batch 2 --steps 4 --warmup 1 --loop epochs --threads 1 --json > " + out), 0);
  const JsonValue e = json_parse(io::read_file(out), out);
  EXPECT_EQ(e.at("loop").as_string(), "epochs");
  EXPECT_EQ(e.at("samples").as_int(), 6);
  EXPECT_EQ(e.at("steps").as_int(), 6);
  EXPECT_NEAR(e.at("steps_per_s").as_number() * e.at("seconds").as_number(), 6.0, 1e-6);
  EXPECT_EQ(WEXITSTATUS(run(bin + " bench gan --loop sometimes")), 2);
  EXPECT_EQ(WEXITSTATUS(run(bin + " bench nosuch")), 2);
  EXPECT_EQ(WEXITSTATUS(run(bin + " bench gan --genes 3")), 2);
  EXPECT_EQ(WEXITSTATUS(run(bin + " bench gan --device tpu --steps 1")), 2);
}
