// DADSP models (models/dadsp/model.h, train.h, workflow.h, analysis.h): the lambda schedule, SAE
// pretraining, checkpoints, determinism, splits, baselines, integrated gradients, the feature-space
// analysis, and the learning test on simulated data (DADSP-A and DADSP-B beat target-only and
// source-only training on the target test RMSE).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "autograd/ops.h"
#include "engine/io/atomic_file.h"
#include "engine/parallel.h"
#include "models/dadsp/analysis.h"
#include "models/dadsp/simulate.h"
#include "models/dadsp/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::dadsp;

namespace {

Experiment experiment_of(const SimData& d) {
  Experiment e;
  e.has_source = true;
  e.source = d.source;
  e.target = d.target;
  e.drugs = d.drugs;
  ResponseTable s, t;
  s.rows = d.source_resp;
  t.rows = d.target_resp;
  e.source_pairs = resolve_pairs(s, e.source, e.drugs, false, nullptr);
  e.target_pairs = resolve_pairs(t, e.target, e.drugs, false, nullptr);
  return e;
}

SimConfig small_sim(uint64_t seed) {
  SimConfig c;
  c.source_cells = 60;
  c.target_cells = 40;
  c.drugs = 6;
  c.genes = 30;
  c.seed = seed;
  return c;
}

ModelConfig small_model() {
  ModelConfig m;
  m.sae = {16, 8};
  m.drug_hidden = {16, 8};
  m.reg_hidden = {16, 8, 8};
  m.disc_hidden = {16, 8};
  return m;
}

TrainConfig quick(Variant v) {
  TrainConfig t;
  t.variant = v;
  t.epochs = 3;
  for (auto& e : t.b_stage_epochs) e = 2;
  t.sae_layer_epochs = 2;
  t.sae_finetune_epochs = 2;
  t.batch = 32;
  t.lr = 1e-3;
  return t;
}

struct ThreadsGuard {
  int before = num_threads();
  explicit ThreadsGuard(int n) { set_num_threads(n); }
  ~ThreadsGuard() { set_num_threads(before); }
};

}  // namespace

TEST(DadspTrain, LambdaSchedule) {
  EXPECT_DOUBLE_EQ(grl_lambda(0.0, 10.0), 0.0);
  EXPECT_NEAR(grl_lambda(0.5, 10.0), 2.0 / (1.0 + std::exp(-5.0)) - 1.0, 1e-15);
  EXPECT_NEAR(grl_lambda(1.0, 10.0), 0.99990920, 1e-8);
  EXPECT_LT(grl_lambda(0.1, 10.0), grl_lambda(0.2, 10.0));
}

TEST(DadspTrain, SaePretrainingLowersReconstruction) {
  ThreadsGuard tg(1);
  const SimData d = simulate_response(small_sim(3));
  ModelConfig mc = small_model();
  mc.genes = 30;
  mc.drug_dim = 256;
  TrainConfig tc = quick(Variant::A);
  tc.sae_layer_epochs = 30;
  tc.sae_finetune_epochs = 30;
  DadspModel m(mc, tc, Device::cpu());
  std::vector<int64_t> all(60);
  for (int64_t i = 0; i < 60; ++i) all[static_cast<size_t>(i)] = i;
  m.genes = d.source.genes;
  m.xscale.fit(d.source.values.data(), 60, 30, all);
  const auto X = m.scale_rows(d.source);
  const auto before = m.gstore.values().to_vector<float>();
  auto recon = [&] {
    ag::NoGrad ng;
    const ag::Var x(to_device(X, 60, 30, Device::cpu()));
    return ag::mse_loss((*m.sae_dec)(m.features(x)), x).item();
  };
  const double r0 = recon();
  const auto h = pretrain_sae(m, X, 60);
  ASSERT_EQ(h.size(), 90u);  // 2 layers x 30 + fine-tuning 30
  EXPECT_EQ(h.front().stage, "sae_layer1");
  EXPECT_EQ(h.back().stage, "sae_finetune");
  const double r1 = recon();
  // The stack reconstructs the (min-max scaled) profiles better than at initialization, where
  // the sigmoid output sits near 0.5 for every gene.
  EXPECT_LT(r1, 0.8 * r0) << "before " << r0 << ", after " << r1;
  EXPECT_LT(h[59].recon, h[30].recon);  // layer 2 learns on layer 1's codes
  // The snapshot for `dadsp embed` holds the pretrained encoder, not the random one.
  EXPECT_NE(m.init_gene[0].second.to_vector<float>(), std::vector<float>(before.begin(), before.begin() + 16 * 30));
}

TEST(DadspTrain, CheckpointRoundTripAndSameSeedSameWeights) {
  ThreadsGuard tg(1);
  const Experiment e = experiment_of(simulate_response(small_sim(4)));
  const Split s = make_split(e, SplitConfig{});
  auto a = fit_variant(e, s, small_model(), quick(Variant::A), Device::cpu());
  auto b = fit_variant(e, s, small_model(), quick(Variant::A), Device::cpu());
  EXPECT_EQ(a->gstore.values().to_vector<float>(), b->gstore.values().to_vector<float>());
  EXPECT_EQ(a->cstore.values().to_vector<float>(), b->cstore.values().to_vector<float>());
  const std::string path = testing::TempDir() + "dadsp_ckpt.safetensors";
  a->save(path);
  auto c = DadspModel::load(path, Device::cpu());
  EXPECT_EQ(c->genes, a->genes);
  EXPECT_EQ(c->drugs.names, a->drugs.names);
  EXPECT_EQ(c->tcfg.variant, Variant::A);
  const EvalResult ra = evaluate(*a, e, s, "a"), rc = evaluate(*c, e, s, "c");
  EXPECT_EQ(ra.pred, rc.pred);
  EXPECT_GT(ra.metrics.n, 0u);
  // Same bytes from the same seed and data.
  const std::string path2 = testing::TempDir() + "dadsp_ckpt2.safetensors";
  b->save(path2);
  EXPECT_EQ(io::read_file(path), io::read_file(path2));
}

TEST(DadspTrain, EveryVariantTrainsAndPredictsFinite) {
  ThreadsGuard tg(1);
  const Experiment e = experiment_of(simulate_response(small_sim(5)));
  const Split s = make_split(e, SplitConfig{});
  for (Variant v : {Variant::A, Variant::B, Variant::no_pretrain, Variant::source_only, Variant::target_only}) {
    SCOPED_TRACE(variant_name(v));
    auto m = fit_variant(e, s, small_model(), quick(v), Device::cpu());
    const EvalResult r = evaluate(*m, e, s, variant_name(v));
    for (double p : r.pred) ASSERT_TRUE(std::isfinite(p));
    const JsonValue h = json_parse(m->history_json);
    EXPECT_FALSE(h.arr.empty());
    if (v == Variant::B) {
      std::set<std::string> stages;
      for (const auto& x : h.arr) stages.insert(x.at("stage").as_string());
      EXPECT_EQ(stages, (std::set<std::string>{"B1_source", "B2_mmd", "B3_regressor"}));
    }
  }
  const EvalResult ridge = ridge_baseline(e, s, 1.0), knn = knn_baseline(e, s, 5);
  EXPECT_EQ(ridge.pred.size(), s.target_test.size());
  EXPECT_EQ(knn.pred.size(), s.target_test.size());
}

TEST(DadspTrain, BlindSplitHoldsOutDrugsAndCellsTogether) {
  const Experiment e = experiment_of(simulate_response(small_sim(6)));
  SplitConfig c;
  c.kind = "blind";
  c.blind_frac = 0.4;
  const Split s = make_split(e, c);
  const std::set<int64_t> hd(s.held_drugs.begin(), s.held_drugs.end()), hc(s.held_cells.begin(), s.held_cells.end());
  ASSERT_FALSE(s.target_test.empty());
  for (size_t i : s.target_test) {
    EXPECT_TRUE(hd.count(e.target_pairs.drug[i]));
    EXPECT_TRUE(hc.count(e.target_pairs.cell[i]));
  }
  for (size_t i : s.target_train) {
    EXPECT_FALSE(hd.count(e.target_pairs.drug[i]));
    EXPECT_FALSE(hc.count(e.target_pairs.cell[i]));
  }
  for (size_t i : s.source_train) EXPECT_FALSE(hd.count(e.source_pairs.drug[i]));
  for (int64_t r : s.unlabelled_target) EXPECT_FALSE(hc.count(r));
  // Random split: disjoint and complete.
  const Split r = make_split(e, SplitConfig{});
  EXPECT_EQ(r.target_train.size() + r.target_test.size(), e.target_pairs.size());
  SplitConfig bad;
  bad.kind = "sideways";
  EXPECT_THROW(make_split(e, bad), InputError);
}

// Ridge on a noiseless linear response recovers it (tiny alpha): the closed form is right.
TEST(DadspTrain, RidgeRecoversALinearResponse) {
  SimData d = simulate_response(small_sim(7));
  Experiment e = experiment_of(d);
  const size_t G = e.source.genes.size();
  auto truth = [&](const CellExpression& x, int64_t c, int64_t drug) {
    double v = 0.3 * drug;
    for (size_t g = 0; g < 3; ++g) v += 0.1 * x.values[static_cast<size_t>(c) * G + g];
    return v;
  };
  for (size_t i = 0; i < e.source_pairs.size(); ++i)
    e.source_pairs.y[i] = truth(e.source, e.source_pairs.cell[i], e.source_pairs.drug[i]);
  for (size_t i = 0; i < e.target_pairs.size(); ++i)
    e.target_pairs.y[i] = truth(e.target, e.target_pairs.cell[i], e.target_pairs.drug[i]);
  // A linear function of the drug index is not linear in the fingerprint bits in general; make the
  // drug term linear in the features by using each drug's first bit count instead.
  for (auto* p : {&e.source_pairs, &e.target_pairs})
    for (size_t i = 0; i < p->size(); ++i) {
      double bits = 0;
      for (int64_t k = 0; k < e.drugs.dim; ++k) bits += e.drugs.row(p->drug[i])[k];
      p->y[i] += 0.01 * bits - 0.3 * double(p->drug[i]);
    }
  const Split s = make_split(e, SplitConfig{});
  const EvalResult r = ridge_baseline(e, s, 1e-8);
  EXPECT_LT(r.metrics.rmse, 1e-4);
}

TEST(DadspTrain, IntegratedGradientsCompleteness) {
  ThreadsGuard tg(1);
  const Experiment e = experiment_of(simulate_response(small_sim(8)));
  const Split s = make_split(e, SplitConfig{});
  auto m = fit_variant(e, s, small_model(), quick(Variant::A), Device::cpu());
  const auto X = m->scale_rows(e.target);
  const size_t G = m->genes.size();
  const std::vector<float> x(X.begin(), X.begin() + static_cast<long>(G)), base(G, 0.f);
  double fx = 0, fb = 0;
  const auto ig = integrated_gradients(*m, x, 2, base, 256, &fx, &fb);
  double sum = 0;
  for (double v : ig) sum += v;
  // The midpoint rule's error is O(1/steps^2) of the path's curvature; 256 steps on this smooth
  // network leave far less than 1% of F(x) - F(x') (and of the label scale).
  EXPECT_NEAR(sum, fx - fb, 0.01 * std::max(std::fabs(fx - fb), 0.01 * m->label_scale()));
  // A gene whose input equals the baseline gets no attribution.
  std::vector<float> x2 = x;
  x2[0] = 0.f;
  EXPECT_EQ(integrated_gradients(*m, x2, 2, base, 16)[0], 0.0);
}

TEST(DadspTrain, FeatureSpaceBeforeAfterAndPca) {
  ThreadsGuard tg(1);
  const Experiment e = experiment_of(simulate_response(small_sim(9)));
  const Split s = make_split(e, SplitConfig{});
  auto m = fit_variant(e, s, small_model(), quick(Variant::A), Device::cpu());
  const auto Xs = m->scale_rows(e.source), Xt = m->scale_rows(e.target);
  const auto after = m->gstore.values().to_vector<float>();
  const auto fb = extract_features(*m, Xs, 60, true), fa = extract_features(*m, Xs, 60, false);
  EXPECT_EQ(fb.size(), 60u * 8);
  EXPECT_NE(fb, fa);                                                   // training moved the extractor
  EXPECT_EQ(m->gstore.values().to_vector<float>(), after);             // and `before` put it back
  const auto ft = extract_features(*m, Xt, 40, false);
  EXPECT_GE(feature_mmd(fa, 60, ft, 40, 8), 0.0);
  EXPECT_NEAR(feature_mmd(fa, 60, fa, 60, 8), 0.0, 1e-12);
  std::vector<float> all = fa;
  all.insert(all.end(), ft.begin(), ft.end());
  const auto xy = pca2(all, 100, 8);
  ASSERT_EQ(xy.size(), 200u);
  double v1 = 0, v2 = 0;
  for (size_t i = 0; i < 100; ++i) {
    v1 += xy[2 * i] * xy[2 * i];
    v2 += xy[2 * i + 1] * xy[2 * i + 1];
  }
  EXPECT_GE(v1, v2);  // PC1 explains at least as much as PC2
  const std::string svg = svg_group_scatter("t", xy, std::vector<int>(100, 0), {"source", "target"});
  EXPECT_NE(svg.find("<svg"), std::string::npos);
}

// The learning test: on the seeded default simulation (models/dadsp/simulate.h: 400 source and 200
// target cell lines, 24 drugs, 200 genes, seed 1; docs/dadsp.md's full run), DADSP-A and DADSP-B
// beat training on the target's own labelled half (target-only, DeepDSC-1) and training on the
// source without adaptation (source-only) on the target test RMSE, the ordering of the paper's
// Table 1. Settings: the paper's Adam 1e-4, batch 128 and networks (SAE 256-128-64 for 200 genes),
// with the epoch budget and the patience both scaled x4 (60 epochs, patience 12) because this
// source has ~8k pairs against GDSC's ~40k: about the optimizer steps of 15 epochs / patience 3
// there. The CLI run of the same configuration gave target-only 1.045, source-only 0.716,
// DADSP-A 0.531, DADSP-B 0.456. At 300 + 150 cell lines DADSP-A beat source-only for 2 of 3 seeds
// only (docs/dadsp.md), so the smaller configuration is not used here.
TEST(DadspLearning, AdaptationBeatsTargetOnlyAndSourceOnly) {
  ThreadsGuard tg(1);
  SimConfig c;  // defaults: 400 + 200 cell lines, 24 drugs, 200 genes
  c.seed = 1;
  const Experiment e = experiment_of(simulate_response(c));
  const Split s = make_split(e, SplitConfig{});
  ModelConfig mc;
  mc.sae = {256, 128, 64};
  std::map<std::string, double> rmse;
  for (Variant v : {Variant::target_only, Variant::source_only, Variant::A, Variant::B}) {
    TrainConfig tc;
    tc.variant = v;
    tc.epochs = 60;
    tc.patience = 12;
    for (auto& ep : tc.b_stage_epochs) ep = 60;
    auto m = fit_variant(e, s, mc, tc, Device::cpu());
    rmse[variant_name(v)] = evaluate(*m, e, s, variant_name(v)).metrics.rmse;
  }
  for (const auto& [k, v] : rmse) std::printf("  %-12s target test RMSE %.4f\n", k.c_str(), v);
  EXPECT_LT(rmse["A"], rmse["source-only"]);
  EXPECT_LT(rmse["A"], rmse["target-only"]);
  EXPECT_LT(rmse["B"], rmse["source-only"]);
  EXPECT_LT(rmse["B"], rmse["target-only"]);
}
