// Screening (models/grip/screen.h) on a tiny GRIP model trained for 2 epochs on simulated data
// (models/grip/simulate.h): the CPU screen equals the separate predict -> ssgsea -> states
// pipeline bit for bit, does not depend on the chunking, and the CUDA screen matches (skips
// without a GPU). Also the kernels it adds to kernels/ssgsea.h: the in-place unnormalization
// against the host loops of grip::predict, and ssgsea_cuda_raw_into against the CPU (GPU only).
#include <gtest/gtest.h>

#include <cmath>
#include <unistd.h>

#include <numeric>

#include "engine/io/atomic_file.h"
#include "kernels/ssgsea.h"
#include "models/grip/screen.h"
#include "models/grip/simulate.h"
#include "models/grip/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {

struct Tiny {
  SimResult sim;
  PairedData data;
  std::unique_ptr<GripModel> model;
};

// 60 genes (8 states x 3 markers + fillers), 5 cells, 4 drugs, trained 2 epochs. With log2, the
// profiles are brought to a positive "linear" scale first (2^x) so log2(x + 1) is defined.
Tiny tiny(bool log2) {
  SimConfig sc;
  sc.genes = 60;
  sc.cells = 5;
  sc.drugs = 4;
  sc.seed = 11;
  Tiny t;
  t.sim = simulate_perturbation(sc);
  if (log2) {
    for (double& v : t.sim.baseline.values) v = std::exp2(v);
    for (double& v : t.sim.treated.values) v = std::exp2(v);
  }
  t.data = pair_profiles(t.sim.baseline, t.sim.treated, PairBy::order, nullptr);
  std::vector<size_t> rows(t.data.n());
  std::iota(rows.begin(), rows.end(), 0);
  TrainConfig tc;
  tc.epochs = 2;
  tc.batch = 8;
  tc.seed = 3;
  t.model = make_model(t.data, rows, tc, Device::cpu(), log2);
  EXPECT_TRUE(train_model(*t.model, t.data, rows, nullptr, nullptr));
  return t;
}

// A cohort: every training baseline (20 samples) plus perturbed copies, so pairs > 64 (two CPU chunks).
std::vector<float> cohort(const Tiny& t, size_t* n_out) {
  const size_t G = t.data.g();
  std::vector<float> x = t.data.baseline;
  const size_t n0 = t.data.n();
  for (size_t s = 0; s < n0; ++s)
    for (size_t g = 0; g < G; ++g) x.push_back(t.data.baseline[s * G + g] * (1.0f + 0.01f * float((s + g) % 7)));
  *n_out = x.size() / G;
  return x;
}

// The separate pipeline: predict every (sample, drug) pair in screen order, ssGSEA over all of
// them (genes x samples, normalized over the whole matrix, as `gripcu ssgsea` on predict's CSV),
// then the resistance index.
StatesResult pipeline(const GripModel& m, const std::vector<float>& x, const std::vector<int64_t>& cells,
                      const std::vector<int64_t>& drugs, const IndexedStates& is, std::vector<double>* scores_out) {
  const size_t G = m.genes.size(), n = cells.size(), D = drugs.size(), P = n * D;
  std::vector<float> xp;
  std::vector<int64_t> pc, pd;
  for (size_t s = 0; s < n; ++s)
    for (size_t d = 0; d < D; ++d) {
      xp.insert(xp.end(), x.begin() + static_cast<long>(s * G), x.begin() + static_cast<long>((s + 1) * G));
      pc.push_back(cells[s]);
      pd.push_back(drugs[d]);
    }
  const std::vector<float> y = predict(m, xp, pc, pd);
  std::vector<double> gbs(G * P);  // as read back from predict's CSV: exact float values, genes x samples
  for (size_t p = 0; p < P; ++p)
    for (size_t g = 0; g < G; ++g) gbs[g * P + p] = y[p * G + g];
  std::vector<double> scores(static_cast<size_t>(is.sets.n_sets()) * P);
  kernels::ssgsea_cpu<double>(static_cast<int64_t>(G), static_cast<int64_t>(P), gbs.data(), is.sets.n_sets(),
                              is.sets.offsets.data(), is.sets.members.data(), kernels::SsgseaOptions{}, scores.data());
  if (scores_out) *scores_out = scores;
  return score_states(is.sets.names, is.klass, scores, static_cast<int64_t>(P), "pipeline");
}

void expect_same_states(const StatesResult& a, const StatesResult& b, double tol) {
  ASSERT_EQ(a.n, b.n);
  ASSERT_EQ(a.states, b.states);
  for (size_t i = 0; i < a.z.size(); ++i) ASSERT_NEAR(a.z[i], b.z[i], tol) << i;
  for (int64_t j = 0; j < a.n; ++j) {
    ASSERT_NEAR(a.ri[static_cast<size_t>(j)], b.ri[static_cast<size_t>(j)], tol) << j;
    if (tol == 0) {
      ASSERT_STREQ(a.label(j), b.label(j)) << j;
    }
  }
}

class ScreenCpu : public ::testing::TestWithParam<bool> {};

TEST_P(ScreenCpu, EqualsPredictThenSsgseaThenStates) {
  const Tiny t = tiny(GetParam());
  const GripModel& m = *t.model;
  size_t n = 0;
  const std::vector<float> x = cohort(t, &n);
  std::vector<int64_t> cells(n);
  for (size_t s = 0; s < n; ++s) cells[s] = nearest_cell(m, &x[s * m.genes.size()]).cell;
  const std::vector<int64_t> drugs = {2, 0, 3};  // a subset, out of order
  const IndexedStates is = index_states(default_response_states(), m.genes, "states");
  ASSERT_EQ(is.sets.n_sets(), 8);

  ScreenOptions opt;
  opt.chunk_pairs = 50;  // rounded up to 64 on the CPU: 120 pairs in two chunks
  const ScreenResult r = screen(m, x, cells, drugs, is, opt);
  EXPECT_EQ(r.chunk_pairs, 64);
  EXPECT_EQ(r.chunks, 2);
  std::vector<double> want_scores;
  const StatesResult want = pipeline(m, x, cells, drugs, is, &want_scores);
  // Bit for bit: the same float predictions (tile-aligned chunks), the same ssGSEA arithmetic.
  ASSERT_EQ(r.scores.size(), want_scores.size());
  for (size_t i = 0; i < want_scores.size(); ++i) ASSERT_EQ(r.scores[i], want_scores[i]) << i;
  expect_same_states(r.states, want, 0.0);
  EXPECT_EQ(r.pair(1, 2), 5);

  // One chunk for everything gives the same bits.
  opt.chunk_pairs = 4096;
  const ScreenResult r1 = screen(m, x, cells, drugs, is, opt);
  EXPECT_EQ(r1.chunks, 1);
  EXPECT_EQ(r1.raw_scores, r.raw_scores);
}

INSTANTIATE_TEST_SUITE_P(Log2, ScreenCpu, ::testing::Values(false, true),
                         [](const auto& i) { return i.param ? std::string("log2") : std::string("linear"); });

TEST(Screen, NormalizationOffKeepsRawScores) {
  const Tiny t = tiny(false);
  size_t n = 0;
  const std::vector<float> x = cohort(t, &n);
  std::vector<int64_t> cells(n, 0);
  const IndexedStates is = index_states(default_response_states(), t.model->genes, "states");
  ScreenOptions opt;
  opt.normalize = false;
  const ScreenResult r = screen(*t.model, x, cells, {0, 1}, is, opt);
  EXPECT_EQ(r.scores, r.raw_scores);
  EXPECT_EQ(r.norm_range, 1.0);
  // z-scores do not depend on a common positive scale: normalized and raw give the same RI.
  opt.normalize = true;
  const ScreenResult rn = screen(*t.model, x, cells, {0, 1}, is, opt);
  EXPECT_GT(rn.norm_range, 0.0);
  // Tolerance: dividing by the range moves each z by a few ulps.
  expect_same_states(rn.states, r.states, 1e-12);
}

TEST(Screen, UnnormalizeRowsCpuEqualsPredictHostLoops) {
  ZScore z;
  const size_t G = 37, R = 5;
  const Tensor a = test::random_tensor({static_cast<int64_t>(R * G)}, 7, DType::f32, -3, 3);
  const Tensor s = test::random_tensor({static_cast<int64_t>(G)}, 8, DType::f32, 0.1, 2);
  const Tensor mu = test::random_tensor({static_cast<int64_t>(G)}, 9, DType::f32, -1, 5);
  z.std = s.to_vector<float>();
  z.mean = mu.to_vector<float>();
  for (bool exp2m1 : {false, true}) {
    std::vector<float> want = a.to_vector<float>(), got = want;
    z.invert(want, G);
    if (exp2m1)
      for (float& v : want) v = std::exp2(v) - 1.0f;
    kernels::ssgsea_unnormalize_rows_cpu(R, G, got.data(), z.std.data(), z.mean.data(), exp2m1);
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
  }
}

// ---- CUDA (skips without a GPU) ----------------------------------------------------------------

TEST(ScreenCuda, UnnormalizeRowsMatchesCpu) {
  GRIPCU_REQUIRE_CUDA();
#ifdef GRIPCU_HAVE_CUDA
  const Device dev = Device::cuda(0);
  const int64_t G = 1000, R = 33;
  const Tensor a = test::random_tensor({R * G}, 7, DType::f32, -3, 3);
  const Tensor s = test::random_tensor({G}, 8, DType::f32, 0.1, 2), mu = test::random_tensor({G}, 9, DType::f32, -1, 5);
  for (bool exp2m1 : {false, true}) {
    std::vector<float> want = a.to_vector<float>();
    kernels::ssgsea_unnormalize_rows_cpu(R, G, want.data(), s.data<float>(), mu.data<float>(), exp2m1);
    Tensor d = a.to(dev);
    const Tensor ds = s.to(dev), dmu = mu.to(dev);
    kernels::ssgsea_unnormalize_rows_cuda(R, G, d.data<float>(), ds.data<float>(), dmu.data<float>(), exp2m1,
                                          stream_for(dev));
    const std::vector<float> got = d.to_vector<float>();
    for (size_t i = 0; i < want.size(); ++i) {
      // Multiply and add are rounded as on the host (no FMA); CUDA's exp2f is within 2 ulp.
      if (!exp2m1) ASSERT_EQ(got[i], want[i]) << i;
      else ASSERT_NEAR(got[i], want[i], 4e-7f * std::max(1.0f, std::fabs(want[i]))) << i;
    }
  }
#endif
}

TEST(ScreenCuda, RawIntoMatchesCpuColumns) {
  GRIPCU_REQUIRE_CUDA();
#ifdef GRIPCU_HAVE_CUDA
  const Device dev = Device::cuda(0);
  const int64_t G = 500, S = 70, K = 3;
  const Tensor x = test::random_tensor({S * G}, 21, DType::f32, -2, 2);  // samples x genes
  std::vector<int64_t> off = {0, 10, 60, 61};
  std::vector<int32_t> mem;
  for (int32_t i = 0; i < 61; ++i) mem.push_back((i * 7) % G);
  kernels::SsgseaOptions so;
  so.normalize = false;
  so.layout = kernels::SsgseaLayout::samples_by_genes;
  std::vector<double> want(static_cast<size_t>(K * S));
  kernels::ssgsea_cpu<float>(G, S, x.data<float>(), K, off.data(), mem.data(), so, want.data());
  // Into columns 5.. of a K x (S + 9) matrix, in two calls of 40 and 30 samples, chunk 16.
  const int64_t ld = S + 9, chunk = 16;
  const size_t ws = kernels::ssgsea_cuda_workspace_bytes(G, chunk);
  Tensor dws = Tensor::empty({static_cast<int64_t>((ws + 7) / 8)}, DType::f64, dev);
  Tensor dx = x.to(dev), dout = Tensor::zeros({K, ld}, DType::f64, dev);
  const Tensor doff = Tensor::from_vector(off, {K + 1}, dev), dmem = Tensor::from_vector(mem, {61}, dev);
  for (auto [s0, b] : {std::pair<int64_t, int64_t>{0, 40}, {40, 30}})
    kernels::ssgsea_cuda_raw_into<float>(G, b, dx.data<float>() + s0 * G, K, doff.data<int64_t>(), dmem.data<int32_t>(),
                                         so, dout.data<double>(), ld, 5 + s0, chunk, dws.raw(), ws, stream_for(dev));
  const std::vector<double> got = dout.to_vector<double>();
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < 5; ++c) EXPECT_EQ(got[k * ld + c], 0.0);
    for (int64_t j = 0; j < S; ++j) EXPECT_NEAR(got[k * ld + 5 + j], want[k * S + j], 1e-9) << k << "," << j;  // kernels/ssgsea.h
    for (int64_t c = 5 + S; c < ld; ++c) EXPECT_EQ(got[k * ld + c], 0.0);
  }
#endif
}

TEST(ScreenCuda, MatchesCpuScreen) {
  GRIPCU_REQUIRE_CUDA();
  const Tiny t = tiny(false);
  const std::string path = ::testing::TempDir() + "gripcu_screen_cuda_" + std::to_string(::getpid()) + ".safetensors";
  t.model->save(path);
  const auto mg = GripModel::load(path, Device::cuda(0));
  size_t n = 0;
  const std::vector<float> x = cohort(t, &n);
  std::vector<int64_t> cells(n);
  for (size_t s = 0; s < n; ++s) cells[s] = nearest_cell(*t.model, &x[s * t.model->genes.size()]).cell;
  const std::vector<int64_t> drugs = {0, 1, 2, 3};
  const IndexedStates is = index_states(default_response_states(), t.model->genes, "states");
  ScreenOptions opt;
  const ScreenResult gpu = screen(*mg, x, cells, drugs, is, opt);
  // Against the pipeline run with the CUDA model's own predictions (same GEMMs, one call of all
  // 160 pairs) and the CPU ssGSEA: ssGSEA CUDA = CPU to 1e-9 (kernels/ssgsea.h).
  std::vector<double> want_scores;
  const StatesResult want = pipeline(*mg, x, cells, drugs, is, &want_scores);
  for (size_t i = 0; i < want_scores.size(); ++i) EXPECT_NEAR(gpu.scores[i], want_scores[i], 1e-9) << i;
  expect_same_states(gpu.states, want, 1e-9);
  // And against the CPU screen: cuBLAS and Eigen GEMMs differ in the last bits, which can swap
  // genes of nearly equal predicted value; state scores stay within 2e-2 and labels agree where
  // |RI| is not tiny.
  const ScreenResult cpu = screen(*t.model, x, cells, drugs, is, opt);
  for (size_t i = 0; i < cpu.scores.size(); ++i) EXPECT_NEAR(gpu.scores[i], cpu.scores[i], 2e-2) << i;
  for (int64_t p = 0; p < cpu.states.n; ++p)
    if (std::fabs(cpu.states.ri[static_cast<size_t>(p)]) > 0.1) {
      EXPECT_STREQ(gpu.states.label(p), cpu.states.label(p)) << p;
    }
}

}  // namespace
