// gripcu ssgsea --expr X --gmt S.gmt --out scores.tsv [--alpha A] [--no-normalize] [--min-size N]
//               [--max-size N] [--device cpu|cuda] [--threads T] [--format F]
// Single-sample GSEA scores with GSVA 1.46's gsva(method = "ssgsea") semantics (kernels/ssgsea.h).
// Output: TSV in R's write.table(col.names = NA) layout: a header row (empty first cell, then the
// sample names), one row per kept gene set (name, then scores with %.17g), written atomically.
// Bad input is an InputError (exit 2) and nothing is written. A run manifest (engine/io/manifest.h:
// version, git revision, argv, configuration, input SHA-256, device) goes next to the output as
// <out>.manifest.json.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/gmt.h"
#include "engine/io/manifest.h"
#include "engine/json.h"
#include "engine/log.h"
#include "engine/parallel.h"
#include "kernels/ssgsea.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {

// %.17g, with R's spellings of the non-finite values.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) { out += "NaN"; return; }
  if (std::isinf(v)) { out += v > 0 ? "Inf" : "-Inf"; return; }
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 17);
  out.append(buf, r.ptr);
}

std::string format_scores(const std::vector<std::string>& set_names, const std::vector<std::string>& samples,
                          const std::vector<double>& scores) {
  std::string out;
  out.reserve((set_names.size() + 1) * (samples.size() + 1) * 24);
  for (const auto& s : samples) { out += '\t'; out += s; }
  out += '\n';
  const size_t S = samples.size();
  for (size_t k = 0; k < set_names.size(); ++k) {
    out += set_names[k];
    for (size_t j = 0; j < S; ++j) { out += '\t'; append_number(out, scores[k * S + j]); }
    out += '\n';
  }
  return out;
}

int run_ssgsea(const std::vector<std::string>& argv) {
  cli::Args a("ssgsea", argv, {"expr", "gmt", "out", "alpha", "min-size", "max-size", "device", "threads", "format"},
              {"no-normalize"});
  if (!a.positional().empty()) throw InputError("gripcu ssgsea", "unexpected argument '" + a.positional()[0] + "'");
  const std::string expr_path = a.required("expr"), gmt_path = a.required("gmt"), out_path = a.required("out");
  const Device dev = Device::parse(a.str("device", "cpu"));
  kernels::SsgseaOptions opt;
  opt.alpha = a.real("alpha", 0.25);
  opt.normalize = !a.flag("no-normalize");
  const int64_t max_int = std::numeric_limits<int64_t>::max();
  const int64_t min_size = a.integer("min-size", 1, 0, max_int);
  const int64_t max_size = a.integer("max-size", max_int, 1, max_int);
  if (min_size > max_size)
    throw InputError("--min-size", std::to_string(min_size) + " is larger than --max-size " + std::to_string(max_size));
  const io::ExprFormat fmt = io::parse_format(a.str("format", "auto"));
  cli::apply_threads(a);
  require_device(dev);  // --device cuda without a GPU: a clear runtime error before any work

  const io::ExprMatrix m = io::read_expression(expr_path, fmt);
  if (m.n_genes() < 2)
    throw InputError(expr_path, "ssgsea needs at least 2 genes, the matrix has " + std::to_string(m.n_genes()));
  if (m.n_samples() < 1) throw InputError(expr_path, "the expression matrix has no samples");
  const auto sets = io::read_gene_sets(gmt_path);
  const io::IndexedGeneSets gs = io::index_gene_sets(sets, m.genes, min_size, max_size, gmt_path);

  const int64_t G = static_cast<int64_t>(m.n_genes()), S = static_cast<int64_t>(m.n_samples());
  log_info("ssgsea: " + std::to_string(G) + " genes x " + std::to_string(S) + " samples, " +
           std::to_string(gs.n_sets()) + " of " + std::to_string(sets.size()) + " gene sets kept (" +
           std::to_string(gs.n_dropped_by_size) + " outside the size filter, " +
           std::to_string(gs.n_absent_members) + " member mentions absent from the matrix)");
  int64_t singletons = 0;
  for (int64_t k = 0; k < gs.n_sets(); ++k) singletons += gs.offsets[k + 1] - gs.offsets[k] == 1;
  if (singletons > 0)
    log_warn(std::to_string(singletons) + " gene set(s) have size one; consider --min-size 2 (as GSVA warns)");
  int64_t constant = 0;
  for (int64_t g = 0; g < G; ++g) {
    const double* row = m.values.data() + g * S;
    bool same = true;
    for (int64_t j = 1; j < S && same; ++j) same = row[j] == row[0];
    constant += same && S > 1;
  }
  if (constant > 0)
    log_warn(std::to_string(constant) + " gene(s) have constant expression across the samples (kept, as GSVA does for ssgsea)");

  std::vector<double> scores(static_cast<size_t>(gs.n_sets() * S));
  const auto t0 = std::chrono::steady_clock::now();
  kernels::ssgsea(dev, G, S, m.values.data(), gs.n_sets(), gs.offsets.data(), gs.members.data(), opt, scores.data());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  char timing[160];
  std::snprintf(timing, sizeof timing, "ssgsea: scored on %s in %.3f ms (%d CPU threads)", dev.str().c_str(), ms,
                num_threads());
  log_info(timing);
  for (double v : scores)
    if (!std::isfinite(v)) {
      log_warn("some scores are not finite: with normalization a score matrix whose range is zero gives Inf/NaN, as in GSVA");
      break;
    }
  io::Manifest man;
  man.command = "ssgsea";
  man.argv = argv;
  man.device = dev.str();
  man.inputs = {{expr_path, io::sha256_file(expr_path)}, {gmt_path, io::sha256_file(gmt_path)}};
  JsonWriter cfg;
  cfg.begin_object().kv("alpha", opt.alpha).kv("normalize", opt.normalize).kv("min_size", static_cast<long long>(min_size));
  cfg.kv("max_size", static_cast<long long>(max_size)).kv("format", io::format_name(fmt)).end_object();
  man.config_json = cfg.str();
  const std::string manifest = man.to_json(true) + "\n";
  io::write_file_atomic(out_path, format_scores(gs.names, m.samples, scores));
  io::write_file_atomic(out_path + ".manifest.json", manifest);
  return 0;
}

}  // namespace

static cli::Register reg("ssgsea", "single-sample GSEA scores (GSVA method=\"ssgsea\" semantics)", run_ssgsea);
