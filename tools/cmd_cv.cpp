// gripcu cv --baseline B --treated T --out DIR [--folds 5] [--split kfold|sample|drug|cell|pair] [--seed S]
//   [--generators residual,cae,transformer|none] [--discriminators mlp,cnn] [--baselines identity,drug_mean,ridge,autoencoder,nn_transfer|none]
//   [--epochs E] [--batch N] [--lambda L] [--lr LR] [--ae-epochs E] [--deg-k 50] [--permutations 1000]
//   [--log2] [--pair-by-name] [--threads T] [--device cpu|cuda]
// Cross-validates every generator x discriminator combination and the baselines on the same folds
// (models/grip/cv.h) and writes DIR/metrics.json, DIR/table.md, DIR/genewise_pearson.tsv,
// DIR/scatter_<gen>_<disc>.svg (Fig. 2), DIR/genewise_pearson_<gen>_<disc>.svg (Fig. 4),
// DIR/metric_bars.svg (Fig. 3) and DIR/manifest.json.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "engine/io/atomic_file.h"
#include "engine/io/manifest.h"
#include "engine/io/svg_charts.h"
#include "engine/log.h"
#include "engine/rng.h"
#include "models/grip/cv.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"
#include "tools/grip_common.h"

using namespace gripcu;

namespace {
std::vector<std::string> split_list(const std::string& s, const std::string& flag) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw InputError("--" + flag, "empty name in list '" + s + "'");
    if (std::count(out.begin(), out.end(), item)) throw InputError("--" + flag, "'" + item + "' listed twice");
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string file_tag(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) c = '_';
  return s;
}
}  // namespace

static int run_cv_cmd(const std::vector<std::string>& argv) {
  cli::Args a("cv", argv,
              {"baseline", "treated", "out", "folds", "split", "seed", "generators", "discriminators", "baselines", "epochs", "batch",
               "lambda", "lr", "ae-epochs", "deg-k", "permutations", "threads", "device"},
              {"log2", "pair-by-name"});
  cli::apply_threads(a);
  const std::string bpath = a.required("baseline"), tpath = a.required("treated"), out = a.required("out");
  const Device dev = Device::parse(a.str("device", "cpu"));
  require_device(dev);
  grip::CvConfig c;
  c.split = grip::parse_split(a.str("split", "kfold"));
  c.folds = a.integer("folds", 5, 2, 1000000);
  c.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  const std::string gens = a.str("generators", "residual");
  if (gens == "none") {  // baselines only
    c.generators.clear();
    c.discriminators.clear();
  } else {
    c.generators = split_list(gens, "generators");
    c.discriminators = split_list(a.str("discriminators", "mlp"), "discriminators");
  }
  const std::string bl = a.str("baselines", "identity,drug_mean,ridge,autoencoder,nn_transfer");
  c.baselines = bl == "none" ? std::vector<std::string>{} : split_list(bl, "baselines");
  c.train.epochs = a.integer("epochs", 50, 1, 1000000);
  c.train.batch = a.integer("batch", c.train.batch, 1, 1 << 20);
  c.train.lambda = a.real("lambda", c.train.lambda);
  c.train.lr = a.real("lr", c.train.lr);
  c.baseline_options.ae_epochs = a.integer("ae-epochs", c.train.epochs, 1, 1000000);
  c.baseline_options.seed = c.seed;
  c.baseline_options.device = dev;
  c.device = dev;
  c.deg_k = static_cast<size_t>(a.integer("deg-k", 50, 1, 1000000));
  c.permutations = a.integer("permutations", 1000, 0, 100000000);
  grip::validate_cv_names(c);  // before any data is read

  grip::PairedData d = tools::load_pairs(bpath, tpath, a.flag("pair-by-name"));
  if (a.flag("log2")) {
    grip::log2p1_inplace(d.baseline, bpath);
    grip::log2p1_inplace(d.treated, tpath);
  }
  grip::CvInputs in{bpath, tpath, io::sha256_file(bpath), io::sha256_file(tpath)};
  log_info("cross-validating (" + std::string(grip::split_name(c.split)) + ", " + std::to_string(c.folds) + " folds, seed " +
           std::to_string(c.seed) + ") on " + dev.str());
  const grip::CvResult r = grip::run_cv(d, c, [](const std::string& s) { log_info(s); });

  // ---- outputs (all computed before the first write) ----
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("metrics.json", grip::cv_metrics_json(d, c, in, r));
  const std::string table = grip::cv_table_markdown(d, c, in, r);
  files.emplace_back("table.md", table);
  const size_t g = d.g();
  {
    std::string tsv = "gene";
    for (const auto& m : r.methods) tsv += "\t" + m.name;
    tsv += "\n";
    for (size_t k = 0; k < g; ++k) {
      tsv += d.genes[k];
      for (const auto& m : r.methods) {
        char b[32];
        std::snprintf(b, sizeof b, "\t%.6g", m.pooled_genewise[k]);
        tsv += b;
      }
      tsv += "\n";
    }
    files.emplace_back("genewise_pearson.tsv", tsv);
  }
  const std::string where = std::string(grip::split_name(c.split)) + " split, " + std::to_string(c.folds) + " folds, seed " +
                            std::to_string(c.seed) + "; " + bpath + " -> " + tpath;
  constexpr size_t kMaxPoints = 4000;
  const size_t total = r.pooled_truth.size();
  std::vector<size_t> pick;
  {
    const auto perm = Rng(c.seed).permutation(static_cast<int64_t>(total), uint64_t{1} << 44);
    for (size_t i = 0; i < std::min(total, kMaxPoints); ++i) pick.push_back(static_cast<size_t>(perm[i]));
    std::sort(pick.begin(), pick.end());
  }
  for (const auto& m : r.methods) {
    if (m.kind != "gan") continue;
    std::vector<double> xs, ys;
    for (size_t i : pick) {
      xs.push_back(r.pooled_truth[i]);
      ys.push_back(m.pooled_pred[i]);
    }
    const double rr = grip::pearson(m.pooled_pred.data(), r.pooled_truth.data(), total);
    char note[160];
    std::snprintf(note, sizeof note, "Pearson r = %.3f over all %zu test values (%zu drawn at random)\n", rr, total, pick.size());
    files.emplace_back("scatter_" + file_tag(m.name) + ".svg",
                       io::svg_scatter(m.label + ": predicted vs true (test folds)", "true (z)", "predicted (z)", xs, ys, true,
                                       std::string(note) + where));
    const double med = grip::median_finite(m.pooled_genewise);
    char lab[64];
    std::snprintf(lab, sizeof lab, "median %.3f", med);
    // Range: from the lowest correlation (rounded down to 0.1, at least -1) to 1, as Fig. 4.
    double lo = 1;
    for (double v : m.pooled_genewise)
      if (std::isfinite(v)) lo = std::min(lo, v);
    lo = std::max(-1.0, std::floor(lo * 10 - 1e-9) / 10);
    if (lo >= 1) lo = 0;
    files.emplace_back("genewise_pearson_" + file_tag(m.name) + ".svg",
                       io::svg_histogram(m.label + ": gene-wise Pearson, predicted vs true", "Pearson r across test samples",
                                         m.pooled_genewise, 40, lo, 1, med, lab, where));
  }
  {
    const std::vector<std::string> names = {"sign_acc", "sign_prec", "sign_rec", "sign_f1", "delta_sign_acc"};
    std::vector<io::BarSeries> series;
    for (size_t i = 0; i < r.methods.size(); ++i) {
      io::BarSeries s{r.methods[i].label, io::chart_color(i), {}, {}};
      for (const auto& n : names) {
        std::vector<double> v;
        for (const auto& f : r.methods[i].folds)
          for (const auto& [k, x] : f)
            if (k == n) v.push_back(x);
        const auto [mu, sd] = grip::mean_std(v);
        s.value.push_back(mu);
        s.error.push_back(sd);
      }
      series.push_back(std::move(s));
    }
    files.emplace_back("metric_bars.svg", io::svg_bar_chart("Sign classification, mean ± sd over folds", "score",
                                                            {"ACC", "Prec", "Rec", "F1", "Δ-sign ACC"}, series, 0, 1, where));
  }
  io::Manifest man;
  man.command = "cv";
  man.argv = argv;
  man.device = dev.str();
  man.inputs = {{bpath, in.baseline_sha256}, {tpath, in.treated_sha256}};
  JsonWriter cfg;
  cfg.begin_object().kv("split", grip::split_name(c.split)).kv("folds", c.folds).kv("seed", static_cast<long long>(c.seed));
  cfg.key("train");
  grip::write_json(cfg, c.train);
  cfg.end_object();
  man.config_json = cfg.str();
  files.emplace_back("manifest.json", man.to_json(true) + "\n");

  io::make_dirs(out);
  for (const auto& [name, bytes] : files) io::write_file_atomic(out + "/" + name, bytes);
  std::printf("%s\n", table.c_str());
  std::fprintf(stderr, "wrote %s/: metrics.json, table.md, genewise_pearson.tsv, metric_bars.svg, scatter_*.svg, genewise_pearson_*.svg, manifest.json\n",
               out.c_str());
  return 0;
}

static cli::Register reg("cv", "cross-validate GRIP-Lung architectures and baselines (metrics.json, table.md, SVG figures)", run_cv_cmd);
