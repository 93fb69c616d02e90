// DADSP inputs (models/dadsp/data.h, metrics.h, simulate.h) on the real public tables in
// ../shared/data (DADSP @c36278c data/, PharmacoGx @3dab6c1e CCLEsmall / GDSCsmall; see
// ../shared/data/README.md) and on small files written here: layouts, transforms, bad input with
// file:line, fingerprints (tables, SMILES through RDKit when built with it), SSP, expression mapped
// through the column data, unknown ids, min-max scaling, metrics and the simulator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "models/dadsp/data.h"
#include "models/dadsp/metrics.h"
#include "models/dadsp/morgan.h"
#include "models/dadsp/simulate.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::dadsp;
using gripcu::test::shared_data;

namespace {
std::string tmp_file(const std::string& name, const std::string& text) {
  const std::string dir = testing::TempDir() + "dadsp_data";
  io::make_dirs(dir);
  const std::string p = dir + "/" + name;
  std::ofstream(p) << text;
  return p;
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}
bool has_data() { return io::file_exists(shared_data("dadsp/IC50_ccle.csv")); }
#define REQUIRE_DATA() \
  if (!has_data()) GTEST_SKIP() << "shared data not found at " << shared_data("")
}  // namespace

TEST(DadspMetrics, KnownValues) {
  const std::vector<double> y = {1, 2, 3, 4}, p = {1.5, 2, 2.5, 5};
  const Metrics m = regression_metrics(y, p);
  EXPECT_NEAR(m.rmse, std::sqrt((0.25 + 0 + 0.25 + 1) / 4), 1e-15);
  EXPECT_NEAR(m.r2, 1 - 1.5 / 5.0, 1e-15);
  EXPECT_NEAR(m.spearman, 1.0, 1e-15);  // same order
  // Paper's eqs. 11-12 as printed: k = sum y p / sum y^2 = 33 / 30, 1 - (1 - k)^2 sum y^2 / SS_tot.
  const double k = 33.0 / 30.0;
  EXPECT_NEAR(m.r2_origin_paper, 1 - (1 - k) * (1 - k) * 30 / 5.0, 1e-14);
  // a = {1, 2, 3}, b = {2, 4, 6.5}: S_ab = 4.5, S_aa = 2, S_bb = 62.25 - 12.5^2 / 3 = 61 / 6.
  EXPECT_NEAR(pearson({1, 2, 3}, {2, 4, 6.5}), 4.5 / std::sqrt(2.0 * 61.0 / 6.0), 1e-14);
  // Ties get average ranks: ranks of {1, 2, 2, 3} are {1, 2.5, 2.5, 4}.
  EXPECT_EQ(average_ranks({1, 2, 2, 3}), (std::vector<double>{1, 2.5, 2.5, 4}));
  EXPECT_TRUE(std::isnan(regression_metrics({1, 1}, {1, 2}).r2));  // constant labels: undefined
}

TEST(DadspData, ResponseLayoutsOfTheDadspTables) {
  REQUIRE_DATA();
  const auto g = read_response_table(shared_data("dadsp/IC50_gdsc2.csv"), Ic50Transform::as_is);
  EXPECT_EQ(g.layout, "gdsc2");
  EXPECT_EQ(g.rows.size(), 48770u);
  EXPECT_EQ(g.rows[0].cell, "UM-UC-3");
  EXPECT_EQ(g.rows[0].drug, "Doxorubicin");
  EXPECT_DOUBLE_EQ(g.rows[0].value, 1.03);
  const auto c = read_response_table(shared_data("dadsp/IC50_ccle.csv"), Ic50Transform::as_is);
  EXPECT_EQ(c.layout, "ccle");
  EXPECT_EQ(c.rows.size(), 11360u);
  EXPECT_DOUBLE_EQ(c.rows[0].value, -0.64);
  const auto r = read_response_table(shared_data("dadsp/response_CCLE.csv"), Ic50Transform::as_is);
  EXPECT_EQ(r.layout, "response_ccle");
  EXPECT_EQ(r.value_col, "LN_IC50");
  EXPECT_EQ(r.rows.size(), 5724u);
  const auto d = read_response_table(shared_data("dadsp/17-AAG.csv"), Ic50Transform::neg_log10);
  EXPECT_EQ(d.layout, "ccle");
  EXPECT_NEAR(d.rows[0].value, -std::log10(0.29512092266663853), 1e-12);
}

TEST(DadspData, BadResponseInputNamesFileLineAndColumn) {
  const std::string p = tmp_file("bad.csv", "cell,drug,value\nA,D1,0.5\nB,D1,abc\n");
  const std::string e = error_of([&] { read_response_table(p, Ic50Transform::as_is); });
  EXPECT_NE(e.find("bad.csv:3:3"), std::string::npos) << e;
  const std::string n = tmp_file("neg.csv", "cell,drug,value\nA,D1,-0.5\n");
  EXPECT_NE(error_of([&] { read_response_table(n, Ic50Transform::neg_log10); }).find("neg.csv:2:3"), std::string::npos);
  EXPECT_NO_THROW(read_response_table(n, Ic50Transform::as_is));
  const std::string h = tmp_file("hdr.csv", "a,b,c\n1,2,3\n");
  EXPECT_NE(error_of([&] { read_response_table(h, Ic50Transform::as_is); }).find("not a response table"), std::string::npos);
  // Duplicated pairs are averaged.
  const std::string dup = tmp_file("dup.csv", "cell,drug,value\nA,D1,1\nA,D1,3\n");
  const auto t = read_response_table(dup, Ic50Transform::as_is);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.duplicates_merged, 1u);
  EXPECT_DOUBLE_EQ(t.rows[0].value, 2.0);
}

TEST(DadspData, PharmacoGxSensitivityLayoutWithTransform) {
  REQUIRE_DATA();
  // ic50_published is in uM (not log): -log10 makes it a log scale; every value is positive.
  const auto t = read_response_table(shared_data("pharmacogx/CCLEsmall_sensitivity_profiles.csv"), Ic50Transform::neg_log10);
  EXPECT_EQ(t.layout, "pharmacogx");
  EXPECT_EQ(t.value_col, "ic50_published");
  EXPECT_EQ(t.rows.size(), 11670u);
  EXPECT_NEAR(t.rows[0].value, -std::log10(8.0), 1e-12);  // 1321N1 x AEW541: 8 uM
}

TEST(DadspData, FingerprintTables) {
  REQUIRE_DATA();
  const DrugTable s = read_drug_table(shared_data("dadsp/ccle_data_smiles.csv"));
  EXPECT_EQ(s.kind, "fingerprint");
  EXPECT_EQ(s.names.size(), 24u);
  EXPECT_EQ(s.dim, 256);
  EXPECT_GE(s.index("Nilotinib"), 0);
  const DrugTable f = read_drug_table(shared_data("dadsp/fingerprint_CCLE.csv"));
  EXPECT_EQ(f.dim, 3072);
  EXPECT_EQ(f.names.size(), 12u);
  const DrugTable g = read_drug_table(shared_data("dadsp/gdsc_data_smiles.csv"));
  size_t conflicts = 99;
  const DrugTable m = merge_drug_tables(g, s, &conflicts);
  EXPECT_GE(m.names.size(), g.names.size());
  EXPECT_LE(m.names.size(), g.names.size() + s.names.size());
  const std::string bad = tmp_file("fp_bad.csv", "name,0,1\nX,1,0\nY,1,x\n");
  EXPECT_NE(error_of([&] { read_drug_table(bad); }).find("fp_bad.csv:3:3"), std::string::npos);
}

TEST(DadspData, MorganFromSmiles) {
  const std::string p = tmp_file("smiles.csv", "name,smiles\naspirin,CC(=O)Oc1ccccc1C(=O)O\ncaffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C\n");
  if (!rdkit_available()) {
    const std::string e = error_of([&] { read_drug_table(p); });
    EXPECT_NE(e.find("without RDKit"), std::string::npos) << e;
    GTEST_SKIP() << "built without RDKit: checked the message only";
  }
  const DrugTable d = read_drug_table(p, 2, 256);
  EXPECT_EQ(d.kind, "morgan");
  ASSERT_EQ(d.names.size(), 2u);
  double set = 0;
  for (int64_t i = 0; i < 256; ++i) set += d.row(0)[i];
  EXPECT_GT(set, 5);  // aspirin sets a couple of dozen bits at radius 2
  EXPECT_LT(jaccard(d.row(0), d.row(1), 256), 0.5);  // different molecules
  const DrugTable d2 = read_drug_table(p, 2, 256);
  EXPECT_EQ(d.features, d2.features);  // deterministic
  const std::string bad = tmp_file("smiles_bad.csv", "name,smiles\nok,CCO\nbroken,C1CC(\n");
  const std::string e = error_of([&] { read_drug_table(bad); });
  EXPECT_NE(e.find("smiles_bad.csv:3:2"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid SMILES"), std::string::npos) << e;
}

TEST(DadspData, JaccardAndSsp) {
  DrugTable t;
  t.names = {"a", "b", "c"};
  t.dim = 4;
  t.features = {1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0};
  EXPECT_DOUBLE_EQ(jaccard(t.row(0), t.row(1), 4), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(jaccard(t.row(2), t.row(2), 4), 1.0);
  const DrugTable s = ssp_profiles(t, t);
  EXPECT_EQ(s.kind, "ssp");
  EXPECT_EQ(s.dim, 3);
  EXPECT_FLOAT_EQ(s.row(0)[0], 1.f);
  EXPECT_FLOAT_EQ(s.row(0)[1], static_cast<float>(1.0 / 3.0));
}

TEST(DadspData, CcleExpressionThroughColdataAndResponses) {
  REQUIRE_DATA();
  const auto tr = read_response_table(shared_data("dadsp/IC50_ccle.csv"), Ic50Transform::as_is);
  std::set<std::string> cells;
  for (const auto& r : tr.rows) cells.insert(r.cell);
  const CellExpression e = read_cell_expression(shared_data("pharmacogx/CCLEsmall_rna_expr.csv"),
                                                shared_data("pharmacogx/CCLEsmall_rna_coldata.csv"), "",
                                                {cells.begin(), cells.end()});
  EXPECT_EQ(e.genes.size(), 50u);
  EXPECT_NE(e.mapping_note.find("Cell.line.primary.name"), std::string::npos) << e.mapping_note;
  EXPECT_GT(e.cells.size(), 900u);
  const DrugTable d = read_drug_table(shared_data("dadsp/ccle_data_smiles.csv"));
  // Every cell line of IC50_ccle.csv has arrays (by Cell.line.primary.name) and every drug a vector.
  ResolveReport rep;
  const Pairs p = resolve_pairs(tr, e, d, false, &rep);
  EXPECT_EQ(rep.rows, 11360u);
  EXPECT_EQ(rep.kept, rep.rows);
  // response_CCLE.csv names cell lines by CCLE.name (the auto-picked column for it) and some
  // drugs differently (PD0325901, Palbociclib, ...): unknown drugs are an error or, skipped, counted.
  const auto rc = read_response_table(shared_data("dadsp/response_CCLE.csv"), Ic50Transform::as_is);
  std::set<std::string> rcells;
  for (const auto& r : rc.rows) rcells.insert(r.cell);
  const CellExpression e2 = read_cell_expression(shared_data("pharmacogx/CCLEsmall_rna_expr.csv"),
                                                 shared_data("pharmacogx/CCLEsmall_rna_coldata.csv"), "",
                                                 {rcells.begin(), rcells.end()});
  EXPECT_NE(e2.mapping_note.find("CCLE.name"), std::string::npos) << e2.mapping_note;
  EXPECT_THROW(resolve_pairs(rc, e2, d, false, nullptr), InputError);
  ResolveReport rep2;
  resolve_pairs(rc, e2, d, true, &rep2);
  EXPECT_EQ(rep2.unknown_cell_rows, 0u);
  EXPECT_GT(rep2.unknown_drug_rows, 0u);
  EXPECT_EQ(rep2.kept + rep2.unknown_drug_rows, 5724u);
  EXPECT_EQ(p.size(), rep.kept);
}

TEST(DadspData, GdscTableReportsCellLinesWithoutExpression) {
  REQUIRE_DATA();
  const auto tr = read_response_table(shared_data("dadsp/IC50_gdsc2.csv"), Ic50Transform::as_is);
  const CellExpression e = read_cell_expression(shared_data("pharmacogx/GDSCsmall_rna_expr.csv"),
                                                shared_data("pharmacogx/GDSCsmall_rna_coldata.csv"), "sampleid");
  const DrugTable d = read_drug_table(shared_data("dadsp/gdsc_data_smiles.csv"));
  const std::string err = error_of([&] { resolve_pairs(tr, e, d, false, nullptr); });
  EXPECT_NE(err.find("IC50_gdsc2.csv:2"), std::string::npos) << err;  // UM-UC-3 is the first row
  EXPECT_NE(err.find("UM-UC-3"), std::string::npos) << err;
  ResolveReport rep;
  resolve_pairs(tr, e, d, true, &rep);
  EXPECT_GT(rep.unknown_cells.size(), 290u);  // GDSCsmall has 11 arrays; most of the 300 lines lack them
  EXPECT_NE(rep.summary("gdsc").find("cell lines without expression"), std::string::npos);
}

TEST(DadspData, IntersectAndMinMax) {
  CellExpression a, b;
  a.genes = {"g1", "g2", "g3"};
  a.cells = {"c1", "c2"};
  a.values = {1, 2, 3, 4, 5, 6};
  b.genes = {"g3", "g1", "g9"};
  b.cells = {"t1"};
  b.values = {30, 10, 90};
  EXPECT_EQ(intersect_genes(a, b), 2u);
  EXPECT_EQ(a.genes, (std::vector<std::string>{"g1", "g3"}));
  EXPECT_EQ(b.genes, a.genes);
  EXPECT_EQ(b.values, (std::vector<double>{10, 30}));
  EXPECT_EQ(a.values, (std::vector<double>{1, 3, 4, 6}));
  MinMax mm;
  mm.fit(a.values.data(), 2, 2, {0, 1});
  EXPECT_DOUBLE_EQ(mm.apply(4, 0), 1.0);
  EXPECT_DOUBLE_EQ(mm.apply(2.5, 0), 0.5);
  EXPECT_DOUBLE_EQ(mm.invert(0.5, 1), 4.5);
  CellExpression c;
  c.genes = {"x"};
  c.source = "c.csv";
  EXPECT_THROW(intersect_genes(a, c), InputError);
}

TEST(DadspSimulate, DeterministicShapesAndShift) {
  SimConfig c;
  c.source_cells = 30;
  c.target_cells = 20;
  c.drugs = 5;
  c.genes = 40;
  c.seed = 7;
  const SimData a = simulate_response(c), b = simulate_response(c);
  EXPECT_EQ(a.source.values, b.source.values);
  EXPECT_EQ(a.target_resp.size(), b.target_resp.size());
  EXPECT_EQ(a.source.cells.size(), 30u);
  EXPECT_EQ(a.target.genes.size(), 40u);
  EXPECT_EQ(a.drugs.dim, 256);
  // About 80% / 50% of the pairs are measured.
  EXPECT_NEAR(double(a.source_resp.size()) / (30 * 5), 0.8, 0.15);
  EXPECT_NEAR(double(a.target_resp.size()) / (20 * 5), 0.5, 0.2);
  // The target's gene means are shifted (shift 1.5 x the gene's sd on average).
  double diff = 0;
  for (int64_t g = 0; g < 40; ++g) {
    double ms = 0, mt = 0;
    for (int64_t i = 0; i < 30; ++i) ms += a.source.values[i * 40 + g] / 30;
    for (int64_t i = 0; i < 20; ++i) mt += a.target.values[i * 40 + g] / 20;
    diff += std::fabs(ms - mt) / 40;
  }
  EXPECT_GT(diff, 0.5);
  c.seed = 8;
  EXPECT_NE(simulate_response(c).source.values, a.source.values);
}
