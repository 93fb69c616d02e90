#pragma once
// Internal: one reader/writer pair per expression format (expression.h dispatches to these), and
// the pieces they share: the numeric body of a genes x samples table and the uniqueness checks.
#include <string>
#include <vector>

#include "engine/io/expression.h"
#include "engine/io/text_table.h"

namespace gripcu::io::detail {

ExprMatrix read_grip_csv(const std::string& path);
ExprMatrix read_gct(const std::string& path);
ExprMatrix read_gctx(const std::string& path);
ExprMatrix read_gsea_txt(const std::string& path);
ExprMatrix read_plain_table(const std::string& path, char delim);  // csv / tsv

std::string write_grip_csv(const ExprMatrix& m);
std::string write_gct(const ExprMatrix& m);
std::string write_gsea_txt(const ExprMatrix& m);
std::string write_plain_table(const ExprMatrix& m, char delim);
// The pieces of write_plain_table: header with an empty corner cell; "gene,v1,...,vN" rows.
void append_plain_header(std::string& out, const ExprMatrix& m, char delim);
void append_plain_rows(std::string& out, const ExprMatrix& m, char delim);

// The data rows of a text table: each record is `n_lead` leading fields (gene id first, then
// n_lead-1 annotation fields, e.g. GCT's Description) followed by `n_samples` numbers. Reads up to
// `max_rows` records (all when 0), appends genes / values to `m`, the annotation fields to
// `lead[k]` (when given, n_lead-1 of them); returns the number of rows read. Ragged records, empty
// gene ids, bad numbers and (once all rows are in) duplicate genes are InputErrors naming the lines.
// m.samples must already be set (messages name the sample of a bad cell).
size_t read_matrix_body(DelimitedText& t, size_t n_lead, size_t n_samples, ExprMatrix& m,
                        std::vector<std::vector<std::string>>* lead, size_t max_rows = 0);

// Header fields [first, fields.size()) as sample ids; empty or duplicate ids are InputErrors naming
// the line and column(s).
std::vector<std::string> sample_ids(const DelimitedText& t, const std::vector<Field>& fields, size_t first,
                                    size_t line);

// Index pair (first, second) of the first repeated id, or false when all are unique.
bool find_duplicate(const std::vector<std::string>& ids, size_t& first, size_t& second);

// Column metadata cell_id / pert_iname -> cells / drugs, a row-metadata "Description" -> descriptions
// (only where those are still empty). GCT 1.3 and GCTX.
void adopt_standard_meta(ExprMatrix& m);

// Writers' shared checks: consistent sizes, finite values (gripcu::Error otherwise).
void check_writable(const ExprMatrix& m, const std::string& path);

}  // namespace gripcu::io::detail
