#pragma once
// DADSP inputs (§4.1-4.2): per-domain cell-line expression, drug features and (cell, drug, IC50)
// responses, resolved to indices; min-max scaling; structural similarity profiles.
//
// Response tables (CSV or TSV, the layout recognised from the header, case-insensitive):
//   DADSP IC50_gdsc2.csv      ID,cell_name,drug_name,IC50
//   DADSP IC50_ccle.csv       ID,Primary Cell Line Name,Compound,IC50 (uM)   (and the per-drug tables)
//   DADSP response_CCLE.csv   Drug,Cell,Label,LN_IC50
//   PharmacoGx sensitivity    sampleid,treatmentid,ic50_published|ic50_recomputed
//   generic                   cell,drug,value   (also cell_line / ic50)
// Values go through an explicit transform (as is, -log10, ln). Non-numeric or non-finite values,
// and logs of non-positive values, are InputErrors naming file, line and column. A (cell, drug)
// pair listed twice is averaged (counted in the report).
//
// Drug tables: a fingerprint table "name,b0,b1,..." (DADSP's *_data_smiles.csv: 256 bits;
// fingerprint_*.csv: 3,072), or a SMILES table (a column named "smiles"; the drug name from a
// column named name/drug/drug_name/compound, else the first column) turned into Morgan
// fingerprints with RDKit (models/dadsp/morgan.h).
//
// Expression: any format engine/io reads (genes x samples). Samples may be arrays mapped to cell
// lines through a column-data table (PharmacoGx's *_rna_coldata.csv: first column the array id);
// arrays of one cell line are averaged. Without a column name the column matching the most
// response cell names is used (reported).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gripcu::dadsp {

enum class Ic50Transform { as_is, neg_log10, ln };
Ic50Transform parse_ic50_transform(const std::string& s, const std::string& flag = "--ic50-transform");
const char* ic50_transform_name(Ic50Transform t);

struct ResponseRow {
  std::string cell, drug;
  double value = 0;
  size_t line = 0;
};
struct ResponseTable {
  std::string path, layout;             // layout: "gdsc2", "ccle", "response_ccle", "pharmacogx", "generic"
  std::string cell_col, drug_col, value_col;
  std::vector<ResponseRow> rows;        // duplicates merged (first line kept)
  size_t duplicates_merged = 0;
};
ResponseTable read_response_table(const std::string& path, Ic50Transform t);
void write_response_table(const std::string& path, const std::vector<ResponseRow>& rows);  // generic layout

struct DrugTable {
  std::vector<std::string> names;
  int64_t dim = 0;
  std::vector<float> features;  // names.size() x dim
  std::string source, kind;     // kind: "fingerprint", "morgan", "ssp"
  int64_t index(const std::string& name) const;  // -1 when absent
  const float* row(int64_t i) const { return features.data() + i * dim; }
};
DrugTable read_drug_table(const std::string& path, int morgan_radius = 2, int morgan_bits = 256);
// Union by name (a's rows first). A name in both with different vectors keeps a's and is counted.
DrugTable merge_drug_tables(const DrugTable& a, const DrugTable& b, size_t* conflicts = nullptr);
// Structural similarity profile: Jaccard (Tanimoto) similarity of each drug's fingerprint (> 0.5
// counts as a set bit) to each reference drug; dim = reference.names.size().
DrugTable ssp_profiles(const DrugTable& fp, const DrugTable& reference);
double jaccard(const float* a, const float* b, int64_t dim);
void write_drug_table(const std::string& path, const DrugTable& t);

struct CellExpression {
  std::vector<std::string> genes, cells;
  std::vector<double> values;  // cells x genes, row-major (one row per cell line)
  std::string source;
  size_t arrays_averaged = 0;  // arrays folded into a cell line already present
  std::string mapping_note;    // how samples became cell lines
  int64_t index(const std::string& cell) const;
  const double* row(int64_t i) const { return values.data() + i * static_cast<int64_t>(genes.size()); }
};
// `coldata` may be empty (samples are cell lines); `column` may be empty (auto, by `prefer` names).
CellExpression read_cell_expression(const std::string& path, const std::string& coldata = "",
                                    const std::string& column = "", const std::vector<std::string>& prefer = {});
// Keeps the genes both share, in a's order; InputError naming both files when none are shared.
size_t intersect_genes(CellExpression& a, CellExpression& b);
// Reorders / selects b's genes to `genes`; InputError when one is missing.
void select_genes(CellExpression& e, const std::vector<std::string>& genes);

// (cell, drug, value) as indices into a CellExpression and a DrugTable.
struct Pairs {
  std::vector<int64_t> cell, drug;
  std::vector<double> y;
  size_t size() const { return y.size(); }
  void push(int64_t c, int64_t d, double v) { cell.push_back(c); drug.push_back(d); y.push_back(v); }
  Pairs subset(const std::vector<size_t>& idx) const;
};
struct ResolveReport {
  size_t rows = 0, kept = 0, unknown_cell_rows = 0, unknown_drug_rows = 0;
  std::vector<std::string> unknown_cells, unknown_drugs;  // distinct, sorted
  std::string summary(const std::string& what) const;   // one line for the log
};
// Unknown ids are an InputError at the first such line unless skip_unknown (then counted).
Pairs resolve_pairs(const ResponseTable& t, const CellExpression& e, const DrugTable& d, bool skip_unknown,
                    ResolveReport* report);

// Per-feature min-max scaling fitted on training rows: x' = (x - lo) / (hi - lo) (a constant
// feature maps to x - lo). Applied as fitted, no clipping (values outside the training range
// stay outside [0, 1]).
struct MinMax {
  std::vector<double> lo, hi;
  void fit(const double* rows, int64_t n_rows, int64_t dim, const std::vector<int64_t>& which);
  double apply(double v, size_t j) const {
    const double r = hi[j] - lo[j];
    return r > 0 ? (v - lo[j]) / r : v - lo[j];
  }
  double invert(double v, size_t j) const {
    const double r = hi[j] - lo[j];
    return r > 0 ? v * r + lo[j] : v + lo[j];
  }
};

}  // namespace gripcu::dadsp
