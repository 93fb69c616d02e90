// `gripcu simulate response` and `gripcu dadsp ...` end to end on a tiny simulation (a few epochs,
// small layers: this checks the plumbing, the files and the exit codes, not accuracy; the learning
// test is tests/models/test_dadsp_train.cpp), plus bad input (exit 2, nothing written) and, when
// the shared data is present, the real CCLE tables as a target-domain run.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/io/atomic_file.h"
#include "engine/json.h"
#include "tests/test_util.h"

namespace {

std::string dir() {
  static const std::string d = ::testing::TempDir() + "gripcu_cmd_dadsp_" + std::to_string(::getpid());
  return d;
}
std::string p(const std::string& f) { return dir() + "/" + f; }
bool exists(const std::string& f) { return std::ifstream(f).good(); }
std::string slurp(const std::string& f) {
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
int run(const std::string& args, std::string* err = nullptr) {
  gripcu::io::make_dirs(dir());
  const std::string err_path = p("stderr.txt");
  const std::string cmd = std::string(GRIPCU_BINARY) + " " + args + " > '" + p("stdout.txt") + "' 2> '" + err_path + "'";
  const int st = std::system(cmd.c_str());
  if (err) *err = slurp(err_path);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
const char* kSmall =
    " --sae 16,8 --drug-hidden 16,8 --reg-hidden 16,8,8 --disc-hidden 16,8 --epochs 2 --b-epochs 1,1,1"
    " --sae-epochs 1 --sae-finetune-epochs 1 --batch 32 --lr 1e-3 --threads 1";

std::string sim_inputs() {
  return " --source-expr " + p("sim/source_expr.csv") + " --target-expr " + p("sim/target_expr.csv") +
         " --source-response " + p("sim/source_response.csv") + " --target-response " + p("sim/target_response.csv") +
         " --drugs " + p("sim/drugs.csv");
}

class CmdDadsp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string err;
    ASSERT_EQ(run("simulate response --source-cells 60 --target-cells 40 --drugs 6 --genes 30 --seed 3 --out " + p("sim"), &err), 0) << err;
  }
};

}  // namespace

TEST_F(CmdDadsp, SimulateWritesEveryFile) {
  for (const char* f : {"source_expr.csv", "target_expr.csv", "source_response.csv", "target_response.csv", "drugs.csv", "truth.json"})
    EXPECT_TRUE(exists(p(std::string("sim/") + f))) << f;
  EXPECT_EQ(slurp(p("sim/source_response.csv")).rfind("cell,drug,value\n", 0), 0u);
  // Same seed, same bytes.
  ASSERT_EQ(run("simulate response --source-cells 60 --target-cells 40 --drugs 6 --genes 30 --seed 3 --out " + p("sim2")), 0);
  EXPECT_EQ(slurp(p("sim/target_expr.csv")), slurp(p("sim2/target_expr.csv")));
  std::string err;
  EXPECT_EQ(run("simulate response --source-cells 0 --out " + p("sim3"), &err), 2) << err;
  EXPECT_EQ(run("simulate nonsense", &err), 2);
}

TEST_F(CmdDadsp, TrainEvalPredictExplainEmbed) {
  std::string err;
  ASSERT_EQ(run("dadsp train" + sim_inputs() + kSmall + " --variant A --out " + p("runA"), &err), 0) << err;
  EXPECT_TRUE(exists(p("runA/model.safetensors")));
  EXPECT_TRUE(exists(p("runA/manifest.json")));
  EXPECT_TRUE(exists(p("runA/losses.svg")));
  EXPECT_NE(err.find("target test RMSE"), std::string::npos) << err;
  ASSERT_EQ(run("dadsp train" + sim_inputs() + kSmall + " --variant B --out " + p("runB"), &err), 0) << err;

  ASSERT_EQ(run("dadsp eval" + sim_inputs() + kSmall + " --model " + p("runA/model.safetensors") + "," +
                p("runB/model.safetensors") + " --variants ridge,knn,source-only --out " + p("eval"), &err), 0) << err;
  const gripcu::JsonValue j = gripcu::json_parse(slurp(p("eval/metrics.json")));
  ASSERT_EQ(j.at("results").arr.size(), 5u);
  for (const auto& r : j.at("results").arr) {
    EXPECT_GT(r.at("n").as_int(), 0);
    EXPECT_GT(r.at("rmse").as_number(), 0);
  }
  const std::string md = slurp(p("eval/table.md"));
  EXPECT_NE(md.find("| ridge |"), std::string::npos) << md;
  EXPECT_NE(md.find("R^2 origin (paper eqs. 11-12)"), std::string::npos);

  ASSERT_EQ(run("dadsp predict --model " + p("runA/model.safetensors") + " --target-expr " + p("sim/target_expr.csv") +
                " --target-response " + p("sim/target_response.csv") + " --out " + p("pred"), &err), 0) << err;
  EXPECT_TRUE(exists(p("pred/missing_predictions.tsv")));
  EXPECT_NE(slurp(p("stdout.txt")).find("most sensitive"), std::string::npos);
  const std::string rank = slurp(p("pred/drug_ranking.tsv"));
  EXPECT_EQ(rank.rfind("rank\tdrug\tmean_predicted\tmissing_pairs\n", 0), 0u);

  ASSERT_EQ(run("dadsp explain --model " + p("runA/model.safetensors") + " --target-expr " + p("sim/target_expr.csv") +
                " --cell T0001 --drug D01 --steps 64 --top 5 --out " + p("ig.tsv"), &err), 0) << err;
  EXPECT_NE(slurp(p("ig.tsv")).find("rank\tgene\tattribution"), std::string::npos);
  EXPECT_NE(slurp(p("stdout.txt")).find("completeness gap"), std::string::npos);
  EXPECT_EQ(run("dadsp explain --model " + p("runA/model.safetensors") + " --target-expr " + p("sim/target_expr.csv") +
                " --cell NOPE --drug D01 --out " + p("ig2.tsv"), &err), 2);
  EXPECT_FALSE(exists(p("ig2.tsv")));

  ASSERT_EQ(run("dadsp embed --model " + p("runA/model.safetensors") + " --source-expr " + p("sim/source_expr.csv") +
                " --target-expr " + p("sim/target_expr.csv") + " --out " + p("embed"), &err), 0) << err;
  for (const char* f : {"features_before.tsv", "features_after.tsv", "pca_before.svg", "pca_after.svg", "mmd.json"})
    EXPECT_TRUE(exists(p(std::string("embed/") + f))) << f;
  EXPECT_NE(slurp(p("stdout.txt")).find("before adaptation"), std::string::npos);
}

TEST_F(CmdDadsp, BadInputExitsTwoAndWritesNothing) {
  std::ofstream(p("resp_unknown.csv")) << "cell,drug,value\nT0001,D01,0.5\nT0002,NOT_A_DRUG,0.3\n";
  std::ofstream(p("resp_text.csv")) << "cell,drug,value\nT0001,D01,0.5\nT0002,D02,high\n";
  const std::string base = " --source-expr " + p("sim/source_expr.csv") + " --target-expr " + p("sim/target_expr.csv") +
                           " --source-response " + p("sim/source_response.csv") + " --drugs " + p("sim/drugs.csv") + kSmall;
  std::string err;
  EXPECT_EQ(run("dadsp train" + base + " --target-response " + p("resp_unknown.csv") + " --out " + p("bad1"), &err), 2);
  EXPECT_NE(err.find("resp_unknown.csv:3"), std::string::npos) << err;
  EXPECT_NE(err.find("NOT_A_DRUG"), std::string::npos) << err;
  EXPECT_FALSE(exists(p("bad1/model.safetensors")));
  EXPECT_EQ(run("dadsp train" + base + " --target-response " + p("resp_text.csv") + " --out " + p("bad2"), &err), 2);
  EXPECT_NE(err.find("resp_text.csv:3:3"), std::string::npos) << err;
  EXPECT_FALSE(exists(p("bad2/model.safetensors")));
  // --skip-unknown reports and goes on (one target pair is too few to split: exit 2 for that).
  EXPECT_EQ(run("dadsp data" + base + " --target-response " + p("resp_unknown.csv") + " --skip-unknown", &err), 0) << err;
  EXPECT_NE(err.find("1 rows skipped for 1 drugs without features (NOT_A_DRUG)"), std::string::npos) << err;
  EXPECT_EQ(run("dadsp nonsense", &err), 2);
  EXPECT_EQ(run("dadsp train" + base + " --target-response " + p("sim/target_response.csv") + " --variant C --out " + p("bad3"), &err), 2);
  EXPECT_NE(err.find("--variant"), std::string::npos) << err;
  EXPECT_EQ(run("dadsp train" + base + " --target-response " + p("sim/target_response.csv") + " --sae 0,4 --out " + p("bad4"), &err), 2);
}

// Real data: the CCLE IC50 table with CCLEsmall expression (50 genes; arrays mapped to cell lines
// through the column data) and the 256-bit drug vectors, as a target-domain (target-only) run.
TEST_F(CmdDadsp, RealCcleTargetDomainRun) {
  const std::string ccle = gripcu::test::shared_data("dadsp/IC50_ccle.csv");
  if (!exists(ccle)) GTEST_SKIP() << "shared data not found";
  const std::string in = " --target-expr " + gripcu::test::shared_data("pharmacogx/CCLEsmall_rna_expr.csv") +
                         " --target-coldata " + gripcu::test::shared_data("pharmacogx/CCLEsmall_rna_coldata.csv") +
                         " --target-response " + ccle + " --drugs " + gripcu::test::shared_data("dadsp/ccle_data_smiles.csv");
  std::string err;
  ASSERT_EQ(run("dadsp train" + in + kSmall + " --variant target-only --out " + p("ccle"), &err), 0) << err;
  EXPECT_NE(err.find("Cell.line.primary.name"), std::string::npos) << err;
  EXPECT_NE(err.find("11360 of 11360 pairs kept"), std::string::npos) << err;
  // response_CCLE.csv spells some drugs differently: exit 2 without --skip-unknown, a report with it.
  const std::string rc = " --target-expr " + gripcu::test::shared_data("pharmacogx/CCLEsmall_rna_expr.csv") +
                         " --target-coldata " + gripcu::test::shared_data("pharmacogx/CCLEsmall_rna_coldata.csv") +
                         " --target-response " + gripcu::test::shared_data("dadsp/response_CCLE.csv") +
                         " --drugs " + gripcu::test::shared_data("dadsp/ccle_data_smiles.csv");
  EXPECT_EQ(run("dadsp data" + rc, &err), 2);
  EXPECT_NE(err.find("--skip-unknown"), std::string::npos) << err;
  EXPECT_EQ(run("dadsp data" + rc + " --skip-unknown", &err), 0) << err;
  EXPECT_NE(err.find("drugs without features"), std::string::npos) << err;
  EXPECT_TRUE(exists(p("ccle/model.safetensors")));
}
