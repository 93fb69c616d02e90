// gripcu dadsp predict | explain | embed (the analyses of DADSP §2.4-2.6), for a trained model.
//   predict  --model M --target-expr F [--target-coldata C] [--target-response R] --out DIR [--top 10]
//            every (cell line, drug) pair not in R: DIR/missing_predictions.tsv, DIR/drug_ranking.tsv
//   explain  --model M --target-expr F [--target-coldata C] --cell C --drug D --out FILE.tsv
//            [--steps 50] [--baseline zero|mean] [--top 20]   integrated gradients per gene
//   embed    --model M --source-expr F --target-expr F [--*-coldata C] --out DIR
//            hidden features before (SAE encoder) and after adaptation: DIR/features_{before,after}.tsv,
//            DIR/pca_{before,after}.svg, DIR/mmd.json; prints the MMD between domains before and after
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/text_table.h"
#include "engine/json.h"
#include "engine/log.h"
#include "models/dadsp/analysis.h"
#include "tools/cli.h"

using namespace gripcu;
using namespace gripcu::dadsp;

namespace gripcu::dadsp_cli {

namespace {
Device device_from(const cli::Args& a) {
  const Device d = Device::parse(a.str("device", "cpu"));
  require_device(d);
  return d;
}
CellExpression expr_for(const cli::Args& a, const std::string& which, const DadspModel& m,
                        const std::vector<std::string>& prefer = {}) {
  CellExpression e = read_cell_expression(a.required(which + "-expr"), a.str(which + "-coldata", ""),
                                          a.str(which + "-cell-column", ""), prefer);
  select_genes(e, m.genes);
  return e;
}
std::string num(double v) {
  std::string s;
  io::detail::append_number(s, v);
  return s;
}
// Most sensitive first: low IC50 is sensitive, unless the labels are -log10(IC50).
bool higher_is_sensitive(const DadspModel& m) { return m.label_transform == "-log10"; }
}  // namespace

int run_predict(const std::vector<std::string>& argv) {
  cli::Args a("dadsp predict", argv,
              {"model", "target-expr", "target-coldata", "target-cell-column", "target-response", "ic50-transform",
               "out", "top", "device", "threads"});
  cli::apply_threads(a);
  const std::string out = a.required("out");
  auto m = DadspModel::load(a.required("model"), device_from(a));
  std::set<std::pair<std::string, std::string>> measured;
  std::vector<std::string> cells;
  if (a.has("target-response")) {
    const ResponseTable t = read_response_table(a.str("target-response", ""),
                                                parse_ic50_transform(a.str("ic50-transform", "none")));
    std::set<std::string> cs;
    for (const auto& r : t.rows) {
      measured.insert({r.cell, r.drug});
      cs.insert(r.cell);
    }
    cells.assign(cs.begin(), cs.end());
  }
  const CellExpression e = expr_for(a, "target", *m, cells);
  const MissingPrediction r = predict_missing(*m, e, measured);
  if (r.pred.empty()) throw InputError(a.str("target-response", "--target-response"), "every (cell, drug) pair is measured: nothing is missing");
  std::string tsv = "cell\tdrug\tpredicted\n";
  for (size_t i = 0; i < r.pred.size(); ++i) tsv += r.cell[i] + "\t" + r.drug[i] + "\t" + num(r.pred[i]) + "\n";
  auto ranking = r.drug_means;
  std::vector<size_t> counts = r.drug_counts;
  if (higher_is_sensitive(*m)) {
    std::reverse(ranking.begin(), ranking.end());
    std::reverse(counts.begin(), counts.end());
  }
  std::string rk = "rank\tdrug\tmean_predicted\tmissing_pairs\n";
  for (size_t i = 0; i < ranking.size(); ++i)
    rk += std::to_string(i + 1) + "\t" + ranking[i].first + "\t" + num(ranking[i].second) + "\t" + std::to_string(counts[i]) + "\n";
  io::make_dirs(out);
  io::write_file_atomic(out + "/missing_predictions.tsv", tsv);
  io::write_file_atomic(out + "/drug_ranking.tsv", rk);
  const size_t top = static_cast<size_t>(a.integer("top", 10, 1, 100000));
  std::printf("%zu missing (cell, drug) pairs predicted over %zu cell lines; labels: IC50 transform '%s'\n", r.pred.size(),
              e.cells.size(), m->label_transform.c_str());
  std::printf("most sensitive (mean predicted):\n");
  for (size_t i = 0; i < std::min(top, ranking.size()); ++i)
    std::printf("  %2zu. %-24s %8.4f\n", i + 1, ranking[i].first.c_str(), ranking[i].second);
  std::printf("least sensitive:\n");
  for (size_t i = ranking.size() > top ? ranking.size() - top : 0; i < ranking.size(); ++i)
    std::printf("  %2zu. %-24s %8.4f\n", i + 1, ranking[i].first.c_str(), ranking[i].second);
  return 0;
}

int run_explain(const std::vector<std::string>& argv) {
  cli::Args a("dadsp explain", argv,
              {"model", "target-expr", "target-coldata", "target-cell-column", "cell", "drug", "steps", "baseline", "top",
               "out", "device", "threads"});
  cli::apply_threads(a);
  const std::string out = a.required("out");
  auto m = DadspModel::load(a.required("model"), device_from(a));
  const std::string cell = a.required("cell"), drug = a.required("drug");
  const CellExpression e = expr_for(a, "target", *m, {cell});
  const int64_t ci = e.index(cell);
  if (ci < 0) throw InputError("--cell", "cell line '" + cell + "' is not in " + e.source);
  const int64_t di = m->drugs.index(drug);
  if (di < 0) throw InputError("--drug", "drug '" + drug + "' is not among the model's " + std::to_string(m->drugs.names.size()) + " drugs");
  const auto X = m->scale_rows(e);
  const size_t G = m->genes.size();
  const std::vector<float> x(X.begin() + ci * static_cast<int64_t>(G), X.begin() + (ci + 1) * static_cast<int64_t>(G));
  std::vector<float> base(G, 0.f);
  const std::string bl = a.str("baseline", "zero");
  if (bl == "mean") {
    for (size_t c = 0; c < e.cells.size(); ++c)
      for (size_t g = 0; g < G; ++g) base[g] += X[c * G + g] / static_cast<float>(e.cells.size());
  } else if (bl != "zero") {
    throw InputError("--baseline", "expected zero or mean, got '" + bl + "'");
  }
  const int steps = static_cast<int>(a.integer("steps", 50, 1, 100000));
  double fx = 0, fb = 0;
  const auto ig = integrated_gradients(*m, x, di, base, steps, &fx, &fb);
  std::vector<size_t> order(G);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t p, size_t q) { return std::fabs(ig[p]) > std::fabs(ig[q]); });
  const size_t top = std::min(G, static_cast<size_t>(a.integer("top", 20, 1, 10000000)));
  std::string tsv = "rank\tgene\tattribution\tinput_scaled\tbaseline_scaled\n";
  double sum = 0;
  for (double v : ig) sum += v;
  for (size_t i = 0; i < top; ++i) {
    const size_t g = order[i];
    tsv += std::to_string(i + 1) + "\t" + m->genes[g] + "\t" + num(ig[g]) + "\t" + num(x[g]) + "\t" + num(base[g]) + "\n";
  }
  io::write_file_atomic(out, tsv);
  std::printf("integrated gradients for (%s, %s), %s baseline, %d steps: prediction %.5f, baseline prediction %.5f, "
              "sum of attributions %.5f (completeness gap %.2e); top %zu genes -> %s\n",
              cell.c_str(), drug.c_str(), bl.c_str(), steps, fx, fb, sum, sum - (fx - fb), top, out.c_str());
  return 0;
}

int run_embed(const std::vector<std::string>& argv) {
  cli::Args a("dadsp embed", argv,
              {"model", "source-expr", "source-coldata", "source-cell-column", "target-expr", "target-coldata",
               "target-cell-column", "out", "device", "threads"});
  cli::apply_threads(a);
  const std::string out = a.required("out");
  auto m = DadspModel::load(a.required("model"), device_from(a));
  const CellExpression s = expr_for(a, "source", *m), t = expr_for(a, "target", *m);
  const auto Xs = m->scale_rows(s), Xt = m->scale_rows(t);
  const int64_t ns = static_cast<int64_t>(s.cells.size()), nt = static_cast<int64_t>(t.cells.size()), H = m->mcfg.feature_dim();
  io::make_dirs(out);
  JsonWriter j;
  j.begin_object().kv("source_cells", ns).kv("target_cells", nt).kv("features", H);
  double mmd[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    const bool before = k == 0;
    const std::string tag = before ? "before" : "after";
    const auto fs = extract_features(*m, Xs, ns, before), ft = extract_features(*m, Xt, nt, before);
    mmd[k] = feature_mmd(fs, ns, ft, nt, H);
    std::string tsv = "domain\tcell";
    for (int64_t h = 0; h < H; ++h) tsv += "\tf" + std::to_string(h + 1);
    tsv += "\n";
    std::vector<float> all;
    std::vector<int> grp;
    for (int d = 0; d < 2; ++d) {
      const auto& f = d == 0 ? fs : ft;
      const auto& cells = d == 0 ? s.cells : t.cells;
      for (size_t c = 0; c < cells.size(); ++c) {
        tsv += std::string(d == 0 ? "source" : "target") + "\t" + cells[c];
        for (int64_t h = 0; h < H; ++h) tsv += "\t" + num(f[c * static_cast<size_t>(H) + static_cast<size_t>(h)]);
        tsv += "\n";
        grp.push_back(d);
      }
      all.insert(all.end(), f.begin(), f.end());
    }
    io::write_file_atomic(out + "/features_" + tag + ".tsv", tsv);
    const auto xy = pca2(all, ns + nt, H);
    char note[128];
    std::snprintf(note, sizeof note, "MMD^2 between domains %.5f (5 Gaussian bandwidths)", mmd[k]);
    io::write_file_atomic(out + "/pca_" + tag + ".svg",
                          svg_group_scatter("hidden features " + tag + " adaptation (PCA)", xy, grp, {"source", "target"}, note));
    j.kv("mmd_" + tag, mmd[k]);
  }
  j.end_object();
  io::write_file_atomic(out + "/mmd.json", j.str() + "\n");
  std::printf("MMD^2 between source and target hidden features: before adaptation %.5f, after %.5f -> %s/\n", mmd[0], mmd[1],
              out.c_str());
  return 0;
}

}  // namespace gripcu::dadsp_cli
