#include "models/grip/states.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>
#include <unordered_map>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/text_table.h"
#include "engine/json.h"
#include "engine/log.h"
#include "engine/ranks.h"
#include "gripcu_embedded_data.h"

namespace gripcu::grip {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

double ratio(int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : kNaN; }

}  // namespace

const char* class_name(StateClass c) { return c == StateClass::effective ? "effective" : "ineffective"; }

// ---- states and classes ---------------------------------------------------------------------

ResponseStates parse_response_states(const std::string& gmt_text, const std::string& gmt_name,
                                     const std::string& classes_text, const std::string& classes_name) {
  ResponseStates rs;
  rs.sets = io::parse_gmt(gmt_text, gmt_name);
  rs.gmt_source = gmt_name;
  rs.classes_source = classes_name;

  std::map<std::string, std::pair<StateClass, size_t>> cls;  // state -> class, line
  size_t line_no = 0, pos = 0;
  bool first_content = true;
  while (pos < classes_text.size()) {
    size_t e = classes_text.find('\n', pos);
    if (e == std::string::npos) e = classes_text.size();
    std::string line = classes_text.substr(pos, e - pos);
    pos = e + 1;
    ++line_no;
    if (line_no == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line = line.substr(3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const size_t tab = line.find('\t');
    const std::string where = classes_name + ":" + std::to_string(line_no);
    if (tab == std::string::npos)
      throw InputError(where, "expected 'state<TAB>class', got '" + io::detail::shorten(t) + "'");
    const std::string state = trim(line.substr(0, tab));
    std::string klass = line.substr(tab + 1);
    if (klass.find('\t') != std::string::npos) klass = klass.substr(0, klass.find('\t'));
    klass = trim(klass);
    const bool header = first_content && lower(state) == "state" && lower(klass) == "class";
    first_content = false;
    if (header) continue;
    if (state.empty()) throw InputError(where, "empty state name");
    StateClass c;
    if (lower(klass) == "effective") c = StateClass::effective;
    else if (lower(klass) == "ineffective") c = StateClass::ineffective;
    else throw InputError(where, "class '" + io::detail::shorten(klass) + "' of state '" + state +
                                     "' is neither 'effective' nor 'ineffective'");
    auto [it, inserted] = cls.emplace(state, std::make_pair(c, line_no));
    if (!inserted)
      throw InputError(where, "state '" + state + "' is listed twice (first at line " + std::to_string(it->second.second) + ")");
  }
  if (cls.empty()) throw InputError(classes_name, "no 'state<TAB>class' lines");

  std::set<std::string> in_gmt;
  for (const auto& s : rs.sets) {
    auto it = cls.find(s.name);
    if (it == cls.end())
      throw InputError(s.where, "state '" + s.name + "' has no class in " + classes_name +
                                    " (add a line '" + s.name + "<TAB>effective' or '<TAB>ineffective')");
    rs.klass.push_back(it->second.first);
    in_gmt.insert(s.name);
  }
  for (const auto& [name, c] : cls)
    if (!in_gmt.count(name))
      log_warn(classes_name + ":" + std::to_string(c.second) + ": state '" + name + "' is not in " + gmt_name + " (ignored)");
  return rs;
}

ResponseStates read_response_states(const std::string& gmt_path, const std::string& classes_path) {
  return parse_response_states(io::read_file(gmt_path), gmt_path, io::read_file(classes_path), classes_path);
}

ResponseStates default_response_states() {
  return parse_response_states(embedded::kResponseStatesGmt, "data/response_states.gmt (built in)",
                               embedded::kResponseStatesClasses, "data/response_states.classes.tsv (built in)");
}

IndexedStates index_states(const ResponseStates& rs, const std::vector<std::string>& genes, const std::string& source,
                           int64_t min_size, int64_t max_size) {
  IndexedStates out;
  out.sets = io::index_gene_sets(rs.sets, genes, min_size, max_size, source);
  std::unordered_map<std::string, StateClass> cls;
  for (size_t i = 0; i < rs.sets.size(); ++i) cls.emplace(rs.sets[i].name, rs.klass[i]);
  int64_t n_eff = 0, n_ineff = 0;
  for (const auto& name : out.sets.names) {
    const StateClass c = cls.at(name);
    out.klass.push_back(c);
    (c == StateClass::effective ? n_eff : n_ineff) += 1;
  }
  if (out.sets.n_sets() < static_cast<int64_t>(rs.sets.size())) {
    std::string dropped;
    std::set<std::string> kept(out.sets.names.begin(), out.sets.names.end());
    for (const auto& s : rs.sets)
      if (!kept.count(s.name)) dropped += (dropped.empty() ? "" : ", ") + s.name;
    log_warn(source + ": state(s) " + dropped + " dropped (no member gene in the matrix, or outside the size filter)");
  }
  if (n_eff == 0 || n_ineff == 0)
    throw InputError(source, std::string("no ") + (n_eff == 0 ? "effective" : "ineffective") +
                                 " state has a gene in the matrix; the resistance index needs both classes");
  return out;
}

// ---- z-scores and the resistance index --------------------------------------------------------

StatesResult score_states(const std::vector<std::string>& states, const std::vector<StateClass>& klass,
                          const std::vector<double>& scores, int64_t n, const std::string& where) {
  const auto K = static_cast<int64_t>(states.size());
  GRIPCU_CHECK(klass.size() == states.size(), "score_states: ", states.size(), " states, ", klass.size(), " classes");
  GRIPCU_CHECK(n >= 0 && static_cast<int64_t>(scores.size()) == K * n, "score_states: ", scores.size(),
               " scores for ", K, " states x ", n, " samples");
  if (n < 2)
    throw InputError(where, "the resistance index z-scores each state across the samples scored together; " +
                                std::to_string(n) + " sample has no spread (score it together with other samples)");
  for (int64_t i = 0; i < K * n; ++i)
    if (!std::isfinite(scores[static_cast<size_t>(i)]))
      throw InputError(where, "state '" + states[static_cast<size_t>(i / n)] + "' has a non-finite score in sample " +
                                  std::to_string(i % n + 1) + " (a score matrix with zero range cannot be normalized)");
  StatesResult r;
  r.states = states;
  r.klass = klass;
  r.n = n;
  r.scores = scores;
  r.z.assign(scores.size(), 0.0);
  r.mean.assign(static_cast<size_t>(K), 0.0);
  r.sd.assign(static_cast<size_t>(K), 0.0);
  r.zero_variance.assign(static_cast<size_t>(K), 0);
  for (int64_t k = 0; k < K; ++k) {
    const double* s = scores.data() + k * n;
    double* z = r.z.data() + k * n;
    const auto [lo, hi] = std::minmax_element(s, s + n);
    double mean = 0;
    for (int64_t j = 0; j < n; ++j) mean += s[j];
    mean /= static_cast<double>(n);
    double ss = 0;
    for (int64_t j = 0; j < n; ++j) ss += (s[j] - mean) * (s[j] - mean);
    const double sd = std::sqrt(ss / static_cast<double>(n - 1));
    r.mean[static_cast<size_t>(k)] = mean;
    r.sd[static_cast<size_t>(k)] = sd;
    if (*lo == *hi) {  // identical in every sample: no spread, z = 0, left out of E / I
      r.zero_variance[static_cast<size_t>(k)] = 1;
      continue;
    }
    for (int64_t j = 0; j < n; ++j) z[j] = (s[j] - mean) / sd;
  }
  std::vector<int64_t> eff, ineff;
  for (int64_t k = 0; k < K; ++k) {
    if (r.zero_variance[static_cast<size_t>(k)]) continue;
    (klass[static_cast<size_t>(k)] == StateClass::effective ? eff : ineff).push_back(k);
  }
  r.effective_states_used = static_cast<int64_t>(eff.size());
  r.ineffective_states_used = static_cast<int64_t>(ineff.size());
  r.effective.assign(static_cast<size_t>(n), 0.0);
  r.ineffective.assign(static_cast<size_t>(n), 0.0);
  r.ri.assign(static_cast<size_t>(n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    double e = 0, i = 0;
    for (int64_t k : eff) e += r.z[static_cast<size_t>(k * n + j)];
    for (int64_t k : ineff) i += r.z[static_cast<size_t>(k * n + j)];
    e = eff.empty() ? 0.0 : e / static_cast<double>(eff.size());
    i = ineff.empty() ? 0.0 : i / static_cast<double>(ineff.size());
    r.effective[static_cast<size_t>(j)] = e;
    r.ineffective[static_cast<size_t>(j)] = i;
    r.ri[static_cast<size_t>(j)] = i - e;
  }
  return r;
}

std::string matrix_tsv(const std::vector<std::string>& rows, const std::vector<std::string>& cols,
                       const std::vector<double>& values) {
  GRIPCU_CHECK(values.size() == rows.size() * cols.size(), "matrix_tsv: ", values.size(), " values for ", rows.size(),
               " x ", cols.size());
  std::string o;
  for (const auto& c : cols) {
    o += '\t';
    io::detail::append_field(o, c, '\t');
  }
  o += '\n';
  for (size_t r = 0; r < rows.size(); ++r) {
    io::detail::append_field(o, rows[r], '\t');
    for (size_t c = 0; c < cols.size(); ++c) {
      o += '\t';
      io::detail::append_number(o, values[r * cols.size() + c]);
    }
    o += '\n';
  }
  return o;
}

std::string states_json(const StatesResult& r) {
  JsonWriter j;
  j.begin_object();
  j.kv("samples", static_cast<long long>(r.n));
  j.kv("z_score", "per state across these samples: (score - mean) / sd, sd with n - 1");
  j.kv("ri", "mean z of the ineffective states - mean z of the effective states; RI > 0: ineffective");
  j.key("states").begin_array();
  for (int64_t k = 0; k < r.n_states(); ++k) {
    const auto i = static_cast<size_t>(k);
    j.begin_object().kv("name", r.states[i]).kv("class", class_name(r.klass[i]));
    j.kv("mean", r.mean[i]).kv("sd", r.sd[i]).kv("zero_variance", r.zero_variance[i] != 0).end_object();
  }
  j.end_array();
  j.kv("effective_states_used", static_cast<long long>(r.effective_states_used));
  j.kv("ineffective_states_used", static_cast<long long>(r.ineffective_states_used));
  int64_t ineff = 0;
  for (int64_t s = 0; s < r.n; ++s) ineff += r.is_ineffective(s);
  j.key("labels").begin_object().kv("effective", static_cast<long long>(r.n - ineff));
  j.kv("ineffective", static_cast<long long>(ineff)).end_object();
  j.end_object();
  return j.str();
}

// ---- NCI-60 GI50 ------------------------------------------------------------------------------

std::string nci60_cell_key(const std::string& name) {
  const size_t colon = name.find(':');
  std::string s = colon == std::string::npos ? name : name.substr(colon + 1);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const size_t atcc = s.find("/ATCC");
  if (atcc != std::string::npos) s.erase(atcc, 5);
  std::string k;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) k += c;
  return k;
}

Gi50Table read_nci60_gi50(const std::string& path, const std::string& annotation_path) {
  using io::detail::DelimitedText;
  using io::detail::Field;
  Gi50Table t;
  t.source = path;
  DelimitedText txt(path, io::detail::read_text_file(path), ',');
  std::vector<Field> f;
  if (!txt.next(f)) throw InputError(path, "empty file");
  const size_t header_line = txt.line();
  if (f.size() < 4 || f[0].str() != "nsc")
    throw InputError(txt.where(header_line), "expected the rcellminer header \"nsc\",\"prefix\",\"name\",\"PANEL:CELL\",...");
  size_t first_cell = 1;
  while (first_cell < f.size() && f[first_cell].str().find(':') == std::string::npos) ++first_cell;
  if (first_cell == f.size()) throw InputError(txt.where(header_line), "no \"PANEL:CELL\" columns");
  const size_t C = f.size() - first_cell;
  for (size_t c = 0; c < C; ++c) {
    const std::string h = f[first_cell + c].str();
    const size_t colon = h.find(':');
    if (colon == std::string::npos)
      throw InputError(txt.where(header_line, first_cell + c + 1), "column '" + h + "' is not PANEL:CELL");
    t.panels.push_back(h.substr(0, colon));
    t.cells.push_back(h.substr(colon + 1));
  }
  std::unordered_map<std::string, size_t> drug_of;
  std::vector<double> sum;
  std::vector<int64_t> count;
  while (txt.next(f)) {
    const size_t line = txt.line();
    if (f.size() != first_cell + C)
      txt.fail(line, "has " + std::to_string(f.size()) + " fields, the header has " + std::to_string(first_cell + C));
    const std::string nsc = f[0].str();
    if (nsc.empty()) txt.fail(line, 1, "empty nsc");
    auto [it, inserted] = drug_of.emplace(nsc, t.nsc.size());
    if (inserted) {
      t.nsc.push_back(nsc);
      t.experiments.push_back(0);
      sum.resize(sum.size() + C, 0.0);
      count.resize(count.size() + C, 0);
    }
    const size_t d = it->second;
    ++t.experiments[d];
    for (size_t c = 0; c < C; ++c) {
      double v = 0;
      const auto st = io::detail::parse_number(f[first_cell + c].view(), v);
      if (st == io::detail::NumberStatus::missing || st == io::detail::NumberStatus::empty) continue;
      if (st != io::detail::NumberStatus::ok)
        io::detail::fail_number(txt, line, first_cell + c + 1, st, f[first_cell + c].view(), "NSC " + nsc + ", " + t.cells[c]);
      sum[d * C + c] += v;
      ++count[d * C + c];
    }
  }
  if (t.nsc.empty()) throw InputError(path, "no drug rows");
  t.pgi50.resize(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) t.pgi50[i] = count[i] > 0 ? sum[i] / static_cast<double>(count[i]) : kNaN;
  t.name.assign(t.nsc.size(), "");
  t.mechanism.assign(t.nsc.size(), "");

  if (!annotation_path.empty()) {
    DelimitedText a(annotation_path, io::detail::read_text_file(annotation_path), ',');
    if (!a.next(f)) throw InputError(annotation_path, "empty file");
    const size_t hl = a.line();
    int64_t c_nsc = -1, c_name = -1, c_mech = -1;
    for (size_t i = 0; i < f.size(); ++i) {
      const std::string h = f[i].str();
      if (h == "nsc") c_nsc = static_cast<int64_t>(i);
      if (h == "name") c_name = static_cast<int64_t>(i);
      if (h == "mechanism") c_mech = static_cast<int64_t>(i);
    }
    if (c_nsc < 0 || c_name < 0) throw InputError(a.where(hl), "expected columns \"nsc\" and \"name\"");
    const size_t width = f.size();
    while (a.next(f)) {
      if (f.size() != width)
        a.fail(a.line(), "has " + std::to_string(f.size()) + " fields, the header has " + std::to_string(width));
      auto it = drug_of.find(f[static_cast<size_t>(c_nsc)].str());
      if (it == drug_of.end()) continue;
      auto clean = [](std::string s) { return s == "NA" ? std::string() : s; };
      t.name[it->second] = clean(f[static_cast<size_t>(c_name)].str());
      if (c_mech >= 0) t.mechanism[it->second] = clean(f[static_cast<size_t>(c_mech)].str());
    }
  }
  return t;
}

void Confusion::add(bool pred, bool truth) {
  if (pred && truth) ++tp;
  else if (pred) ++fp;
  else if (truth) ++fn;
  else ++tn;
}
double Confusion::accuracy() const { return ratio(tp + tn, n()); }
double Confusion::precision() const { return ratio(tp, tp + fp); }
double Confusion::recall() const { return ratio(tp, tp + fn); }
double Confusion::specificity() const { return ratio(tn, tn + fp); }
double Confusion::balanced_accuracy() const { return 0.5 * (recall() + specificity()); }
double Confusion::prevalence() const { return ratio(tp + fn, n()); }
double Confusion::predicted_rate() const { return ratio(tp + fp, n()); }
double Confusion::chance_accuracy() const {
  const double p = prevalence(), q = predicted_rate();
  return p * q + (1 - p) * (1 - q);
}

namespace {
double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) { ma += a[i]; mb += b[i]; }
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : kNaN;
}
}  // namespace

double spearman_rho(const std::vector<double>& a, const std::vector<double>& b) {
  GRIPCU_CHECK(a.size() == b.size(), "spearman_rho: sizes ", a.size(), " and ", b.size());
  if (a.size() < 3) return kNaN;
  return pearson(average_ranks(a), average_ranks(b));
}

Gi50Validation validate_gi50(const StatesResult& st, const std::vector<std::string>& samples, const Gi50Table& t,
                             double threshold) {
  GRIPCU_CHECK(static_cast<int64_t>(samples.size()) == st.n, "validate_gi50: ", samples.size(), " sample names for ",
               st.n, " scored samples");
  Gi50Validation v;
  v.threshold = threshold;
  std::unordered_map<std::string, size_t> col_of;
  for (size_t c = 0; c < t.n_cells(); ++c) {
    auto [it, ok] = col_of.emplace(nci60_cell_key(t.cells[c]), c);
    if (!ok)
      throw InputError(t.source, "cell lines '" + t.cells[it->second] + "' and '" + t.cells[c] + "' share the key '" +
                                     it->first + "'");
  }
  std::unordered_map<std::string, size_t> seen_expr;
  std::vector<std::pair<size_t, size_t>> pairs;  // expression sample, GI50 column
  std::vector<char> col_used(t.n_cells(), 0);
  for (size_t j = 0; j < samples.size(); ++j) {
    const std::string key = nci60_cell_key(samples[j]);
    auto [it, ok] = seen_expr.emplace(key, j);
    if (!ok)
      throw InputError(samples[j], "expression samples '" + samples[it->second] + "' and '" + samples[j] +
                                       "' are the same NCI-60 cell line ('" + key + "')");
    auto c = col_of.find(key);
    if (c == col_of.end()) { v.expr_unmatched.push_back(samples[j]); continue; }
    pairs.emplace_back(j, c->second);
    col_used[c->second] = 1;
    v.matched.emplace_back(samples[j], t.panels[c->second] + ":" + t.cells[c->second]);
  }
  for (size_t c = 0; c < t.n_cells(); ++c)
    if (!col_used[c]) v.gi50_unmatched.push_back(t.panels[c] + ":" + t.cells[c]);

  v.drugs_total = static_cast<int64_t>(t.n_drugs());
  std::vector<double> rhos;
  for (size_t d = 0; d < t.n_drugs(); ++d) {
    Gi50DrugResult dr;
    dr.nsc = t.nsc[d];
    dr.name = t.name[d];
    std::vector<double> ri, pg;
    for (const auto& [j, c] : pairs) {
      const double g = t.pgi50[d * t.n_cells() + c];
      if (std::isnan(g)) { ++v.missing; continue; }
      const bool truth = g > threshold, pred = !st.is_ineffective(static_cast<int64_t>(j));
      dr.c.add(pred, truth);
      v.pooled.add(pred, truth);
      v.by_panel[t.panels[c]].add(pred, truth);
      ri.push_back(st.ri[j]);
      pg.push_back(g);
    }
    if (dr.c.n() == 0) continue;
    v.pairs += dr.c.n();
    dr.spearman_ri = spearman_rho(ri, pg);
    if (!std::isnan(dr.spearman_ri)) {
      rhos.push_back(dr.spearman_ri);
      v.spearman_negative += dr.spearman_ri < 0;
    }
    v.per_drug.push_back(std::move(dr));
  }
  v.drugs_with_pairs = static_cast<int64_t>(v.per_drug.size());
  {
    std::vector<double> ri, mean_pg;
    for (const auto& [j, c] : pairs) {
      double sum = 0;
      int64_t cnt = 0;
      for (size_t d = 0; d < t.n_drugs(); ++d) {
        const double g = t.pgi50[d * t.n_cells() + c];
        if (!std::isnan(g)) { sum += g; ++cnt; }
      }
      if (cnt == 0) continue;
      ri.push_back(st.ri[j]);
      mean_pg.push_back(sum / static_cast<double>(cnt));
    }
    v.cell_mean_spearman = spearman_rho(ri, mean_pg);
  }
  v.spearman_drugs = static_cast<int64_t>(rhos.size());
  if (!rhos.empty()) {
    v.spearman_mean = std::accumulate(rhos.begin(), rhos.end(), 0.0) / static_cast<double>(rhos.size());
    std::sort(rhos.begin(), rhos.end());
    const size_t m = rhos.size();
    v.spearman_median = m % 2 ? rhos[m / 2] : 0.5 * (rhos[m / 2 - 1] + rhos[m / 2]);
  }
  return v;
}

namespace {
void write_confusion(JsonWriter& j, const Confusion& c) {
  j.begin_object();
  j.kv("pairs", static_cast<long long>(c.n())).kv("tp", static_cast<long long>(c.tp)).kv("fp", static_cast<long long>(c.fp));
  j.kv("tn", static_cast<long long>(c.tn)).kv("fn", static_cast<long long>(c.fn));
  j.kv("accuracy", c.accuracy()).kv("precision", c.precision()).kv("recall", c.recall());
  j.kv("specificity", c.specificity()).kv("balanced_accuracy", c.balanced_accuracy());
  j.kv("prevalence_effective", c.prevalence()).kv("predicted_effective_rate", c.predicted_rate());
  j.kv("chance_accuracy", c.chance_accuracy());
  j.end_object();
}
}  // namespace

std::string Gi50Validation::to_json() const {
  JsonWriter j;
  j.begin_object();
  j.kv("positive_class", "effective");
  j.kv("truth", "effective when -log10(GI50 [M]) > threshold (logGI50 < -threshold), per (cell line, drug)");
  j.kv("prediction", "RI label of the cell line's own expression profile, the same for every drug");
  j.kv("threshold_neg_log10_gi50", threshold);
  j.kv("cell_lines_matched", static_cast<long long>(matched.size()));
  j.key("matched").begin_array();
  for (const auto& [e, g] : matched) j.begin_array().value(e).value(g).end_array();
  j.end_array();
  j.key("expression_unmatched").begin_array();
  for (const auto& s : expr_unmatched) j.value(s);
  j.end_array();
  j.key("gi50_unmatched").begin_array();
  for (const auto& s : gi50_unmatched) j.value(s);
  j.end_array();
  j.kv("drugs_total", static_cast<long long>(drugs_total)).kv("drugs_with_pairs", static_cast<long long>(drugs_with_pairs));
  j.kv("pairs", static_cast<long long>(pairs)).kv("pairs_missing_gi50", static_cast<long long>(missing));
  j.key("pooled");
  write_confusion(j, pooled);
  j.key("by_panel").begin_object();
  for (const auto& [p, c] : by_panel) {
    j.key(p);
    write_confusion(j, c);
  }
  j.end_object();
  j.key("spearman_ri_vs_neg_log10_gi50").begin_object();
  j.kv("drugs", static_cast<long long>(spearman_drugs)).kv("negative", static_cast<long long>(spearman_negative));
  j.kv("mean", spearman_mean).kv("median", spearman_median);
  j.end_object();
  j.kv("spearman_ri_vs_cell_mean_neg_log10_gi50", cell_mean_spearman);
  j.end_object();
  return j.str();
}

}  // namespace gripcu::grip
