// GCT 1.2 and 1.3 (Broad / CMap), tab-separated.
//   #1.2                              #1.3
//   <rows> <cols>                     <rows> <cols> <row-meta fields> <col-meta fields>
//   Name Description s1..sN           id <row-meta names> s1..sN
//   gene desc v1..vN                  <col-meta name> <filler x row-meta> <value per sample>   (one per field)
//                                     gene <row-meta values> v1..vN
// Quirk handled: cmapR's modzs_n25x50.gct declares 15 column-metadata fields but carries one; the
// declared data-row count is trusted and the lines between the header and the data are the
// column metadata (fewer than declared is accepted, more is an error).
#include <charconv>

#include "engine/io/expression_formats.h"

namespace gripcu::io::detail {

void adopt_standard_meta(ExprMatrix& m) {
  if (auto it = m.col_meta.find("cell_id"); it != m.col_meta.end() && m.cells.empty()) m.cells = it->second;
  if (auto it = m.col_meta.find("pert_iname"); it != m.col_meta.end() && m.drugs.empty()) m.drugs = it->second;
  if (m.descriptions.empty())
    for (const auto& [k, v] : m.row_meta)
      if (iequals(k, "description")) {
        m.descriptions = v;
        break;
      }
}

namespace {

// Trailing empty fields (some writers pad the first two lines with tabs) are dropped.
size_t used_fields(const std::vector<Field>& f) {
  size_t n = f.size();
  while (n > 1 && f[n - 1].empty()) --n;
  return n;
}

size_t parse_count(const DelimitedText& t, const Field& f, size_t line, size_t column, const char* what) {
  std::string_view s = f.view();
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  unsigned long long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    t.fail(line, column, std::string("GCT dimensions: expected the number of ") + what + ", found '" +
                             shorten(f.view()) + "'");
  return static_cast<size_t>(v);
}

}  // namespace

ExprMatrix read_gct(const std::string& path) {
  DelimitedText t(path, read_text_file(path), '\t');
  ExprMatrix m;
  std::vector<Field> f;
  if (!t.next(f)) t.fail(1, "empty file (expected '#1.2' or '#1.3')");
  const std::string_view version = f[0].view();
  const bool v13 = version == "#1.3";
  if (!v13 && version != "#1.2")
    t.fail(t.line(), 1, "not a GCT file: the first line must be #1.2 or #1.3, found '" + shorten(version) + "'");
  const size_t vline = t.line();

  if (!t.next(f)) t.fail(vline + 1, "GCT ends before its dimensions line");
  const size_t dline = t.line();
  const size_t nd = used_fields(f);
  if (nd < (v13 ? 4u : 2u))
    t.fail(dline, std::string("GCT ") + (v13 ? "1.3 dimensions need 4 numbers (rows, columns, row-metadata and "
                                               "column-metadata fields)"
                                             : "1.2 dimensions need 2 numbers (rows, columns)") +
                      ", found " + std::to_string(nd));
  const size_t nrow = parse_count(t, f[0], dline, 1, "data rows");
  const size_t ncol = parse_count(t, f[1], dline, 2, "data columns");
  const size_t nrm = v13 ? parse_count(t, f[2], dline, 3, "row-metadata fields") : 1;  // 1.2: Description
  const size_t ncm = v13 ? parse_count(t, f[3], dline, 4, "column-metadata fields") : 0;
  if (nrow == 0) t.fail(dline, 1, "GCT declares 0 data rows");
  if (ncol == 0) t.fail(dline, 2, "GCT declares 0 data columns");

  if (!t.next(f)) t.fail(dline + 1, "GCT ends before its header line");
  const size_t hline = t.line();
  const size_t width = 1 + nrm + ncol;
  if (f.size() != width)
    t.fail(hline, "expected " + std::to_string(width) + " fields in the header (id, " + std::to_string(nrm) +
                      (v13 ? " row-metadata names" : " Description") + " and " + std::to_string(ncol) +
                      " samples, as line " + std::to_string(dline) + " declares), found " + std::to_string(f.size()));
  std::vector<std::string> row_fields;
  for (size_t k = 1; k <= nrm; ++k) row_fields.push_back(f[k].str());
  m.samples = sample_ids(t, f, 1 + nrm, hline);

  if (v13) {
    const size_t remaining = t.count_remaining_lines();
    if (remaining < nrow)
      t.fail(dline, 1, "GCT declares " + std::to_string(nrow) + " data rows but only " + std::to_string(remaining) +
                           " lines follow the header");
    const size_t have_cm = remaining - nrow;
    if (have_cm > ncm)
      t.fail(dline, "GCT declares " + std::to_string(nrow) + " data rows and " + std::to_string(ncm) +
                        " column-metadata rows, but " + std::to_string(remaining) + " lines follow the header");
    for (size_t c = 0; c < have_cm; ++c) {
      t.next(f);
      const size_t line = t.line();
      if (f.size() != width)
        t.fail(line, "expected " + std::to_string(width) + " fields in the column-metadata row, found " +
                         std::to_string(f.size()));
      std::string name = f[0].str();
      if (name.empty()) t.fail(line, 1, "empty column-metadata field name");
      std::vector<std::string> vals;
      vals.reserve(ncol);
      for (size_t j = 0; j < ncol; ++j) vals.push_back(f[1 + nrm + j].str());
      if (!m.col_meta.emplace(name, std::move(vals)).second)
        t.fail(line, 1, "duplicate column-metadata field '" + shorten(name) + "'");
    }
  }

  std::vector<std::vector<std::string>> lead;
  const size_t rows = read_matrix_body(t, 1 + nrm, ncol, m, &lead);
  if (rows != nrow)
    t.fail(dline, 1, "GCT declares " + std::to_string(nrow) + " data rows, found " + std::to_string(rows));
  if (v13) {
    for (size_t k = 0; k < nrm; ++k) {
      if (row_fields[k].empty()) t.fail(hline, k + 2, "empty row-metadata field name");
      if (!m.row_meta.emplace(row_fields[k], std::move(lead[k])).second)
        t.fail(hline, k + 2, "duplicate row-metadata field '" + shorten(row_fields[k]) + "'");
    }
  } else {
    m.descriptions = std::move(lead[0]);
  }
  adopt_standard_meta(m);
  return m;
}

std::string write_gct(const ExprMatrix& m) {
  const size_t ng = m.genes.size(), ns = m.samples.size();
  const char T = '\t';
  std::string out;
  out.reserve(m.values.size() * 12 + ng * 32 + ns * 64);
  const bool meta = !m.row_meta.empty() || !m.col_meta.empty() || !m.cells.empty() || !m.drugs.empty();
  if (!meta) {  // GCT 1.2
    out += "#1.2\n" + std::to_string(ng) + "\t" + std::to_string(ns) + "\nName\tDescription";
    for (const auto& s : m.samples) {
      out.push_back(T);
      append_field(out, s, T);
    }
    out.push_back('\n');
    for (size_t i = 0; i < ng; ++i) {
      append_field(out, m.genes[i], T);
      out.push_back(T);
      append_field(out, m.descriptions.empty() ? std::string_view("na") : std::string_view(m.descriptions[i]), T);
      for (size_t j = 0; j < ns; ++j) {
        out.push_back(T);
        append_number(out, m.values[i * ns + j]);
      }
      out.push_back('\n');
    }
    return out;
  }
  // GCT 1.3: cells / drugs / descriptions go into cell_id / pert_iname / Description.
  auto row_meta = m.row_meta;
  auto col_meta = m.col_meta;
  if (!m.cells.empty()) col_meta["cell_id"] = m.cells;
  if (!m.drugs.empty()) col_meta["pert_iname"] = m.drugs;
  if (!m.descriptions.empty()) {
    std::string key = "Description";
    for (const auto& [k, v] : row_meta)
      if (iequals(k, "description")) key = k;
    row_meta[key] = m.descriptions;
  }
  out += "#1.3\n" + std::to_string(ng) + "\t" + std::to_string(ns) + "\t" + std::to_string(row_meta.size()) + "\t" +
         std::to_string(col_meta.size()) + "\nid";
  for (const auto& [k, v] : row_meta) {
    out.push_back(T);
    append_field(out, k, T);
  }
  for (const auto& s : m.samples) {
    out.push_back(T);
    append_field(out, s, T);
  }
  out.push_back('\n');
  for (const auto& [k, v] : col_meta) {
    append_field(out, k, T);
    for (size_t r = 0; r < row_meta.size(); ++r) out += "\tna";
    for (const auto& s : v) {
      out.push_back(T);
      append_field(out, s, T);
    }
    out.push_back('\n');
  }
  for (size_t i = 0; i < ng; ++i) {
    append_field(out, m.genes[i], T);
    for (const auto& [k, v] : row_meta) {
      out.push_back(T);
      append_field(out, v[i], T);
    }
    for (size_t j = 0; j < ns; ++j) {
      out.push_back(T);
      append_number(out, m.values[i * ns + j]);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace gripcu::io::detail
