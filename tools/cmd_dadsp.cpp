// gripcu dadsp <data|pretrain|train|eval|predict|explain|embed> — DADSP (domain adaptation for drug
// sensitivity prediction) end to end. See docs/dadsp.md.
//
// Inputs (every subcommand that needs them):
//   --target-expr F [--target-coldata C [--target-cell-column COL]]   genes x cell lines (or arrays)
//   --target-response F       DADSP IC50 tables, PharmacoGx sensitivity or cell,drug,value CSV
//   --source-expr F [--source-coldata C [--source-cell-column COL]] --source-response F   (optional)
//   --drugs F [--target-drugs F]   fingerprint tables (name,bit...) or SMILES tables (RDKit builds)
//   --ic50-transform none|-log10|ln (default none: DADSP's tables are already log IC50)
//   --drug-repr fingerprint|ssp  --morgan-bits 256 --morgan-radius 2  --skip-unknown
// Model/training: --variant A|B|no-pretrain|source-only|target-only  --sae 2048,1024,512
//   --drug-hidden 128,64 --reg-hidden 256,128,64 --disc-hidden 256,128 --epochs 15 --batch 128
//   --lr 1e-4 --patience 3 --gamma 10 --mmd-weight 1 --recon-weight 1 --b-epochs 15,15,15
//   --sae-epochs 50 --sae-finetune-epochs 50 --sae-lr 1e-3 --val-frac 0.1 --early-stop train|val --sae-model FILE
//   --seed S --device cpu|cuda --threads T
// Split: --split random|blind --test-frac 0.5 --blind-frac 0.3 --split-seed S (default --seed)
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/manifest.h"
#include "engine/io/svg.h"
#include "engine/json.h"
#include "engine/log.h"
#include "models/dadsp/workflow.h"
#include "tools/cli.h"

using namespace gripcu;
using namespace gripcu::dadsp;

namespace gripcu::dadsp_cli {

const std::vector<std::string> kDataFlags = {
    "target-expr", "target-coldata", "target-cell-column", "target-response", "source-expr", "source-coldata",
    "source-cell-column", "source-response", "drugs", "target-drugs", "ic50-transform", "drug-repr", "morgan-bits",
    "morgan-radius", "threads", "device", "seed", "out"};
const std::vector<std::string> kModelFlags = {
    "variant", "sae", "drug-hidden", "reg-hidden", "disc-hidden", "epochs", "batch", "lr", "patience", "gamma",
    "mmd-weight", "recon-weight", "b-epochs", "sae-epochs", "sae-finetune-epochs", "sae-lr", "val-frac", "sae-model",
    "split", "test-frac", "blind-frac", "split-seed", "variants", "model", "ridge-alpha", "knn", "early-stop"};

std::vector<std::string> join_flags(std::initializer_list<std::vector<std::string>> lists) {
  std::vector<std::string> o;
  for (const auto& l : lists) o.insert(o.end(), l.begin(), l.end());
  return o;
}

std::vector<std::string> response_cells(const ResponseTable& t) {
  std::set<std::string> s;
  for (const auto& r : t.rows) s.insert(r.cell);
  return {s.begin(), s.end()};
}

DrugTable load_drugs(const cli::Args& a) {
  const int bits = static_cast<int>(a.integer("morgan-bits", 256, 8, 1 << 16));
  const int radius = static_cast<int>(a.integer("morgan-radius", 2, 0, 8));
  DrugTable d = read_drug_table(a.required("drugs"), radius, bits);
  if (a.has("target-drugs")) {
    size_t conflicts = 0;
    d = merge_drug_tables(d, read_drug_table(a.str("target-drugs", ""), radius, bits), &conflicts);
    if (conflicts)
      log_warn(std::to_string(conflicts) + " drugs appear in both drug tables with different features; the first table's are used");
  }
  const std::string repr = a.str("drug-repr", "fingerprint");
  if (repr == "ssp") d = ssp_profiles(d, d);
  else if (repr != "fingerprint") throw InputError("--drug-repr", "expected fingerprint or ssp, got '" + repr + "'");
  return d;
}

// Reads every input named on the command line into an Experiment (responses resolved, genes
// intersected) and logs what was kept and dropped.
Experiment load_experiment(const cli::Args& a, bool need_target_response = true) {
  Experiment e;
  const Ic50Transform tf = parse_ic50_transform(a.str("ic50-transform", "none"));
  e.label_transform = ic50_transform_name(tf);
  e.drugs = load_drugs(a);
  log_info("drugs: " + std::to_string(e.drugs.names.size()) + " x " + std::to_string(e.drugs.dim) + " (" + e.drugs.kind +
           ", " + e.drugs.source + ")");
  ResponseTable tr;
  if (need_target_response || a.has("target-response")) tr = read_response_table(a.required("target-response"), tf);
  e.target = read_cell_expression(a.required("target-expr"), a.str("target-coldata", ""), a.str("target-cell-column", ""),
                                  response_cells(tr));
  log_info("target expression: " + std::to_string(e.target.genes.size()) + " genes x " + std::to_string(e.target.cells.size()) +
           " cell lines; " + e.target.mapping_note +
           (e.target.arrays_averaged ? "; " + std::to_string(e.target.arrays_averaged) + " extra arrays averaged" : ""));
  ResponseTable sr;
  e.has_source = a.has("source-expr") || a.has("source-response");
  if (e.has_source) {
    sr = read_response_table(a.required("source-response"), tf);
    e.source = read_cell_expression(a.required("source-expr"), a.str("source-coldata", ""), a.str("source-cell-column", ""),
                                    response_cells(sr));
    const size_t g0 = e.target.genes.size();
    const size_t dropped = intersect_genes(e.source, e.target);
    log_info("source expression: " + std::to_string(e.source.cells.size()) + " cell lines; " + std::to_string(e.target.genes.size()) +
             " genes shared with the target (" + std::to_string(dropped) + " dropped of " + std::to_string(g0 + dropped) + ")");
  }
  const bool skip = a.flag("skip-unknown");
  ResolveReport rep;
  if (!tr.rows.empty()) {
    e.target_pairs = resolve_pairs(tr, e.target, e.drugs, skip, &rep);
    log_info(rep.summary("target responses (" + tr.path + ", layout " + tr.layout + ")"));
  }
  if (e.has_source) {
    e.source_pairs = resolve_pairs(sr, e.source, e.drugs, skip, &rep);
    log_info(rep.summary("source responses (" + sr.path + ", layout " + sr.layout + ")"));
  }
  return e;
}

ModelConfig model_config(const cli::Args& a) {
  ModelConfig m;
  if (a.has("sae")) m.sae = parse_sizes(a.str("sae", ""), "--sae");
  if (a.has("drug-hidden")) m.drug_hidden = parse_sizes(a.str("drug-hidden", ""), "--drug-hidden");
  if (a.has("reg-hidden")) m.reg_hidden = parse_sizes(a.str("reg-hidden", ""), "--reg-hidden");
  if (a.has("disc-hidden")) m.disc_hidden = parse_sizes(a.str("disc-hidden", ""), "--disc-hidden");
  return m;
}

TrainConfig train_config(const cli::Args& a) {
  TrainConfig t;
  t.variant = parse_variant(a.str("variant", "A"));
  t.epochs = a.integer("epochs", t.epochs, 0, 100000);
  t.batch = a.integer("batch", t.batch, 1, 1 << 20);
  t.lr = a.real("lr", t.lr);
  t.patience = a.integer("patience", t.patience, 1, 100000);
  t.gamma = a.real("gamma", t.gamma);
  t.mmd_weight = a.real("mmd-weight", t.mmd_weight);
  t.recon_weight = a.real("recon-weight", t.recon_weight);
  if (a.has("b-epochs")) {
    const auto b = parse_sizes(a.str("b-epochs", ""), "--b-epochs");
    if (b.size() != 3) throw InputError("--b-epochs", "expected three epoch counts (stages 1, 2, 3)");
    for (int i = 0; i < 3; ++i) t.b_stage_epochs[i] = b[static_cast<size_t>(i)];
  } else if (a.has("epochs")) {
    for (auto& e : t.b_stage_epochs) e = t.epochs;
  }
  t.sae_layer_epochs = a.integer("sae-epochs", t.sae_layer_epochs, 0, 100000);
  t.sae_finetune_epochs = a.integer("sae-finetune-epochs", t.sae_finetune_epochs, 0, 100000);
  t.sae_lr = a.real("sae-lr", t.sae_lr);
  t.sae_batch = t.batch;
  t.val_frac = a.real("val-frac", t.val_frac);
  if (t.val_frac < 0 || t.val_frac >= 1) throw InputError("--val-frac", "must be in [0, 1)");
  t.early_stop = a.str("early-stop", t.early_stop);
  if (t.early_stop != "train" && t.early_stop != "val") throw InputError("--early-stop", "expected train or val");
  if (!(t.lr > 0) || !(t.sae_lr > 0)) throw InputError("--lr", "learning rates must be positive");
  t.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  return t;
}

SplitConfig split_config(const cli::Args& a) {
  SplitConfig s;
  s.kind = a.str("split", "random");
  s.test_frac = a.real("test-frac", s.test_frac);
  s.blind_frac = a.real("blind-frac", s.blind_frac);
  s.seed = static_cast<uint64_t>(a.integer("split-seed", a.integer("seed", 1, 0, (1LL << 62)), 0, (1LL << 62)));
  return s;
}

Device device_of(const cli::Args& a) {
  const Device d = Device::parse(a.str("device", "cpu"));
  require_device(d);
  return d;
}

io::Manifest manifest(const std::string& cmd, const std::vector<std::string>& argv, const cli::Args& a,
                      const std::string& config_json) {
  io::Manifest m;
  m.command = "dadsp " + cmd;
  m.argv = argv;
  m.device = a.str("device", "cpu");
  m.config_json = config_json;
  for (const char* f : {"target-expr", "target-coldata", "target-response", "source-expr", "source-coldata",
                        "source-response", "drugs", "target-drugs", "model", "sae-model"}) {
    const std::string v = a.str(f, "");
    for (size_t b = 0; b < v.size();) {  // --model takes a comma-separated list
      size_t c = std::string(f) == "model" ? v.find(',', b) : std::string::npos;
      if (c == std::string::npos) c = v.size();
      if (c > b) m.inputs.emplace_back(v.substr(b, c - b), io::sha256_file(v.substr(b, c - b)));
      b = c + 1;
    }
  }
  return m;
}

LogFn epoch_logger(const std::string& who) {
  return [who](const EpochLog& e) {
    char b[256];
    if (e.stage.rfind("sae", 0) == 0)
      std::snprintf(b, sizeof b, "%s %s epoch %lld: reconstruction %.5f", who.c_str(), e.stage.c_str(),
                    static_cast<long long>(e.epoch), e.recon);
    else
      std::snprintf(b, sizeof b, "%s %s epoch %lld: train mse %.5f, domain %.4f, mmd %.5f, recon %.5f, val mse %.5f, lambda %.3f",
                    who.c_str(), e.stage.c_str(), static_cast<long long>(e.epoch), e.train_mse, e.domain_loss, e.mmd,
                    e.recon, e.val_mse, e.lambda);
    log_info(b);
  };
}

std::string metrics_row(const EvalResult& r) {
  char b[256];
  std::snprintf(b, sizeof b, "| %s | %zu | %.4f | %.4f | %.4f | %.4f | %.4f |", r.name.c_str(), r.metrics.n, r.metrics.rmse,
                r.metrics.r2, r.metrics.pearson, r.metrics.spearman, r.metrics.r2_origin_paper);
  return b;
}

void metrics_json(JsonWriter& j, const EvalResult& r) {
  j.begin_object().kv("model", r.name).kv("n", r.metrics.n).kv("rmse", r.metrics.rmse).kv("r2", r.metrics.r2);
  j.kv("pearson", r.metrics.pearson).kv("spearman", r.metrics.spearman).kv("r2_origin_paper", r.metrics.r2_origin_paper);
  j.end_object();
}

void write_history_svg(const DadspModel& m, const std::string& path) {
  const JsonValue h = json_parse(m.history_json, "history");
  io::Series tr{"train MSE (scaled)", "#1f77b4", {}}, va{"validation MSE", "#d62728", {}};
  for (const auto& e : h.arr) {
    if (e.at("stage").as_string().rfind("sae", 0) == 0) continue;
    tr.y.push_back(e.at("train_mse").as_number());
    va.y.push_back(e.find("val_mse") && e.at("val_mse").type == JsonValue::Type::number ? e.at("val_mse").as_number()
                                                                                         : std::nan(""));
  }
  io::write_file_atomic(path, io::svg_line_chart("DADSP training (" + std::string(variant_name(m.tcfg.variant)) + ")",
                                                 "epoch (all stages)", "MSE", {tr, va}));
}

int run_data(const std::vector<std::string>& argv) {
  cli::Args a("dadsp data", argv, join_flags({kDataFlags, kModelFlags}), {"skip-unknown"});  // model flags ignored
  cli::apply_threads(a);
  const std::string out = a.str("out", "");
  const Experiment e = load_experiment(a, false);
  JsonWriter j;
  j.begin_object().kv("drugs", e.drugs.names.size()).kv("drug_dim", e.drugs.dim).kv("genes", e.target.genes.size());
  j.kv("target_cells", e.target.cells.size()).kv("target_pairs", e.target_pairs.size());
  j.kv("source_cells", e.source.cells.size()).kv("source_pairs", e.source_pairs.size());
  j.end_object();
  std::printf("%s\n", j.str().c_str());
  if (!out.empty()) {
    io::make_dirs(out);
    io::write_file_atomic(out + "/data_report.json", j.str() + "\n");
  }
  return 0;
}

int run_pretrain(const std::vector<std::string>& argv) {
  cli::Args a("dadsp pretrain", argv, join_flags({kDataFlags, kModelFlags}), {"skip-unknown"});
  cli::apply_threads(a);
  const Device dev = device_of(a);
  const std::string out = a.required("out");
  CellExpression s = read_cell_expression(a.required("source-expr"), a.str("source-coldata", ""),
                                          a.str("source-cell-column", ""));
  if (a.has("target-expr")) {
    CellExpression t = read_cell_expression(a.str("target-expr", ""), a.str("target-coldata", ""), a.str("target-cell-column", ""));
    intersect_genes(s, t);
  }
  ModelConfig mc = model_config(a);
  mc.genes = static_cast<int64_t>(s.genes.size());
  mc.drug_dim = a.has("drugs") ? load_drugs(a).dim : 1;
  const TrainConfig tc = train_config(a);
  DadspModel m(mc, tc, dev);
  m.genes = s.genes;
  m.drugs.dim = mc.drug_dim;
  std::vector<int64_t> all(s.cells.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  m.xscale.fit(s.values.data(), static_cast<int64_t>(s.cells.size()), mc.genes, all);
  const auto X = m.scale_rows(s);
  log_info("pretraining the stacked autoencoder on " + std::to_string(s.cells.size()) + " source cell lines x " +
           std::to_string(mc.genes) + " genes");
  pretrain_sae(m, X, static_cast<int64_t>(s.cells.size()), epoch_logger("SAE"));
  io::make_dirs(out);
  JsonWriter cfg;
  cfg.begin_object().key("model");
  write_json(cfg, mc);
  cfg.key("train");
  write_json(cfg, tc);
  cfg.end_object();
  const io::Manifest man = manifest("pretrain", argv, a, cfg.str());
  m.manifest_json = man.to_json(false);
  m.save(out + "/sae.safetensors");
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");
  std::fprintf(stderr, "wrote %s/sae.safetensors\n", out.c_str());
  return 0;
}

int run_train(const std::vector<std::string>& argv) {
  cli::Args a("dadsp train", argv, join_flags({kDataFlags, kModelFlags}), {"skip-unknown"});
  cli::apply_threads(a);
  const Device dev = device_of(a);
  const std::string out = a.required("out");
  const Experiment e = load_experiment(a);
  const Split s = make_split(e, split_config(a));
  const ModelConfig mc = model_config(a);
  TrainConfig tc = train_config(a);
  if (!e.has_source && !a.has("variant")) tc.variant = Variant::target_only;
  log_info("split " + s.cfg.kind + ": " + std::to_string(s.source_train.size()) + " source train, " +
           std::to_string(s.target_train.size()) + " target train, " + std::to_string(s.target_test.size()) + " target test pairs");
  auto m = fit_variant(e, s, mc, tc, dev, a.str("sae-model", ""), epoch_logger(variant_name(tc.variant)));
  const EvalResult r = evaluate(*m, e, s, variant_name(tc.variant));
  io::make_dirs(out);
  JsonWriter cfg;
  cfg.begin_object().key("model");
  write_json(cfg, m->mcfg);
  cfg.key("train");
  write_json(cfg, m->tcfg);
  cfg.key("split").raw(m->split_json);
  cfg.end_object();
  const io::Manifest man = manifest("train", argv, a, cfg.str());
  io::Manifest ck = man;
  ck.argv.clear();
  m->manifest_json = ck.to_json(false);
  m->save(out + "/model.safetensors");
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");
  write_history_svg(*m, out + "/losses.svg");
  std::fprintf(stderr, "DADSP %s: target test RMSE %.4f, R2 %.4f, Pearson %.4f (n = %zu); wrote %s/model.safetensors\n",
               variant_name(tc.variant), r.metrics.rmse, r.metrics.r2, r.metrics.pearson, r.metrics.n, out.c_str());
  return 0;
}

int run_eval(const std::vector<std::string>& argv) {
  cli::Args a("dadsp eval", argv, join_flags({kDataFlags, kModelFlags}), {"skip-unknown"});
  cli::apply_threads(a);
  const Device dev = device_of(a);
  const std::string out = a.required("out");
  if (!a.has("model") && !a.has("variants"))
    throw InputError("gripcu dadsp eval", "give --model FILE[,FILE...] and/or --variants A,B,source-only,target-only,no-pretrain,ridge,knn");
  const Experiment e = load_experiment(a);
  const Split s = make_split(e, split_config(a));
  std::vector<EvalResult> results;
  auto split_list = [](const std::string& v) {
    std::vector<std::string> o;
    size_t b = 0;
    while (b <= v.size()) {
      size_t c = v.find(',', b);
      if (c == std::string::npos) c = v.size();
      if (c > b) o.push_back(v.substr(b, c - b));
      b = c + 1;
    }
    return o;
  };
  for (const auto& path : split_list(a.str("model", ""))) {
    auto m = DadspModel::load(path, dev);
    if (m->split_json != s.json(e))
      log_warn(path + " was trained with another split than this evaluation's (" + m->split_json + ")");
    results.push_back(evaluate(*m, e, s, path));
  }
  const ModelConfig mc = model_config(a);
  for (const auto& v : split_list(a.str("variants", ""))) {
    if (v == "ridge") {
      results.push_back(ridge_baseline(e, s, a.real("ridge-alpha", 1.0)));
    } else if (v == "knn") {
      results.push_back(knn_baseline(e, s, static_cast<int>(a.integer("knn", 10, 1, 100000))));
    } else {
      TrainConfig tc = train_config(a);
      tc.variant = parse_variant(v, "--variants");
      log_info("training " + v);
      auto m = fit_variant(e, s, mc, tc, dev, a.str("sae-model", ""), epoch_logger(v));
      results.push_back(evaluate(*m, e, s, v));
    }
    std::fprintf(stderr, "%s\n", metrics_row(results.back()).c_str());
  }
  io::make_dirs(out);
  JsonWriter j;
  j.begin_object().key("split").raw(s.json(e)).kv("label_transform", e.label_transform).key("results").begin_array();
  for (const auto& r : results) metrics_json(j, r);
  j.end_array().end_object();
  std::string md = "# DADSP evaluation on the target test pairs\n\nSplit: " + s.cfg.kind + " (seed " +
                   std::to_string(s.cfg.seed) + "); " + std::to_string(s.target_test.size()) +
                   " target test pairs; labels: IC50 transform '" + e.label_transform + "'.\n\n" +
                   "| model | n | RMSE | R^2 | Pearson | Spearman | R^2 origin (paper eqs. 11-12) |\n|---|---|---|---|---|---|---|\n";
  for (const auto& r : results) md += metrics_row(r) + "\n";
  io::make_dirs(out);
  io::write_file_atomic(out + "/metrics.json", j.str() + "\n");
  io::write_file_atomic(out + "/table.md", md);
  const io::Manifest man = manifest("eval", argv, a, "{}");
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");
  std::printf("%s", md.c_str());
  return 0;
}

}  // namespace gripcu::dadsp_cli

// tools/cmd_dadsp_analysis.cpp
namespace gripcu::dadsp_cli {
int run_predict(const std::vector<std::string>& argv);
int run_explain(const std::vector<std::string>& argv);
int run_embed(const std::vector<std::string>& argv);
}  // namespace gripcu::dadsp_cli

static int run_dadsp(const std::vector<std::string>& argv) {
  using namespace gripcu::dadsp_cli;
  const std::string sub = argv.empty() ? "" : argv[0];
  const std::vector<std::string> rest(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  if (sub == "data") return run_data(rest);
  if (sub == "pretrain") return run_pretrain(rest);
  if (sub == "train") return run_train(rest);
  if (sub == "eval") return run_eval(rest);
  if (sub == "predict") return run_predict(rest);
  if (sub == "explain") return run_explain(rest);
  if (sub == "embed") return run_embed(rest);
  throw InputError("gripcu dadsp", "expected data, pretrain, train, eval, predict, explain or embed" +
                                       (sub.empty() ? std::string() : ", got '" + sub + "'"));
}

static cli::Register reg("dadsp", "DADSP drug-response prediction with domain adaptation (data|pretrain|train|eval|predict|explain|embed)",
                         run_dadsp);
