// GRIP-Lung end to end on real public data, through the CLI:
//   - the GRIP-Lung example (XieHB-lab/GRIP-Lung @03549f6 example/: NCI-60 lung lines, 5-azacytidine;
//     50 genes x 14 samples; input_expression.csv = baseline, output_expression.csv = treated)
//   - CMap build 02 pairs converted from PharmacoGx's CMAPsmall (bhklab/PharmacoGx @3dab6c1e,
//     data/CMAPsmall.rda as CSV: 62 treated arrays, 3 cell lines, 5 drugs)
// Each: train a few epochs, predict, and check the outputs exist with the right genes and samples,
// finite values, and that training lowered the generator's MSE (the loss curve in the checkpoint).
// Skipped, with the reason, when ../shared/data is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/safetensors.h"
#include "engine/json.h"
#include "tests/test_util.h"

using namespace gripcu;

namespace {

std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("gripcu_real_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
int run(const std::string& args, const std::string& log) {
  const int rc = std::system((std::string(GRIPCU_BINARY) + " " + args + " 2>" + log).c_str());
  return WEXITSTATUS(rc);
}
std::vector<double> mse_curve(const std::string& ckpt) {
  const auto st = io::load_safetensors(ckpt);
  const JsonValue state = json_parse(st.metadata.at("gripcu.state"), ckpt);  // kept alive for the loop
  std::vector<double> v;
  for (const auto& e : state.at("mse").arr) v.push_back(e.as_number());
  return v;
}
void expect_finite(const io::ExprMatrix& m) {
  for (double v : m.values) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace

TEST(GripRealData, GripLungExampleTrainsAndPredicts) {
  const std::string in = test::shared_data("grip_lung_example/input_expression.csv");
  const std::string out = test::shared_data("grip_lung_example/output_expression.csv");
  if (!std::filesystem::exists(in) || !std::filesystem::exists(out)) GTEST_SKIP() << "shared data absent: " << in;
  const io::ExprMatrix b = io::read_expression(in), t = io::read_expression(out);
  ASSERT_EQ(b.n_genes(), 50u);
  ASSERT_EQ(b.n_samples(), 14u);
  const std::string dir = tmp("grip_example");
  std::filesystem::remove_all(dir);
  // 14 samples fit one batch: 30 epochs are 30 steps (about a second on one core).
  ASSERT_EQ(run("train --threads 1 --epochs 30 --checkpoint-every 30 --baseline " + in + " --treated " + out + " --out " + dir, dir + ".log"), 0)
      << io::read_file(dir + ".log");
  const std::vector<double> mse = mse_curve(dir + "/model.safetensors");
  ASSERT_EQ(mse.size(), 30u);
  // z-scored targets; seen: 0.34 -> 0.005. Half is a loose bar that a non-learning run fails.
  EXPECT_LT(mse.back(), 0.5 * mse.front());
  EXPECT_TRUE(std::filesystem::exists(dir + "/manifest.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/losses.svg"));

  const std::string pred = dir + "/pred.csv";
  ASSERT_EQ(run("predict --threads 1 --model " + dir + "/model.safetensors --baseline " + in + " --out " + pred, dir + ".plog"), 0)
      << io::read_file(dir + ".plog");
  const io::ExprMatrix p = io::read_expression(pred);
  EXPECT_EQ(p.genes, b.genes);
  EXPECT_EQ(p.samples, b.samples);
  EXPECT_EQ(p.cells, b.cells);
  EXPECT_EQ(p.drugs, b.drugs);
  expect_finite(p);
  // On its own training samples the fitted model is closer to the treated profiles than the
  // baseline is (a fit check, not a generalization claim: the example has one drug, 14 samples).
  double err_pred = 0, err_base = 0;
  for (size_t k = 0; k < b.n_genes(); ++k)
    for (size_t s = 0; s < b.n_samples(); ++s) {
      err_pred += std::pow(p.at(k, s) - t.at(k, s), 2);
      err_base += std::pow(b.at(k, s) - t.at(k, s), 2);
    }
  EXPECT_LT(err_pred, err_base);
}

TEST(GripRealData, CmapSmallPairsTrainAndPredictAnUnmeasuredCombination) {
  const std::string d = test::shared_data("pharmacogx");
  if (!std::filesystem::exists(d + "/CMAPsmall_rna_coldata.csv")) GTEST_SKIP() << "shared data absent: " << d;
  const std::string dir = tmp("cmap");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(run("convert cmap --expr " + d + "/CMAPsmall_rna_expr.csv --coldata " + d + "/CMAPsmall_rna_coldata.csv --rowdata " + d +
                    "/CMAPsmall_rna_rowdata.csv --gene-symbols --out " + dir,
                dir + ".clog"),
            0)
      << io::read_file(dir + ".clog");
  const std::string report = io::read_file(dir + "/report.txt");
  EXPECT_NE(report.find("62 pairs from 62 treated arrays"), std::string::npos) << report;
  EXPECT_NE(report.find("3 cell lines (HL60, MCF7, PC3)"), std::string::npos) << report;
  EXPECT_NE(report.find("14 of 15 (cell, drug) combinations measured"), std::string::npos) << report;
  const io::ExprMatrix b = io::read_expression(dir + "/baseline.csv");
  ASSERT_EQ(b.n_genes(), 50u);  // 51 probes, one without a symbol
  ASSERT_EQ(b.n_samples(), 62u);

  ASSERT_EQ(run("train --threads 1 --epochs 20 --batch 16 --checkpoint-every 20 --baseline " + dir + "/baseline.csv --treated " + dir +
                    "/treated.csv --out " + dir + "/run",
                dir + ".tlog"),
            0)
      << io::read_file(dir + ".tlog");
  const std::vector<double> mse = mse_curve(dir + "/run/model.safetensors");
  ASSERT_EQ(mse.size(), 20u);
  EXPECT_LT(mse.back(), 0.5 * mse.front());  // seen: 0.59 -> 0.026

  // HL60 was never treated with pioglitazone: predict exactly that pair for the HL60 baselines.
  io::ExprMatrix hl60;
  hl60.genes = b.genes;
  for (size_t s = 0; s < b.n_samples(); ++s)
    if (b.cells[s] == "HL60") {
      hl60.samples.push_back(b.samples[s]);
      hl60.cells.push_back(b.cells[s]);
      hl60.drugs.push_back(b.drugs[s]);
    }
  ASSERT_EQ(hl60.samples.size(), 13u);
  hl60.values.resize(hl60.genes.size() * hl60.samples.size());
  for (size_t k = 0, j = 0; k < b.n_genes(); ++k)
    for (size_t s = 0; s < b.n_samples(); ++s)
      if (b.cells[s] == "HL60") hl60.values[j++] = b.at(k, s);
  io::write_expression(hl60, dir + "/hl60.csv", io::ExprFormat::grip_csv);
  const std::string pred = dir + "/hl60_pioglitazone.gct";
  ASSERT_EQ(run("predict --threads 1 --model " + dir + "/run/model.safetensors --baseline " + dir + "/hl60.csv --drug pioglitazone --out " + pred,
                dir + ".plog"),
            0)
      << io::read_file(dir + ".plog");
  const io::ExprMatrix p = io::read_expression(pred);
  EXPECT_EQ(p.genes, b.genes);
  EXPECT_EQ(p.samples, hl60.samples);
  EXPECT_EQ(p.cells, std::vector<std::string>(13, "HL60"));
  EXPECT_EQ(p.drugs, std::vector<std::string>(13, "pioglitazone"));
  expect_finite(p);
  // Patient mode on the same arrays finds their own line: HL60 is the nearest for every one.
  ASSERT_EQ(run("predict --threads 1 --model " + dir + "/run/model.safetensors --baseline " + dir +
                    "/hl60.csv --drug pioglitazone --map-to-nearest-cell --out " + dir + "/mapped.csv",
                dir + ".mlog"),
            0);
  const std::string mapping = io::read_file(dir + "/mapped.csv.mapping.tsv");
  size_t mapped_to_hl60 = 0;
  for (size_t pos = 0; (pos = mapping.find("\tHL60\tHL60\tnearest\t", pos)) != std::string::npos; ++pos) ++mapped_to_hl60;
  EXPECT_EQ(mapped_to_hl60, 13u) << mapping;
}
