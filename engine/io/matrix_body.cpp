// The numeric body shared by the text readers, uniqueness checks, and the writers' sanity checks.
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "engine/error.h"
#include "engine/io/expression_formats.h"

namespace gripcu::io::detail {

bool find_duplicate(const std::vector<std::string>& ids, size_t& first, size_t& second) {
  std::unordered_map<std::string_view, size_t> seen;
  seen.reserve(ids.size() * 2);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto [it, inserted] = seen.emplace(std::string_view(ids[i]), i);
    if (!inserted) {
      first = it->second;
      second = i;
      return true;
    }
  }
  return false;
}

std::vector<std::string> sample_ids(const DelimitedText& t, const std::vector<Field>& fields, size_t first,
                                    size_t line) {
  std::vector<std::string> ids;
  ids.reserve(fields.size() - first);
  for (size_t i = first; i < fields.size(); ++i) {
    if (fields[i].empty()) t.fail(line, i + 1, "empty sample id in the header");
    ids.push_back(fields[i].str());
  }
  size_t a = 0, b = 0;
  if (find_duplicate(ids, a, b))
    t.fail(line, first + b + 1,
           "duplicate sample id '" + shorten(ids[b]) + "' (columns " + std::to_string(first + a + 1) + " and " +
               std::to_string(first + b + 1) + ")");
  return ids;
}

size_t read_matrix_body(DelimitedText& t, size_t n_lead, size_t n_samples, ExprMatrix& m,
                        std::vector<std::vector<std::string>>* lead, size_t max_rows) {
  const size_t width = n_lead + n_samples;
  std::vector<Field> f;
  f.reserve(width + 1);
  std::vector<size_t> lines;
  const size_t expect_rows = max_rows ? max_rows : t.count_remaining_lines();
  lines.reserve(expect_rows);
  m.genes.reserve(m.genes.size() + expect_rows);
  if (m.values.capacity() < m.values.size() + expect_rows * n_samples) {
    m.values.reserve(m.values.size() + expect_rows * n_samples);
    advise_huge_pages(m.values.data() + m.values.size(), expect_rows * n_samples * sizeof(double));
  }
  if (lead) lead->resize(n_lead - 1);
  size_t rows = 0;
  while ((max_rows == 0 || rows < max_rows) && t.next(f)) {
    const size_t line = t.line();
    if (f.size() != width)
      t.fail(line, "expected " + std::to_string(width) + " fields (" +
                       (n_lead == 1 ? std::string("gene id") : "gene id, " + std::to_string(n_lead - 1) + " annotation") +
                       " and " + std::to_string(n_samples) + " samples), found " + std::to_string(f.size()));
    if (f[0].empty()) t.fail(line, 1, "empty gene id");
    m.genes.push_back(f[0].str());
    if (lead)
      for (size_t k = 1; k < n_lead; ++k) (*lead)[k - 1].push_back(f[k].str());
    lines.push_back(line);
    const size_t off = m.values.size();
    m.values.resize(off + n_samples);
    double* out = m.values.data() + off;
    const Field* cells = f.data() + n_lead;
    for (size_t j = 0; j < n_samples; ++j) {
      const NumberStatus st = parse_number(cells[j].view(), out[j]);
      if (st != NumberStatus::ok) [[unlikely]]
        fail_number(t, line, n_lead + j + 1, st, cells[j].view(),
                    "gene '" + shorten(m.genes.back()) + "', sample '" +
                        shorten(j < m.samples.size() ? m.samples[j] : std::string("?")) + "'");
    }
    ++rows;
  }
  // Duplicates among the rows just read (and any read before them).
  size_t a = 0, b = 0;
  if (find_duplicate(m.genes, a, b)) {
    const size_t base = m.genes.size() - lines.size();
    const size_t la = a >= base ? lines[a - base] : 0, lb = lines[b - base];
    t.fail(lb, "duplicate gene id '" + shorten(m.genes[b]) + "' (" +
                   (la ? "lines " + std::to_string(la) + " and " + std::to_string(lb) : "seen before") + ")");
  }
  return rows;
}

void check_writable(const ExprMatrix& m, const std::string& path) {
  const size_t ng = m.genes.size(), ns = m.samples.size();
  auto bad = [&](const std::string& what) { throw Error(path + ": cannot write expression matrix: " + what); };
  if (ng == 0 || ns == 0) bad("it is empty (" + std::to_string(ng) + " genes x " + std::to_string(ns) + " samples)");
  if (m.values.size() != ng * ns)
    bad(std::to_string(m.values.size()) + " values for " + std::to_string(ng) + " x " + std::to_string(ns));
  if (!m.cells.empty() && m.cells.size() != ns) bad("cells has " + std::to_string(m.cells.size()) + " entries");
  if (!m.drugs.empty() && m.drugs.size() != ns) bad("drugs has " + std::to_string(m.drugs.size()) + " entries");
  if (!m.descriptions.empty() && m.descriptions.size() != ng)
    bad("descriptions has " + std::to_string(m.descriptions.size()) + " entries");
  for (const auto& [k, v] : m.row_meta)
    if (v.size() != ng) bad("row metadata '" + k + "' has " + std::to_string(v.size()) + " entries");
  for (const auto& [k, v] : m.col_meta)
    if (v.size() != ns) bad("column metadata '" + k + "' has " + std::to_string(v.size()) + " entries");
  size_t a = 0, b = 0;
  if (find_duplicate(m.genes, a, b)) bad("duplicate gene id '" + m.genes[b] + "'");
  if (find_duplicate(m.samples, a, b)) bad("duplicate sample id '" + m.samples[b] + "'");
  for (size_t i = 0; i < ng; ++i)
    if (m.genes[i].empty()) bad("empty gene id at row " + std::to_string(i));
  for (size_t j = 0; j < ns; ++j)
    if (m.samples[j].empty()) bad("empty sample id at column " + std::to_string(j));
  for (size_t i = 0; i < m.values.size(); ++i)
    if (!std::isfinite(m.values[i]))
      bad("non-finite value at gene '" + m.genes[i / ns] + "', sample '" + m.samples[i % ns] + "'");
}

}  // namespace gripcu::io::detail
