#pragma once
// Gene sets: GMT and GRP files, and their mapping onto the rows of an expression matrix.
//   GMT: one set per line, tab-separated: name, description, then the member genes
//        (MSigDB's format; ../shared/data/genesets/*.gmt). Blank lines are skipped; CRLF is fine;
//        empty fields (trailing tabs) are ignored; surrounding spaces are trimmed.
//   GRP: one gene per line, '#' starts a comment line; the one set is named after the file
//        (basename without extension).
// Duplicate set names are an InputError "file:line: ..." naming the first occurrence; an empty set
// is dropped with a warning (gripcu::log_warn); a member listed twice is kept once, with a warning.
// A file with no non-empty set is an InputError.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gripcu::io {

struct GeneSet {
  std::string name, description;
  std::vector<std::string> genes;  // unique, file order
  std::string where;               // "file:line" of its definition
};

std::vector<GeneSet> read_gmt(const std::string& path);
// The same from text already in memory (`path` names it in errors). Lines starting with '#' are
// comments (an extension: gripcu's own GMT files cite their sources in them).
std::vector<GeneSet> parse_gmt(const std::string& text, const std::string& path);
std::vector<GeneSet> read_grp(const std::string& path);
// By extension: .grp is GRP, anything else GMT.
std::vector<GeneSet> read_gene_sets(const std::string& path);

// Gene sets as row indices of a matrix with the given (unique) row names, GSVA-style
// (.mapGeneSetsToFeatures + filterGeneSets): members absent from the matrix are dropped, then sets
// whose remaining size is outside [max(1, min_size), max_size] are dropped. Sets keep file order
// and members keep set order. CSR layout for kernels/ssgsea.h.
struct IndexedGeneSets {
  std::vector<std::string> names;
  std::vector<int64_t> offsets{0};   // names.size() + 1
  std::vector<int32_t> members;      // row indices
  std::vector<int64_t> size_in_file; // per kept set, its size before dropping absent genes
  int64_t n_dropped_by_size = 0;     // sets (incl. those left empty) removed by the size filter
  int64_t n_absent_members = 0;      // member mentions not found among the rows (over all sets)

  int64_t n_sets() const { return static_cast<int64_t>(names.size()); }
};

// InputError (naming `sets_source`) when no member of any set is a row name (GSVA: "No identifiers
// in the gene sets could be matched"), when the filter leaves no set (GSVA: "The gene set list is
// empty!"), or when a kept set contains every row (its out-of-set walk would be 0/0; exclude it
// with max_size).
IndexedGeneSets index_gene_sets(const std::vector<GeneSet>& sets, const std::vector<std::string>& row_names,
                                int64_t min_size = 1, int64_t max_size = std::numeric_limits<int64_t>::max(),
                                const std::string& sets_source = "gene sets");

}  // namespace gripcu::io
