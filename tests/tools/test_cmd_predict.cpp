// gripcu predict: patient mode (nearest training cell line by Pearson correlation, §2.4, §4.9) on
// noisy copies of training cell lines' baselines, the mapping file, --cell / --drug for any pair,
// output formats, and the bad-input contract (exit 2, the problem named, nothing written).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "models/grip/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;

namespace {

class PredictCli : public ::testing::Test {
 protected:
  static std::string dir_, model_;

  static void SetUpTestSuite() {
    dir_ = (std::filesystem::temp_directory_path() / ("gripcu_predict_" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string bin = GRIPCU_BINARY;
    ASSERT_EQ(std::system((bin + " simulate perturbation --genes 40 --cells 4 --drugs 2 --seed 3 --out " + dir_ + " 2>/dev/null").c_str()), 0);
    ASSERT_EQ(std::system((bin + " train --threads 1 --epochs 3 --baseline " + dir_ + "/baseline.csv --treated " + dir_ +
                           "/treated.csv --out " + dir_ + "/m 2>/dev/null").c_str()), 0);
    model_ = dir_ + "/m/model.safetensors";
  }

  // Runs predict with `args`; returns the exit code, stderr in *err.
  static int predict(const std::string& args, std::string* err = nullptr) {
    const std::string e = dir_ + "/stderr.txt";
    const int rc = std::system((std::string(GRIPCU_BINARY) + " predict --threads 1 --model " + model_ + " " + args + " 2>" + e).c_str());
    if (err) *err = io::read_file(e);
    return WEXITSTATUS(rc);
  }
  static bool wrote_anything(const std::string& out) {
    return std::filesystem::exists(out) || std::filesystem::exists(out + ".mapping.tsv") || std::filesystem::exists(out + ".manifest.json");
  }
  static std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(io::read_file(path));
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      size_t pos = 0;
      for (;;) {
        const size_t t = line.find('\t', pos);
        f.push_back(line.substr(pos, t == std::string::npos ? std::string::npos : t - pos));
        if (t == std::string::npos) break;
        pos = t + 1;
      }
      rows.push_back(f);
    }
    return rows;
  }
  static double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) { ma += a[i]; mb += b[i]; }
    ma /= double(a.size());
    mb /= double(b.size());
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
  }
};
std::string PredictCli::dir_, PredictCli::model_;

}  // namespace

TEST_F(PredictCli, PatientModeMapsNoisyCopiesToTheirCellLine) {
  const auto m = grip::GripModel::load(model_, Device::cpu());
  const size_t g = m->genes.size(), nc = m->cells.names.size();
  ASSERT_EQ(nc, 4u);
  // Each training cell line's mean baseline, two noisy copies each, as a plain CSV (no cell or
  // drug rows: a patient cohort), genes in reverse order plus one gene the model does not know.
  double min_gap = 1e300;  // smallest RMS distance between two cell lines' profiles
  for (size_t a = 0; a < nc; ++a)
    for (size_t b = a + 1; b < nc; ++b) {
      double s = 0;
      for (size_t k = 0; k < g; ++k) {
        const double d = m->cell_profiles[a * g + k] - m->cell_profiles[b * g + k];
        s += d * d;
      }
      min_gap = std::min(min_gap, std::sqrt(s / double(g)));
    }
  const double amp = 0.5 * min_gap;  // uniform noise of RMS amp/sqrt(3): clearly perturbed, still closest to its source
  const Tensor noise = test::random_tensor({static_cast<int64_t>(2 * nc), static_cast<int64_t>(g)}, 17, DType::f64, -amp, amp);
  const auto nv = noise.to_vector<double>();
  io::ExprMatrix x;
  for (size_t k = g; k-- > 0;) x.genes.push_back(m->genes[k]);
  x.genes.push_back("NOT_A_MODEL_GENE");
  std::vector<std::vector<double>> profiles;
  for (size_t c = 0; c < nc; ++c)
    for (int r = 0; r < 2; ++r) {
      x.samples.push_back("patient_" + m->cells.names[c] + "_" + std::to_string(r));
      std::vector<double> p(g);
      for (size_t k = 0; k < g; ++k) p[k] = m->cell_profiles[c * g + k] + nv[profiles.size() * g + k];
      profiles.push_back(p);
    }
  const size_t n = profiles.size();
  x.values.assign((g + 1) * n, 0.0);
  for (size_t s = 0; s < n; ++s) {
    for (size_t k = 0; k < g; ++k) x.values[(g - 1 - k) * n + s] = profiles[s][k];
    x.values[g * n + s] = 123.0;
  }
  const std::string in = dir_ + "/patients.csv", out = dir_ + "/patients_pred.csv";
  io::write_expression(x, in, io::ExprFormat::csv);

  std::string err;
  ASSERT_EQ(predict("--baseline " + in + " --drug DRUG02 --map-to-nearest-cell --out " + out, &err), 0) << err;
  const auto rows = read_tsv(out + ".mapping.tsv");
  ASSERT_EQ(rows.size(), n + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"sample", "input_cell", "model_cell", "cell_source", "pearson", "drug"}));
  for (size_t s = 0; s < n; ++s) {
    const auto& r = rows[s + 1];
    ASSERT_EQ(r.size(), 6u);
    const std::string source_cell = m->cells.names[s / 2];
    EXPECT_EQ(r[0], x.samples[s]);
    EXPECT_EQ(r[1], "");  // the input has no cell row
    EXPECT_EQ(r[2], source_cell) << x.samples[s];
    EXPECT_EQ(r[3], "nearest");
    EXPECT_EQ(r[5], "DRUG02");
    // The reported correlation is the one with the chosen line's reference profile, and the best.
    double best = -2;
    for (size_t c = 0; c < nc; ++c)
      best = std::max(best, pearson(profiles[s], std::vector<double>(m->cell_profiles.begin() + static_cast<std::ptrdiff_t>(c * g),
                                                                    m->cell_profiles.begin() + static_cast<std::ptrdiff_t>((c + 1) * g))));
    EXPECT_NEAR(std::stod(r[4]), best, 1e-5);  // printed with 6 significant digits
    EXPECT_LT(std::stod(r[4]), 1.0);           // the copies are noisy
    EXPECT_NE(err.find("patient mode: " + x.samples[s] + " -> " + source_cell + " (Pearson r = " + r[4] + ")"), std::string::npos) << err;
  }
  // Patient mode uses the mapped line's embedding: the same numbers as naming that line with --cell.
  const io::ExprMatrix mapped = io::read_expression(out);
  EXPECT_EQ(mapped.genes, m->genes);
  for (size_t c = 0; c < nc; ++c) {
    const std::string out_c = dir_ + "/patients_cell.csv";
    ASSERT_EQ(predict("--baseline " + in + " --drug DRUG02 --cell " + m->cells.names[c] + " --out " + out_c), 0);
    const io::ExprMatrix fixed = io::read_expression(out_c);
    for (size_t s = 2 * c; s < 2 * c + 2; ++s)
      for (size_t k = 0; k < g; ++k) ASSERT_EQ(mapped.at(k, s), fixed.at(k, s)) << x.samples[s] << " " << m->genes[k];
    EXPECT_EQ(read_tsv(out_c + ".mapping.tsv")[1][3], "--cell");
  }
}

TEST_F(PredictCli, OwnCellsAndDrugsOrAnyOtherPair) {
  const std::string out = dir_ + "/own.csv";
  ASSERT_EQ(predict("--baseline " + dir_ + "/baseline.csv --out " + out), 0);
  const io::ExprMatrix b = io::read_expression(dir_ + "/baseline.csv"), p = io::read_expression(out);
  EXPECT_EQ(p.samples, b.samples);
  EXPECT_EQ(p.cells, b.cells);
  EXPECT_EQ(p.drugs, b.drugs);
  const auto rows = read_tsv(out + ".mapping.tsv");
  ASSERT_EQ(rows.size(), b.n_samples() + 1);
  for (size_t s = 0; s < b.n_samples(); ++s)
    EXPECT_EQ(rows[s + 1], (std::vector<std::string>{b.samples[s], b.cells[s], b.cells[s], "input", "NA", b.drugs[s]}));
  // Every sample under DRUG01 instead: the drug row says so, and DRUG02 samples' predictions change.
  const std::string out1 = dir_ + "/drug01.csv";
  ASSERT_EQ(predict("--baseline " + dir_ + "/baseline.csv --drug DRUG01 --out " + out1), 0);
  const io::ExprMatrix q = io::read_expression(out1);
  for (size_t s = 0; s < q.n_samples(); ++s) {
    EXPECT_EQ(q.drugs[s], "DRUG01");
    bool same = true;
    for (size_t k = 0; k < q.n_genes(); ++k) same = same && q.at(k, s) == p.at(k, s);
    EXPECT_EQ(same, b.drugs[s] == "DRUG01") << b.samples[s];
  }
}

TEST_F(PredictCli, OutputFormatByFlagOrExtension) {
  const std::string ref = dir_ + "/fmt_ref.csv";
  ASSERT_EQ(predict("--baseline " + dir_ + "/baseline.csv --out " + ref), 0);
  const io::ExprMatrix r = io::read_expression(ref);
  const std::string gct = dir_ + "/fmt.gct", tsv = dir_ + "/fmt.out";
  ASSERT_EQ(predict("--baseline " + dir_ + "/baseline.csv --out " + gct), 0);  // by extension
  ASSERT_EQ(predict("--baseline " + dir_ + "/baseline.csv --format tsv --out " + tsv), 0);
  EXPECT_EQ(io::detect_format(gct), io::ExprFormat::gct);
  const io::ExprMatrix g = io::read_expression(gct), t = io::read_expression(tsv, io::ExprFormat::tsv);
  EXPECT_EQ(g.values, r.values);  // shortest round-trip number text in every format
  EXPECT_EQ(t.values, r.values);
  EXPECT_EQ(g.cells, r.cells);  // GCT 1.3 carries them as cell_id / pert_iname
  EXPECT_EQ(g.drugs, r.drugs);
  EXPECT_EQ(t.genes, r.genes);
  std::string err;
  EXPECT_EQ(predict("--baseline " + dir_ + "/baseline.csv --format xlsx --out " + dir_ + "/fmt_bad.csv", &err), 2);
  EXPECT_NE(err.find("--format"), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(dir_ + "/fmt_bad.csv"));
}

TEST_F(PredictCli, UnknownDrugIsExitTwoListingTheKnownOnes) {
  const std::string out = dir_ + "/bad_drug.csv";
  std::string err;
  EXPECT_EQ(predict("--baseline " + dir_ + "/baseline.csv --drug NOSUCH --out " + out, &err), 2);
  EXPECT_NE(err.find("--drug: unknown drug 'NOSUCH'; the model knows: DRUG01, DRUG02"), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(out));
  // The same from the file's drug row: the file is named.
  io::ExprMatrix b = io::read_expression(dir_ + "/baseline.csv");
  b.drugs[1] = "DRUG99";
  const std::string in = dir_ + "/drug99.csv";
  io::write_expression(b, in, io::ExprFormat::grip_csv);
  EXPECT_EQ(predict("--baseline " + in + " --out " + out, &err), 2);
  EXPECT_NE(err.find(in + ": unknown drug 'DRUG99'; the model knows: DRUG01, DRUG02"), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(out));
}

TEST_F(PredictCli, UnknownCellWithoutMappingIsExitTwo) {
  io::ExprMatrix b = io::read_expression(dir_ + "/baseline.csv");
  b.cells[2] = "NEWCELL";
  const std::string in = dir_ + "/newcell.csv", out = dir_ + "/newcell_pred.csv";
  io::write_expression(b, in, io::ExprFormat::grip_csv);
  std::string err;
  EXPECT_EQ(predict("--baseline " + in + " --out " + out, &err), 2);
  EXPECT_NE(err.find(in + ": sample '" + b.samples[2] + "': cell line 'NEWCELL' is unknown to the model; the model knows: CELL01, CELL02, CELL03, CELL04"),
            std::string::npos) << err;
  EXPECT_NE(err.find("--map-to-nearest-cell"), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(out));
  EXPECT_EQ(predict("--baseline " + in + " --cell NEWCELL --out " + out, &err), 2);
  EXPECT_NE(err.find("--cell: unknown cell line 'NEWCELL'"), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(out));
  // A plain matrix has no cell row at all: say what to give.
  const std::string plain = dir_ + "/plain.tsv";
  io::ExprMatrix pm = b;
  pm.cells.clear();
  pm.drugs.clear();
  io::write_expression(pm, plain, io::ExprFormat::tsv);
  EXPECT_EQ(predict("--baseline " + plain + " --drug DRUG01 --out " + out, &err), 2);
  EXPECT_NE(err.find("has no cell line"), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(out));
  // With the mapping, the new line gets its nearest training line.
  ASSERT_EQ(predict("--baseline " + in + " --map-to-nearest-cell --out " + out, &err), 0) << err;
  const auto rows = read_tsv(out + ".mapping.tsv");
  EXPECT_EQ(rows[3][1], "NEWCELL");
  EXPECT_EQ(rows[3][3], "nearest");
}

TEST_F(PredictCli, MissingModelGenesAreExitTwoNamingFileAndGenes) {
  io::ExprMatrix b = io::read_expression(dir_ + "/baseline.csv");
  const std::string g1 = b.genes[3], g2 = b.genes[17];
  io::ExprMatrix c = b;
  c.genes.clear();
  c.values.clear();
  for (size_t k = 0; k < b.n_genes(); ++k) {
    if (k == 3 || k == 17) continue;
    c.genes.push_back(b.genes[k]);
    for (size_t s = 0; s < b.n_samples(); ++s) c.values.push_back(b.at(k, s));
  }
  const std::string in = dir_ + "/fewer_genes.csv", out = dir_ + "/fewer_pred.csv";
  io::write_expression(c, in, io::ExprFormat::grip_csv);
  std::string err;
  EXPECT_EQ(predict("--baseline " + in + " --out " + out, &err), 2);
  EXPECT_NE(err.find(in + ": 2 of the model's 40 genes are missing: " + g1 + ", " + g2), std::string::npos) << err;
  EXPECT_FALSE(wrote_anything(out));
}
