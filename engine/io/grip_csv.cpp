// GRIP-Lung's CSV (../shared/data/grip_lung_example/):
//   ,sample1,sample2,...          row 1: corner cell (empty or a label), sample names
//   cell,A549,HOP-62,...          row 2: cell line per sample
//   drug,5-Azacytidine,...        row 3: drug per sample
//   FTL,13.01757,13.13331,...     then one row per gene
#include "engine/io/expression_formats.h"

namespace gripcu::io::detail {

namespace {

// The cell or drug row: "<label>,v1,...,vN" with exactly `width` fields.
std::vector<std::string> label_row(DelimitedText& t, std::vector<Field>& f, const char* label, size_t width,
                                   size_t prev_line, const std::vector<std::string>& samples) {
  if (!t.next(f))
    t.fail(prev_line + 1, std::string("GRIP CSV ends before its ") + label + " row (expected '" + label +
                              ",<" + label + " per sample>' after line " + std::to_string(prev_line) + ")");
  const size_t line = t.line();
  if (!iequals(f[0].view(), label))
    t.fail(line, 1, std::string("GRIP CSV is missing its ") + label + " row: expected '" + label + ",...', found '" +
                        shorten(f[0].view()) + "'");
  if (f.size() != width)
    t.fail(line, std::string("expected ") + std::to_string(width) + " fields in the " + label + " row, found " +
                     std::to_string(f.size()));
  std::vector<std::string> out;
  out.reserve(width - 1);
  for (size_t i = 1; i < width; ++i) {
    if (f[i].empty()) t.fail(line, i + 1, std::string("empty ") + label + " for sample '" + shorten(samples[i - 1]) + "'");
    out.push_back(f[i].str());
  }
  return out;
}

}  // namespace

ExprMatrix read_grip_csv(const std::string& path) {
  DelimitedText t(path, read_text_file(path), ',');
  ExprMatrix m;
  std::vector<Field> h, f;
  if (!t.next(h)) t.fail(1, "empty file (no sample header row)");
  const size_t hline = t.line();
  // Width of the cell row decides whether the header has a corner cell.
  const auto mk = t.mark();
  size_t width = h.size();
  if (t.next(f) && iequals(f[0].view(), "cell") && f.size() == h.size() + 1) width = h.size() + 1;
  t.reset(mk);
  const size_t first = width == h.size() ? 1 : 0;
  if (h.size() <= first) t.fail(hline, "the header has no sample columns");
  m.samples = sample_ids(t, h, first, hline);
  m.cells = label_row(t, f, "cell", width, hline, m.samples);
  const size_t cline = t.line();
  m.drugs = label_row(t, f, "drug", width, cline, m.samples);
  const size_t dline = t.line();
  if (read_matrix_body(t, 1, m.samples.size(), m, nullptr) == 0) t.fail(dline, "no gene rows after the drug row");
  return m;
}

std::string write_grip_csv(const ExprMatrix& m) {
  const size_t ns = m.samples.size();
  auto put_row = [&](std::string& out, const char* label, const std::vector<std::string>& v) {
    out += label;
    for (size_t j = 0; j < ns; ++j) {
      out.push_back(',');
      append_field(out, v[j], ',');
    }
    out.push_back('\n');
  };
  std::string out;
  out.reserve(m.values.size() * 12 + m.genes.size() * 16 + ns * 48);
  append_plain_header(out, m, ',');
  put_row(out, "cell", m.cells);
  put_row(out, "drug", m.drugs);
  append_plain_rows(out, m, ',');
  return out;
}

}  // namespace gripcu::io::detail
