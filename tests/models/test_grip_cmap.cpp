// CMap treated/control arrays -> GRIP-Lung pairs (models/grip/cmap.h): the pairing rules on small
// hand-made tables whose answers are worked out below, the file:line errors, symbol mapping, and the
// real CMAPsmall export (PharmacoGx @3dab6c1e, data/CMAPsmall.rda as CSV, ../shared/data/pharmacogx).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "models/grip/cmap.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {

std::string tmpdir() {
  const auto d = std::filesystem::temp_directory_path() / ("gripcu_cmap_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}
std::string put(const std::string& name, const std::string& text) {
  const std::string p = tmpdir() + "/" + name;
  io::write_file_atomic(p, text);
  return p;
}

// Arrays T1, T2, T3, T4 (treated) and C1, C2, C3 (controls); T5 and C4 are annotated but have no
// expression column. Value of gene k (1-based) in array X: listed below.
const char* kExpr =
    "\"\",\"T1\",\"T2\",\"T3\",\"T4\",\"C1\",\"C2\",\"C3\"\n"
    "\"g1\",10,20,30,40,1,3,100\n"
    "\"g2\",11,21,31,41,2,6,200\n"
    "\"g3\",12,22,32,42,4,8,300\n"
    "\"g4\",13,23,33,43,5,7,400\n"
    "\"g5\",14,24,34,44,6,9,500\n";
const char* kColdata =
    "\"\",\"xptype\",\"xpassoc\",\"sampleid\",\"treatmentid\"\n"
    "\"T1\",\"perturbation\",\"C1\",\"A\",\"d1\"\n"                // one control: C1
    "\"T2\",\"perturbation\",\"C1///C2///C3\",\"A\",\"d2\"\n"      // C3 is cell B: mean of C1, C2
    "\"T3\",\"perturbation\",\"C9\",\"B\",\"d1\"\n"                // C9 not annotated: skipped
    "\"T4\",\"perturbation\",NA,\"B\",\"d2\"\n"                    // no controls listed: skipped
    "\"T5\",\"perturbation\",\"C3\",\"B\",\"d1\"\n"                // no expression column: skipped
    "\"C1\",\"control\",\"T1///T2\",\"A\",NA\n"
    "\"C2\",\"control\",\"T2\",\"A\",NA\n"
    "\"C3\",\"control\",\"T2\",\"B\",NA\n"
    "\"C4\",\"control\",\"\",\"A\",NA\n";

io::ExprMatrix small_expr() { return io::read_expression(put("expr.csv", kExpr)); }

std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST(GripCmap, PairsEachTreatedArrayWithTheMeanOfItsUsableControls) {
  const CmapPairs p = pair_cmap(small_expr(), put("coldata.csv", kColdata));
  ASSERT_EQ(p.n_pairs(), 2u);
  EXPECT_EQ(p.treated.samples, (std::vector<std::string>{"T1", "T2"}));
  EXPECT_EQ(p.baseline.samples, p.treated.samples);  // same names: pairing by order or by name agree
  EXPECT_EQ(p.treated.cells, (std::vector<std::string>{"A", "A"}));
  EXPECT_EQ(p.treated.drugs, (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(p.baseline.cells, p.treated.cells);
  EXPECT_EQ(p.controls[0], (std::vector<std::string>{"C1"}));
  EXPECT_EQ(p.controls[1], (std::vector<std::string>{"C1", "C2"}));
  EXPECT_EQ(p.cell_column, "sampleid");
  EXPECT_EQ(p.drug_column, "treatmentid");
  EXPECT_EQ(p.treated_arrays, 5u);
  EXPECT_EQ(p.control_arrays, 4u);
  // Baseline of T1 = C1; of T2 = (C1 + C2) / 2 (exact in double). Treated = the arrays themselves.
  const double c1[] = {1, 2, 4, 5, 6}, c2[] = {3, 6, 8, 7, 9};
  for (size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(p.baseline.at(k, 0), c1[k]);
    EXPECT_EQ(p.baseline.at(k, 1), (c1[k] + c2[k]) / 2);
    EXPECT_EQ(p.treated.at(k, 0), 10.0 + static_cast<double>(k));
    EXPECT_EQ(p.treated.at(k, 1), 20.0 + static_cast<double>(k));
  }
  // Every treated array not paired is reported with why, and so is every control not used.
  ASSERT_EQ(p.skipped_treatments.size(), 3u);
  EXPECT_EQ(p.skipped_treatments[0].array, "T3");
  EXPECT_EQ(p.skipped_treatments[0].line, 4u);
  EXPECT_NE(p.skipped_treatments[0].reason.find("none of its 1 listed controls"), std::string::npos);
  EXPECT_EQ(p.skipped_treatments[1].array, "T4");
  EXPECT_NE(p.skipped_treatments[1].reason.find("no controls listed"), std::string::npos);
  EXPECT_EQ(p.skipped_treatments[2].array, "T5");
  EXPECT_NE(p.skipped_treatments[2].reason.find("not in the expression matrix"), std::string::npos);
  ASSERT_EQ(p.rejected_controls.size(), 2u);
  EXPECT_EQ(p.rejected_controls[0].array, "C3");
  EXPECT_NE(p.rejected_controls[0].reason.find("cell line 'B'"), std::string::npos) << p.rejected_controls[0].reason;
  EXPECT_EQ(p.rejected_controls[1].array, "C9");
  EXPECT_NE(p.rejected_controls[1].reason.find("not in the coldata"), std::string::npos);
  const std::string s = p.summary();
  EXPECT_NE(s.find("2 pairs from 5 treated arrays"), std::string::npos) << s;
  EXPECT_NE(s.find("3 treated arrays skipped"), std::string::npos) << s;
  EXPECT_NE(s.find("2 of 2 (cell, drug) combinations"), std::string::npos) << s;
}

TEST(GripCmap, ColumnsCanBeNamedAndWriteTableHeadersWithoutACornerAreRead) {
  // write.table(col.names = TRUE) omits the corner cell; the cell column named explicitly.
  const std::string cd =
      "xptype,xpassoc,line,agent\n"
      "T1,perturbation,C1///C2,A,d1\n"
      "C1,control,T1,A,NA\n"
      "C2,control,T1,A,NA\n";
  CmapOptions o;
  o.cell_column = "line";
  o.drug_column = "agent";
  const CmapPairs p = pair_cmap(small_expr(), put("cd_nocorner.csv", cd), o);
  ASSERT_EQ(p.n_pairs(), 1u);
  EXPECT_EQ(p.baseline.at(0, 0), 2.0);  // (1 + 3) / 2
  EXPECT_EQ(p.cell_column, "line");
  // Without the names, no default matches: an error naming the flag and the columns.
  const std::string e = input_error([&] { pair_cmap(small_expr(), put("cd_nocorner.csv", cd)); });
  EXPECT_NE(e.find("cd_nocorner.csv:1: no cell-line column"), std::string::npos) << e;
  EXPECT_NE(e.find("--cell-column"), std::string::npos) << e;
}

TEST(GripCmap, BadAnnotationsAreInputErrorsWithFileAndLine) {
  const io::ExprMatrix x = small_expr();
  const std::string head = "\"\",\"xptype\",\"xpassoc\",\"sampleid\",\"treatmentid\"\n";
  std::string e = input_error([&] { pair_cmap(x, put("bad1.csv", head + "T1,perturbation,C1,A,d1\nC1,weird,T1,A,NA\n")); });
  EXPECT_NE(e.find("bad1.csv:3:2: xptype 'weird'"), std::string::npos) << e;
  e = input_error([&] { pair_cmap(x, put("bad2.csv", head + "T1,perturbation,C1,A,d1\nC1,control,T1,A\n")); });
  EXPECT_NE(e.find("bad2.csv:3: 4 fields, expected 5"), std::string::npos) << e;
  e = input_error([&] { pair_cmap(x, put("bad3.csv", head + "T1,perturbation,C1,A,NA\nC1,control,T1,A,NA\n")); });
  EXPECT_NE(e.find("bad3.csv:2:5: treated array 'T1' has no drug"), std::string::npos) << e;
  e = input_error([&] { pair_cmap(x, put("bad4.csv", head + "T1,perturbation,C1,A,d1\nT1,control,T1,A,NA\n")); });
  EXPECT_NE(e.find("bad4.csv:3:1: duplicate id 'T1' (first on line 2)"), std::string::npos) << e;
  e = input_error([&] { pair_cmap(x, put("bad5.csv", "\"\",\"xptype\",\"sampleid\",\"treatmentid\"\nT1,perturbation,A,d1\n")); });
  EXPECT_NE(e.find("bad5.csv:1: no 'xpassoc' column"), std::string::npos) << e;
  e = input_error([&] { pair_cmap(x, put("bad6.csv", head + "T3,perturbation,C9,B,d1\n")); });
  EXPECT_NE(e.find("none of the 1 treated arrays could be paired"), std::string::npos) << e;
}

TEST(GripCmap, SymbolsFromRowdataDuplicatesAveragedAndReported) {
  const io::ExprMatrix x = small_expr();
  const std::string rd = put("rowdata.csv",
                             "\"\",\"Probe\",\"Symbol\"\n"
                             "\"g1\",\"g1_at\",\"A1\"\n"
                             "\"g2\",\"g2_at\",\"B2\"\n"
                             "\"g3\",\"g3_at\",\"A1\"\n"
                             "\"g4\",\"g4_at\",NA\n");
  SymbolReport rep;
  const io::ExprMatrix s = map_to_symbols(x, rd, "", &rep);
  EXPECT_EQ(s.genes, (std::vector<std::string>{"A1", "B2"}));  // first-seen order
  EXPECT_EQ(s.samples, x.samples);
  for (size_t j = 0; j < x.n_samples(); ++j) {
    EXPECT_EQ(s.at(0, j), (x.at(0, j) + x.at(2, j)) / 2);  // g1 and g3 averaged
    EXPECT_EQ(s.at(1, j), x.at(1, j));
  }
  EXPECT_EQ(rep.symbol_column, "Symbol");
  EXPECT_EQ(rep.no_symbol, (std::vector<std::string>{"g4"}));
  EXPECT_EQ(rep.not_in_rowdata, (std::vector<std::string>{"g5"}));
  ASSERT_EQ(rep.collapsed.size(), 1u);
  EXPECT_EQ(rep.collapsed[0], (std::pair<std::string, size_t>{"A1", 2}));
  EXPECT_NE(rep.summary().find("1 symbols held by several ids, averaged (A1 x2)"), std::string::npos) << rep.summary();
  const std::string e = input_error([&] { map_to_symbols(x, rd, "HGNC", nullptr); });
  EXPECT_NE(e.find("rowdata.csv:1: no column 'HGNC' (--symbol-column)"), std::string::npos) << e;
}

TEST(GripCmap, RealCmapSmall) {
  const std::string dir = test::shared_data("pharmacogx");
  if (!std::filesystem::exists(dir + "/CMAPsmall_rna_coldata.csv")) GTEST_SKIP() << "shared data absent: " << dir;
  const io::ExprMatrix x = io::read_expression(dir + "/CMAPsmall_rna_expr.csv");
  ASSERT_EQ(x.n_genes(), 51u);
  ASSERT_EQ(x.n_samples(), 1018u);
  const CmapPairs p = pair_cmap(x, dir + "/CMAPsmall_rna_coldata.csv");
  // 62 treated arrays, each with all of its xpassoc controls present and of its own cell line.
  EXPECT_EQ(p.n_pairs(), 62u);
  EXPECT_EQ(p.treated_arrays, 62u);
  EXPECT_EQ(p.control_arrays, 956u);
  EXPECT_TRUE(p.skipped_treatments.empty());
  EXPECT_TRUE(p.rejected_controls.empty());
  EXPECT_EQ(p.cells(), (std::vector<std::string>{"HL60", "MCF7", "PC3"}));
  EXPECT_EQ(p.drugs(), (std::vector<std::string>{"acetylsalicylic acid", "alvespimycin", "pioglitazone", "rosiglitazone", "vorinostat"}));
  std::set<std::pair<std::string, std::string>> combos;
  for (size_t i = 0; i < p.n_pairs(); ++i) combos.emplace(p.treated.cells[i], p.treated.drugs[i]);
  EXPECT_EQ(combos.size(), 14u);
  EXPECT_FALSE(combos.count({"HL60", "pioglitazone"}));  // never measured: predict's test uses it
  // First treated array (coldata line 2): rosiglitazone on MCF7, six vehicle controls on its plate.
  ASSERT_EQ(p.treated.samples[0], "5202764005789148112904.C05");
  const std::vector<std::string> ctl = {"5202764005789148112904.A06", "5202764005789148112904.B05", "5202764005789148112904.D04",
                                        "5202764005789148112904.E03", "5202764005789148112904.G02", "5202764005789148112904.H01"};
  EXPECT_EQ(p.controls[0], ctl);
  std::vector<size_t> cols;
  for (const auto& c : ctl) cols.push_back(static_cast<size_t>(std::find(x.samples.begin(), x.samples.end(), c) - x.samples.begin()));
  const size_t t = static_cast<size_t>(std::find(x.samples.begin(), x.samples.end(), p.treated.samples[0]) - x.samples.begin());
  ASSERT_LT(t, x.n_samples());
  for (size_t k = 0; k < x.n_genes(); ++k) {
    double sum = 0;
    for (size_t c : cols) sum += x.at(k, c);
    EXPECT_EQ(p.baseline.at(k, 0), sum / 6) << x.genes[k];  // same order of summation: exact
    EXPECT_EQ(p.treated.at(k, 0), x.at(k, t)) << x.genes[k];
  }
  // Probe ids -> symbols: one id has symbol NA, no symbol is shared.
  SymbolReport rep;
  const io::ExprMatrix s = map_to_symbols(p.baseline, dir + "/CMAPsmall_rna_rowdata.csv", "", &rep);
  EXPECT_EQ(s.n_genes(), 50u);
  EXPECT_EQ(rep.no_symbol, (std::vector<std::string>{"ENSG00000273802"}));
  EXPECT_TRUE(rep.collapsed.empty());
  EXPECT_EQ(s.genes[0], "FUCA1");  // ENSG00000179163
}

TEST(GripCmapCli, ConvertWritesPairsAndRejectsBadInputWithoutWriting) {
  const std::string bin = GRIPCU_BINARY, d = tmpdir();
  const std::string e = put("cli_expr.csv", kExpr), c = put("cli_coldata.csv", kColdata);
  const std::string out = d + "/conv";
  std::filesystem::remove_all(out);
  ASSERT_EQ(std::system((bin + " convert cmap --expr " + e + " --coldata " + c + " --out " + out + " 2>" + d + "/conv.err").c_str()), 0);
  const io::ExprMatrix b = io::read_expression(out + "/baseline.csv"), t = io::read_expression(out + "/treated.csv");
  EXPECT_EQ(b.samples, (std::vector<std::string>{"T1", "T2"}));
  EXPECT_EQ(t.drugs, (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(b.at(0, 1), 2.0);  // (1 + 3) / 2
  EXPECT_EQ(io::read_file(out + "/pairs.tsv"), "sample\tcell\tdrug\tn_controls\tcontrols\nT1\tA\td1\t1\tC1\nT2\tA\td2\t2\tC1///C2\n");
  const std::string skipped = io::read_file(out + "/skipped.tsv");
  EXPECT_NE(skipped.find("T4\ttreated array skipped\t5\tno controls listed"), std::string::npos) << skipped;
  EXPECT_NE(io::read_file(d + "/conv.err").find("2 pairs from 5 treated arrays"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out + "/manifest.json"));

  // Bad coldata: exit 2, the file and line named, nothing written.
  const std::string bad = put("cli_bad.csv", "\"\",\"xptype\",\"xpassoc\",\"sampleid\",\"treatmentid\"\nT1,perturbation,C1,A,d1\nC1,weird,T1,A,NA\n");
  int rc = std::system((bin + " convert cmap --expr " + e + " --coldata " + bad + " --out " + d + "/conv_bad 2>" + d + "/bad.err").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_NE(io::read_file(d + "/bad.err").find("cli_bad.csv:3:2: xptype 'weird'"), std::string::npos) << io::read_file(d + "/bad.err");
  EXPECT_FALSE(std::filesystem::exists(d + "/conv_bad"));
  rc = std::system((bin + " convert cmap --expr " + e + " --coldata " + c + " --gene-symbols --out " + d + "/conv_bad 2>/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);  // --gene-symbols without --rowdata
  EXPECT_FALSE(std::filesystem::exists(d + "/conv_bad"));
}
