#include "engine/io/gmt.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/log.h"

namespace gripcu::io {

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t b = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;  // a UTF-8 byte-order mark
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    std::string line = text.substr(b, e - b);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    b = e + 1;
  }
  return lines;
}

std::string where(const std::string& path, size_t line_no) { return path + ":" + std::to_string(line_no); }

// Keeps the first occurrence of each gene; warns once per set about the duplicates.
void add_unique(GeneSet& set, const std::vector<std::string>& genes) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> dups;
  for (const auto& g : genes) {
    if (seen.insert(g).second) set.genes.push_back(g);
    else if (std::find(dups.begin(), dups.end(), g) == dups.end()) dups.push_back(g);
  }
  if (!dups.empty()) {
    std::string list;
    for (size_t i = 0; i < dups.size() && i < 5; ++i) list += (i ? ", " : "") + dups[i];
    if (dups.size() > 5) list += ", ...";
    log_warn(set.where + ": gene set '" + set.name + "' lists " + std::to_string(dups.size()) +
             " gene(s) more than once (" + list + "); each is kept once");
  }
}

std::string basename_stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  return base;
}

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  return true;
}

}  // namespace

std::vector<GeneSet> read_gmt(const std::string& path) { return parse_gmt(read_file(path), path); }

std::vector<GeneSet> parse_gmt(const std::string& text, const std::string& path) {
  const auto lines = split_lines(text);
  std::vector<GeneSet> sets;
  std::unordered_map<std::string, size_t> first_line;  // name -> line of its definition
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t line_no = i + 1;
    const std::string t = trim(lines[i]);
    if (t.empty() || t[0] == '#') continue;  // blank and comment lines (gripcu's GMTs cite sources so)
    std::vector<std::string> fields;
    size_t b = 0;
    const std::string& line = lines[i];
    while (true) {
      size_t e = line.find('\t', b);
      fields.push_back(trim(line.substr(b, e == std::string::npos ? std::string::npos : e - b)));
      if (e == std::string::npos) break;
      b = e + 1;
    }
    if (fields.size() < 2)
      throw InputError(where(path, line_no),
                       "not a GMT line: expected name<TAB>description<TAB>genes..., found no tab");
    GeneSet set;
    set.name = fields[0];
    set.description = fields[1];
    set.where = where(path, line_no);
    if (set.name.empty()) throw InputError(set.where, "gene set with an empty name");
    auto [it, inserted] = first_line.emplace(set.name, line_no);
    if (!inserted)
      throw InputError(set.where, "duplicate gene set name '" + set.name + "' (first defined at line " +
                                      std::to_string(it->second) + ")");
    std::vector<std::string> genes;
    for (size_t f = 2; f < fields.size(); ++f)
      if (!fields[f].empty()) genes.push_back(fields[f]);
    if (genes.empty()) {
      log_warn(set.where + ": gene set '" + set.name + "' has no genes; dropped");
      continue;
    }
    add_unique(set, genes);
    sets.push_back(std::move(set));
  }
  if (sets.empty()) throw InputError(path, "no gene sets (the GMT file is empty or every set is empty)");
  return sets;
}

std::vector<GeneSet> read_grp(const std::string& path) {
  const std::string text = read_file(path);
  const auto lines = split_lines(text);
  GeneSet set;
  set.name = basename_stem(path);
  set.where = where(path, 1);
  std::vector<std::string> genes;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string g = trim(lines[i]);
    if (g.empty() || g[0] == '#') continue;
    genes.push_back(g);
  }
  if (genes.empty()) throw InputError(path, "no gene sets (the GRP file lists no genes)");
  add_unique(set, genes);
  return {std::move(set)};
}

std::vector<GeneSet> read_gene_sets(const std::string& path) {
  return ends_with_ci(path, ".grp") ? read_grp(path) : read_gmt(path);
}

IndexedGeneSets index_gene_sets(const std::vector<GeneSet>& sets, const std::vector<std::string>& row_names,
                                int64_t min_size, int64_t max_size, const std::string& sets_source) {
  std::unordered_map<std::string, int32_t> row_of;
  row_of.reserve(row_names.size() * 2);
  for (size_t r = 0; r < row_names.size(); ++r) row_of.emplace(row_names[r], static_cast<int32_t>(r));
  const int64_t lo = std::max<int64_t>(1, min_size);
  const int64_t n_rows = static_cast<int64_t>(row_names.size());

  IndexedGeneSets out;
  int64_t matched_total = 0;
  std::vector<int32_t> rows;
  for (const auto& s : sets) {
    rows.clear();
    std::unordered_set<int32_t> seen;
    for (const auto& g : s.genes) {
      auto it = row_of.find(g);
      if (it == row_of.end()) { ++out.n_absent_members; continue; }
      if (seen.insert(it->second).second) rows.push_back(it->second);
    }
    matched_total += static_cast<int64_t>(rows.size());
    const int64_t k = static_cast<int64_t>(rows.size());
    if (k < lo || k > max_size) { ++out.n_dropped_by_size; continue; }
    if (k >= n_rows)
      throw InputError(s.where.empty() ? sets_source : s.where,
                       "gene set '" + s.name + "' contains all " + std::to_string(n_rows) +
                           " genes of the matrix, so its out-of-set walk is undefined; exclude it with --max-size");
    out.names.push_back(s.name);
    out.size_in_file.push_back(static_cast<int64_t>(s.genes.size()));
    out.members.insert(out.members.end(), rows.begin(), rows.end());
    out.offsets.push_back(static_cast<int64_t>(out.members.size()));
  }
  if (matched_total == 0)
    throw InputError(sets_source, "no identifiers in the gene sets match the row names of the expression matrix");
  if (out.names.empty())
    throw InputError(sets_source, "no gene set is left after the size filter [" + std::to_string(lo) + ", " +
                                      (max_size == std::numeric_limits<int64_t>::max() ? std::string("Inf")
                                                                                       : std::to_string(max_size)) +
                                      "] (sizes count only genes present in the matrix)");
  return out;
}

}  // namespace gripcu::io
