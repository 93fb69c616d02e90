#pragma once
// Expression matrices (genes x samples) in the formats of this field. One in-memory form for all:
// values are double, row-major genes x samples, as every one of these files lays them out.
//   grip_csv: GRIP-Lung's CSV: row 1 "<corner>,sample names", row 2 "cell,...", row 3 "drug,...",
//             then "GENE,v1,v2,..."  (../shared/data/grip_lung_example/)
//   gct:      GCT 1.2 (#1.2 / dims / Name Description ...) and 1.3 (row and column metadata)
//   gctx:     HDF5 GCTX (/0/DATA/0/matrix stored samples x genes, /0/META/ROW|COL/id, metadata)
//   gsea_txt: NAME<TAB>DESCRIPTION<TAB>samples...  (GSEA's expression TXT)
//   csv, tsv: a header row (first cell empty or a label, then sample names) and the gene in column 1,
//             as R's write.table(col.names = NA) writes them
// Every reader reports bad input as gripcu::InputError "path:line[:column]: what" (ragged rows,
// non-numeric values, NaN/Inf, duplicate genes or samples, empty files, missing header rows);
// lines are 1-based physical lines, columns 1-based field numbers. GCTX errors name the dataset.
// Readers accept CRLF, a UTF-8 BOM, blank lines and R's quoting ("a,b", "" for ").
#include <map>
#include <string>
#include <vector>

namespace gripcu::io {

enum class ExprFormat { auto_detect, grip_csv, gct, gctx, gsea_txt, csv, tsv };
const char* format_name(ExprFormat f);
// From a name given on the command line ("auto", "grip", "gct", ...); InputError otherwise.
ExprFormat parse_format(const std::string& s, const std::string& flag = "--format");
// By extension and, for .csv/.txt, by the first lines (GRIP's cell/drug rows, GSEA's NAME/DESCRIPTION).
ExprFormat detect_format(const std::string& path);

struct ExprMatrix {
  std::vector<std::string> genes;    // row ids (symbols or probe ids), unique
  std::vector<std::string> samples;  // column ids, unique
  std::vector<double> values;        // genes.size() x samples.size(), row-major
  std::vector<std::string> cells, drugs;  // per sample; from GRIP CSV header rows or GCT/GCTX metadata
  std::vector<std::string> descriptions;  // per gene (GCT/GSEA TXT Description), may be empty
  std::map<std::string, std::vector<std::string>> row_meta, col_meta;  // GCT 1.3 / GCTX metadata
  std::string source;                                                   // where it was read from

  size_t n_genes() const { return genes.size(); }
  size_t n_samples() const { return samples.size(); }
  double at(size_t g, size_t s) const { return values[g * samples.size() + s]; }
  double& at(size_t g, size_t s) { return values[g * samples.size() + s]; }
};

ExprMatrix read_expression(const std::string& path, ExprFormat fmt = ExprFormat::auto_detect);
// Writes atomically (temp file + rename). csv/tsv/grip_csv/gct (1.3 when metadata is present) and
// gsea_txt; numbers in their shortest exact form, so write -> read gives the same doubles. gctx and
// grip_csv without cells/drugs are InputErrors; auto_detect picks by extension.
void write_expression(const ExprMatrix& m, const std::string& path, ExprFormat fmt);

}  // namespace gripcu::io
