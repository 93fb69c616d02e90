// Generic CSV / TSV matrices as R's write.table writes them: a header row of sample names, either
// with a corner cell (empty, "" or a label; col.names = NA) or without one (R's default, one field
// fewer than the data rows), then "gene,v1,...,vN".
#include "engine/io/expression_formats.h"

namespace gripcu::io::detail {

ExprMatrix read_plain_table(const std::string& path, char delim) {
  DelimitedText t(path, read_text_file(path), delim);
  ExprMatrix m;
  std::vector<Field> h, r;
  if (!t.next(h)) t.fail(1, "empty file (no header row)");
  const size_t hline = t.line();
  const auto mk = t.mark();
  if (!t.next(r)) t.fail(hline, "no data rows after the header");
  const size_t rline = t.line();
  t.reset(mk);
  size_t first = 0;  // header field of the first sample
  if (r.size() == h.size()) {
    first = 1;
  } else if (r.size() == h.size() + 1) {
    first = 0;
  } else {
    t.fail(rline, "expected " + std::to_string(h.size()) + " fields as in the header (line " + std::to_string(hline) +
                      "), found " + std::to_string(r.size()));
  }
  if (h.size() <= first)
    t.fail(hline, std::string("the header has no sample columns (is the delimiter '") +
                      (delim == '\t' ? "\\t" : std::string(1, delim)) + "' right?)");
  m.samples = sample_ids(t, h, first, hline);
  read_matrix_body(t, 1, m.samples.size(), m, nullptr);
  return m;
}

void append_plain_header(std::string& out, const ExprMatrix& m, char delim) {
  for (const auto& s : m.samples) {  // empty corner cell, as R's write.table(col.names = NA)
    out.push_back(delim);
    append_field(out, s, delim);
  }
  out.push_back('\n');
}

void append_plain_rows(std::string& out, const ExprMatrix& m, char delim) {
  const size_t ns = m.samples.size();
  for (size_t i = 0; i < m.genes.size(); ++i) {
    append_field(out, m.genes[i], delim);
    const double* v = m.values.data() + i * ns;
    for (size_t j = 0; j < ns; ++j) {
      out.push_back(delim);
      append_number(out, v[j]);
    }
    out.push_back('\n');
  }
}

std::string write_plain_table(const ExprMatrix& m, char delim) {
  std::string out;
  out.reserve(m.values.size() * 12 + m.genes.size() * 16 + m.samples.size() * 16);
  append_plain_header(out, m, delim);
  append_plain_rows(out, m, delim);
  return out;
}

}  // namespace gripcu::io::detail
