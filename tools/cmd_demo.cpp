// gripcu demo [--out DIR] [--genes G] [--cells C] [--drugs D] [--replicates R] [--epochs E] [--seed S]
//   [--device D] [--threads T] [--cuda-graph on|off]
// The README's main job on the built-in default, in five steps:
//   1. simulate perturbations (978 genes, 20 cells, 15 drugs, 3 replicates) with known truth;
//   2. hold out 20% of the (cell, drug) pairs with all their replicates and train GRIP-Lung on the rest;
//   3. predict the held-out (never measured) pairs: R^2 against the identity baseline (y = x);
//   4. screen every cell line (its mean training baseline) against every drug: predicted response
//      states, resistance index, drug ranking and heatmap (`gripcu screen`), and how often the
//      predicted label agrees with the simulator's truth;
//   5. 5-fold cross-validation of the model beside the baselines (`gripcu cv`, Table 1's layout).
// Steps 4 and 5 run the same code as those subcommands (through the command table), so their
// outputs and manifests are the ones a user gets from them. --skip-cv leaves step 5 out.
#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>

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
  cli::Args a("demo", argv, {"out", "genes", "cells", "drugs", "replicates", "epochs", "cv-epochs", "seed", "device", "threads", "cuda-graph"},
              {"skip-cv"});
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

  log_info("[1/5] simulating " + std::to_string(sc.genes) + " genes x " + std::to_string(sc.cells) + " cell lines x " +
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
  log_info("[2/5] training GRIP-Lung on " + std::to_string(train.size()) + " pairs for " + std::to_string(tc.epochs) +
           " epochs on " + dev.str() + " -> " + out + "/model");
  if (!tools::train_to_dir(*m, d, train, out + "/model", 10)) return 130;

  log_info("[3/5] predicting " + std::to_string(test.size()) + " held-out (cell, drug) pairs");
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
  std::printf("\nGRIP-Lung demo: %zu held-out samples of (cell, drug) pairs never seen in training\n", test.size());
  std::printf("  R^2 (treated profile)   model %.4f   identity baseline (y = x) %.4f\n", r2_model, r2_identity);
  std::printf("  R^2 of the change y - x model %.4f   (identity: 0 by definition)\n\n", r2_delta);
  std::fflush(stdout);

  // [4/5] Screening: each cell line's mean training baseline against every drug.
  log_info("[4/5] screening " + std::to_string(m->cells.names.size()) + " cell lines x " + std::to_string(m->drugs.names.size()) +
           " drugs: response states and resistance index -> " + out + "/screen");
  io::ExprMatrix cohort;
  cohort.genes = m->genes;
  const size_t nc = m->cells.names.size(), g = m->genes.size();
  for (size_t c = 0; c < nc; ++c) cohort.samples.push_back(m->cells.names[c]);
  cohort.values.resize(g * nc);
  for (size_t c = 0; c < nc; ++c)
    for (size_t k = 0; k < g; ++k) cohort.values[k * nc + c] = m->cell_profiles[c * g + k];
  io::write_expression(cohort, out + "/data/cell_line_baselines.csv", io::ExprFormat::csv);
  std::vector<std::string> sargv = {"--model", out + "/model/model.safetensors", "--cohort", out + "/data/cell_line_baselines.csv",
                                    "--drugs", "all", "--out", out + "/screen", "--device", dev.str()};
  if (a.has("threads")) sargv.insert(sargv.end(), {"--threads", a.str("threads", "")});
  if (cli::run_subcommand("screen", sargv) != 0) return 1;
  // Agreement of the predicted labels with the simulator's truth (effective when sensitivity > 0.5).
  std::map<std::pair<std::string, std::string>, bool> truth;
  for (const auto& p : sim.pairs) {
    char cell[32], drug[32];
    std::snprintf(cell, sizeof cell, "CELL%02lld", static_cast<long long>(p.cell + 1));
    std::snprintf(drug, sizeof drug, "DRUG%02lld", static_cast<long long>(p.drug + 1));
    truth[{cell, drug}] = p.effective;
  }
  size_t agree = 0, total = 0, truly_effective = 0;
  {
    std::istringstream in(io::read_file(out + "/screen/long.tsv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
      if (f.size() < 4) continue;
      const auto it = truth.find({f[0], f[2]});
      if (it == truth.end()) continue;
      ++total;
      truly_effective += it->second;
      agree += (f.back() == "effective") == it->second;
    }
  }
  const double agreement = total ? static_cast<double>(agree) / static_cast<double>(total) : 0.0;
  const double p_eff = total ? static_cast<double>(truly_effective) / static_cast<double>(total) : 0.0;
  std::printf("Screening: %zu (cell line, drug) pairs; predicted response-state label (RI > 0: ineffective) agrees with\n"
              "  the simulator's truth for %.1f%% of them (chance at these label rates: %.1f%%); ranking.tsv, heatmap.svg\n\n",
              total, 100.0 * agreement, 100.0 * (0.5 * p_eff + 0.5 * (1 - p_eff)));
  std::fflush(stdout);

  // [5/5] Cross-validation beside the baselines.
  std::string table;
  if (!a.flag("skip-cv")) {
    const std::string cv_epochs = std::to_string(a.integer("cv-epochs", 15, 1, 100000));
    log_info("[5/5] 5-fold cross-validation (folds by (cell, drug) pair, " + cv_epochs + " epochs per fold) -> " + out + "/cv");
    std::vector<std::string> cargv = {"--baseline", out + "/data/baseline.csv", "--treated", out + "/data/treated.csv",
                                      "--folds", "5", "--split", "kfold", "--seed", std::to_string(sc.seed),
                                      "--epochs", cv_epochs, "--out", out + "/cv", "--device", dev.str()};
    if (a.has("threads")) cargv.insert(cargv.end(), {"--threads", a.str("threads", "")});
    if (cli::run_subcommand("cv", cargv) != 0) return 1;
    // The first table of table.md (Table 1's layout) on the terminal.
    std::istringstream in(io::read_file(out + "/cv/table.md"));
    std::string line;
    bool in_table = false;
    while (std::getline(in, line)) {
      const bool row = line.rfind("|", 0) == 0;
      if (row) { in_table = true; table += line + "\n"; }
      else if (in_table) break;
    }
    std::printf("5-fold cross-validation (test folds; mean over folds):\n%s\n", table.c_str());
  }

  JsonWriter j;
  j.begin_object().kv("heldout_samples", static_cast<long long>(test.size())).kv("train_samples", static_cast<long long>(train.size()));
  j.kv("r2_model", r2_model).kv("r2_identity", r2_identity).kv("r2_change_model", r2_delta).kv("epochs", tc.epochs);
  j.kv("screen_pairs", static_cast<long long>(total)).kv("screen_label_agreement", agreement);
  j.kv("cv", !a.flag("skip-cv")).kv("seed", static_cast<long long>(tc.seed)).end_object();
  io::write_file_atomic(out + "/summary.json", j.str() + "\n");

  std::printf("outputs in %s/:\n"
              "  data/        simulated inputs (GRIP CSV), truth.json\n"
              "  model/       model.safetensors, losses.svg (loss curves)\n"
              "  heldout_predictions.csv, summary.json\n"
              "  screen/      long.tsv, ranking.tsv, summary.tsv, heatmap.svg (state scores with the RI bar)\n"
              "%s",
              out.c_str(), a.flag("skip-cv") ? "" : "  cv/          metrics.json, table.md, scatter_*.svg, genewise_pearson_*.svg, metric_bars.svg\n");
  return 0;
}

static cli::Register reg("demo", "the whole pipeline on simulated data (simulate, train, predict, screen, cross-validate)", run_demo);
