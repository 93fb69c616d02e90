// --compat public-code (models/grip/compat_public_code.h): the public code's generator and
// discriminator against a float64 reference of their formulas on the checkpoint's own weights;
// normalization and vocabularies fitted on all rows; training, checkpoint labelling and round trip;
// and the CLI's labelling of the mode.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "autograd/ops.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/json.h"
#include "models/grip/compat_public_code.h"
#include "models/grip/simulate.h"
#include "models/grip/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {

PairedData sim_data() {
  SimConfig sc;
  sc.genes = 60;
  sc.cells = 4;
  sc.drugs = 3;
  sc.replicates = 2;
  sc.seed = 11;
  const SimResult r = simulate_perturbation(sc);
  return pair_profiles(r.baseline, r.treated, PairBy::order, nullptr);
}
std::vector<size_t> all_rows(const PairedData& d) {
  std::vector<size_t> rows(d.n());
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}
std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("gripcu_compat_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
std::vector<double> param(const GripModel& m, const nn::ParamStore& s, const std::string& name) {
  (void)m;
  const auto v = s.param(name).value().to_vector<float>();
  return {v.begin(), v.end()};
}
// y = act(W x + b) for one row, W [out, in] row-major, in float64.
std::vector<double> dense(const std::vector<double>& W, const std::vector<double>& b, const std::vector<double>& x, int act,
                          double slope = 0.2) {
  const size_t out = b.size(), in = x.size();
  std::vector<double> y(out);
  for (size_t o = 0; o < out; ++o) {
    double s = b[o];
    for (size_t i = 0; i < in; ++i) s += W[o * in + i] * x[i];
    if (act == 1) s = std::max(s, 0.0);
    if (act == 2) s = s > 0 ? s : slope * s;
    y[o] = s;
  }
  return y;
}

}  // namespace

TEST(GripCompat, NetworksMatchAFloat64ReferenceOfThePublicCodesFormulas) {
  const PairedData d = sim_data();
  TrainConfig tc = public_code_train_defaults({});
  auto m = make_model(d, all_rows(d), tc, Device::cpu(), false, {}, Variant::public_code);
  ASSERT_EQ(m->variant, Variant::public_code);
  EXPECT_EQ(m->mcfg.hidden, 256);
  EXPECT_EQ(m->mcfg.d_hidden1, 128);
  EXPECT_EQ(m->mcfg.d_hidden2, 64);
  EXPECT_EQ(m->mcfg.embed_dim, 0);
  const int64_t G = m->mcfg.genes, n = 5;
  // No embedding or FiLM parameter exists: exactly fc1..3 and model.0/2/4 with the public code's shapes.
  std::vector<std::string> names;
  for (const auto* s : {&m->gstore, &m->dstore})
    for (const auto& e : s->entries()) names.push_back(e.name + ":" + std::to_string(shape_numel(e.shape)));
  const std::vector<std::string> want = {
      "generator.fc1.weight:" + std::to_string(256 * (G + 2)), "generator.fc1.bias:256", "generator.fc2.weight:65536",
      "generator.fc2.bias:256", "generator.fc3.weight:" + std::to_string(G * 256), "generator.fc3.bias:" + std::to_string(G),
      "discriminator.model.0.weight:" + std::to_string(128 * (G + 2)), "discriminator.model.0.bias:128",
      "discriminator.model.2.weight:8192", "discriminator.model.2.bias:64", "discriminator.model.4.weight:64",
      "discriminator.model.4.bias:1"};
  EXPECT_EQ(names, want);

  const Tensor xt = test::random_tensor({n, G}, 3, DType::f32, -2, 2);
  const std::vector<float> xf = xt.to_vector<float>();
  const std::vector<int64_t> cells = {0, 3, 1, 2, 3}, drugs = {2, 0, 1, 1, 2};
  ag::NoGrad ng;
  const auto y = (*m->G)(ag::Var(xt), Tensor::from_vector(cells, {n}), Tensor::from_vector(drugs, {n})).value().to_vector<float>();
  const auto logit = (*m->D)(ag::Var(xt), Tensor::from_vector(cells, {n}), Tensor::from_vector(drugs, {n})).value().to_vector<float>();
  const auto W1 = param(*m, m->gstore, "generator.fc1.weight"), b1 = param(*m, m->gstore, "generator.fc1.bias");
  const auto W2 = param(*m, m->gstore, "generator.fc2.weight"), b2 = param(*m, m->gstore, "generator.fc2.bias");
  const auto W3 = param(*m, m->gstore, "generator.fc3.weight"), b3 = param(*m, m->gstore, "generator.fc3.bias");
  const auto D0 = param(*m, m->dstore, "discriminator.model.0.weight"), e0 = param(*m, m->dstore, "discriminator.model.0.bias");
  const auto D2 = param(*m, m->dstore, "discriminator.model.2.weight"), e2 = param(*m, m->dstore, "discriminator.model.2.bias");
  const auto D4 = param(*m, m->dstore, "discriminator.model.4.weight"), e4 = param(*m, m->dstore, "discriminator.model.4.bias");
  double worst = 0, worst_d = 0;
  for (int64_t i = 0; i < n; ++i) {
    // torch.cat([x, drug, cell], dim=1): the drug id first, then the cell id, as plain numbers.
    std::vector<double> inp(xf.begin() + i * G, xf.begin() + (i + 1) * G);
    inp.push_back(static_cast<double>(drugs[static_cast<size_t>(i)]));
    inp.push_back(static_cast<double>(cells[static_cast<size_t>(i)]));
    const auto h = dense(W2, b2, dense(W1, b1, inp, 1), 1);
    const auto dx = dense(W3, b3, h, 0);
    for (int64_t k = 0; k < G; ++k)
      worst = std::max(worst, std::abs(y[static_cast<size_t>(i * G + k)] - (inp[static_cast<size_t>(k)] + dx[static_cast<size_t>(k)])));
    const auto l = dense(D4, e4, dense(D2, e2, dense(D0, e0, inp, 2), 2), 0);
    worst_d = std::max(worst_d, std::abs(logit[static_cast<size_t>(i)] - l[0]));
  }
  // float32 GEMMs over K <= 256 with O(1) values: rounding ~1e-6 relative; 1e-4 absolute is loose
  // enough for any summation order and tight enough to catch a swapped or missing id column.
  EXPECT_LT(worst, 1e-4);
  EXPECT_LT(worst_d, 1e-4);
  // The ids enter as numbers: another drug id changes every sample's prediction.
  const std::vector<int64_t> drugs2 = {0, 1, 2, 0, 0};
  const auto y2 = (*m->G)(ag::Var(xt), Tensor::from_vector(cells, {n}), Tensor::from_vector(drugs2, {n})).value().to_vector<float>();
  for (int64_t i = 0; i < n; ++i)
    EXPECT_NE(std::vector<float>(y.begin() + i * G, y.begin() + (i + 1) * G), std::vector<float>(y2.begin() + i * G, y2.begin() + (i + 1) * G));
}

TEST(GripCompat, FitsNormalizationAndVocabulariesOnAllRowsThePaperOnTrainingRows) {
  const PairedData d = sim_data();
  const std::string held_out_cell = d.cells.back();
  std::vector<size_t> train;
  for (size_t r = 0; r < d.n(); ++r)
    if (d.cells[r] != held_out_cell) train.push_back(r);
  ASSERT_LT(train.size(), d.n());
  const TrainConfig tc;
  auto paper = make_model(d, train, tc, Device::cpu(), false);
  auto compat = make_model(d, train, tc, Device::cpu(), false, {}, Variant::public_code);
  EXPECT_EQ(paper->cells.index(held_out_cell), -1);  // the paper: a test-only cell is unknown
  EXPECT_GE(compat->cells.index(held_out_cell), 0);  // the public code: LabelEncoder saw every row
  const size_t g = d.g();
  for (size_t k = 0; k < g; k += 7) {
    double all = 0, tr = 0;
    for (size_t r = 0; r < d.n(); ++r) all += d.baseline[r * g + k];
    for (size_t r : train) tr += d.baseline[r * g + k];
    all /= static_cast<double>(d.n());
    tr /= static_cast<double>(train.size());
    // float32 storage of a double mean: 1e-5 relative.
    EXPECT_NEAR(compat->z_baseline.mean[k], all, 1e-5 * (1 + std::abs(all))) << k;
    EXPECT_NEAR(paper->z_baseline.mean[k], tr, 1e-5 * (1 + std::abs(tr))) << k;
  }
}

TEST(GripCompat, TrainsPredictsAndTheCheckpointSaysSo) {
  const PairedData d = sim_data();
  TrainConfig tc = public_code_train_defaults({});
  tc.epochs = 30;
  tc.batch = 8;
  tc.seed = 4;
  auto m = make_model(d, all_rows(d), tc, Device::cpu(), false, {}, Variant::public_code);
  ASSERT_TRUE(train_model(*m, d, all_rows(d), nullptr, nullptr));
  ASSERT_EQ(m->state.mse.size(), 30u);
  EXPECT_LT(m->state.mse.back(), 0.3 * m->state.mse.front());  // it learns (z units); seen: 0.27 -> 0.011
  const std::string path = tmp("compat.safetensors");
  m->save(path);
  const auto st = io::load_safetensors(path);
  ASSERT_TRUE(st.metadata.count("gripcu.compat"));
  EXPECT_EQ(st.metadata.at("gripcu.compat"), "public-code");
  EXPECT_NE(st.metadata.at("gripcu.compat_note").find("not the paper's model"), std::string::npos);
  EXPECT_TRUE(st.has("generator.fc1.weight"));
  EXPECT_FALSE(st.has("generator.cell_emb.weight"));
  EXPECT_NE(st.metadata.at("gripcu.normalization").find("fitted on all samples"), std::string::npos);

  auto r = GripModel::load(path, Device::cpu());
  EXPECT_EQ(r->variant, Variant::public_code);
  std::vector<int64_t> cells, drugs;
  for (size_t i = 0; i < d.n(); ++i) {
    cells.push_back(m->cells.index(d.cells[i]));
    drugs.push_back(m->drugs.index(d.drugs[i]));
  }
  const auto p1 = predict(*m, d.baseline, cells, drugs), p2 = predict(*r, d.baseline, cells, drugs);
  EXPECT_EQ(p1, p2);  // bit-identical after the round trip
  for (float v : p1) ASSERT_TRUE(std::isfinite(v));
  // A paper checkpoint has no compat key and loads as the paper's model.
  auto paper = make_model(d, all_rows(d), TrainConfig{}, Device::cpu(), false);
  paper->save(tmp("paper.safetensors"));
  EXPECT_FALSE(io::load_safetensors(tmp("paper.safetensors")).metadata.count("gripcu.compat"));
  EXPECT_EQ(GripModel::load(tmp("paper.safetensors"), Device::cpu())->variant, Variant::paper);
}

TEST(GripCompatCli, TrainLabelsTheModeAndPredictHonoursIt) {
  const std::string bin = GRIPCU_BINARY, dir = tmp("cli");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(std::system((bin + " simulate perturbation --genes 40 --cells 3 --drugs 2 --seed 2 --out " + dir + " 2>/dev/null").c_str()), 0);
  const std::string data = " --baseline " + dir + "/baseline.csv --treated " + dir + "/treated.csv";
  ASSERT_EQ(std::system((bin + " train --compat public-code --threads 1 --epochs 3" + data + " --out " + dir + "/m 2>" + dir + "/train.err").c_str()), 0);
  const std::string log = io::read_file(dir + "/train.err");
  EXPECT_NE(log.find("compat: public-code \xE2\x80\x94 not the paper's model"), std::string::npos) << log;
  const JsonValue man = json_parse(io::read_file(dir + "/m/manifest.json"), "manifest");
  EXPECT_EQ(man.at("config").at("compat").as_string(), "public-code");
  EXPECT_EQ(man.at("config").at("train").at("batch").as_int(), 32);  // the public code's default
  EXPECT_EQ(man.at("config").at("train").at("epochs").as_int(), 3);  // a flag still wins
  const auto st = io::load_safetensors(dir + "/m/model.safetensors");
  EXPECT_EQ(st.metadata.at("gripcu.compat"), "public-code");
  EXPECT_NE(st.metadata.at("gripcu.manifest").find("public-code"), std::string::npos);

  ASSERT_EQ(std::system((bin + " predict --threads 1 --model " + dir + "/m/model.safetensors --baseline " + dir + "/baseline.csv --out " + dir +
                         "/p.csv 2>" + dir + "/pred.err").c_str()), 0);
  EXPECT_NE(io::read_file(dir + "/pred.err").find("not the paper's model"), std::string::npos);
  const JsonValue pm = json_parse(io::read_file(dir + "/p.csv.manifest.json"), "manifest");
  EXPECT_EQ(pm.at("config").at("model_variant").as_string(), "public-code");

  // An unknown mode, and resuming a compat run as the paper's model: exit 2.
  int rc = std::system((bin + " train --compat paper-ish --threads 1" + data + " --out " + dir + "/x 2>/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  rc = std::system((bin + " train --resume --epochs 4 --threads 1" + data + " --out " + dir + "/m 2>" + dir + "/resume.err").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_NE(io::read_file(dir + "/resume.err").find("--compat public-code"), std::string::npos) << io::read_file(dir + "/resume.err");
}
