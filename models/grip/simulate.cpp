#include "models/grip/simulate.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "engine/error.h"
#include "engine/io/gmt.h"
#include "engine/json.h"
#include "engine/rng.h"
#include "gripcu_embedded_data.h"

namespace gripcu::grip {

namespace {
// Draws from dedicated Philox streams: every quantity has its own, so changing one size does not
// reshuffle the others.
struct Draw {
  const Rng& rng;
  uint64_t stream;
  uint64_t i = 0;
  double normal() { return rng.normal(stream, i++); }
  double uniform() { return rng.uniform(stream, i++); }
};

std::map<std::string, std::string> default_classes() {
  std::map<std::string, std::string> m;
  const std::string t = embedded::kResponseStatesClasses;
  size_t b = 0;
  while (b < t.size()) {
    size_t e = t.find('\n', b);
    if (e == std::string::npos) e = t.size();
    const std::string line = t.substr(b, e - b);
    const size_t tab = line.find('\t');
    if (tab != std::string::npos && line.rfind("state\t", 0) != 0) m[line.substr(0, tab)] = line.substr(tab + 1);
    b = e + 1;
  }
  return m;
}
}  // namespace

SimResult simulate_perturbation(const SimConfig& cfg) {
  GRIPCU_CHECK(cfg.genes >= 24 && cfg.cells >= 1 && cfg.drugs >= 1 && cfg.replicates >= 1,
               "simulate: need genes >= 24 (three per program), cells, drugs and replicates >= 1");
  const Rng rng(cfg.seed);
  const auto sets = io::parse_gmt(embedded::kResponseStatesGmt, "data/response_states.gmt");
  const auto classes = default_classes();

  // Genes: program markers first, then filler.
  SimResult r;
  std::vector<std::string> genes;
  std::map<std::string, int64_t> gidx;
  const int64_t per = std::max<int64_t>(3, cfg.genes / 20);
  for (const auto& s : sets) {
    SimProgram p{s.name, classes.count(s.name) ? classes.at(s.name) : "effective", {}};
    for (size_t k = 0; k < s.genes.size() && static_cast<int64_t>(p.genes.size()) < per; ++k) {
      auto it = gidx.find(s.genes[k]);
      if (it == gidx.end()) {
        if (static_cast<int64_t>(genes.size()) >= cfg.genes) break;
        it = gidx.emplace(s.genes[k], static_cast<int64_t>(genes.size())).first;
        genes.push_back(s.genes[k]);
      }
      p.genes.push_back(it->second);
    }
    r.programs.push_back(p);
  }
  for (int64_t k = 1; static_cast<int64_t>(genes.size()) < cfg.genes; ++k) {
    char b[32];
    std::snprintf(b, sizeof b, "GENE%05lld", static_cast<long long>(k));
    genes.push_back(b);
  }
  const int64_t G = cfg.genes, C = cfg.cells, D = cfg.drugs, R = cfg.replicates;
  constexpr int64_t kRank = 5, kInter = 3, kLow = 4;

  // Baseline structure.
  Draw d_mu{rng, 1}, d_load{rng, 2}, d_fac{rng, 3};
  std::vector<double> mu(G), load(G * kRank), fac(C * kRank);
  for (auto& v : mu) v = 6.0 + 1.5 * d_mu.normal();
  for (auto& v : load) v = 0.6 * d_load.normal();
  for (auto& v : fac) v = d_fac.normal();
  // Drug and interaction structure.
  Draw d_a{rng, 4}, d_b{rng, 5}, d_sig{rng, 6}, d_prog{rng, 7}, d_P{rng, 8}, d_V{rng, 9}, d_W{rng, 10};
  std::vector<double> a(C * kInter), bvec(D * kInter), sig(D * G), P(G * kLow), V(C * kLow), W(D * kLow);
  for (auto& v : a) v = d_a.normal();
  for (auto& v : bvec) v = d_b.normal();
  for (auto& v : sig) v = d_sig.uniform() < 0.3 ? 0.8 * d_sig.normal() : 0.0;
  for (auto& v : P) v = 0.15 * d_P.normal();
  for (auto& v : V) v = d_V.normal();
  for (auto& v : W) v = d_W.normal();
  std::vector<int64_t> eff, ineff;
  for (int64_t k = 0; k < static_cast<int64_t>(r.programs.size()); ++k)
    (r.programs[static_cast<size_t>(k)].klass == "ineffective" ? ineff : eff).push_back(k);
  GRIPCU_CHECK(!eff.empty() && !ineff.empty(), "simulate: the default states need both classes");
  // Each drug: 1-2 effective programs and 1-2 ineffective programs it can switch.
  std::vector<std::vector<int64_t>> drug_eff(D), drug_ineff(D);
  for (int64_t dd = 0; dd < D; ++dd) {
    for (auto* pool : {&eff, &ineff}) {
      auto& dst = pool == &eff ? drug_eff[dd] : drug_ineff[dd];
      const int64_t n = 1 + (d_prog.uniform() < 0.5 ? 1 : 0);
      const int64_t first = static_cast<int64_t>(d_prog.uniform() * static_cast<double>(pool->size())) % static_cast<int64_t>(pool->size());
      for (int64_t k = 0; k < n && k < static_cast<int64_t>(pool->size()); ++k)
        dst.push_back((*pool)[static_cast<size_t>((first + k) % static_cast<int64_t>(pool->size()))]);
    }
  }

  const int64_t S = C * D * R;
  auto init = [&](io::ExprMatrix& m, const std::string& src) {
    m.genes = genes;
    m.values.assign(static_cast<size_t>(G * S), 0.0);
    m.source = src;
  };
  init(r.baseline, "simulated baseline");
  init(r.treated, "simulated treated");
  Draw d_noise_b{rng, 11}, d_noise_t{rng, 12};
  int64_t s = 0;
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t dd = 0; dd < D; ++dd) {
      double dot = 0;
      for (int64_t k = 0; k < kInter; ++k) dot += a[c * kInter + k] * bvec[dd * kInter + k];
      const double sens = 1.0 / (1.0 + std::exp(-2.0 * dot / std::sqrt(double(kInter))));
      SimPair pair{c, dd, sens, sens > 0.5, sens > 0.5 ? drug_eff[dd] : drug_ineff[dd]};
      const double mag = 2.0 * (pair.effective ? sens : 1.0 - sens);
      std::vector<char> on(static_cast<size_t>(G), 0);
      for (int64_t p : pair.programs)
        for (int64_t g : r.programs[static_cast<size_t>(p)].genes) on[static_cast<size_t>(g)] = 1;
      for (int64_t rep = 0; rep < R; ++rep, ++s) {
        char name[96];
        std::snprintf(name, sizeof name, "CELL%02lld_DRUG%02lld_R%lld", static_cast<long long>(c + 1),
                      static_cast<long long>(dd + 1), static_cast<long long>(rep + 1));
        char cell[32], drug[32];
        std::snprintf(cell, sizeof cell, "CELL%02lld", static_cast<long long>(c + 1));
        std::snprintf(drug, sizeof drug, "DRUG%02lld", static_cast<long long>(dd + 1));
        for (auto* m : {&r.baseline, &r.treated}) {
          m->samples.push_back(name);
          m->cells.push_back(cell);
          m->drugs.push_back(drug);
        }
        for (int64_t g = 0; g < G; ++g) {
          double x = mu[g];
          for (int64_t k = 0; k < kRank; ++k) x += load[g * kRank + k] * fac[c * kRank + k];
          x += 0.3 * d_noise_b.normal();
          double eff_g = sig[dd * G + g];
          for (int64_t k = 0; k < kLow; ++k) eff_g += P[g * kLow + k] * V[c * kLow + k] * W[dd * kLow + k];
          if (on[static_cast<size_t>(g)]) eff_g += mag * (1.0 + 0.5 * std::tanh(x - mu[g]));
          // Index with the final sample count: samples.size() is still growing here.
          const size_t at = static_cast<size_t>(g * S + s);
          r.baseline.values[at] = x;
          r.treated.values[at] = x + eff_g + 0.2 * d_noise_t.normal();
        }
      }
      r.pairs.push_back(pair);
    }
  }
  return r;
}

std::string SimResult::truth_json() const {
  JsonWriter j;
  j.begin_object();
  j.kv("description", "gripcu simulate perturbation: programs each (cell, drug) pair switches on");
  j.key("programs").begin_array();
  for (const auto& p : programs) {
    j.begin_object().kv("name", p.name).kv("class", p.klass).key("genes").begin_array();
    for (int64_t g : p.genes) j.value(baseline.genes[static_cast<size_t>(g)]);
    j.end_array().end_object();
  }
  j.end_array();
  j.key("pairs").begin_array();
  for (const auto& p : pairs) {
    char cell[32], drug[32];
    std::snprintf(cell, sizeof cell, "CELL%02lld", static_cast<long long>(p.cell + 1));
    std::snprintf(drug, sizeof drug, "DRUG%02lld", static_cast<long long>(p.drug + 1));
    j.begin_object().kv("cell", cell).kv("drug", drug).kv("sensitivity", p.sensitivity);
    j.kv("label", p.effective ? "effective" : "ineffective").key("programs").begin_array();
    for (int64_t k : p.programs) j.value(programs[static_cast<size_t>(k)].name);
    j.end_array().end_object();
  }
  j.end_array().end_object();
  return j.str();
}

}  // namespace gripcu::grip
