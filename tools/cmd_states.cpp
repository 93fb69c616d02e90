// gripcu states --expr X [--gmt G --classes C] --out DIR [--alpha A] [--no-normalize] [--min-size N]
//               [--max-size N] [--device cpu|cuda] [--threads T] [--format F]
//               [--validate-gi50 GI50.csv [--gi50-annotation DRUGS.csv] [--gi50-threshold 8]]
// Response states and the resistance index (models/grip/states.h, GRIP-Lung §4.10) of every sample
// of an expression matrix, z-scored across the samples of the file. Default states: the curated
// eight built into the binary (data/response_states.*); --gmt with --classes replaces them.
// Writes into DIR (all computed first, then written atomically; bad input writes nothing):
//   scores.tsv    ssGSEA scores, states x samples        zscores.tsv   the z-scores, states x samples
//   ri.tsv        sample, effective_score, ineffective_score, RI, label
//   states.json   per state: class, mean, sd, zero variance; states used; label counts
//   heatmap.svg   z-scores with the RI bar and the predicted label (as Fig. 8)
//   manifest.json
// With --validate-gi50 (NCI-60 activity, rcellminerData's drug_goodexperiments_for_1075drugs.csv):
//   gi50_validation.json (overlap, pooled and per-panel confusion, Spearman summary) and
//   gi50_per_drug.tsv; see docs/response_states.md for the design and the numbers.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/manifest.h"
#include "engine/io/svg.h"
#include "engine/io/text_table.h"
#include "engine/json.h"
#include "engine/log.h"
#include "kernels/ssgsea.h"
#include "models/grip/states.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {

std::string num_or_na(double v) {
  if (!std::isfinite(v)) return "NA";
  std::string s;
  io::detail::append_number(s, v);
  return s;
}

std::string per_drug_tsv(const grip::Gi50Validation& v) {
  std::string o = "nsc\tname\tpairs\ttruly_effective\ttp\tfp\ttn\tfn\taccuracy\tprecision\trecall\tspearman_ri_vs_pgi50\n";
  for (const auto& d : v.per_drug) {
    o += d.nsc + '\t';
    io::detail::append_field(o, d.name, '\t');
    o += '\t' + std::to_string(d.c.n()) + '\t' + std::to_string(d.c.tp + d.c.fn) + '\t' + std::to_string(d.c.tp) + '\t' +
         std::to_string(d.c.fp) + '\t' + std::to_string(d.c.tn) + '\t' + std::to_string(d.c.fn) + '\t' +
         num_or_na(d.c.accuracy()) + '\t' + num_or_na(d.c.precision()) + '\t' + num_or_na(d.c.recall()) + '\t' +
         num_or_na(d.spearman_ri) + '\n';
  }
  return o;
}

int run_states(const std::vector<std::string>& argv) {
  cli::Args a("states", argv,
              {"expr", "gmt", "classes", "out", "alpha", "min-size", "max-size", "device", "threads", "format",
               "validate-gi50", "gi50-annotation", "gi50-threshold"},
              {"no-normalize"});
  if (!a.positional().empty()) throw InputError("gripcu states", "unexpected argument '" + a.positional()[0] + "'");
  const std::string expr_path = a.required("expr"), out = a.required("out");
  if (a.has("gmt") != a.has("classes"))
    throw InputError(a.has("gmt") ? "--gmt" : "--classes", "give --gmt and --classes together (or neither, for the built-in states)");
  if (!a.has("validate-gi50") && (a.has("gi50-annotation") || a.has("gi50-threshold")))
    throw InputError(a.has("gi50-annotation") ? "--gi50-annotation" : "--gi50-threshold", "only with --validate-gi50");
  const Device dev = Device::parse(a.str("device", "cpu"));
  kernels::SsgseaOptions opt;
  opt.alpha = a.real("alpha", 0.25);
  opt.normalize = !a.flag("no-normalize");
  const int64_t max_int = std::numeric_limits<int64_t>::max();
  const int64_t min_size = a.integer("min-size", 1, 0, max_int);
  const int64_t max_size = a.integer("max-size", max_int, 1, max_int);
  if (min_size > max_size)
    throw InputError("--min-size", std::to_string(min_size) + " is larger than --max-size " + std::to_string(max_size));
  const double threshold = a.real("gi50-threshold", 8.0);
  const io::ExprFormat fmt = io::parse_format(a.str("format", "auto"));
  cli::apply_threads(a);
  require_device(dev);

  const io::ExprMatrix m = io::read_expression(expr_path, fmt);
  if (m.n_genes() < 2)
    throw InputError(expr_path, "ssgsea needs at least 2 genes, the matrix has " + std::to_string(m.n_genes()));
  const grip::ResponseStates rs = a.has("gmt") ? grip::read_response_states(a.str("gmt", ""), a.str("classes", ""))
                                                : grip::default_response_states();
  const grip::IndexedStates is = grip::index_states(rs, m.genes, rs.gmt_source, min_size, max_size);
  const int64_t G = static_cast<int64_t>(m.n_genes()), S = static_cast<int64_t>(m.n_samples()), K = is.sets.n_sets();
  log_info("states: " + std::to_string(K) + " states on " + std::to_string(G) + " genes x " + std::to_string(S) +
           " samples (" + std::to_string(is.sets.n_absent_members) + " member genes absent from the matrix)");
  std::vector<double> scores(static_cast<size_t>(K * S));
  kernels::ssgsea(dev, G, S, m.values.data(), K, is.sets.offsets.data(), is.sets.members.data(), opt, scores.data());
  const grip::StatesResult st = grip::score_states(is.sets.names, is.klass, scores, S, expr_path);
  for (int64_t k = 0; k < K; ++k)
    if (st.zero_variance[static_cast<size_t>(k)])
      log_warn("state " + st.states[static_cast<size_t>(k)] +
               " has the same score in every sample: z = 0, left out of the resistance index");

  std::string ri = "sample\teffective_score\tineffective_score\tRI\tlabel\n";
  int64_t n_ineff = 0;
  for (int64_t j = 0; j < S; ++j) {
    const auto i = static_cast<size_t>(j);
    io::detail::append_field(ri, m.samples[i], '\t');
    ri += '\t' + num_or_na(st.effective[i]) + '\t' + num_or_na(st.ineffective[i]) + '\t' + num_or_na(st.ri[i]) + '\t' +
          st.label(j) + '\n';
    n_ineff += st.is_ineffective(j);
  }
  io::Heatmap hm;
  hm.title = "Response states (z-score across samples) and resistance index";
  hm.row_labels = st.states;
  for (int64_t k = 0; k < K; ++k) hm.row_labels[static_cast<size_t>(k)] += std::string(" (") + grip::class_name(st.klass[static_cast<size_t>(k)]) + ")";
  hm.col_labels = m.samples;
  hm.values = st.z;
  hm.value_label = "z-score";
  hm.bar = st.ri;
  hm.bar_label = "RI";
  hm.sign_label = "Predicted";
  hm.positive_name = "ineffective (RI > 0)";
  hm.nonpositive_name = "effective (RI <= 0)";

  std::string validation_json, per_drug;
  grip::Gi50Validation v;
  std::vector<std::pair<std::string, std::string>> inputs = {{expr_path, io::sha256_file(expr_path)}};
  if (a.has("gmt")) {
    inputs.emplace_back(a.str("gmt", ""), io::sha256_file(a.str("gmt", "")));
    inputs.emplace_back(a.str("classes", ""), io::sha256_file(a.str("classes", "")));
  }
  if (a.has("validate-gi50")) {
    const std::string gpath = a.str("validate-gi50", ""), apath = a.str("gi50-annotation", "");
    const grip::Gi50Table t = grip::read_nci60_gi50(gpath, apath);
    v = grip::validate_gi50(st, m.samples, t, threshold);
    if (v.matched.empty())
      throw InputError(gpath, "no expression sample of " + expr_path + " is one of its cell lines");
    validation_json = v.to_json();
    per_drug = per_drug_tsv(v);
    inputs.emplace_back(gpath, io::sha256_file(gpath));
    if (!apath.empty()) inputs.emplace_back(apath, io::sha256_file(apath));
  }

  io::Manifest man;
  man.command = "states";
  man.argv = argv;
  man.device = dev.str();
  man.inputs = inputs;
  JsonWriter cfg;
  cfg.begin_object().kv("alpha", opt.alpha).kv("normalize", opt.normalize).kv("min_size", static_cast<long long>(min_size));
  cfg.kv("max_size", static_cast<long long>(max_size)).kv("states", rs.gmt_source).kv("classes", rs.classes_source);
  if (a.has("validate-gi50")) cfg.kv("gi50_threshold", threshold);
  cfg.end_object();
  man.config_json = cfg.str();

  io::make_dirs(out);
  io::write_file_atomic(out + "/scores.tsv", grip::matrix_tsv(st.states, m.samples, st.scores));
  io::write_file_atomic(out + "/zscores.tsv", grip::matrix_tsv(st.states, m.samples, st.z));
  io::write_file_atomic(out + "/ri.tsv", ri);
  io::write_file_atomic(out + "/states.json", grip::states_json(st) + "\n");
  io::write_file_atomic(out + "/heatmap.svg", io::svg_heatmap(hm));
  if (!validation_json.empty()) {
    io::write_file_atomic(out + "/gi50_validation.json", validation_json + "\n");
    io::write_file_atomic(out + "/gi50_per_drug.tsv", per_drug);
  }
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");

  std::fprintf(stderr, "states: %lld samples, %lld effective, %lld ineffective -> %s/\n", static_cast<long long>(S),
               static_cast<long long>(S - n_ineff), static_cast<long long>(n_ineff), out.c_str());
  if (!validation_json.empty()) {
    const auto& c = v.pooled;
    std::fprintf(stderr,
                 "GI50 validation: %zu cell lines matched, %lld drugs, %lld pairs (%lld truly effective); accuracy %.4f "
                 "(chance %.4f), precision %.4f, recall %.4f; mean Spearman(RI, -log10 GI50) over %lld drugs %.4f; "
                 "Spearman(RI, mean -log10 GI50 of the cell line) %.4f\n",
                 v.matched.size(), static_cast<long long>(v.drugs_with_pairs), static_cast<long long>(c.n()),
                 static_cast<long long>(c.tp + c.fn), c.accuracy(), c.chance_accuracy(), c.precision(), c.recall(),
                 static_cast<long long>(v.spearman_drugs), v.spearman_mean, v.cell_mean_spearman);
  }
  return 0;
}

}  // namespace

static cli::Register reg("states", "response-state scores and the resistance index (GRIP-Lung §4.10)", run_states);
