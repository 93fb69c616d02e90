#pragma once
// Connectivity-Map-style perturbation experiments (treated arrays, each with its own vehicle
// controls) as GRIP-Lung baseline/treated pairs, so a real perturbation dataset can be trained on.
//
// Inputs, as PharmacoGx exports them (../shared/data/pharmacogx/CMAPsmall_rna_*):
//   expression  genes x arrays (any format read_expression reads; CMAPsmall: CSV, Ensembl ids x
//               array ids, log2 RMA values)
//   coldata     CSV/TSV, one row per array; the first column is the array id (R's row names, header
//               "" or any name). Columns used:
//                 xptype   "perturbation" (a treated array) or "control" (a vehicle array)
//                 xpassoc  for a treated array, its control arrays joined by "///" (CMap build 02)
//                 cell     the cell-line column: --cell-column, else the first present of
//                          cellid, sampleid, cell_id, cell, cell_line
//                 drug     the compound column: --drug-column, else the first present of
//                          treatmentid, drugid, cmap_name, pert_iname, drug, compound
//   rowdata     (optional, for symbols) CSV/TSV, one row per gene id (first column), with a symbol
//               column: --symbol-column, else the first present of Symbol, symbol, gene_symbol,
//               pr_gene_symbol, SYMBOL
//
// Pairing rules (one output pair per usable treated array):
//   - baseline = the treated array's controls from xpassoc: one control -> that array; several ->
//     their per-gene arithmetic mean, in the expression's own units (log2 RMA for CMap, so it is the
//     mean of logs). Why the mean: CMap pairs each treated array with the vehicle arrays of its own
//     batch, all equally valid; their mean is the lowest-variance estimate of the untreated state and
//     does not depend on the order they are listed in. (Emitting one pair per control instead would
//     repeat each treated profile up to 6 times, and weight treatments by their number of controls.)
//   - a listed control is used only when it is in the coldata, annotated xptype "control", of the
//     treated array's cell line, and present in the expression matrix; each one rejected is reported
//     with the reason;
//   - a treated array with no usable control (or absent from the expression matrix) is reported and
//     skipped, never dropped silently;
//   - cell = the cell-line column, drug = the compound column (dose and duration are not part of the
//     GRIP-Lung condition: arrays of one (cell, drug) at several doses become separate samples);
//   - the pair's sample name is the treated array id, in both files (pairing by order or by name
//     then agree).
// Bad input (a ragged row, a missing column, a duplicate array id, an unknown xptype, a treated
// array with no cell or drug) is an InputError naming file:line[:column].
#include <string>
#include <vector>

#include "engine/io/expression.h"

namespace gripcu::grip {

struct CmapOptions {
  std::string cell_column, drug_column;  // empty: the first present of the defaults above
};

struct CmapIssue {
  std::string array;  // the treated (or control) array id
  size_t line = 0;    // its coldata line (0: not in the coldata)
  std::string reason;
};

struct CmapPairs {
  io::ExprMatrix baseline, treated;               // genes x pairs, with cells and drugs set
  std::vector<std::vector<std::string>> controls;  // per pair: the control arrays averaged
  std::vector<CmapIssue> skipped_treatments;       // treated arrays with no pair
  std::vector<CmapIssue> rejected_controls;        // controls listed in xpassoc but not used
  std::string cell_column, drug_column;            // the coldata columns used
  size_t treated_arrays = 0, control_arrays = 0;   // counted in the coldata
  size_t n_pairs() const { return treated.samples.size(); }
  std::vector<std::string> cells() const;  // sorted unique
  std::vector<std::string> drugs() const;
  std::string summary() const;  // a few lines: pairs, cells, drugs, controls per pair, skips
};

CmapPairs pair_cmap(const io::ExprMatrix& expr, const std::string& coldata_path, const CmapOptions& opt = {});

struct SymbolReport {
  std::string symbol_column;
  std::vector<std::string> not_in_rowdata;  // expression ids the rowdata does not list (dropped)
  std::vector<std::string> no_symbol;       // listed with an empty / NA symbol (dropped)
  std::vector<std::pair<std::string, size_t>> collapsed;  // symbol, number of rows averaged into it
  std::string summary() const;
};
// Renames m's rows from ids to gene symbols through rowdata; rows with no symbol are dropped, rows
// sharing a symbol are replaced by their per-sample mean (at the first one's position). Reported.
io::ExprMatrix map_to_symbols(const io::ExprMatrix& m, const std::string& rowdata_path, const std::string& symbol_column,
                              SymbolReport* report);

}  // namespace gripcu::grip
