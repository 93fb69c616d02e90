#include "models/grip/dataset.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "engine/error.h"

namespace gripcu::grip {

std::string PairReport::summary() const {
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 5) s += ", ...";
    return s;
  };
  std::string s;
  if (!dropped_baseline_genes.empty())
    s += std::to_string(dropped_baseline_genes.size()) + " baseline genes not in the treated file (" + list(dropped_baseline_genes) + ")";
  if (!dropped_treated_genes.empty())
    s += std::string(s.empty() ? "" : "; ") + std::to_string(dropped_treated_genes.size()) +
         " treated genes not in the baseline file (" + list(dropped_treated_genes) + ")";
  return s.empty() ? "all genes matched" : s;
}

PairedData pair_profiles(const io::ExprMatrix& b, const io::ExprMatrix& t, PairBy by, PairReport* report) {
  if (b.cells.empty() || b.drugs.empty())
    throw InputError(b.source, "no cell and drug rows: GRIP-Lung needs the cell line and drug of every sample");
  std::unordered_map<std::string, size_t> tgene;
  for (size_t i = 0; i < t.genes.size(); ++i) tgene.emplace(t.genes[i], i);
  PairReport rep;
  std::vector<std::pair<size_t, size_t>> gmap;  // baseline row, treated row
  std::set<std::string> in_base;
  for (size_t i = 0; i < b.genes.size(); ++i) {
    in_base.insert(b.genes[i]);
    auto it = tgene.find(b.genes[i]);
    if (it == tgene.end()) rep.dropped_baseline_genes.push_back(b.genes[i]);
    else gmap.emplace_back(i, it->second);
  }
  for (const auto& g : t.genes)
    if (!in_base.count(g)) rep.dropped_treated_genes.push_back(g);
  if (gmap.empty()) throw InputError(t.source, "no gene in common with " + b.source);

  std::vector<size_t> tcol(b.samples.size());
  if (by == PairBy::order) {
    if (b.samples.size() != t.samples.size())
      throw InputError(t.source, std::to_string(t.samples.size()) + " samples, but " + b.source + " has " +
                                     std::to_string(b.samples.size()) + " (pairing by column order)");
    for (size_t i = 0; i < tcol.size(); ++i) tcol[i] = i;
  } else {
    std::unordered_map<std::string, size_t> ts;
    for (size_t i = 0; i < t.samples.size(); ++i) ts.emplace(t.samples[i], i);
    for (size_t i = 0; i < b.samples.size(); ++i) {
      auto it = ts.find(b.samples[i]);
      if (it == ts.end()) throw InputError(t.source, "no sample named '" + b.samples[i] + "' (from " + b.source + ")");
      tcol[i] = it->second;
    }
  }
  PairedData d;
  for (const auto& [bi, ti] : gmap) d.genes.push_back(b.genes[bi]);
  d.samples = b.samples;
  d.cells = b.cells;
  d.drugs = b.drugs;
  const size_t n = b.samples.size(), g = gmap.size();
  d.baseline.resize(n * g);
  d.treated.resize(n * g);
  for (size_t s = 0; s < n; ++s) {
    if (!t.cells.empty() && t.cells[tcol[s]] != b.cells[s])
      throw InputError(t.source, "sample " + std::to_string(tcol[s] + 1) + " is cell '" + t.cells[tcol[s]] + "' but its baseline (" +
                                     b.samples[s] + ") is cell '" + b.cells[s] + "'");
    for (size_t k = 0; k < g; ++k) {
      d.baseline[s * g + k] = static_cast<float>(b.at(gmap[k].first, s));
      d.treated[s * g + k] = static_cast<float>(t.at(gmap[k].second, tcol[s]));
    }
  }
  if (report) *report = rep;
  return d;
}

void log2p1_inplace(std::vector<float>& v, const std::string& what) {
  for (float& x : v) {
    if (!(x > -1.0f)) throw InputError(what, "log2(x+1) of a value <= -1 (" + std::to_string(x) + "); is the data already log-scaled?");
    x = std::log2(1.0f + x);
  }
}

ZScore ZScore::fit(const std::vector<float>& x, size_t genes, const std::vector<size_t>& rows) {
  GRIPCU_CHECK(!rows.empty(), "z-score fitted on no rows");
  ZScore z;
  z.mean.assign(genes, 0.f);
  z.std.assign(genes, 1.f);
  for (size_t g = 0; g < genes; ++g) {
    double m = 0;
    for (size_t r : rows) m += x[r * genes + g];
    m /= static_cast<double>(rows.size());
    double v = 0;
    for (size_t r : rows) { const double d = x[r * genes + g] - m; v += d * d; }
    v /= static_cast<double>(rows.size());
    z.mean[g] = static_cast<float>(m);
    z.std[g] = v > 1e-12 ? static_cast<float>(std::sqrt(v)) : 1.f;
  }
  return z;
}

void ZScore::apply(std::vector<float>& x, size_t genes) const {
  for (size_t i = 0; i < x.size(); ++i) x[i] = (x[i] - mean[i % genes]) / std[i % genes];
}

void ZScore::invert(std::vector<float>& x, size_t genes) const {
  for (size_t i = 0; i < x.size(); ++i) x[i] = x[i] * std[i % genes] + mean[i % genes];
}

Vocab Vocab::build(const std::vector<std::string>& values, const std::vector<size_t>& rows) {
  std::set<std::string> s;
  for (size_t r : rows) s.insert(values[r]);
  return {std::vector<std::string>(s.begin(), s.end())};
}

int64_t Vocab::index(const std::string& name) const {
  auto it = std::lower_bound(names.begin(), names.end(), name);
  return it != names.end() && *it == name ? it - names.begin() : -1;
}

}  // namespace gripcu::grip
