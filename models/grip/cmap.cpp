#include "models/grip/cmap.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "engine/error.h"
#include "engine/io/text_table.h"

namespace gripcu::grip {

namespace {

using io::detail::DelimitedText;
using io::detail::Field;

// An annotation table (coldata / rowdata): one row per id, the id in the first column.
struct Table {
  std::string path;
  std::vector<std::string> columns;          // names of the value columns
  std::vector<std::string> ids;              // per row
  std::vector<size_t> lines;                 // per row: 1-based line
  std::vector<std::vector<std::string>> values;  // per row, per column
  std::unordered_map<std::string, size_t> row_of;

  int column(const std::string& name) const {
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == name) return static_cast<int>(i);
    return -1;
  }
  // 1-based field number of value column c (the id is field 1).
  size_t field(int c) const { return static_cast<size_t>(c) + 2; }
  std::string list_columns() const {
    std::string s;
    for (size_t i = 0; i < columns.size() && i < 25; ++i) s += (i ? ", " : "") + columns[i];
    if (columns.size() > 25) s += ", ...";
    return s;
  }
};

char delimiter_of(const std::string& path, const std::string& text) {
  auto ends_with = [&](const char* e) {
    const std::string s(e);
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with(".tsv") || ends_with(".txt") || ends_with(".tab")) return '\t';
  if (ends_with(".csv")) return ',';
  const std::string first = text.substr(0, text.find('\n'));
  return first.find('\t') != std::string::npos ? '\t' : ',';
}

Table read_table(const std::string& path, const std::string& what) {
  std::string text = io::detail::read_text_file(path);
  const char delim = delimiter_of(path, text);
  DelimitedText t(path, std::move(text), delim);
  Table tab;
  tab.path = path;
  std::vector<Field> f;
  if (!t.next(f)) throw InputError(path + ":1", "empty " + what + " file");
  std::vector<std::string> header;
  for (const auto& x : f) header.push_back(x.str());
  const size_t header_line = t.line();
  bool first_row = true;
  size_t width = 0;
  while (t.next(f)) {
    if (first_row) {
      // R's write.csv: a corner cell ("") then the columns; write.table(col.names = TRUE): no corner.
      if (f.size() == header.size()) tab.columns.assign(header.begin() + 1, header.end());
      else if (f.size() == header.size() + 1) tab.columns = header;
      else
        t.fail(t.line(), std::to_string(f.size()) + " fields, but the header (line " + std::to_string(header_line) + ") has " +
                             std::to_string(header.size()));
      width = tab.columns.size() + 1;
      first_row = false;
    }
    if (f.size() != width)
      t.fail(t.line(), std::to_string(f.size()) + " fields, expected " + std::to_string(width) + " as on the first data row");
    std::string id = f[0].str();
    if (id.empty() || id == "NA") t.fail(t.line(), 1, "empty " + what + " id");
    auto [it, fresh] = tab.row_of.emplace(id, tab.ids.size());
    if (!fresh)
      t.fail(t.line(), 1, "duplicate id '" + id + "' (first on line " + std::to_string(tab.lines[it->second]) + ")");
    tab.ids.push_back(std::move(id));
    tab.lines.push_back(t.line());
    std::vector<std::string> row;
    row.reserve(width - 1);
    for (size_t i = 1; i < f.size(); ++i) row.push_back(f[i].str());
    tab.values.push_back(std::move(row));
  }
  if (first_row) throw InputError(path + ":" + std::to_string(header_line), "a header but no rows");
  return tab;
}

bool missing(const std::string& v) { return v.empty() || v == "NA" || v == "NaN"; }

int pick_column(const Table& t, const std::string& given, const std::vector<std::string>& defaults, const std::string& what,
                const std::string& flag) {
  if (!given.empty()) {
    const int c = t.column(given);
    if (c < 0) throw InputError(t.path + ":1", "no column '" + given + "' (" + flag + "); columns: " + t.list_columns());
    return c;
  }
  for (const auto& d : defaults)
    if (const int c = t.column(d); c >= 0) return c;
  std::string looked;
  for (const auto& d : defaults) looked += (looked.empty() ? "" : ", ") + d;
  throw InputError(t.path + ":1", "no " + what + " column (looked for " + looked + "; name one with " + flag + "); columns: " + t.list_columns());
}

std::vector<std::string> split_assoc(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t next = s.find("///", pos);
    std::string part = s.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    const size_t b = part.find_first_not_of(' '), e = part.find_last_not_of(' ');
    part = b == std::string::npos ? "" : part.substr(b, e - b + 1);
    if (!part.empty()) out.push_back(part);
    if (next == std::string::npos) break;
    pos = next + 3;
  }
  return out;
}

std::string join_some(const std::vector<std::string>& v, size_t max = 6) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

}  // namespace

std::vector<std::string> CmapPairs::cells() const {
  const std::set<std::string> s(treated.cells.begin(), treated.cells.end());
  return {s.begin(), s.end()};
}

std::vector<std::string> CmapPairs::drugs() const {
  const std::set<std::string> s(treated.drugs.begin(), treated.drugs.end());
  return {s.begin(), s.end()};
}

std::string CmapPairs::summary() const {
  std::set<std::pair<std::string, std::string>> combos;
  size_t lo = SIZE_MAX, hi = 0, sum = 0;
  for (size_t i = 0; i < n_pairs(); ++i) {
    combos.emplace(treated.cells[i], treated.drugs[i]);
    lo = std::min(lo, controls[i].size());
    hi = std::max(hi, controls[i].size());
    sum += controls[i].size();
  }
  const auto c = cells(), d = drugs();
  std::string s = std::to_string(n_pairs()) + " pairs from " + std::to_string(treated_arrays) + " treated arrays (" +
                  std::to_string(control_arrays) + " control arrays in the coldata)\n";
  s += std::to_string(c.size()) + " cell lines (" + join_some(c) + ") from column '" + cell_column + "'\n";
  s += std::to_string(d.size()) + " drugs (" + join_some(d) + ") from column '" + drug_column + "'\n";
  s += std::to_string(combos.size()) + " of " + std::to_string(c.size() * d.size()) + " (cell, drug) combinations measured\n";
  if (n_pairs() > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "controls per pair: %zu to %zu (mean %.2f), baseline = their mean\n", lo, hi,
                  static_cast<double>(sum) / static_cast<double>(n_pairs()));
    s += buf;
  }
  s += std::to_string(skipped_treatments.size()) + " treated arrays skipped";
  for (size_t i = 0; i < skipped_treatments.size() && i < 5; ++i)
    s += std::string(i ? "; " : ": ") + skipped_treatments[i].array + " (" + skipped_treatments[i].reason + ")";
  if (skipped_treatments.size() > 5) s += "; ...";
  s += "\n" + std::to_string(rejected_controls.size()) + " listed controls not used";
  for (size_t i = 0; i < rejected_controls.size() && i < 5; ++i)
    s += std::string(i ? "; " : ": ") + rejected_controls[i].array + " (" + rejected_controls[i].reason + ")";
  if (rejected_controls.size() > 5) s += "; ...";
  return s + "\n";
}

CmapPairs pair_cmap(const io::ExprMatrix& expr, const std::string& coldata_path, const CmapOptions& opt) {
  const Table t = read_table(coldata_path, "array");
  const int c_type = t.column("xptype"), c_assoc = t.column("xpassoc");
  if (c_type < 0 || c_assoc < 0)
    throw InputError(coldata_path + ":1", std::string("no '") + (c_type < 0 ? "xptype" : "xpassoc") +
                                              "' column (CMap coldata lists each array's type and its associated controls); columns: " +
                                              t.list_columns());
  const int c_cell = pick_column(t, opt.cell_column, {"cellid", "sampleid", "cell_id", "cell", "cell_line"}, "cell-line", "--cell-column");
  const int c_drug = pick_column(t, opt.drug_column, {"treatmentid", "drugid", "cmap_name", "pert_iname", "drug", "compound"}, "drug",
                                 "--drug-column");
  std::unordered_map<std::string, size_t> col_of;
  for (size_t i = 0; i < expr.samples.size(); ++i) col_of.emplace(expr.samples[i], i);

  CmapPairs p;
  p.cell_column = t.columns[static_cast<size_t>(c_cell)];
  p.drug_column = t.columns[static_cast<size_t>(c_drug)];
  auto where = [&](size_t r, int c) { return coldata_path + ":" + std::to_string(t.lines[r]) + ":" + std::to_string(t.field(c)); };
  std::vector<size_t> treated_col;              // expression column of each pair's treated array
  std::vector<std::vector<size_t>> control_cols;  // and of its controls
  for (size_t r = 0; r < t.ids.size(); ++r) {
    const auto& row = t.values[r];
    const std::string& type = row[static_cast<size_t>(c_type)];
    if (io::detail::iequals(type, "control")) { ++p.control_arrays; continue; }
    if (!io::detail::iequals(type, "perturbation"))
      throw InputError(where(r, c_type), "xptype '" + type + "' for array '" + t.ids[r] + "': expected 'perturbation' or 'control'");
    ++p.treated_arrays;
    const std::string& cell = row[static_cast<size_t>(c_cell)];
    const std::string& drug = row[static_cast<size_t>(c_drug)];
    if (missing(cell)) throw InputError(where(r, c_cell), "treated array '" + t.ids[r] + "' has no cell line ('" + p.cell_column + "' is empty)");
    if (missing(drug)) throw InputError(where(r, c_drug), "treated array '" + t.ids[r] + "' has no drug ('" + p.drug_column + "' is empty)");
    auto tc = col_of.find(t.ids[r]);
    if (tc == col_of.end()) {
      p.skipped_treatments.push_back({t.ids[r], t.lines[r], "not in the expression matrix " + expr.source});
      continue;
    }
    const std::string& assoc = row[static_cast<size_t>(c_assoc)];
    const std::vector<std::string> listed = missing(assoc) ? std::vector<std::string>{} : split_assoc(assoc);
    if (listed.empty()) {
      p.skipped_treatments.push_back({t.ids[r], t.lines[r], "no controls listed (xpassoc is empty)"});
      continue;
    }
    std::vector<std::string> used;
    std::vector<size_t> cols;
    for (const auto& ctl : listed) {
      auto cr = t.row_of.find(ctl);
      std::string why;
      if (cr == t.row_of.end()) why = "not in the coldata";
      else if (!io::detail::iequals(t.values[cr->second][static_cast<size_t>(c_type)], "control"))
        why = "annotated '" + t.values[cr->second][static_cast<size_t>(c_type)] + "', not 'control'";
      else if (t.values[cr->second][static_cast<size_t>(c_cell)] != cell)
        why = "cell line '" + t.values[cr->second][static_cast<size_t>(c_cell)] + "', the treated array's is '" + cell + "'";
      else if (!col_of.count(ctl)) why = "not in the expression matrix";
      else if (std::find(used.begin(), used.end(), ctl) != used.end()) why = "listed twice";
      if (!why.empty()) {
        p.rejected_controls.push_back({ctl, cr == t.row_of.end() ? 0 : t.lines[cr->second], why + " (control of " + t.ids[r] + ")"});
        continue;
      }
      used.push_back(ctl);
      cols.push_back(col_of.at(ctl));
    }
    if (used.empty()) {
      p.skipped_treatments.push_back(
          {t.ids[r], t.lines[r], "none of its " + std::to_string(listed.size()) + " listed controls is usable"});
      continue;
    }
    p.treated.samples.push_back(t.ids[r]);
    p.treated.cells.push_back(cell);
    p.treated.drugs.push_back(drug);
    p.controls.push_back(std::move(used));
    treated_col.push_back(tc->second);
    control_cols.push_back(std::move(cols));
  }
  if (p.treated_arrays == 0) throw InputError(coldata_path, "no array has xptype 'perturbation'");
  if (p.n_pairs() == 0)
    throw InputError(coldata_path, "none of the " + std::to_string(p.treated_arrays) + " treated arrays could be paired (first: " +
                                       p.skipped_treatments.front().array + ": " + p.skipped_treatments.front().reason + ")");

  const size_t g = expr.n_genes(), n = p.n_pairs();
  p.treated.genes = p.baseline.genes = expr.genes;
  p.baseline.samples = p.treated.samples;
  p.baseline.cells = p.treated.cells;
  p.baseline.drugs = p.treated.drugs;
  p.treated.values.assign(g * n, 0.0);
  p.baseline.values.assign(g * n, 0.0);
  for (size_t s = 0; s < n; ++s)
    for (size_t k = 0; k < g; ++k) {
      p.treated.values[k * n + s] = expr.at(k, treated_col[s]);
      double sum = 0;
      for (size_t c : control_cols[s]) sum += expr.at(k, c);
      p.baseline.values[k * n + s] = sum / static_cast<double>(control_cols[s].size());
    }
  p.treated.source = expr.source + " (treated arrays)";
  p.baseline.source = expr.source + " (mean of each treated array's controls)";
  return p;
}

std::string SymbolReport::summary() const {
  std::string s = "symbols from column '" + symbol_column + "'";
  if (!not_in_rowdata.empty()) s += "; " + std::to_string(not_in_rowdata.size()) + " ids not in the rowdata dropped (" + join_some(not_in_rowdata, 5) + ")";
  if (!no_symbol.empty()) s += "; " + std::to_string(no_symbol.size()) + " ids without a symbol dropped (" + join_some(no_symbol, 5) + ")";
  if (collapsed.empty()) {
    s += "; no duplicate symbols";
  } else {
    s += "; " + std::to_string(collapsed.size()) + " symbols held by several ids, averaged (";
    for (size_t i = 0; i < collapsed.size() && i < 5; ++i)
      s += (i ? ", " : "") + collapsed[i].first + " x" + std::to_string(collapsed[i].second);
    s += collapsed.size() > 5 ? ", ...)" : ")";
  }
  return s;
}

io::ExprMatrix map_to_symbols(const io::ExprMatrix& m, const std::string& rowdata_path, const std::string& symbol_column,
                              SymbolReport* report) {
  const Table t = read_table(rowdata_path, "gene");
  const int c_sym = pick_column(t, symbol_column, {"Symbol", "symbol", "gene_symbol", "pr_gene_symbol", "SYMBOL"}, "gene-symbol",
                                "--symbol-column");
  SymbolReport rep;
  rep.symbol_column = t.columns[static_cast<size_t>(c_sym)];
  std::vector<std::string> order;                         // symbols, first-seen order
  std::unordered_map<std::string, std::vector<size_t>> rows_of;  // symbol -> expression rows
  for (size_t k = 0; k < m.genes.size(); ++k) {
    auto it = t.row_of.find(m.genes[k]);
    if (it == t.row_of.end()) { rep.not_in_rowdata.push_back(m.genes[k]); continue; }
    const std::string& sym = t.values[it->second][static_cast<size_t>(c_sym)];
    if (missing(sym)) { rep.no_symbol.push_back(m.genes[k]); continue; }
    auto& v = rows_of[sym];
    if (v.empty()) order.push_back(sym);
    v.push_back(k);
  }
  if (order.empty())
    throw InputError(rowdata_path, "none of the " + std::to_string(m.genes.size()) + " ids of " + m.source +
                                       " has a symbol here (first id: '" + (m.genes.empty() ? "" : m.genes.front()) + "')");
  io::ExprMatrix o;
  o.genes = order;
  o.samples = m.samples;
  o.cells = m.cells;
  o.drugs = m.drugs;
  o.source = m.source;
  const size_t n = m.n_samples();
  o.values.assign(order.size() * n, 0.0);
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& rows = rows_of.at(order[i]);
    if (rows.size() > 1) rep.collapsed.emplace_back(order[i], rows.size());
    for (size_t s = 0; s < n; ++s) {
      double sum = 0;
      for (size_t k : rows) sum += m.at(k, s);
      o.values[i * n + s] = sum / static_cast<double>(rows.size());
    }
  }
  if (report) *report = rep;
  return o;
}

}  // namespace gripcu::grip
