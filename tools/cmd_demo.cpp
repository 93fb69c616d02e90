// gripcu demo [--out DIR] [--genes G] [--cells C] [--drugs D] [--replicates R] [--epochs E] [--seed S]
//   [--device D] [--threads T] [--cuda-graph on|off]
// The README's main job on the built-in default: simulate perturbations (978 genes, 20 cells,
// 15 drugs), hold out 20% of the (cell, drug) pairs, train GRIP-Lung on the rest, predict the
// held-out (never measured) pairs and report R^2 against the identity baseline (y = x).
#include <cstdio>
#include <algorithm>
#include <numeric>

#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/json.h"
#include "engine/log.h"
#include "engine/rng.h"
#include "models/grip/simulate.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"
#include "tools/grip_common.h"

using namespace gripcu;

static int run_demo(const std::vector<std::string>& argv) {
  cli::Args a("demo", argv, {"out", "genes", "cells", "drugs", "replicates", "epochs", "seed", "device", "threads", "cuda-graph"});
  cli::apply_threads(a);
  const std::string out = a.str("out", "gripcu_demo");
  const Device dev = Device::parse(a.str("device", "cpu"));
  require_device(dev);
  grip::SimConfig sc;
  sc.genes = a.integer("genes", 978, 24, 100000);
  sc.cells = a.integer("cells", 20, 2, 10000);
  sc.drugs = a.integer("drugs", 15, 2, 10000);
  sc.replicates = a.integer("replicates", 3, 1, 1000);
  sc.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  io::make_dirs(out + "/data");
  io::make_dirs(out + "/model");

  log_info("[1/3] simulating " + std::to_string(sc.genes) + " genes x " + std::to_string(sc.cells) + " cell lines x " +
           std::to_string(sc.drugs) + " drugs -> " + out + "/data");
  const grip::SimResult sim = grip::simulate_perturbation(sc);
  io::write_expression(sim.baseline, out + "/data/baseline.csv", io::ExprFormat::grip_csv);
  io::write_expression(sim.treated, out + "/data/treated.csv", io::ExprFormat::grip_csv);
  io::write_file_atomic(out + "/data/truth.json", sim.truth_json() + "\n");
  grip::PairReport rep;
  const grip::PairedData d = grip::pair_profiles(sim.baseline, sim.treated, grip::PairBy::order, &rep);

  // Hold out 20% of the (cell, drug) pairs with all their replicates: combinations never seen.
  const int64_t n_pairs = sc.cells * sc.drugs;
  const auto perm = Rng(sc.seed).permutation(n_pairs, 99);
  std::vector<char> held(static_cast<size_t>(n_pairs), 0);
  for (int64_t i = 0; i < std::max<int64_t>(1, n_pairs / 5); ++i) held[static_cast<size_t>(perm[static_cast<size_t>(i)])] = 1;
  std::vector<size_t> test, train;
  for (size_t s = 0; s < d.n(); ++s) (held[s / static_cast<size_t>(sc.replicates)] ? test : train).push_back(s);

  grip::TrainConfig tc;
  tc.epochs = a.integer("epochs", 30, 1, 100000);
  tc.seed = sc.seed;
  auto m = grip::make_model(d, train, tc, dev, false);
  m->cuda_graph = cli::on_off(a, "cuda-graph", true);
  log_info("[2/3] training GRIP-Lung on " + std::to_string(train.size()) + " pairs for " + std::to_string(tc.epochs) +
           " epochs on " + dev.str() + " -> " + out + "/model");
  if (!tools::train_to_dir(*m, d, train, out + "/model", 10)) return 130;

  log_info("[3/3] predicting " + std::to_string(test.size()) + " held-out (cell, drug) pairs");
  std::vector<int64_t> cells, drugs;
  for (size_t r : test) {
    cells.push_back(m->cells.index(d.cells[r]));
    drugs.push_back(m->drugs.index(d.drugs[r]));
  }
  const auto x = grip::take_rows(d.baseline, d.g(), test), y = grip::take_rows(d.treated, d.g(), test);
  const auto pred = grip::predict(*m, x, cells, drugs);
  const double r2_model = grip::r2_score(pred, y), r2_identity = grip::r2_score(x, y);
  // The same on the change (y - x): how much of the drug effect is explained.
  std::vector<float> dy(y.size()), dp(y.size());
  for (size_t i = 0; i < y.size(); ++i) { dy[i] = y[i] - x[i]; dp[i] = pred[i] - x[i]; }
  const double r2_delta = grip::r2_score(dp, dy);

  io::ExprMatrix pm;
  pm.genes = d.genes;
  for (size_t r : test) { pm.samples.push_back(d.samples[r]); pm.cells.push_back(d.cells[r]); pm.drugs.push_back(d.drugs[r]); }
  pm.values.resize(d.g() * test.size());
  for (size_t s = 0; s < test.size(); ++s)
    for (size_t k = 0; k < d.g(); ++k) pm.values[k * test.size() + s] = pred[s * d.g() + k];
  io::write_expression(pm, out + "/heldout_predictions.csv", io::ExprFormat::grip_csv);
  JsonWriter j;
  j.begin_object().kv("heldout_pairs", static_cast<long long>(test.size())).kv("train_pairs", static_cast<long long>(train.size()));
  j.kv("r2_model", r2_model).kv("r2_identity", r2_identity).kv("r2_change_model", r2_delta).kv("epochs", tc.epochs).kv("seed", static_cast<long long>(tc.seed)).end_object();
  io::write_file_atomic(out + "/summary.json", j.str() + "\n");

  std::printf("\nGRIP-Lung demo: %zu held-out samples of (cell, drug) pairs never seen in training\n", test.size());
  std::printf("  R^2 (treated profile)   model %.4f   identity baseline (y = x) %.4f\n", r2_model, r2_identity);
  std::printf("  R^2 of the change y - x model %.4f   (identity: 0 by definition)\n", r2_delta);
  std::printf("\noutputs in %s/: data/ (simulated inputs, truth.json), model/ (model.safetensors, losses.svg),\n"
              "  heldout_predictions.csv, summary.json\n", out.c_str());
  return 0;
}

static cli::Register reg("demo", "the whole pipeline on simulated data (simulate, train, predict held-out pairs)", run_demo);
