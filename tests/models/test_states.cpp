// Response states and the resistance index (models/grip/states.h): the RI arithmetic by hand, the
// degenerate cases (zero variance, one sample), the states/classes parsers, the confusion-matrix
// and Spearman arithmetic, and the NCI-60 GI50 validation's overlap counting on the shared data
// (../shared/data/nci60: rcellminerData drug_goodexperiments_for_1075drugs.csv and
// drug_1075_public_v2_4_2.csv, LGPL-3 package / NCI DTP public data; GSEApy's P53.txt).
// The validation tests check the counting and arithmetic against an independent recount here,
// not any threshold on the science.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/expression.h"
#include "kernels/ssgsea.h"
#include "models/grip/states.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {
const StateClass E = StateClass::effective, I = StateClass::ineffective;

// Sample sd (n - 1), written out independently of states.cpp.
std::vector<double> zrow(const std::vector<double>& s) {
  double m = 0;
  for (double v : s) m += v;
  m /= double(s.size());
  double ss = 0;
  for (double v : s) ss += (v - m) * (v - m);
  const double sd = std::sqrt(ss / double(s.size() - 1));
  std::vector<double> z;
  for (double v : s) z.push_back((v - m) / sd);
  return z;
}
}  // namespace

TEST(States, ResistanceIndexByHand) {
  // 3 states (2 effective, 1 ineffective) x 4 samples.
  const std::vector<double> a = {0.1, 0.4, 0.2, 0.3}, b = {-0.2, 0.0, 0.5, 0.1}, c = {0.3, -0.1, 0.0, 0.6};
  std::vector<double> scores = a;
  scores.insert(scores.end(), b.begin(), b.end());
  scores.insert(scores.end(), c.begin(), c.end());
  const StatesResult r = score_states({"A", "B", "C"}, {E, E, I}, scores, 4, "test");
  const auto za = zrow(a), zb = zrow(b), zc = zrow(c);
  ASSERT_EQ(r.ri.size(), 4u);
  for (size_t j = 0; j < 4; ++j) {
    // Tolerance: the same formula in a different summation order, ~1e-16 relative.
    EXPECT_NEAR(r.z[j], za[j], 1e-13);
    EXPECT_NEAR(r.z[8 + j], zc[j], 1e-13);
    const double eff = 0.5 * (za[j] + zb[j]), ri = zc[j] - eff;
    EXPECT_NEAR(r.effective[j], eff, 1e-13);
    EXPECT_NEAR(r.ineffective[j], zc[j], 1e-13);
    EXPECT_NEAR(r.ri[j], ri, 1e-13);
    EXPECT_EQ(std::string(r.label(static_cast<int64_t>(j))), ri > 0 ? "ineffective" : "effective");
  }
  EXPECT_EQ(r.effective_states_used, 2);
  EXPECT_EQ(r.ineffective_states_used, 1);
  // Each state's z has mean 0 and sd 1 across the samples.
  for (int k = 0; k < 3; ++k) {
    double m = 0, ss = 0;
    for (int j = 0; j < 4; ++j) m += r.z[k * 4 + j];
    for (int j = 0; j < 4; ++j) ss += r.z[k * 4 + j] * r.z[k * 4 + j];
    EXPECT_NEAR(m, 0.0, 1e-12);
    EXPECT_NEAR(ss / 3.0, 1.0, 1e-12);
  }
}

TEST(States, RiZeroIsEffective) {
  // Two mirror-image states: E's z equals I's z in every sample, so RI = 0 exactly.
  const StatesResult r = score_states({"A", "B"}, {E, I}, {1, 2, 3, 1, 2, 3}, 3, "test");
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(r.ri[j], 0.0);
    EXPECT_STREQ(r.label(j), "effective");
  }
}

TEST(States, ZeroVarianceStateIsLeftOut) {
  // State B is constant: z = 0 and E is the mean over A alone.
  const std::vector<double> a = {0.1, 0.5, 0.3}, c = {0.2, 0.1, 0.4};
  std::vector<double> s = a;
  s.insert(s.end(), {0.7, 0.7, 0.7});
  s.insert(s.end(), c.begin(), c.end());
  const StatesResult r = score_states({"A", "B", "C"}, {E, E, I}, s, 3, "test");
  EXPECT_FALSE(r.zero_variance[0]);
  EXPECT_TRUE(r.zero_variance[1]);
  EXPECT_EQ(r.effective_states_used, 1);
  const auto za = zrow(a), zc = zrow(c);
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(r.z[3 + j], 0.0);
    EXPECT_NEAR(r.ri[j], zc[j] - za[j], 1e-13);
  }
  // Every ineffective state constant: I = 0 everywhere, RI = -E.
  const StatesResult r2 = score_states({"A", "B"}, {E, I}, {0.1, 0.5, 0.3, 2, 2, 2}, 3, "test");
  EXPECT_EQ(r2.ineffective_states_used, 0);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(r2.ri[j], -za[j], 1e-13);
}

TEST(States, OneSampleAndNonFiniteAreInputErrors) {
  EXPECT_THROW(score_states({"A", "B"}, {E, I}, {0.1, 0.2}, 1, "one.tsv"), InputError);
  EXPECT_THROW(score_states({"A", "B"}, {E, I}, {0.1, NAN, 0.2, 0.3}, 2, "nan.tsv"), InputError);
  try {
    score_states({"A", "B"}, {E, I}, {0.1, 0.2}, 1, "one.tsv");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("one.tsv"), std::string::npos) << e.what();
  }
}

TEST(States, DefaultStatesAreTheCuratedEight) {
  const ResponseStates rs = default_response_states();
  ASSERT_EQ(rs.sets.size(), 8u);
  int eff = 0;
  for (auto c : rs.klass) eff += c == E;
  EXPECT_EQ(eff, 5);
  EXPECT_EQ(rs.sets[0].name, "APOPTOSIS");
  EXPECT_EQ(rs.klass[5], I);  // DRUG_RESISTANCE
}

TEST(States, ClassesFileParsing) {
  const std::string gmt = "S1\td\tA\tB\nS2\td\tC\tD\n";
  // Header optional, comments, CRLF, case-insensitive classes.
  ResponseStates rs = parse_response_states(gmt, "g.gmt", "state\tclass\r\n# note\nS1\tEffective\r\nS2\tINEFFECTIVE\n", "c.tsv");
  ASSERT_EQ(rs.klass.size(), 2u);
  EXPECT_EQ(rs.klass[0], E);
  EXPECT_EQ(rs.klass[1], I);
  rs = parse_response_states(gmt, "g.gmt", "S1\teffective\nS2\tineffective\nS3\teffective\n", "c.tsv");  // extra: a warning
  EXPECT_EQ(rs.sets.size(), 2u);
  auto fails_with = [&](const std::string& classes, const std::string& where) {
    try {
      parse_response_states(gmt, "g.gmt", classes, "c.tsv");
      ADD_FAILURE() << "no error for " << classes;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  };
  fails_with("S1\teffective\n", "g.gmt:2");                          // S2 has no class
  fails_with("S1\teffective\nS2\tmaybe\n", "c.tsv:2");               // bad class
  fails_with("S1\teffective\nS1\tineffective\nS2\te\n", "c.tsv:2");  // duplicate
  fails_with("S1 effective\n", "c.tsv:1");                           // no tab
  fails_with("", "c.tsv");                                           // empty
}

TEST(States, IndexingNeedsBothClasses) {
  const ResponseStates rs = parse_response_states("S1\td\tA\tB\nS2\td\tC\tD\n", "g.gmt", "S1\teffective\nS2\tineffective\n", "c");
  const IndexedStates ok = index_states(rs, {"A", "C", "X"}, "m");
  EXPECT_EQ(ok.sets.n_sets(), 2);
  EXPECT_THROW(index_states(rs, {"A", "B", "X"}, "m"), InputError);  // S2 has no gene left
}

TEST(States, ConfusionArithmetic) {
  Confusion c;
  for (int i = 0; i < 3; ++i) c.add(true, true);    // tp 3
  for (int i = 0; i < 2; ++i) c.add(true, false);   // fp 2
  for (int i = 0; i < 4; ++i) c.add(false, false);  // tn 4
  c.add(false, true);                               // fn 1
  EXPECT_EQ(c.n(), 10);
  EXPECT_DOUBLE_EQ(c.accuracy(), 0.7);
  EXPECT_DOUBLE_EQ(c.precision(), 0.6);
  EXPECT_DOUBLE_EQ(c.recall(), 0.75);
  EXPECT_DOUBLE_EQ(c.specificity(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(c.balanced_accuracy(), 0.5 * (0.75 + 4.0 / 6.0));
  EXPECT_DOUBLE_EQ(c.prevalence(), 0.4);
  EXPECT_DOUBLE_EQ(c.predicted_rate(), 0.5);
  EXPECT_DOUBLE_EQ(c.chance_accuracy(), 0.4 * 0.5 + 0.6 * 0.5);
  Confusion none;
  none.add(false, false);
  EXPECT_TRUE(std::isnan(none.precision()));
  EXPECT_TRUE(std::isnan(none.recall()));
  EXPECT_DOUBLE_EQ(none.accuracy(), 1.0);
}

TEST(States, SpearmanWithTies) {
  // R: cor(c(1,2,2,4,5), c(5,3,4,2,1), method = "spearman") = -0.9746794344808963
  EXPECT_NEAR(spearman_rho({1, 2, 2, 4, 5}, {5, 3, 4, 2, 1}), -0.9746794344808963, 1e-12);
  EXPECT_NEAR(spearman_rho({1, 2, 3}, {10, 20, 30}), 1.0, 1e-15);
  EXPECT_TRUE(std::isnan(spearman_rho({1, 2}, {1, 2})));
  EXPECT_TRUE(std::isnan(spearman_rho({1, 1, 1}, {1, 2, 3})));
}

TEST(States, CellKeys) {
  EXPECT_EQ(nci60_cell_key("LC:A549/ATCC"), "A549");
  EXPECT_EQ(nci60_cell_key("A549/ATCC"), "A549");
  EXPECT_EQ(nci60_cell_key("MDA-MB-231/ATCC"), nci60_cell_key("BR:MDA-MB-231"));
  EXPECT_EQ(nci60_cell_key("RXF-393"), nci60_cell_key("RE:RXF 393"));
  EXPECT_EQ(nci60_cell_key("LE:HL-60(TB)"), "HL60TB");
}

TEST(States, ValidationCountsOnASmallTable) {
  // 4 expression samples (one unknown to the table) x a table of 3 cells and 2 drugs.
  const StatesResult st = score_states({"E1", "I1"}, {E, I}, {0.4, 0.1, 0.3, 0.0, /**/ 0.1, 0.4, 0.2, 0.0}, 4, "t");
  // RI > 0 (ineffective) for samples 1 and 2 only? Check against the labels st gives.
  Gi50Table t;
  t.source = "t.csv";
  t.nsc = {"1", "2"};
  t.name = {"one", ""};
  t.mechanism = {"", ""};
  t.experiments = {1, 2};
  t.cells = {"A549/ATCC", "HOP-62", "MCF7"};
  t.panels = {"LC", "LC", "BR"};
  t.pgi50 = {9.0, 5.0, NAN, /**/ 4.0, 8.5, 8.0};  // 8.0 is not > 8: ineffective
  const std::vector<std::string> samples = {"A549", "HOP 62", "UNKNOWN", "MCF7"};
  const Gi50Validation v = validate_gi50(st, samples, t, 8.0);
  ASSERT_EQ(v.matched.size(), 3u);
  EXPECT_EQ(v.matched[1].second, "LC:HOP-62");
  ASSERT_EQ(v.expr_unmatched.size(), 1u);
  EXPECT_EQ(v.expr_unmatched[0], "UNKNOWN");
  EXPECT_TRUE(v.gi50_unmatched.empty());
  EXPECT_EQ(v.pairs, 5);
  EXPECT_EQ(v.missing, 1);
  // Recount by hand from the labels.
  Confusion want;
  const int sample_of_col[3] = {0, 1, 3};
  for (int d = 0; d < 2; ++d)
    for (int c = 0; c < 3; ++c) {
      const double g = t.pgi50[d * 3 + c];
      if (std::isnan(g)) continue;
      want.add(!st.is_ineffective(sample_of_col[c]), g > 8.0);
    }
  EXPECT_EQ(v.pooled.tp, want.tp);
  EXPECT_EQ(v.pooled.fp, want.fp);
  EXPECT_EQ(v.pooled.tn, want.tn);
  EXPECT_EQ(v.pooled.fn, want.fn);
  EXPECT_EQ(v.by_panel.at("LC").n() + v.by_panel.at("BR").n(), 5);
  ASSERT_EQ(v.per_drug.size(), 2u);
  EXPECT_EQ(v.per_drug[0].c.n(), 2);
  EXPECT_EQ(v.per_drug[1].c.n(), 3);
  EXPECT_TRUE(std::isnan(v.per_drug[0].spearman_ri));  // 2 points
  // Duplicate cell lines in the expression are an error.
  EXPECT_THROW(validate_gi50(st, {"A549", "A549/ATCC", "X", "Y"}, t, 8.0), InputError);
}

// ---- the shared NCI-60 data ------------------------------------------------------------------

namespace {
std::vector<std::string> split_csv_simple(const std::string& line) {
  // rcellminer's files quote only text fields without embedded commas in the columns used here
  // (nsc, and the numeric cells); good enough for an independent recount.
  std::vector<std::string> f;
  std::string cur;
  bool q = false;
  for (char ch : line) {
    if (ch == '"') q = !q;
    else if (ch == ',' && !q) { f.push_back(cur); cur.clear(); }
    else cur += ch;
  }
  f.push_back(cur);
  return f;
}
}  // namespace

TEST(StatesNci60, Gi50TableAndOverlapCounting) {
  const std::string gi50 = test::shared_data("nci60/drug_goodexperiments_for_1075drugs.csv");
  const std::string annot = test::shared_data("nci60/drug_1075_public_v2_4_2.csv");
  const std::string expr = test::shared_data("nci60/P53_NCI60_10100x50.txt");
  if (!std::ifstream(gi50).good() || !std::ifstream(expr).good()) GTEST_SKIP() << "shared NCI-60 data not found";

  // Independent recount: per (nsc, column) sums and counts.
  std::ifstream in(gi50);
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_simple(line);
  const size_t C = header.size() - 3;
  std::map<std::string, std::vector<double>> sum;
  std::map<std::string, std::vector<int>> cnt;
  std::map<std::string, int> exps;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto f = split_csv_simple(line);
    ASSERT_EQ(f.size(), C + 3);
    ++rows;
    ++exps[f[0]];
    auto& s = sum[f[0]];
    auto& n = cnt[f[0]];
    s.resize(C, 0.0);
    n.resize(C, 0);
    for (size_t c = 0; c < C; ++c)
      if (f[3 + c] != "NA") { s[c] += std::stod(f[3 + c]); ++n[c]; }
  }
  EXPECT_EQ(rows, 1690);

  const Gi50Table t = read_nci60_gi50(gi50, annot);
  ASSERT_EQ(t.n_drugs(), sum.size());
  EXPECT_EQ(t.n_drugs(), 1075u);
  ASSERT_EQ(t.n_cells(), 60u);
  EXPECT_EQ(t.cells[18], "A549/ATCC");
  EXPECT_EQ(t.panels[18], "LC");
  int64_t total_exps = 0;
  for (size_t d = 0; d < t.n_drugs(); ++d) {
    total_exps += t.experiments[d];
    EXPECT_EQ(t.experiments[d], exps.at(t.nsc[d]));
    const auto& s = sum.at(t.nsc[d]);
    const auto& n = cnt.at(t.nsc[d]);
    for (size_t c = 0; c < C; ++c) {
      const double got = t.pgi50[d * C + c];
      if (n[c] == 0) {
        EXPECT_TRUE(std::isnan(got));
      } else {
        EXPECT_NEAR(got, s[c] / n[c], 1e-12) << t.nsc[d] << " " << t.cells[c];  // same sum, maybe another order
      }
    }
  }
  EXPECT_EQ(total_exps, 1690);
  size_t named = 0;
  for (const auto& nm : t.name) named += !nm.empty();
  EXPECT_GT(named, 0u);

  // States on the baseline expression (CPU), then the validation.
  const io::ExprMatrix m = io::read_expression(expr);
  ASSERT_EQ(m.n_samples(), 50u);
  const IndexedStates is = index_states(default_response_states(), m.genes, "states");
  std::vector<double> scores(static_cast<size_t>(is.sets.n_sets()) * m.n_samples());
  kernels::ssgsea_cpu<double>(static_cast<int64_t>(m.n_genes()), static_cast<int64_t>(m.n_samples()), m.values.data(),
                              is.sets.n_sets(), is.sets.offsets.data(), is.sets.members.data(), kernels::SsgseaOptions{},
                              scores.data());
  const StatesResult st = score_states(is.sets.names, is.klass, scores, static_cast<int64_t>(m.n_samples()), expr);
  const Gi50Validation v = validate_gi50(st, m.samples, t, 8.0);

  // All 50 expression lines are NCI-60 lines of the table; 10 table lines have no expression.
  EXPECT_EQ(v.matched.size(), 50u);
  EXPECT_TRUE(v.expr_unmatched.empty());
  EXPECT_EQ(v.gi50_unmatched.size(), 10u);
  std::set<std::string> unmatched(v.gi50_unmatched.begin(), v.gi50_unmatched.end());
  EXPECT_TRUE(unmatched.count("LC:NCI-H226"));
  EXPECT_TRUE(unmatched.count("OV:NCI/ADR-RES"));

  // Pairs and the pooled confusion, recounted from the independent table and the RI labels.
  std::map<std::string, size_t> col_of_key;
  for (size_t c = 0; c < C; ++c) col_of_key[nci60_cell_key(header[3 + c])] = c;
  Confusion want;
  int64_t missing = 0;
  std::map<std::string, Confusion> want_panel;
  for (const auto& [nsc, s] : sum) {
    const auto& n = cnt.at(nsc);
    for (size_t j = 0; j < m.n_samples(); ++j) {
      const size_t c = col_of_key.at(nci60_cell_key(m.samples[j]));
      if (n[c] == 0) { ++missing; continue; }
      const bool truth = s[c] / n[c] > 8.0, pred = !st.is_ineffective(static_cast<int64_t>(j));
      want.add(pred, truth);
      want_panel[header[3 + c].substr(0, header[3 + c].find(':'))].add(pred, truth);
    }
  }
  EXPECT_EQ(v.pairs, want.n());
  EXPECT_EQ(v.missing, missing);
  EXPECT_EQ(v.pooled.tp, want.tp);
  EXPECT_EQ(v.pooled.fp, want.fp);
  EXPECT_EQ(v.pooled.tn, want.tn);
  EXPECT_EQ(v.pooled.fn, want.fn);
  ASSERT_EQ(v.by_panel.size(), want_panel.size());
  for (const auto& [p, c] : want_panel) EXPECT_EQ(v.by_panel.at(p).n(), c.n()) << p;
  // The per-drug confusions add up to the pooled one.
  Confusion sum_drugs;
  for (const auto& d : v.per_drug) {
    sum_drugs.tp += d.c.tp; sum_drugs.fp += d.c.fp; sum_drugs.tn += d.c.tn; sum_drugs.fn += d.c.fn;
  }
  EXPECT_EQ(sum_drugs.n(), v.pooled.n());
  EXPECT_EQ(sum_drugs.tp, v.pooled.tp);
  EXPECT_DOUBLE_EQ(v.pooled.accuracy(), double(want.tp + want.tn) / double(want.n()));
  EXPECT_LE(v.spearman_drugs, v.drugs_with_pairs);
  // The cell-line level correlation from the independent table (Spearman itself is checked
  // against R above).
  std::vector<double> ri, mean_pg;
  for (size_t j = 0; j < m.n_samples(); ++j) {
    const size_t c = col_of_key.at(nci60_cell_key(m.samples[j]));
    double total = 0;
    int k = 0;
    for (const auto& [nsc, s] : sum)
      if (cnt.at(nsc)[c] > 0) { total += s[c] / cnt.at(nsc)[c]; ++k; }
    ri.push_back(st.ri[j]);
    mean_pg.push_back(total / k);
  }
  // Tolerance: the means are summed in another drug order (~1e-15 relative), far from any rank tie.
  EXPECT_NEAR(v.cell_mean_spearman, spearman_rho(ri, mean_pg), 1e-12);
}
