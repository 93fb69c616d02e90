// Expression-matrix IO (engine/io/expression.h): the real public files in ../shared/data (see its
// README for sources), exact write->read round trips, and every bad-input case with its file:line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "engine/error.h"
#include "engine/io/expression.h"

namespace gripcu::io {
namespace {

const std::string kData = GRIPCU_SHARED_DATA_DIR;

std::string shared(const std::string& rel) { return kData + "/" + rel; }

#define REQUIRE_SHARED(path)                                                                  \
  do {                                                                                        \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data file missing: " << path; \
  } while (0)

// A fresh temp directory per test, removed afterwards.
class IoExpression : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gripcu_io_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string p = dir_ + "/" + name;
    std::ofstream f(p, std::ios::binary);
    f << bytes;
    return p;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // `fn` must throw an InputError whose message names `file` at exactly `line` (and `column` when
  // given) and contains `needle`.
  template <typename F>
  void expect_error(F fn, const std::string& file, size_t line, const std::string& needle, size_t column = 0) {
    try {
      fn();
      ADD_FAILURE() << "no InputError for " << file << " (expected line " << line << ": " << needle << ")";
    } catch (const InputError& e) {
      const std::string msg = e.what();
      const std::string at = file + ":" + std::to_string(line) + ":" + (column ? std::to_string(column) + ":" : "");
      EXPECT_EQ(msg.rfind(at, 0), 0u) << "message: " << msg << "\nexpected it to start with: " << at;
      EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg << "\nexpected to contain: " << needle;
    }
  }

  std::string dir_;
};

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_same_matrix(const ExprMatrix& a, const ExprMatrix& b) {
  EXPECT_EQ(a.genes, b.genes);
  EXPECT_EQ(a.samples, b.samples);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i)
    ASSERT_TRUE(same_bits(a.values[i], b.values[i])) << "value " << i << ": " << a.values[i] << " vs " << b.values[i];
}

// ---------------------------------------------------------------- real files

// GRIP-Lung demo data (XieHB-lab/GRIP-Lung @03549f6 : example/), CRLF line endings.
TEST_F(IoExpression, RealGripLungCsv) {
  const std::string in = shared("grip_lung_example/input_expression.csv");
  const std::string out = shared("grip_lung_example/output_expression.csv");
  REQUIRE_SHARED(in);
  REQUIRE_SHARED(out);
  EXPECT_EQ(detect_format(in), ExprFormat::grip_csv);
  const ExprMatrix m = read_expression(in);
  ASSERT_EQ(m.n_genes(), 50u);
  ASSERT_EQ(m.n_samples(), 14u);
  EXPECT_EQ(m.source, in);
  EXPECT_EQ(m.samples[0], "A549_5.Azacytidine_0nM_2h");
  EXPECT_EQ(m.samples[13], "NCI.H23_5.Azacytidine_0nM_24h");
  ASSERT_EQ(m.cells.size(), 14u);
  ASSERT_EQ(m.drugs.size(), 14u);
  EXPECT_EQ(m.cells[0], "A549");
  EXPECT_EQ(m.cells[1], "HOP-62");
  EXPECT_EQ(m.cells[13], "NCI-H23");
  for (const auto& d : m.drugs) EXPECT_EQ(d, "5-Azacytidine");
  EXPECT_EQ(m.genes[0], "FTL");
  EXPECT_EQ(m.genes[49], "HLA-E");
  EXPECT_EQ(m.at(0, 0), 13.01757);
  EXPECT_EQ(m.at(0, 13), 12.93175);
  EXPECT_EQ(m.at(49, 0), 7.674288);
  EXPECT_EQ(m.at(49, 13), 6.017333);

  const ExprMatrix o = read_expression(out, ExprFormat::grip_csv);
  ASSERT_EQ(o.n_genes(), 50u);
  ASSERT_EQ(o.n_samples(), 14u);
  EXPECT_EQ(o.samples[0], "A549_5.Azacytidine_1000nM_2h");
  EXPECT_EQ(o.genes, m.genes);
  EXPECT_EQ(o.at(0, 0), 13.00624);
  EXPECT_EQ(o.at(49, 13), 6.170973);
}

// cmapR @674fa27b inst/extdata/modzs_n25x50.gct: GCT 1.3 whose dimension line declares 15
// column-metadata fields while the file carries one (brew_prefix); values rounded to 2 decimals.
TEST_F(IoExpression, RealCmapRGct13) {
  const std::string p = shared("l1000/cmapR_modzs_n25x50.gct");
  REQUIRE_SHARED(p);
  EXPECT_EQ(detect_format(p), ExprFormat::gct);
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_genes(), 50u);
  ASSERT_EQ(m.n_samples(), 25u);
  EXPECT_EQ(m.genes[0], "200814_at");
  EXPECT_EQ(m.genes[49], "200966_x_at");
  EXPECT_EQ(m.samples[0], "CPC004_PC3_24H:BRD-A51714012-001-03-1:10");
  EXPECT_EQ(m.samples[24], "CPC006_TYKNU_6H:BRD-K56343971-001-02-3:10");
  EXPECT_EQ(m.at(0, 0), -1.15);
  EXPECT_EQ(m.at(0, 24), -2.25);
  EXPECT_EQ(m.at(49, 0), -0.53);
  EXPECT_EQ(m.at(49, 24), -0.76);
  ASSERT_EQ(m.row_meta.size(), 5u);
  EXPECT_EQ(m.row_meta.at("pr_gene_id")[0], "5720");
  EXPECT_EQ(m.row_meta.at("is_lm")[0], "1");
  ASSERT_EQ(m.col_meta.size(), 1u);
  EXPECT_EQ(m.col_meta.at("brew_prefix")[0], "CPC004_PC3_24H");
  EXPECT_TRUE(m.cells.empty());  // this GCT has no cell_id row
}

// The GCTX twin of the file above: full-precision float32 values and all 15 column-metadata fields.
TEST_F(IoExpression, RealCmapRGctxAgreesWithGct) {
  const std::string px = shared("l1000/cmapR_modzs_n25x50.gctx");
  const std::string pt = shared("l1000/cmapR_modzs_n25x50.gct");
  REQUIRE_SHARED(px);
  REQUIRE_SHARED(pt);
  EXPECT_EQ(detect_format(px), ExprFormat::gctx);
#ifndef GRIPCU_HAVE_HDF5
  EXPECT_THROW(read_expression(px), InputError);
  GTEST_SKIP() << "built without HDF5";
#endif
  const ExprMatrix x = read_expression(px);
  const ExprMatrix t = read_expression(pt);
  ASSERT_EQ(x.n_genes(), 50u);
  ASSERT_EQ(x.n_samples(), 25u);
  EXPECT_EQ(x.genes, t.genes);
  EXPECT_EQ(x.samples, t.samples);
  EXPECT_EQ(x.at(0, 0), static_cast<double>(-1.14536905f));
  EXPECT_EQ(x.at(49, 24), static_cast<double>(-0.760299921f));
  for (size_t i = 0; i < x.values.size(); ++i)
    EXPECT_NEAR(x.values[i], t.values[i], 0.005 + 1e-6) << "gene " << x.genes[i / 25] << " sample " << i % 25;
  EXPECT_EQ(x.row_meta, t.row_meta);  // integers and strings read the same in both forms
  EXPECT_EQ(x.col_meta.size(), 15u);
  EXPECT_EQ(x.col_meta.at("brew_prefix"), t.col_meta.at("brew_prefix"));
  ASSERT_EQ(x.cells.size(), 25u);
  ASSERT_EQ(x.drugs.size(), 25u);
  EXPECT_EQ(x.cells[0], "PC3");
  EXPECT_EQ(x.cells[21], "A549");
  EXPECT_EQ(x.drugs[0], "venlafaxine");
  EXPECT_EQ(x.drugs[1], "vemurafenib");
  EXPECT_EQ(x.cells, x.col_meta.at("cell_id"));
  EXPECT_EQ(x.col_meta.at("distil_nsample").size(), 25u);
}

// cmap/l1ktools @0b3048a7 data/modzs_n272x978.gctx: fixed-length, space-padded strings.
TEST_F(IoExpression, RealL1ktoolsGctx) {
  const std::string p = shared("l1000/l1ktools_modzs_n272x978.gctx");
  REQUIRE_SHARED(p);
#ifndef GRIPCU_HAVE_HDF5
  GTEST_SKIP() << "built without HDF5";
#endif
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_genes(), 978u);
  ASSERT_EQ(m.n_samples(), 272u);
  EXPECT_EQ(m.genes[0], "200814_at");
  EXPECT_EQ(m.genes[977], "205379_at");
  EXPECT_EQ(m.samples[0], "CPC006_A549_6H:BRD-U88459701-000-01-8:10");
  EXPECT_EQ(m.samples[271], "CPD002_PC3_24H:BRD-A51714012-001-04-9:10");
  EXPECT_EQ(m.at(0, 0), static_cast<double>(-0.523607969f));
  EXPECT_EQ(m.at(977, 271), static_cast<double>(0.171384335f));
  ASSERT_EQ(m.cells.size(), 272u);
  EXPECT_EQ(m.cells[0], "A549");
  EXPECT_EQ(m.drugs[0], "atorvastatin");
  EXPECT_EQ(m.row_meta.at("is_lm")[0], "1");           // stored as float
  EXPECT_EQ(m.col_meta.at("distil_nsample")[0], "4");  // stored as float
  EXPECT_EQ(m.col_meta.size(), 15u);
  EXPECT_EQ(m.row_meta.size(), 5u);
}

// cmap/cmapPy @d1652c32 functional-test fixtures: the same 6x6 matrix in GCT and GCTX.
TEST_F(IoExpression, RealCmapPyMiniGctAndGctx) {
  const std::string pt = shared("l1000/cmapPy_mini_gctoo_for_testing.gct");
  const std::string px = shared("l1000/cmapPy_mini_gctoo_for_testing.gctx");
  REQUIRE_SHARED(pt);
  REQUIRE_SHARED(px);
  const ExprMatrix t = read_expression(pt);
  ASSERT_EQ(t.n_genes(), 6u);
  ASSERT_EQ(t.n_samples(), 6u);
  EXPECT_EQ(t.row_meta.size(), 5u);
  EXPECT_EQ(t.col_meta.size(), 5u);
  EXPECT_EQ(t.at(0, 5), 6.0);
  EXPECT_EQ(t.at(2, 5), 9.758319854736328);
  EXPECT_EQ(t.at(5, 5), -6.0);
  EXPECT_EQ(t.col_meta.at("zmad_ref")[0], "population");
#ifdef GRIPCU_HAVE_HDF5
  const ExprMatrix x = read_expression(px);
  EXPECT_EQ(x.genes, t.genes);
  EXPECT_EQ(x.samples, t.samples);
  ASSERT_EQ(x.values.size(), t.values.size());
  // The GCT holds float32 values printed with 17 digits, the GCTX doubles: equal at float precision.
  for (size_t i = 0; i < x.values.size(); ++i)
    EXPECT_EQ(static_cast<float>(x.values[i]), static_cast<float>(t.values[i])) << i;
  EXPECT_EQ(x.col_meta.at("zmad_ref"), t.col_meta.at("zmad_ref"));
#endif
}

// cmapPy's level-3 plate: GCT 1.3 with 11 row- and 35 column-metadata fields.
TEST_F(IoExpression, RealCmapPyL1000Gct) {
  const std::string p = shared("l1000/cmapPy_test_l1000.gct");
  REQUIRE_SHARED(p);
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_genes(), 978u);
  ASSERT_EQ(m.n_samples(), 377u);
  EXPECT_EQ(m.row_meta.size(), 11u);
  EXPECT_EQ(m.col_meta.size(), 35u);
  EXPECT_EQ(m.genes[0], "200814_at");
  EXPECT_EQ(m.genes[8], "201453_x_at");
  EXPECT_EQ(m.samples[0], "LJP005_A375_24H_X1_B19:A03");
  EXPECT_EQ(m.at(0, 0), 11.3819);
  EXPECT_EQ(m.at(0, 376), 11.3934);
  EXPECT_EQ(m.at(8, 0), 11.4787);
  ASSERT_EQ(m.cells.size(), 377u);
  EXPECT_EQ(m.cells[0], "A375");
  EXPECT_EQ(m.drugs.size(), 377u);
}

// GSEApy @0920252a tests/data/P53.txt: NCI-60 expression in GSEA's TXT.
TEST_F(IoExpression, RealGseaTxtNci60) {
  const std::string p = shared("nci60/P53_NCI60_10100x50.txt");
  REQUIRE_SHARED(p);
  EXPECT_EQ(detect_format(p), ExprFormat::gsea_txt);
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_genes(), 10100u);
  ASSERT_EQ(m.n_samples(), 50u);
  EXPECT_EQ(m.samples[0], "786-0");
  EXPECT_EQ(m.samples[3], "COLO 205");
  EXPECT_EQ(m.samples[49], "UO-31");
  EXPECT_EQ(m.genes[0], "TACC2");
  EXPECT_EQ(m.genes[10099], "LDLR");
  ASSERT_EQ(m.descriptions.size(), 10100u);
  EXPECT_EQ(m.descriptions[0], "na");
  EXPECT_EQ(m.at(0, 0), 46.05);
  EXPECT_EQ(m.at(10099, 0), 148.68);
  EXPECT_EQ(m.at(10099, 49), 549.9);
  EXPECT_NE(std::find(m.samples.begin(), m.samples.end(), "A549/ATCC"), m.samples.end());
}

// R write.csv output (PharmacoGx CCLEsmall, converted to CSV): every string quoted, "" corner cell.
TEST_F(IoExpression, RealRQuotedCsv) {
  const std::string p = shared("pharmacogx/CCLEsmall_rna_expr.csv");
  REQUIRE_SHARED(p);
  EXPECT_EQ(detect_format(p), ExprFormat::csv);
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_genes(), 50u);
  ASSERT_EQ(m.n_samples(), 1036u);
  EXPECT_EQ(m.samples[0], "NIECE_P_NCLE_RNA3_HG-U133_PLUS_2_B06_296024");
  EXPECT_EQ(m.genes[0], "ENSG00000181019");
  EXPECT_EQ(m.genes[49], "ENSG00000004399");
  EXPECT_EQ(m.at(0, 0), 10.9070428064627);
  EXPECT_EQ(m.at(49, 0), 7.61522664013071);
  EXPECT_EQ(m.at(49, 1035), 6.75449980500963);
}

// GSVA 1.46.0's ssGSEA unit-test data exported as TSV (empty corner; the expected scores are
// written with a leading space for positive numbers).
TEST_F(IoExpression, RealTsv) {
  const std::string in = shared("golden/gsva_unittest_input_10x30.tsv");
  const std::string ex = shared("golden/gsva_unittest_ssgsea_expected.tsv");
  REQUIRE_SHARED(in);
  REQUIRE_SHARED(ex);
  EXPECT_EQ(detect_format(in), ExprFormat::tsv);
  const ExprMatrix m = read_expression(in);
  ASSERT_EQ(m.n_genes(), 10u);
  ASSERT_EQ(m.n_samples(), 30u);
  EXPECT_EQ(m.genes[0], "g1");
  EXPECT_EQ(m.samples[29], "s30");
  EXPECT_EQ(m.at(0, 0), -0.560475646552213);
  EXPECT_EQ(m.at(1, 0), -0.23017748948328);
  const ExprMatrix e = read_expression(ex);
  ASSERT_EQ(e.n_genes(), 3u);
  ASSERT_EQ(e.n_samples(), 30u);
  EXPECT_EQ(e.genes[1], "set2");
  EXPECT_EQ(e.at(0, 0), 0.052328404923);
  EXPECT_EQ(e.at(0, 2), -0.105188903767);
}

// ---------------------------------------------------------------- text quirks

TEST_F(IoExpression, CrlfBomQuotesBlankLines) {
  const std::string p = write("q.csv",
                              "\xEF\xBB\xBF\"\",\"s,1\",\"s \"\"2\"\"\"\r\n"
                              "\"g1\",1.5,-2\r\n"
                              "\r\n"
                              "g2, +3e2 ,\"4\"\r\n"
                              "\r\n\r\n");
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_genes(), 2u);
  ASSERT_EQ(m.n_samples(), 2u);
  EXPECT_EQ(m.samples[0], "s,1");
  EXPECT_EQ(m.samples[1], "s \"2\"");
  EXPECT_EQ(m.genes[0], "g1");
  EXPECT_EQ(m.at(0, 0), 1.5);
  EXPECT_EQ(m.at(1, 0), 300.0);
  EXPECT_EQ(m.at(1, 1), 4.0);
}

TEST_F(IoExpression, RDefaultHeaderWithoutCorner) {
  const std::string p = write("r.tsv", "a\tb\tc\nx\t1\t2\t3\ny\t4\t5\t6\n");
  const ExprMatrix m = read_expression(p);
  ASSERT_EQ(m.n_samples(), 3u);
  EXPECT_EQ(m.samples[0], "a");
  EXPECT_EQ(m.at(1, 2), 6.0);
}

TEST_F(IoExpression, LabelCornerAndNoTrailingNewline) {
  const std::string p = write("l.csv", "gene,a,b\nx,1,2\ny,3,4");
  const ExprMatrix m = read_expression(p, ExprFormat::csv);
  ASSERT_EQ(m.n_genes(), 2u);
  EXPECT_EQ(m.samples[0], "a");
  EXPECT_EQ(m.at(1, 1), 4.0);
}

TEST_F(IoExpression, QuotedNewlineKeepsLineNumbers) {
  // The header's second sample spans lines 1-2, so the bad cell is on line 5.
  const std::string p = write("n.csv", ",a,\"b\nc\"\nx,1,2\ny,3,4\nz,5,oops\n");
  expect_error([&] { read_expression(p, ExprFormat::csv); }, p, 5, "'oops' is not a number", 3);
}

TEST_F(IoExpression, FormatNames) {
  EXPECT_EQ(parse_format("auto"), ExprFormat::auto_detect);
  EXPECT_EQ(parse_format("grip"), ExprFormat::grip_csv);
  EXPECT_EQ(parse_format("GCTX"), ExprFormat::gctx);
  EXPECT_EQ(parse_format("gsea_txt"), ExprFormat::gsea_txt);
  EXPECT_EQ(parse_format("tsv"), ExprFormat::tsv);
  for (auto f : {ExprFormat::grip_csv, ExprFormat::gct, ExprFormat::gctx, ExprFormat::gsea_txt, ExprFormat::csv,
                 ExprFormat::tsv})
    EXPECT_EQ(parse_format(format_name(f)), f);
  try {
    parse_format("xlsx", "--expr-format");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "--expr-format");
    EXPECT_NE(std::string(e.what()).find("xlsx"), std::string::npos);
  }
}

TEST_F(IoExpression, DetectByContent) {
  EXPECT_EQ(detect_format(write("a.txt", "#1.2\n1\t1\nName\tDescription\ts\ng\tna\t1\n")), ExprFormat::gct);
  EXPECT_EQ(detect_format(write("b.txt", "NAME\tDESCRIPTION\ts\ng\tna\t1\n")), ExprFormat::gsea_txt);
  EXPECT_EQ(detect_format(write("c.txt", "\ts\ng\t1\n")), ExprFormat::tsv);
  EXPECT_EQ(detect_format(write("d.dat", ",s\ncell,A549\ndrug,x\ng,1\n")), ExprFormat::grip_csv);
  EXPECT_EQ(detect_format(write("e.csv", ",s\ng,1\n")), ExprFormat::csv);
  EXPECT_THROW(detect_format(path("missing.csv")), InputError);
  EXPECT_THROW(read_expression(dir_), InputError);  // a directory
}

// ---------------------------------------------------------------- round trips

ExprMatrix sample_matrix(size_t ng, size_t ns, uint32_t seed) {
  ExprMatrix m;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(0.0, 3.0);
  for (size_t i = 0; i < ng; ++i) m.genes.push_back("gene" + std::to_string(i));
  for (size_t j = 0; j < ns; ++j) m.samples.push_back("sample " + std::to_string(j));
  m.genes[0] = "with,comma";
  m.genes[1] = "with \"quote\"";
  m.samples[0] = "A549_5.Azacytidine_0nM_2h";
  for (size_t k = 0; k < ng * ns; ++k) m.values.push_back(nd(rng) * std::pow(10.0, static_cast<int>(k % 9) - 4));
  const double specials[] = {-0.0, 1.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308,
                             0.1, 123456789012345680.0};
  for (size_t k = 0; k < std::size(specials) && k < m.values.size(); ++k) m.values[k] = specials[k];
  for (size_t j = 0; j < ns; ++j) {
    m.cells.push_back(j % 2 ? "NCI-H23" : "A549");
    m.drugs.push_back(j % 3 ? "5-Azacytidine" : "drug, with comma");
  }
  return m;
}

TEST_F(IoExpression, RoundTripCsvTsv) {
  ExprMatrix m = sample_matrix(37, 11, 7);
  m.cells.clear();
  m.drugs.clear();
  for (auto [fmt, name] : {std::pair{ExprFormat::csv, "rt.csv"}, std::pair{ExprFormat::tsv, "rt.tsv"}}) {
    write_expression(m, path(name), fmt);
    const ExprMatrix r = read_expression(path(name));  // auto-detected
    expect_same_matrix(m, r);
    EXPECT_TRUE(r.cells.empty());
  }
}

TEST_F(IoExpression, RoundTripGripCsv) {
  const ExprMatrix m = sample_matrix(23, 9, 11);
  write_expression(m, path("g.csv"), ExprFormat::grip_csv);
  EXPECT_EQ(detect_format(path("g.csv")), ExprFormat::grip_csv);
  const ExprMatrix r = read_expression(path("g.csv"));
  expect_same_matrix(m, r);
  EXPECT_EQ(r.cells, m.cells);
  EXPECT_EQ(r.drugs, m.drugs);
  // No cells/drugs: GRIP CSV cannot be written.
  ExprMatrix bare = m;
  bare.cells.clear();
  EXPECT_THROW(write_expression(bare, path("bare.csv"), ExprFormat::grip_csv), InputError);
}

TEST_F(IoExpression, RoundTripGct12) {
  ExprMatrix m = sample_matrix(19, 7, 13);
  m.cells.clear();
  m.drugs.clear();
  for (size_t i = 0; i < m.n_genes(); ++i) m.descriptions.push_back("desc " + std::to_string(i));
  write_expression(m, path("a.gct"), ExprFormat::gct);
  std::ifstream f(path("a.gct"));
  std::string first;
  std::getline(f, first);
  EXPECT_EQ(first, "#1.2");
  const ExprMatrix r = read_expression(path("a.gct"));
  expect_same_matrix(m, r);
  EXPECT_EQ(r.descriptions, m.descriptions);
  EXPECT_TRUE(r.row_meta.empty());
  EXPECT_TRUE(r.col_meta.empty());
}

TEST_F(IoExpression, RoundTripGct13) {
  ExprMatrix m = sample_matrix(21, 8, 17);
  m.col_meta["cell_id"] = m.cells;
  m.col_meta["pert_iname"] = m.drugs;
  m.col_meta["pert_idose"] = std::vector<std::string>(8, "10 uM");
  m.row_meta["pr_gene_symbol"] = m.genes;
  m.row_meta["is_lm"] = std::vector<std::string>(21, "1");
  write_expression(m, path("b.gct"), ExprFormat::gct);
  const ExprMatrix r = read_expression(path("b.gct"));
  expect_same_matrix(m, r);
  EXPECT_EQ(r.cells, m.cells);
  EXPECT_EQ(r.drugs, m.drugs);
  EXPECT_EQ(r.row_meta, m.row_meta);
  EXPECT_EQ(r.col_meta, m.col_meta);
  // Written again from what was read: byte-identical.
  write_expression(r, path("c.gct"), ExprFormat::gct);
  std::ifstream b(path("b.gct")), c(path("c.gct"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(b), {}), std::string(std::istreambuf_iterator<char>(c), {}));
}

TEST_F(IoExpression, RoundTripGseaTxt) {
  ExprMatrix m = sample_matrix(5, 4, 19);
  m.cells.clear();
  m.drugs.clear();
  write_expression(m, path("e.txt"), ExprFormat::gsea_txt);
  EXPECT_EQ(detect_format(path("e.txt")), ExprFormat::gsea_txt);
  const ExprMatrix r = read_expression(path("e.txt"));
  expect_same_matrix(m, r);
  EXPECT_EQ(r.descriptions, std::vector<std::string>(5, "na"));
}

TEST_F(IoExpression, WriteIsAtomicAndRejectsBadMatrices) {
  ExprMatrix m = sample_matrix(3, 2, 1);
  m.values[4] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(write_expression(m, path("nan.csv"), ExprFormat::csv), Error);
  EXPECT_FALSE(std::filesystem::exists(path("nan.csv")));
  m.values[4] = 1.0;
  m.values.pop_back();
  EXPECT_THROW(write_expression(m, path("short.csv"), ExprFormat::csv), Error);
  m.values.push_back(2.0);
  write_expression(m, path("ok.csv"), ExprFormat::csv);
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

// ---------------------------------------------------------------- bad input: file:line

TEST_F(IoExpression, ErrorEmptyFiles) {
  const std::string e = write("empty.csv", "");
  expect_error([&] { read_expression(e); }, e, 1, "empty file");
  const std::string b = write("blank.tsv", "\n  \r\n\n");
  expect_error([&] { read_expression(b); }, b, 1, "empty file");
  const std::string g = write("empty.gct", "");
  expect_error([&] { read_expression(g); }, g, 1, "empty file");
  const std::string x = write("empty.txt", "");
  expect_error([&] { read_expression(x); }, x, 1, "empty file");
}

TEST_F(IoExpression, ErrorNoDataRows) {
  const std::string c = write("h.csv", ",a,b\n\n");
  expect_error([&] { read_expression(c); }, c, 1, "no data rows");
  const std::string g = write("h2.csv", ",a,b\ncell,A549,A549\ndrug,x,y\n");
  expect_error([&] { read_expression(g); }, g, 3, "no gene rows");
  const std::string s = write("h.txt", "NAME\tDESCRIPTION\ta\n");
  expect_error([&] { read_expression(s); }, s, 1, "no data rows");
  const std::string t = write("h.gct", "#1.2\n2\t1\nName\tDescription\ta\n");
  expect_error([&] { read_expression(t); }, t, 2, "declares 2 data rows, found 0");
}

TEST_F(IoExpression, ErrorGripMissingRows) {
  const std::string nocell = write("nocell.csv", ",a,b\nFTL,1,2\nTMSB10,3,4\n");
  expect_error([&] { read_expression(nocell, ExprFormat::grip_csv); }, nocell, 2, "missing its cell row", 1);
  const std::string nodrug = write("nodrug.csv", ",a,b\ncell,A549,HOP-62\nFTL,1,2\n");
  expect_error([&] { read_expression(nodrug, ExprFormat::grip_csv); }, nodrug, 3, "missing its drug row", 1);
  const std::string ends = write("ends.csv", ",a,b\r\ncell,A549,HOP-62\r\n");
  expect_error([&] { read_expression(ends, ExprFormat::grip_csv); }, ends, 3, "ends before its drug row");
  const std::string short_cell = write("shortcell.csv", ",a,b\ncell,A549\ndrug,x,y\nFTL,1,2\n");
  expect_error([&] { read_expression(short_cell); }, short_cell, 2, "expected 3 fields in the cell row, found 2");
  const std::string empty_drug = write("emptydrug.csv", ",a,b\ncell,A549,HOP-62\ndrug,x,\nFTL,1,2\n");
  expect_error([&] { read_expression(empty_drug); }, empty_drug, 3, "empty drug for sample 'b'", 3);
}

TEST_F(IoExpression, ErrorRaggedRows) {
  const std::string c = write("rag.csv", ",a,b,c\ng1,1,2,3\ng2,4,5,6\ng3,7,8\n");
  expect_error([&] { read_expression(c); }, c, 4, "expected 4 fields (gene id and 3 samples), found 3");
  const std::string t = write("rag.tsv", "\ta\tb\r\ng1\t1\t2\r\n\r\ng2\t1\t2\t3\r\n");
  expect_error([&] { read_expression(t); }, t, 4, "expected 3 fields");
  const std::string g = write("rag.txt", "NAME\tDESCRIPTION\ta\tb\nx\tna\t1\t2\ny\tna\t3\n");
  expect_error([&] { read_expression(g); }, g, 3, "expected 4 fields (gene id, 1 annotation and 2 samples), found 3");
  const std::string first = write("rag1.csv", ",a,b\ng1,1\n");
  expect_error([&] { read_expression(first); }, first, 2, "expected 3 fields as in the header (line 1), found 2");
  const std::string grip = write("rag.csv2", ",a,b\ncell,A549,X\ndrug,d,e\ng,1,2\nh,1,2,3\n");
  expect_error([&] { read_expression(grip, ExprFormat::grip_csv); }, grip, 5, "found 4");
}

TEST_F(IoExpression, ErrorBadNumbers) {
  struct Case {
    const char* cell;
    const char* needle;
  };
  const Case cases[] = {{"abc", "'abc' is not a number"},
                        {"NaN", "not a finite number"},
                        {"nan", "not a finite number"},
                        {"Inf", "not a finite number"},
                        {"-inf", "not a finite number"},
                        {"Infinity", "not a finite number"},
                        {"", "empty value"},
                        {"  ", "empty value"},
                        {"NA", "missing value 'NA'"},
                        {"1e999", "out of the range"},
                        {"1.5x", "'1.5x' is not a number"},
                        {"1,5", "found 5"},  // becomes an extra field: ragged
                        {"0x10", "is not a number"},
                        {"--1", "is not a number"}};
  int k = 0;
  for (const auto& c : cases) {
    const std::string p = write("bad" + std::to_string(k++) + ".csv", std::string(",a,b,c\ng1,1,2,3\ng2,4,") + c.cell + ",6\n");
    const bool ragged = std::strchr(c.cell, ',') != nullptr;
    expect_error([&] { read_expression(p); }, p, 3, c.needle, ragged ? 0 : 3);
  }
  // Context names the gene and the sample.
  const std::string p = write("ctx.tsv", "\ta\tb\ng1\t1\t2\ng2\t3\tx\n");
  expect_error([&] { read_expression(p); }, p, 3, "(gene 'g2', sample 'b')", 3);
  // Underflow is not an error: it reads as the nearest representable value.
  const std::string u = write("under.csv", ",a\ng,1e-400\n");
  EXPECT_EQ(read_expression(u).at(0, 0), 0.0);
}

TEST_F(IoExpression, ErrorDuplicateIds) {
  const std::string g = write("dupg.csv", ",a,b\nTP53,1,2\nEGFR,1,2\n\nKRAS,1,2\nTP53,3,4\n");
  expect_error([&] { read_expression(g); }, g, 6, "duplicate gene id 'TP53' (lines 2 and 6)");
  const std::string s = write("dups.csv", ",a,b,c,b\ng,1,2,3,4\n");
  expect_error([&] { read_expression(s); }, s, 1, "duplicate sample id 'b' (columns 3 and 5)", 5);
  const std::string t = write("dups.txt", "NAME\tDESCRIPTION\tx\tx\ng\tna\t1\t2\n");
  expect_error([&] { read_expression(t); }, t, 1, "duplicate sample id 'x' (columns 3 and 4)", 4);
  const std::string grip = write("dupgrip.csv", ",a,b\ncell,A,B\ndrug,d,d\nFTL,1,2\nFTL,1,2\n");
  expect_error([&] { read_expression(grip); }, grip, 5, "lines 4 and 5");
  const std::string gct = write("dup.gct", "#1.2\n2\t1\nName\tDescription\ta\nx\tna\t1\nx\tna\t2\n");
  expect_error([&] { read_expression(gct); }, gct, 5, "lines 4 and 5");
  const std::string e = write("emptyid.csv", ",a\ng,1\n,2\n");
  expect_error([&] { read_expression(e); }, e, 3, "empty gene id", 1);
  const std::string es = write("emptysample.csv", ",a,,c\ng,1,2,3\n");
  expect_error([&] { read_expression(es); }, es, 1, "empty sample id", 3);
}

TEST_F(IoExpression, ErrorGctStructure) {
  const std::string v = write("v.gct", "#1.4\n1\t1\nName\tDescription\ta\ng\tna\t1\n");
  expect_error([&] { read_expression(v); }, v, 1, "must be #1.2 or #1.3", 1);
  const std::string d = write("d.gct", "#1.2\n1\tx\nName\tDescription\ta\ng\tna\t1\n");
  expect_error([&] { read_expression(d); }, d, 2, "expected the number of data columns, found 'x'", 2);
  const std::string d3 = write("d3.gct", "#1.3\n1\t1\nid\ta\ng\t1\n");
  expect_error([&] { read_expression(d3); }, d3, 2, "need 4 numbers");
  const std::string h = write("h.gct", "#1.2\n1\t2\nName\tDescription\ta\ng\tna\t1\n");
  expect_error([&] { read_expression(h); }, h, 3, "expected 4 fields in the header");
  const std::string n = write("n.gct", "#1.2\n1\t1\nName\tDescription\ta\ng\tna\t1\nh\tna\t2\n");
  expect_error([&] { read_expression(n); }, n, 2, "declares 1 data rows, found 2");
  const std::string m = write("m.gct", "#1.3\n1\t2\t1\t1\nid\tdesc\ta\tb\npert\tna\tx\ty\nextra\tna\tx\ty\ng\tna\t1\t2\n");
  expect_error([&] { read_expression(m); }, m, 2, "1 column-metadata rows, but 3 lines follow");
  const std::string few = write("few.gct", "#1.3\n3\t2\t1\t0\nid\tdesc\ta\tb\ng\tna\t1\t2\n");
  expect_error([&] { read_expression(few); }, few, 2, "declares 3 data rows but only 1 lines");
  const std::string bad = write("bad.gct", "#1.3\n2\t2\t1\t1\nid\tdesc\ta\tb\npert\tna\tx\ty\ng\tna\t1\t2\nh\tna\t1\tz\n");
  expect_error([&] { read_expression(bad); }, bad, 6, "'z' is not a number", 4);
  const std::string cm = write("cm.gct", "#1.3\n1\t2\t1\t1\nid\tdesc\ta\tb\npert\tna\tx\ng\tna\t1\t2\n");
  expect_error([&] { read_expression(cm); }, cm, 4, "column-metadata row, found 3");
}

TEST_F(IoExpression, ErrorGctxInput) {
  const std::string notx = write("text.gctx", "#1.3\nnot hdf5\n");
  try {
    read_expression(notx);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(notx), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_expression(path("missing.gctx")), InputError);
  EXPECT_THROW(write_expression(sample_matrix(2, 2, 1), path("w.gctx"), ExprFormat::gctx), InputError);
}

TEST_F(IoExpression, ErrorMissingFile) {
  const std::string p = path("nope.csv");
  try {
    read_expression(p, ExprFormat::csv);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

// ---------------------------------------------------------------- speed (run on demand)

// ./gripcu_tests --gtest_filter='*ParseSpeed*' --gtest_also_run_disabled_tests
TEST_F(IoExpression, DISABLED_ParseSpeed20000x1000) {
  const size_t ng = 20000, ns = 1000;
  ExprMatrix m;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> nd(8.0, 2.0);
  for (size_t i = 0; i < ng; ++i) m.genes.push_back("GENE" + std::to_string(i));
  for (size_t j = 0; j < ns; ++j) m.samples.push_back("SAMPLE_" + std::to_string(j));
  m.values.resize(ng * ns);
  for (auto& v : m.values) v = std::round(nd(rng) * 1e6) / 1e6;  // 6 decimals, like expression tables
  const std::string p = path("big.csv");
  auto t0 = std::chrono::steady_clock::now();
  write_expression(m, p, ExprFormat::csv);
  auto t1 = std::chrono::steady_clock::now();
  const std::clock_t c1 = std::clock();
  const ExprMatrix r = read_expression(p, ExprFormat::csv);
  const std::clock_t c2 = std::clock();
  auto t2 = std::chrono::steady_clock::now();
  const double mb = static_cast<double>(std::filesystem::file_size(p)) / 1e6;
  const double tw = std::chrono::duration<double>(t1 - t0).count(), tr = std::chrono::duration<double>(t2 - t1).count();
  std::printf("[ speed ] 20000 x 1000 CSV, %.1f MB: write %.3f s, read %.3f s wall / %.3f s CPU (%.0f MB/s)\n", mb, tw,
              tr, static_cast<double>(c2 - c1) / CLOCKS_PER_SEC, mb / tr);
  expect_same_matrix(m, r);
  EXPECT_LT(tr, 2.0);
}

}  // namespace
}  // namespace gripcu::io
