// GSEA's expression TXT: tab-separated "NAME<TAB>DESCRIPTION<TAB>sample..." then one row per gene
// (name, description, values). Descriptions land in ExprMatrix::descriptions.
#include "engine/io/expression_formats.h"

namespace gripcu::io::detail {

ExprMatrix read_gsea_txt(const std::string& path) {
  DelimitedText t(path, read_text_file(path), '\t');
  ExprMatrix m;
  std::vector<Field> h;
  if (!t.next(h)) t.fail(1, "empty file (no NAME/DESCRIPTION header row)");
  const size_t hline = t.line();
  if (h.size() < 3)
    t.fail(hline, "GSEA TXT header must be NAME<TAB>DESCRIPTION<TAB>samples..., found " + std::to_string(h.size()) +
                      " field(s)");
  m.samples = sample_ids(t, h, 2, hline);
  std::vector<std::vector<std::string>> lead;
  if (read_matrix_body(t, 2, m.samples.size(), m, &lead) == 0) t.fail(hline, "no data rows after the header");
  m.descriptions = std::move(lead[0]);
  return m;
}

std::string write_gsea_txt(const ExprMatrix& m) {
  const size_t ns = m.samples.size();
  std::string out;
  out.reserve(m.values.size() * 12 + m.genes.size() * 24 + ns * 16);
  out += "NAME\tDESCRIPTION";
  for (const auto& s : m.samples) {
    out.push_back('\t');
    append_field(out, s, '\t');
  }
  out.push_back('\n');
  for (size_t i = 0; i < m.genes.size(); ++i) {
    append_field(out, m.genes[i], '\t');
    out.push_back('\t');
    append_field(out, m.descriptions.empty() ? std::string_view("na") : std::string_view(m.descriptions[i]), '\t');
    for (size_t j = 0; j < ns; ++j) {
      out.push_back('\t');
      append_number(out, m.values[i * ns + j]);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace gripcu::io::detail
