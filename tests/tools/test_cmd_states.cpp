// `gripcu states` end to end on real data (../shared/data/nci60/P53_NCI60_10100x50.txt, GSEApy's
// P53 dataset; GI50 from rcellminerData, see tests/models/test_states.cpp): output files and
// layout, agreement with `gripcu ssgsea` on the same sets, the RI arithmetic from the written
// z-scores, the GI50 validation outputs, `gripcu ssgsea`'s manifest, and the bad-input contract
// (exit 2, nothing written).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/json.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& f) {
  return ::testing::TempDir() + "gripcu_cmd_states_" + std::to_string(::getpid()) + "_" + f;
}
std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
int run(const std::string& sub, const std::string& args, std::string* err = nullptr) {
  const std::string err_path = tmp("stderr.txt");
  const std::string cmd = std::string(GRIPCU_BINARY) + " " + sub + " " + args + " 2> '" + err_path + "'";
  const int st = std::system(cmd.c_str());
  if (err) *err = slurp(err_path);
  std::remove(err_path.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
std::vector<std::string> split(const std::string& line, char d = '\t') {
  std::vector<std::string> f;
  size_t b = 0;
  while (true) {
    const size_t e = line.find(d, b);
    f.push_back(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return f;
}
std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) rows.push_back(split(line));
  return rows;
}
std::string expr() { return gripcu::test::shared_data("nci60/P53_NCI60_10100x50.txt"); }
bool have_data() { return std::ifstream(expr()).good(); }

}  // namespace

TEST(CmdStates, Nci60DefaultStates) {
  if (!have_data()) GTEST_SKIP() << "shared NCI-60 data not found";
  const std::string out = tmp("nci60");
  ASSERT_EQ(run("states", "--expr '" + expr() + "' --out '" + out + "' --threads 2"), 0);
  for (const char* f : {"scores.tsv", "zscores.tsv", "ri.tsv", "states.json", "heatmap.svg", "manifest.json"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  EXPECT_FALSE(fs::exists(out + "/gi50_validation.json"));

  const auto scores = read_tsv(out + "/scores.tsv"), z = read_tsv(out + "/zscores.tsv"), ri = read_tsv(out + "/ri.tsv");
  ASSERT_EQ(scores.size(), 9u);  // header + 8 states
  ASSERT_EQ(scores[0].size(), 51u);
  EXPECT_EQ(scores[0][0], "");
  EXPECT_EQ(scores[0][35], "A549/ATCC");
  EXPECT_EQ(scores[1][0], "APOPTOSIS");
  ASSERT_EQ(ri.size(), 51u);
  EXPECT_EQ(ri[0], (std::vector<std::string>{"sample", "effective_score", "ineffective_score", "RI", "label"}));

  // The same scores as `gripcu ssgsea` with the curated GMT file (the built-in copy is the same text).
  const std::string ss = tmp("ss.tsv");
  ASSERT_EQ(run("ssgsea", "--expr '" + expr() + "' --gmt '" + gripcu::test::source_path("data/response_states.gmt") +
                              "' --out '" + ss + "'"),
            0);
  const auto ssr = read_tsv(ss);
  ASSERT_EQ(ssr.size(), scores.size());
  for (size_t r = 0; r < ssr.size(); ++r) {
    ASSERT_EQ(ssr[r].size(), scores[r].size());
    EXPECT_EQ(ssr[r][0], scores[r][0]);
    for (size_t c = 1; r > 0 && c < ssr[r].size(); ++c)
      EXPECT_EQ(std::stod(ssr[r][c]), std::stod(scores[r][c])) << r << "," << c;  // both print exact doubles
  }
  // gripcu ssgsea writes its manifest next to its output.
  const gripcu::JsonValue man = gripcu::json_parse(slurp(ss + ".manifest.json"), "manifest");
  EXPECT_EQ(man.at("command").as_string(), "ssgsea");
  EXPECT_EQ(man.at("inputs").arr.size(), 2u);
  EXPECT_EQ(man.at("inputs").arr[0].at("sha256").as_string().size(), 64u);
  std::remove(ss.c_str());
  std::remove((ss + ".manifest.json").c_str());

  // RI from the written z-scores (classes: the first five effective, the last three ineffective).
  int n_ineff = 0;
  for (size_t j = 1; j <= 50; ++j) {
    double e = 0, i = 0;
    for (size_t k = 1; k <= 8; ++k) (k <= 5 ? e : i) += std::stod(z[k][j]);
    e /= 5;
    i /= 3;
    EXPECT_EQ(ri[j][0], z[0][j]);
    // Tolerance: the same sums in another order, ~1e-15.
    EXPECT_NEAR(std::stod(ri[j][1]), e, 1e-12);
    EXPECT_NEAR(std::stod(ri[j][2]), i, 1e-12);
    EXPECT_NEAR(std::stod(ri[j][3]), i - e, 1e-12);
    EXPECT_EQ(ri[j][4], std::stod(ri[j][3]) > 0 ? "ineffective" : "effective");
    n_ineff += ri[j][4] == "ineffective";
  }
  const gripcu::JsonValue st = gripcu::json_parse(slurp(out + "/states.json"), "states.json");
  EXPECT_EQ(st.at("labels").at("ineffective").as_int(), n_ineff);
  EXPECT_EQ(st.at("states").arr.size(), 8u);
  const gripcu::JsonValue m = gripcu::json_parse(slurp(out + "/manifest.json"), "manifest");
  EXPECT_EQ(m.at("command").as_string(), "states");
  fs::remove_all(out);
}

TEST(CmdStates, Gi50Validation) {
  const std::string gi50 = gripcu::test::shared_data("nci60/drug_goodexperiments_for_1075drugs.csv");
  const std::string annot = gripcu::test::shared_data("nci60/drug_1075_public_v2_4_2.csv");
  if (!have_data() || !std::ifstream(gi50).good()) GTEST_SKIP() << "shared NCI-60 data not found";
  const std::string out = tmp("gi50");
  std::string err;
  ASSERT_EQ(run("states", "--expr '" + expr() + "' --out '" + out + "' --validate-gi50 '" + gi50 +
                              "' --gi50-annotation '" + annot + "'",
                &err),
            0)
      << err;
  std::printf("%s", err.c_str());  // the validation summary line, for the log
  const gripcu::JsonValue v = gripcu::json_parse(slurp(out + "/gi50_validation.json"), "gi50_validation.json");
  EXPECT_EQ(v.at("cell_lines_matched").as_int(), 50);
  EXPECT_EQ(v.at("gi50_unmatched").arr.size(), 10u);
  const auto& p = v.at("pooled");
  const int64_t tp = p.at("tp").as_int(), fp = p.at("fp").as_int(), tn = p.at("tn").as_int(), fn = p.at("fn").as_int();
  EXPECT_EQ(tp + fp + tn + fn, v.at("pairs").as_int());
  EXPECT_NEAR(p.at("accuracy").as_number(), double(tp + tn) / double(tp + fp + tn + fn), 1e-15);
  ASSERT_GT(tp + fp, 0);
  ASSERT_GT(tp + fn, 0);
  EXPECT_NEAR(p.at("precision").as_number(), double(tp) / double(tp + fp), 1e-15);
  EXPECT_NEAR(p.at("recall").as_number(), double(tp) / double(tp + fn), 1e-15);
  // The per-drug table adds up to the pooled counts.
  const auto rows = read_tsv(out + "/gi50_per_drug.tsv");
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "nsc");
  int64_t sum_pairs = 0, sum_tp = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    sum_pairs += std::stoll(rows[r][2]);
    sum_tp += std::stoll(rows[r][4]);
  }
  EXPECT_EQ(sum_pairs, v.at("pairs").as_int());
  EXPECT_EQ(sum_tp, tp);
  EXPECT_EQ(static_cast<int64_t>(rows.size() - 1), v.at("drugs_with_pairs").as_int());
  fs::remove_all(out);
}

TEST(CmdStates, CustomStatesAndBadInput) {
  if (!have_data()) GTEST_SKIP() << "shared NCI-60 data not found";
  const std::string gmt = tmp("two.gmt"), cls = tmp("two.tsv"), bad_cls = tmp("bad.tsv");
  std::ofstream(gmt) << "UP\tup\tTP53\tMDM2\tCDKN1A\tBAX\nDOWN\tdown\tMYC\tCCND1\tE2F1\n";
  std::ofstream(cls) << "UP\teffective\nDOWN\tineffective\n";
  std::ofstream(bad_cls) << "UP\teffective\nDOWN\tsometimes\n";
  const std::string out = tmp("custom");
  ASSERT_EQ(run("states", "--expr '" + expr() + "' --gmt '" + gmt + "' --classes '" + cls + "' --out '" + out + "'"), 0);
  EXPECT_EQ(read_tsv(out + "/scores.tsv").size(), 3u);
  fs::remove_all(out);

  // One sample: z-scores are undefined.
  const std::string one = tmp("one.tsv");
  {
    std::ifstream in(expr());
    std::ofstream o(one);
    std::string line;
    while (std::getline(in, line)) {
      const auto f = split(line);
      o << f[0] << '\t' << f[2] << '\n';
    }
  }
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--expr '" + expr() + "' --gmt '" + gmt + "'", "--gmt"},
      {"--expr '" + expr() + "' --gmt '" + gmt + "' --classes '" + bad_cls + "'", bad_cls + ":2"},
      {"--expr '" + one + "'", "no spread"},
      {"--expr '" + expr() + "' --gi50-threshold 7", "--gi50-threshold"},
      {"--expr '" + expr() + "' --validate-gi50 '" + tmp("missing.csv") + "'", "missing.csv"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_EQ(run("states", c.args + " --out '" + out + "'", &err), 2) << c.args << "\n" << err;
    EXPECT_NE(err.find(c.message), std::string::npos) << c.args << "\n" << err;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
  for (const auto& f : {gmt, cls, bad_cls, one}) std::remove(f.c_str());
}
