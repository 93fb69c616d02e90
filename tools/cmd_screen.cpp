// gripcu screen --model M --cohort X --drugs all|A,B,... --out DIR [--gmt G --classes C]
//               [--cells-from-file] [--alpha A] [--no-normalize] [--chunk N] [--heatmap-max-columns N]
//               [--device cpu|cuda] [--threads T] [--format F]
// For every sample of a cohort and every chosen drug the model knows: predict the post-treatment
// profile, score the response states, compute the resistance index (models/grip/screen.h). Samples
// are mapped to the most correlated training cell line (patient mode, as `predict
// --map-to-nearest-cell`) unless --cells-from-file uses the file's own cell row. z-scores are taken
// over all (sample, drug) pairs of the run together. Writes into DIR (computed first, then written
// atomically; bad input writes nothing):
//   long.tsv      sample, cell, drug, one column per state (ssGSEA score), effective_score,
//                 ineffective_score, RI, label          (one row per pair, sample-major)
//   ranking.tsv   per sample, drugs from the lowest RI (most effective) up: sample, rank, drug, RI, label
//   summary.tsv   per drug over the cohort: samples, effective, fraction_effective, mean_RI (ranked
//                 by fraction effective, then mean RI)
//   heatmap.svg   state z-scores with the RI bar (as Fig. 8): one column per pair up to
//                 --heatmap-max-columns (default 240), else one column per drug (cohort means)
//   mapping.tsv   sample, input cell, model cell, Pearson r;  states.json;  manifest.json
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_map>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/manifest.h"
#include "engine/io/svg.h"
#include "engine/io/text_table.h"
#include "engine/json.h"
#include "engine/log.h"
#include "models/grip/screen.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return "NA";
  std::string s;
  io::detail::append_number(s, v);
  return s;
}

std::string field(const std::string& s) {
  std::string o;
  io::detail::append_field(o, s, '\t');
  return o;
}

std::string known(const grip::Vocab& v) {
  std::string s;
  for (size_t i = 0; i < v.names.size(); ++i) s += (i ? ", " : "") + v.names[i];
  return s;
}

std::vector<int64_t> parse_drugs(const std::string& spec, const grip::Vocab& vocab) {
  std::vector<int64_t> out;
  if (spec == "all") {
    for (size_t i = 0; i < vocab.names.size(); ++i) out.push_back(static_cast<int64_t>(i));
    return out;
  }
  std::set<int64_t> seen;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    const std::string name = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    if (name.empty()) throw InputError("--drugs", "empty drug name in '" + spec + "'");
    const int64_t d = vocab.index(name);
    if (d < 0) throw InputError("--drugs", "unknown drug '" + name + "'; the model knows: " + known(vocab));
    if (!seen.insert(d).second) throw InputError("--drugs", "drug '" + name + "' is listed twice");
    out.push_back(d);
  }
  if (out.empty()) throw InputError("--drugs", "no drug given (a comma-separated list, or 'all')");
  return out;
}

int run_screen(const std::vector<std::string>& argv) {
  cli::Args a("screen", argv,
              {"model", "cohort", "drugs", "out", "gmt", "classes", "alpha", "chunk", "heatmap-max-columns", "device",
               "threads", "format"},
              {"no-normalize", "cells-from-file"});
  if (!a.positional().empty()) throw InputError("gripcu screen", "unexpected argument '" + a.positional()[0] + "'");
  const std::string mpath = a.required("model"), cpath = a.required("cohort"), out = a.required("out");
  const std::string drug_spec = a.str("drugs", "all");
  if (a.has("gmt") != a.has("classes"))
    throw InputError(a.has("gmt") ? "--gmt" : "--classes", "give --gmt and --classes together (or neither, for the built-in states)");
  const Device dev = Device::parse(a.str("device", "cpu"));
  grip::ScreenOptions opt;
  opt.alpha = a.real("alpha", 0.25);
  if (!std::isfinite(opt.alpha)) throw InputError("--alpha", "must be a finite number");
  opt.normalize = !a.flag("no-normalize");
  opt.chunk_pairs = a.integer("chunk", opt.chunk_pairs, 1, int64_t{1} << 30);
  const auto max_cols = static_cast<size_t>(a.integer("heatmap-max-columns", 240, 1, 100000));
  const io::ExprFormat fmt = io::parse_format(a.str("format", "auto"));
  cli::apply_threads(a);
  require_device(dev);

  const auto m = grip::GripModel::load(mpath, dev);
  const io::ExprMatrix x = io::read_expression(cpath, fmt);
  if (x.n_samples() == 0) throw InputError(cpath, "the cohort has no samples");
  const std::vector<int64_t> drugs = parse_drugs(drug_spec, m->drugs);

  // Genes: every model gene must be in the cohort (by symbol), as for predict.
  std::unordered_map<std::string, size_t> row;
  for (size_t i = 0; i < x.genes.size(); ++i) row.emplace(x.genes[i], i);
  std::vector<size_t> rows;
  std::vector<std::string> missing;
  for (const auto& g : m->genes) {
    auto it = row.find(g);
    if (it == row.end()) missing.push_back(g);
    else rows.push_back(it->second);
  }
  if (!missing.empty())
    throw InputError(cpath, std::to_string(missing.size()) + " of the model's " + std::to_string(m->genes.size()) +
                                " genes are missing (first: " + missing.front() + ")");
  const size_t G = m->genes.size(), n = x.samples.size(), D = drugs.size();
  std::vector<float> xv(n * G);
  for (size_t s = 0; s < n; ++s)
    for (size_t k = 0; k < G; ++k) xv[s * G + k] = static_cast<float>(x.at(rows[k], s));

  std::vector<int64_t> cells(n);
  std::string mapping = "sample\tinput_cell\tmodel_cell\tpearson\n";
  const bool from_file = a.flag("cells-from-file");
  for (size_t s = 0; s < n; ++s) {
    const std::string cell = x.cells.empty() ? "" : x.cells[s];
    double r = 1.0;
    if (from_file) {
      cells[s] = cell.empty() ? -1 : m->cells.index(cell);
      if (cells[s] < 0)
        throw InputError(cpath, "sample '" + x.samples[s] + "': cell line '" + cell +
                                    "' is unknown to the model (leave out --cells-from-file to map to the nearest); it knows: " +
                                    known(m->cells));
    } else {
      const auto nc = grip::nearest_cell(*m, &xv[s * G]);
      cells[s] = nc.cell;
      r = nc.correlation;
    }
    mapping += field(x.samples[s]) + '\t' + field(cell) + '\t' + m->cells.names[static_cast<size_t>(cells[s])] + '\t' + num(r) + '\n';
  }

  const grip::ResponseStates rs = a.has("gmt") ? grip::read_response_states(a.str("gmt", ""), a.str("classes", ""))
                                                : grip::default_response_states();
  const grip::IndexedStates is = grip::index_states(rs, m->genes, rs.gmt_source + " (on the model's genes)");
  log_info("screen: " + std::to_string(n) + " samples x " + std::to_string(D) + " drugs = " + std::to_string(n * D) +
           " pairs, " + std::to_string(is.sets.n_sets()) + " states, on " + dev.str());
  const auto t0 = std::chrono::steady_clock::now();
  const grip::ScreenResult r = grip::screen(*m, xv, cells, drugs, is, opt);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  char timing[200];
  std::snprintf(timing, sizeof timing, "screen: predicted and scored %zu pairs in %.1f ms (%lld chunk(s) of up to %lld pairs)",
                n * D, ms, static_cast<long long>(r.chunks), static_cast<long long>(r.chunk_pairs));
  log_info(timing);
  const grip::StatesResult& st = r.states;
  const size_t K = st.states.size(), P = n * D;
  for (size_t k = 0; k < K; ++k)
    if (st.zero_variance[k]) log_warn("state " + st.states[k] + " has the same score in every pair: left out of the RI");

  auto drug_name = [&](size_t d) { return m->drugs.names[static_cast<size_t>(drugs[d])]; };
  auto cell_name = [&](size_t s) { return m->cells.names[static_cast<size_t>(cells[s])]; };

  // long.tsv
  std::string lt = "sample\tcell\tdrug";
  for (const auto& s : st.states) lt += '\t' + field(s);
  lt += "\teffective_score\tineffective_score\tRI\tlabel\n";
  for (size_t s = 0; s < n; ++s)
    for (size_t d = 0; d < D; ++d) {
      const size_t p = s * D + d;
      lt += field(x.samples[s]) + '\t' + cell_name(s) + '\t' + drug_name(d);
      for (size_t k = 0; k < K; ++k) lt += '\t' + num(r.scores[k * P + p]);
      lt += '\t' + num(st.effective[p]) + '\t' + num(st.ineffective[p]) + '\t' + num(st.ri[p]) + '\t' +
            st.label(static_cast<int64_t>(p)) + '\n';
    }
  // ranking.tsv
  std::string rk = "sample\trank\tdrug\tRI\tlabel\n";
  for (size_t s = 0; s < n; ++s) {
    std::vector<size_t> order(D);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a1, size_t b1) { return st.ri[s * D + a1] < st.ri[s * D + b1]; });
    for (size_t i = 0; i < D; ++i) {
      const size_t p = s * D + order[i];
      rk += field(x.samples[s]) + '\t' + std::to_string(i + 1) + '\t' + drug_name(order[i]) + '\t' + num(st.ri[p]) + '\t' +
            st.label(static_cast<int64_t>(p)) + '\n';
    }
  }
  // summary.tsv
  std::vector<double> frac(D), mean_ri(D);
  std::vector<int64_t> n_eff(D);
  for (size_t d = 0; d < D; ++d) {
    double sum = 0;
    for (size_t s = 0; s < n; ++s) {
      sum += st.ri[s * D + d];
      n_eff[d] += !st.is_ineffective(static_cast<int64_t>(s * D + d));
    }
    frac[d] = static_cast<double>(n_eff[d]) / static_cast<double>(n);
    mean_ri[d] = sum / static_cast<double>(n);
  }
  std::vector<size_t> dorder(D);
  std::iota(dorder.begin(), dorder.end(), 0);
  std::stable_sort(dorder.begin(), dorder.end(), [&](size_t a1, size_t b1) {
    return frac[a1] != frac[b1] ? frac[a1] > frac[b1] : mean_ri[a1] < mean_ri[b1];
  });
  std::string su = "rank\tdrug\tsamples\teffective\tfraction_effective\tmean_RI\n";
  for (size_t i = 0; i < D; ++i) {
    const size_t d = dorder[i];
    su += std::to_string(i + 1) + '\t' + drug_name(d) + '\t' + std::to_string(n) + '\t' + std::to_string(n_eff[d]) + '\t' +
          num(frac[d]) + '\t' + num(mean_ri[d]) + '\n';
  }
  // heatmap.svg
  io::Heatmap hm;
  hm.row_labels = st.states;
  for (size_t k = 0; k < K; ++k) hm.row_labels[k] += std::string(" (") + grip::class_name(st.klass[k]) + ")";
  hm.value_label = "z-score";
  hm.bar_label = "RI";
  hm.sign_label = "Predicted";
  hm.positive_name = "ineffective (RI > 0)";
  hm.nonpositive_name = "effective (RI <= 0)";
  if (P <= max_cols) {
    hm.title = "Screen: response states (z over all pairs) and resistance index per sample | drug";
    for (size_t s = 0; s < n; ++s)
      for (size_t d = 0; d < D; ++d) hm.col_labels.push_back(x.samples[s] + " | " + drug_name(d));
    hm.values = st.z;
    hm.bar = st.ri;
  } else {
    hm.title = "Screen: cohort mean of each state's z-score and of RI per drug (" + std::to_string(P) + " pairs)";
    hm.values.assign(K * D, 0.0);
    for (size_t d = 0; d < D; ++d) {
      hm.col_labels.push_back(drug_name(d));
      for (size_t k = 0; k < K; ++k) {
        double sum = 0;
        for (size_t s = 0; s < n; ++s) sum += st.z[k * P + s * D + d];
        hm.values[k * D + d] = sum / static_cast<double>(n);
      }
    }
    hm.bar = mean_ri;
    hm.bar_label = "mean RI";
    hm.sign_label = "";
  }

  io::Manifest man;
  man.command = "screen";
  man.argv = argv;
  man.device = dev.str();
  man.inputs = {{mpath, io::sha256_file(mpath)}, {cpath, io::sha256_file(cpath)}};
  if (a.has("gmt")) {
    man.inputs.emplace_back(a.str("gmt", ""), io::sha256_file(a.str("gmt", "")));
    man.inputs.emplace_back(a.str("classes", ""), io::sha256_file(a.str("classes", "")));
  }
  JsonWriter cfg;
  cfg.begin_object().kv("drugs", drug_spec).kv("alpha", opt.alpha).kv("normalize", opt.normalize);
  cfg.kv("chunk_pairs", static_cast<long long>(r.chunk_pairs)).kv("cells", from_file ? "from file" : "nearest training cell line");
  cfg.kv("z_population", "all (sample, drug) pairs of the run").kv("states", rs.gmt_source).kv("classes", rs.classes_source);
  cfg.kv("normalization_range", r.norm_range).end_object();
  man.config_json = cfg.str();

  io::make_dirs(out);
  io::write_file_atomic(out + "/long.tsv", lt);
  io::write_file_atomic(out + "/ranking.tsv", rk);
  io::write_file_atomic(out + "/summary.tsv", su);
  io::write_file_atomic(out + "/heatmap.svg", io::svg_heatmap(hm));
  io::write_file_atomic(out + "/mapping.tsv", mapping);
  io::write_file_atomic(out + "/states.json", grip::states_json(st) + "\n");
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");
  int64_t n_ineff = 0;
  for (size_t p = 0; p < P; ++p) n_ineff += st.is_ineffective(static_cast<int64_t>(p));
  std::fprintf(stderr, "screen: %zu samples x %zu drugs: %lld effective, %lld ineffective pairs -> %s/\n", n, D,
               static_cast<long long>(static_cast<int64_t>(P) - n_ineff), static_cast<long long>(n_ineff), out.c_str());
  return 0;
}

}  // namespace

static cli::Register reg("screen", "screen a cohort against the model's drugs: predicted response states and RI", run_screen);
