#include "models/dadsp/data.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/text_table.h"
#include "models/dadsp/morgan.h"

namespace gripcu::dadsp {

using io::detail::DelimitedText;
using io::detail::Field;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && lower(s.substr(s.size() - suf.size())) == suf;
}
// Tab when the name says so or the first line has tabs and no commas.
char guess_delim(const std::string& path, const std::string& text) {
  if (ends_with(path, ".tsv") || ends_with(path, ".tab")) return '\t';
  const size_t eol = text.find('\n');
  const std::string first = text.substr(0, eol);
  if (first.find('\t') != std::string::npos && first.find(',') == std::string::npos) return '\t';
  return ',';
}
int find_col(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
  for (const char* n : names)
    for (size_t i = 0; i < header.size(); ++i)
      if (lower(header[i]) == n) return static_cast<int>(i);
  return -1;
}
std::string join(const std::vector<std::string>& v, const std::string& sep, size_t max = 8) {
  std::string o;
  for (size_t i = 0; i < v.size() && i < max; ++i) o += (i ? sep : "") + v[i];
  if (v.size() > max) o += sep + "... (" + std::to_string(v.size()) + " in all)";
  return o;
}
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

// A CSV/TSV table (the delimiter guessed from the name and the text).
DelimitedText open_delimited(const std::string& path) {
  std::string text = io::detail::read_text_file(path);
  const char delim = guess_delim(path, text);
  return DelimitedText(path, std::move(text), delim);
}

// The header row's trimmed names; hline: the line it is on. An empty file is an error.
std::vector<std::string> read_header(DelimitedText& t, size_t& hline) {
  std::vector<Field> f;
  if (!t.next(f)) t.fail(1, "empty file (no header row)");
  hline = t.line();
  std::vector<std::string> header;
  for (const auto& x : f) header.push_back(trim(x.str()));
  return header;
}

}  // namespace

Ic50Transform parse_ic50_transform(const std::string& s, const std::string& flag) {
  const std::string l = lower(s);
  if (l == "none" || l == "as-is" || l == "asis" || l == "identity") return Ic50Transform::as_is;
  if (l == "-log10" || l == "neglog10" || l == "neg-log10") return Ic50Transform::neg_log10;
  if (l == "ln" || l == "log") return Ic50Transform::ln;
  throw InputError(flag, "expected none, -log10 or ln, got '" + s + "'");
}
const char* ic50_transform_name(Ic50Transform t) {
  switch (t) {
    case Ic50Transform::neg_log10: return "-log10";
    case Ic50Transform::ln: return "ln";
    default: return "none";
  }
}

ResponseTable read_response_table(const std::string& path, Ic50Transform tf) {
  DelimitedText t = open_delimited(path);
  size_t hline = 0;
  const std::vector<std::string> header = read_header(t, hline);
  std::vector<Field> f;
  ResponseTable r;
  r.path = path;
  const int cc = find_col(header, {"cell_name", "primary cell line name", "cell", "cell_line", "cell line", "cellline", "sampleid"});
  const int dc = find_col(header, {"drug_name", "compound", "drug", "treatmentid", "drug name"});
  const int vc = find_col(header, {"ic50", "ic50 (um)", "ln_ic50", "value", "ic50_published", "ic50_recomputed", "response"});
  if (cc < 0 || dc < 0 || vc < 0)
    t.fail(hline, "not a response table: need a cell column (cell_name, Primary Cell Line Name, Cell, cell, sampleid), "
                  "a drug column (drug_name, Compound, Drug, drug, treatmentid) and a value column (IC50, IC50 (uM), "
                  "LN_IC50, value, ic50_published); the header is: " + join(header, ", "));
  r.cell_col = header[cc];
  r.drug_col = header[dc];
  r.value_col = header[vc];
  const std::string lc = lower(r.cell_col), lv = lower(r.value_col);
  r.layout = lc == "cell_name" ? "gdsc2" : lc == "primary cell line name" ? "ccle" : lc == "cell" && lv == "ln_ic50" ? "response_ccle"
           : lc == "sampleid" ? "pharmacogx" : "generic";
  const size_t need = static_cast<size_t>(std::max({cc, dc, vc})) + 1;
  std::map<std::pair<std::string, std::string>, size_t> seen;
  std::vector<int> count;
  while (t.next(f)) {
    const size_t line = t.line();
    if (f.size() < need)
      t.fail(line, "expected at least " + std::to_string(need) + " fields (header line " + std::to_string(hline) +
                       "), found " + std::to_string(f.size()));
    ResponseRow row;
    row.cell = trim(f[cc].str());
    row.drug = trim(f[dc].str());
    row.line = line;
    if (row.cell.empty()) t.fail(line, static_cast<size_t>(cc) + 1, "empty cell line name");
    if (row.drug.empty()) t.fail(line, static_cast<size_t>(dc) + 1, "empty drug name");
    double v = 0;
    const auto st = io::detail::parse_number(f[vc].view(), v);
    if (st != io::detail::NumberStatus::ok)
      io::detail::fail_number(t, line, static_cast<size_t>(vc) + 1, st, f[vc].view(),
                              "IC50 of (" + row.cell + ", " + row.drug + ")");
    if (tf != Ic50Transform::as_is) {
      if (!(v > 0))
        t.fail(line, static_cast<size_t>(vc) + 1,
               std::string("IC50 ") + std::to_string(v) + " is not positive: cannot take " + ic50_transform_name(tf) +
                   " (are the values already on a log scale? then use --ic50-transform none)");
      v = tf == Ic50Transform::neg_log10 ? -std::log10(v) : std::log(v);
    }
    row.value = v;
    auto key = std::make_pair(row.cell, row.drug);
    auto it = seen.find(key);
    if (it != seen.end()) {
      r.rows[it->second].value += v;  // averaged below
      ++count[it->second];
      ++r.duplicates_merged;
      continue;
    }
    seen.emplace(key, r.rows.size());
    r.rows.push_back(row);
    count.push_back(1);
  }
  if (r.rows.empty()) t.fail(hline, "no data rows after the header");
  for (size_t i = 0; i < r.rows.size(); ++i) r.rows[i].value /= count[i];
  return r;
}

void write_response_table(const std::string& path, const std::vector<ResponseRow>& rows) {
  std::string o = "cell,drug,value\n";
  for (const auto& r : rows) {
    io::detail::append_field(o, r.cell, ',');
    o += ',';
    io::detail::append_field(o, r.drug, ',');
    o += ',';
    io::detail::append_number(o, r.value);
    o += '\n';
  }
  io::write_file_atomic(path, o);
}

int64_t DrugTable::index(const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int64_t>(i);
  return -1;
}

DrugTable read_drug_table(const std::string& path, int radius, int bits) {
  DelimitedText t = open_delimited(path);
  size_t hline = 0;
  const std::vector<std::string> header = read_header(t, hline);
  std::vector<Field> f;
  DrugTable d;
  d.source = path;
  std::set<std::string> names;
  const int sc = find_col(header, {"smiles", "canonical_smiles", "isomeric_smiles"});
  if (sc >= 0) {
    int nc = find_col(header, {"name", "drug", "drug_name", "compound", "drug name"});
    if (nc < 0) nc = sc == 0 ? 1 : 0;
    if (nc >= static_cast<int>(header.size())) t.fail(hline, "a SMILES table needs a drug name column too");
    d.kind = "morgan";
    d.dim = bits;
    while (t.next(f)) {
      const size_t line = t.line();
      if (f.size() <= static_cast<size_t>(std::max(sc, nc)))
        t.fail(line, "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(f.size()));
      const std::string name = trim(f[nc].str());
      if (name.empty()) t.fail(line, static_cast<size_t>(nc) + 1, "empty drug name");
      if (!names.insert(name).second) t.fail(line, static_cast<size_t>(nc) + 1, "drug '" + name + "' listed twice");
      const auto fp = morgan_fingerprint(trim(f[sc].str()), radius, bits, t.where(line, static_cast<size_t>(sc) + 1));
      d.names.push_back(name);
      d.features.insert(d.features.end(), fp.begin(), fp.end());
    }
  } else {
    if (header.size() < 2) t.fail(hline, "a fingerprint table needs a name column and at least one bit column");
    d.kind = "fingerprint";
    d.dim = static_cast<int64_t>(header.size()) - 1;
    while (t.next(f)) {
      const size_t line = t.line();
      if (f.size() != header.size())
        t.fail(line, "expected " + std::to_string(header.size()) + " fields as in the header, found " + std::to_string(f.size()));
      const std::string name = trim(f[0].str());
      if (name.empty()) t.fail(line, 1, "empty drug name");
      if (!names.insert(name).second) t.fail(line, 1, "drug '" + name + "' listed twice");
      for (size_t c = 1; c < f.size(); ++c) {
        double v = 0;
        const auto st = io::detail::parse_number(f[c].view(), v);
        if (st != io::detail::NumberStatus::ok)
          io::detail::fail_number(t, line, c + 1, st, f[c].view(),
                                  "fingerprint of '" + name + "' (a SMILES table needs a column named 'smiles')");
        d.features.push_back(static_cast<float>(v));
      }
      d.names.push_back(name);
    }
  }
  if (d.names.empty()) t.fail(hline, "no drugs after the header");
  return d;
}

DrugTable merge_drug_tables(const DrugTable& a, const DrugTable& b, size_t* conflicts) {
  if (b.names.empty()) return a;
  if (a.dim != b.dim)
    throw InputError(b.source, "drug features have " + std::to_string(b.dim) + " columns, but " + a.source + " has " +
                                   std::to_string(a.dim));
  DrugTable o = a;
  o.source = a.source + " + " + b.source;
  size_t c = 0;
  for (size_t i = 0; i < b.names.size(); ++i) {
    const int64_t k = o.index(b.names[i]);
    if (k >= 0) {
      if (!std::equal(b.row(static_cast<int64_t>(i)), b.row(static_cast<int64_t>(i)) + b.dim, o.row(k))) ++c;
      continue;
    }
    o.names.push_back(b.names[i]);
    o.features.insert(o.features.end(), b.row(static_cast<int64_t>(i)), b.row(static_cast<int64_t>(i)) + b.dim);
  }
  if (conflicts) *conflicts = c;
  return o;
}

double jaccard(const float* a, const float* b, int64_t dim) {
  int64_t inter = 0, uni = 0;
  for (int64_t i = 0; i < dim; ++i) {
    const bool x = a[i] > 0.5f, y = b[i] > 0.5f;
    inter += x && y;
    uni += x || y;
  }
  return uni == 0 ? 1.0 : double(inter) / double(uni);  // two empty fingerprints: identical
}

DrugTable ssp_profiles(const DrugTable& fp, const DrugTable& ref) {
  GRIPCU_CHECK(fp.dim == ref.dim, "SSP: fingerprint widths differ (", fp.dim, " vs ", ref.dim, ")");
  DrugTable o;
  o.names = fp.names;
  o.dim = static_cast<int64_t>(ref.names.size());
  o.source = fp.source + " (SSP vs " + std::to_string(ref.names.size()) + " reference drugs)";
  o.kind = "ssp";
  o.features.resize(fp.names.size() * static_cast<size_t>(o.dim));
  for (size_t i = 0; i < fp.names.size(); ++i)
    for (size_t j = 0; j < ref.names.size(); ++j)
      o.features[i * static_cast<size_t>(o.dim) + j] =
          static_cast<float>(jaccard(fp.row(static_cast<int64_t>(i)), ref.row(static_cast<int64_t>(j)), fp.dim));
  return o;
}

void write_drug_table(const std::string& path, const DrugTable& t) {
  std::string o = "name";
  for (int64_t j = 0; j < t.dim; ++j) o += "," + std::to_string(j);
  o += '\n';
  for (size_t i = 0; i < t.names.size(); ++i) {
    io::detail::append_field(o, t.names[i], ',');
    for (int64_t j = 0; j < t.dim; ++j) {
      o += ',';
      io::detail::append_number(o, t.row(static_cast<int64_t>(i))[j]);
    }
    o += '\n';
  }
  io::write_file_atomic(path, o);
}

int64_t CellExpression::index(const std::string& cell) const {
  for (size_t i = 0; i < cells.size(); ++i)
    if (cells[i] == cell) return static_cast<int64_t>(i);
  return -1;
}

CellExpression read_cell_expression(const std::string& path, const std::string& coldata, const std::string& column,
                                    const std::vector<std::string>& prefer) {
  const io::ExprMatrix m = io::read_expression(path);
  CellExpression e;
  e.source = path;
  e.genes = m.genes;
  const size_t G = m.n_genes(), S = m.n_samples();
  std::vector<std::string> cell_of(S);
  if (coldata.empty()) {
    cell_of = m.samples;
    e.mapping_note = "samples are cell lines";
  } else {
    std::string text = io::detail::read_text_file(coldata);
    const char delim = guess_delim(coldata, text);
    DelimitedText t(coldata, std::move(text), delim);
    std::vector<Field> f;
    if (!t.next(f)) t.fail(1, "empty file (no header row)");
    std::vector<std::string> header;
    for (const auto& x : f) header.push_back(trim(x.str()));
    std::vector<std::vector<std::string>> rows;
    std::unordered_map<std::string, size_t> by_id;
    while (t.next(f)) {
      if (f.size() != header.size())
        t.fail(t.line(), "expected " + std::to_string(header.size()) + " fields as in the header, found " + std::to_string(f.size()));
      std::vector<std::string> r;
      for (const auto& x : f) r.push_back(x.str());
      if (!by_id.emplace(r[0], rows.size()).second) t.fail(t.line(), 1, "array id '" + r[0] + "' listed twice");
      rows.push_back(std::move(r));
    }
    int col = -1;
    if (!column.empty()) {
      for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == column) col = static_cast<int>(i);
      if (col < 0) throw InputError(coldata, "no column named '" + column + "' (columns: " + join(header, ", ", 30) + ")");
    } else {
      const std::set<std::string> want(prefer.begin(), prefer.end());
      size_t best = 0;
      for (size_t c = 1; c < header.size(); ++c) {
        std::set<std::string> hit;
        for (const auto& r : rows)
          if (want.count(r[c])) hit.insert(r[c]);
        if (hit.size() > best) { best = hit.size(); col = static_cast<int>(c); }
      }
      if (col < 0)
        throw InputError(coldata, "no column names the response table's cell lines (pass the column to use)");
    }
    for (size_t s = 0; s < S; ++s) {
      auto it = by_id.find(m.samples[s]);
      if (it == by_id.end()) throw InputError(coldata, "array '" + m.samples[s] + "' of " + path + " has no row here");
      cell_of[s] = trim(rows[it->second][static_cast<size_t>(col)]);
      if (cell_of[s].empty() || cell_of[s] == "NA")
        throw InputError(coldata, "array '" + m.samples[s] + "' has no cell line in column '" + header[static_cast<size_t>(col)] + "'");
    }
    e.mapping_note = "arrays mapped to cell lines through " + coldata + " column '" + header[static_cast<size_t>(col)] + "'";
  }
  std::unordered_map<std::string, size_t> idx;
  std::vector<int> count;
  for (size_t s = 0; s < S; ++s) {
    auto it = idx.find(cell_of[s]);
    size_t r;
    if (it == idx.end()) {
      r = e.cells.size();
      idx.emplace(cell_of[s], r);
      e.cells.push_back(cell_of[s]);
      e.values.resize(e.values.size() + G, 0.0);
      count.push_back(0);
    } else {
      r = it->second;
      ++e.arrays_averaged;
    }
    ++count[r];
    for (size_t g = 0; g < G; ++g) e.values[r * G + g] += m.at(g, s);
  }
  for (size_t r = 0; r < e.cells.size(); ++r)
    for (size_t g = 0; g < G; ++g) e.values[r * G + g] /= count[r];
  return e;
}

void select_genes(CellExpression& e, const std::vector<std::string>& genes) {
  std::unordered_map<std::string, size_t> pos;
  for (size_t g = 0; g < e.genes.size(); ++g) pos.emplace(e.genes[g], g);
  std::vector<size_t> src;
  for (const auto& g : genes) {
    auto it = pos.find(g);
    if (it == pos.end()) throw InputError(e.source, "gene '" + g + "' of the model is missing");
    src.push_back(it->second);
  }
  const size_t G0 = e.genes.size(), G = genes.size();
  std::vector<double> v(e.cells.size() * G);
  for (size_t c = 0; c < e.cells.size(); ++c)
    for (size_t g = 0; g < G; ++g) v[c * G + g] = e.values[c * G0 + src[g]];
  e.values = std::move(v);
  e.genes = genes;
}

size_t intersect_genes(CellExpression& a, CellExpression& b) {
  std::set<std::string> bg(b.genes.begin(), b.genes.end());
  std::vector<std::string> keep;
  for (const auto& g : a.genes)
    if (bg.count(g)) keep.push_back(g);
  if (keep.empty())
    throw InputError(a.source, "no gene is shared with " + b.source + " (genes here: " + join(a.genes, ", ", 3) +
                                   "; there: " + join(b.genes, ", ", 3) + ")");
  const size_t dropped = a.genes.size() + b.genes.size() - 2 * keep.size();
  select_genes(a, keep);
  select_genes(b, keep);
  return dropped;
}

Pairs Pairs::subset(const std::vector<size_t>& idx) const {
  Pairs p;
  for (size_t i : idx) p.push(cell[i], drug[i], y[i]);
  return p;
}

std::string ResolveReport::summary(const std::string& what) const {
  std::string s = what + ": " + std::to_string(kept) + " of " + std::to_string(rows) + " pairs kept";
  if (unknown_cell_rows)
    s += "; " + std::to_string(unknown_cell_rows) + " rows skipped for " + std::to_string(unknown_cells.size()) +
         " cell lines without expression (" + join(unknown_cells, ", ") + ")";
  if (unknown_drug_rows)
    s += "; " + std::to_string(unknown_drug_rows) + " rows skipped for " + std::to_string(unknown_drugs.size()) +
         " drugs without features (" + join(unknown_drugs, ", ") + ")";
  return s;
}

Pairs resolve_pairs(const ResponseTable& t, const CellExpression& e, const DrugTable& d, bool skip_unknown,
                    ResolveReport* rep) {
  std::unordered_map<std::string, int64_t> ci, di;
  for (size_t i = 0; i < e.cells.size(); ++i) ci.emplace(e.cells[i], static_cast<int64_t>(i));
  for (size_t i = 0; i < d.names.size(); ++i) di.emplace(d.names[i], static_cast<int64_t>(i));
  Pairs p;
  ResolveReport r;
  std::set<std::string> uc, ud;
  for (const auto& row : t.rows) {
    ++r.rows;
    auto c = ci.find(row.cell);
    auto g = di.find(row.drug);
    if (c == ci.end() || g == di.end()) {
      if (!skip_unknown) {
        const std::string where = t.path + ":" + std::to_string(row.line);
        if (c == ci.end())
          throw InputError(where, "cell line '" + row.cell + "' has no expression in " + e.source +
                                      " (--skip-unknown skips such rows and reports them)");
        throw InputError(where, "drug '" + row.drug + "' has no features in " + d.source +
                                    " (--skip-unknown skips such rows and reports them)");
      }
      if (c == ci.end()) { ++r.unknown_cell_rows; uc.insert(row.cell); }
      else { ++r.unknown_drug_rows; ud.insert(row.drug); }
      continue;
    }
    p.push(c->second, g->second, row.value);
  }
  r.kept = p.size();
  r.unknown_cells.assign(uc.begin(), uc.end());
  r.unknown_drugs.assign(ud.begin(), ud.end());
  if (rep) *rep = r;
  if (p.size() == 0)
    throw InputError(t.path, "no (cell, drug) pair has both expression (" + e.source + ") and drug features (" +
                                 d.source + ")");
  return p;
}

void MinMax::fit(const double* rows, int64_t n_rows, int64_t dim, const std::vector<int64_t>& which) {
  lo.assign(static_cast<size_t>(dim), 0.0);
  hi.assign(static_cast<size_t>(dim), 0.0);
  GRIPCU_CHECK(!which.empty(), "min-max scaling: no training rows");
  bool first = true;
  for (int64_t r : which) {
    GRIPCU_CHECK(r >= 0 && r < n_rows, "min-max scaling: row ", r, " of ", n_rows);
    const double* x = rows + r * dim;
    for (int64_t j = 0; j < dim; ++j) {
      if (first || x[j] < lo[j]) lo[j] = x[j];
      if (first || x[j] > hi[j]) hi[j] = x[j];
    }
    first = false;
  }
}

}  // namespace gripcu::dadsp
