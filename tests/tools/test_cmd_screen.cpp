// `gripcu screen` end to end with a tiny GRIP model trained here (2 epochs on simulated data):
// the output tables' shapes and agreement with the library screen (models/grip/screen.h), the
// ranking and summary arithmetic, the heatmap, the manifest, and the bad-input contract (exit 2,
// nothing written).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "engine/io/expression.h"
#include "engine/json.h"
#include "models/grip/screen.h"
#include "models/grip/simulate.h"
#include "models/grip/workflow.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& f) {
  return ::testing::TempDir() + "gripcu_cmd_screen_" + std::to_string(::getpid()) + "_" + f;
}
std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
int run(const std::string& args, std::string* err = nullptr) {
  const std::string err_path = tmp("stderr.txt");
  const std::string cmd = std::string(GRIPCU_BINARY) + " screen " + args + " 2> '" + err_path + "'";
  const int st = std::system(cmd.c_str());
  if (err) *err = slurp(err_path);
  std::remove(err_path.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) f.push_back(c);
    rows.push_back(f);
  }
  return rows;
}

struct Fixture {
  std::string model, cohort;
  std::unique_ptr<GripModel> m;
  io::ExprMatrix x;
};

// Trains the tiny model, saves it, and writes a 7-sample cohort (GRIP CSV) of simulated
// baselines with "patient" names and no known cell lines.
const Fixture& fixture() {
  static Fixture f = [] {
    Fixture r;
    SimConfig sc;
    sc.genes = 60;
    sc.cells = 5;
    sc.drugs = 4;
    sc.seed = 17;
    const SimResult sim = simulate_perturbation(sc);
    const PairedData d = pair_profiles(sim.baseline, sim.treated, PairBy::order, nullptr);
    std::vector<size_t> rows(d.n());
    std::iota(rows.begin(), rows.end(), 0);
    TrainConfig tc;
    tc.epochs = 2;
    tc.batch = 8;
    r.m = make_model(d, rows, tc, Device::cpu(), false);
    train_model(*r.m, d, rows, nullptr, nullptr);
    r.model = tmp("model.safetensors");
    r.m->save(r.model);
    r.x.genes = sim.baseline.genes;
    const size_t n = 7, S = sim.baseline.n_samples();
    for (size_t s = 0; s < n; ++s) {
      r.x.samples.push_back("patient_" + std::to_string(s));
      r.x.cells.push_back("unknown");
      r.x.drugs.push_back("none");
    }
    r.x.values.resize(r.x.genes.size() * n);
    for (size_t g = 0; g < r.x.genes.size(); ++g)
      for (size_t s = 0; s < n; ++s) r.x.at(g, s) = sim.baseline.at(g, (3 * s + 1) % S) + 0.05 * double(s);
    r.cohort = tmp("cohort.csv");
    io::write_expression(r.x, r.cohort, io::ExprFormat::grip_csv);
    return r;
  }();
  return f;
}

}  // namespace

TEST(CmdScreen, WritesTablesThatMatchTheLibrary) {
  const Fixture& f = fixture();
  const std::string out = tmp("out");
  std::string err;
  ASSERT_EQ(run("--model '" + f.model + "' --cohort '" + f.cohort + "' --drugs all --out '" + out + "' --threads 2", &err), 0) << err;
  for (const char* file : {"long.tsv", "ranking.tsv", "summary.tsv", "heatmap.svg", "mapping.tsv", "states.json", "manifest.json"})
    EXPECT_TRUE(fs::exists(out + "/" + file)) << file;

  // The library on the same inputs (nearest cell per sample, all drugs).
  const size_t G = f.m->genes.size(), n = 7, D = 4, K = 8;
  std::vector<float> xv(n * G);
  std::vector<int64_t> cells(n);
  for (size_t s = 0; s < n; ++s) {
    for (size_t g = 0; g < G; ++g) xv[s * G + g] = static_cast<float>(f.x.at(g, s));  // model genes = file genes here
    cells[s] = nearest_cell(*f.m, &xv[s * G]).cell;
  }
  ASSERT_EQ(f.m->genes, f.x.genes);
  const IndexedStates is = index_states(default_response_states(), f.m->genes, "states");
  const ScreenResult r = screen(*f.m, xv, cells, {0, 1, 2, 3}, is, ScreenOptions{});

  const auto lt = read_tsv(out + "/long.tsv");
  ASSERT_EQ(lt.size(), 1 + n * D);
  ASSERT_EQ(lt[0].size(), 3 + K + 4);
  EXPECT_EQ(lt[0][3], "APOPTOSIS");
  EXPECT_EQ(lt[0].back(), "label");
  for (size_t s = 0; s < n; ++s)
    for (size_t d = 0; d < D; ++d) {
      const size_t p = s * D + d;
      const auto& row = lt[1 + p];
      EXPECT_EQ(row[0], "patient_" + std::to_string(s));
      EXPECT_EQ(row[1], f.m->cells.names[static_cast<size_t>(cells[s])]);
      EXPECT_EQ(row[2], f.m->drugs.names[d]);
      for (size_t k = 0; k < K; ++k) EXPECT_EQ(std::stod(row[3 + k]), r.scores[k * n * D + p]);  // exact text
      EXPECT_EQ(std::stod(row[3 + K + 2]), r.states.ri[p]);
      EXPECT_EQ(row[3 + K + 3], r.states.label(static_cast<int64_t>(p)));
    }
  // ranking: per sample, RI ascending, ranks 1..D.
  const auto rk = read_tsv(out + "/ranking.tsv");
  ASSERT_EQ(rk.size(), 1 + n * D);
  for (size_t s = 0; s < n; ++s)
    for (size_t i = 0; i < D; ++i) {
      const auto& row = rk[1 + s * D + i];
      EXPECT_EQ(row[1], std::to_string(i + 1));
      if (i > 0) {
        EXPECT_LE(std::stod(rk[s * D + i][3]), std::stod(row[3]));
      }
    }
  // summary: one row per drug; effective counts and mean RI recomputed from the long table.
  const auto su = read_tsv(out + "/summary.tsv");
  ASSERT_EQ(su.size(), 1 + D);
  std::map<std::string, std::pair<int, double>> agg;
  for (size_t p = 0; p < n * D; ++p) {
    auto& a = agg[lt[1 + p][2]];
    a.first += lt[1 + p].back() == "effective";
    a.second += std::stod(lt[1 + p][3 + K + 2]);
  }
  for (size_t i = 1; i <= D; ++i) {
    const auto& a = agg.at(su[i][1]);
    EXPECT_EQ(std::stoi(su[i][3]), a.first);
    EXPECT_NEAR(std::stod(su[i][4]), a.first / 7.0, 1e-15);
    EXPECT_NEAR(std::stod(su[i][5]), a.second / 7.0, 1e-12);  // the same sum in the same order, ~1 ulp printing
    if (i > 1) {
      EXPECT_GE(std::stod(su[i - 1][4]), std::stod(su[i][4]));
    }
  }
  // heatmap: one column per pair (28 <= 240), 8 states.
  const std::string svg = slurp(out + "/heatmap.svg");
  size_t cells_drawn = 0;
  for (size_t p = svg.find("class=\"cell\""); p != std::string::npos; p = svg.find("class=\"cell\"", p + 1)) ++cells_drawn;
  EXPECT_EQ(cells_drawn, K * n * D);
  const JsonValue man = json_parse(slurp(out + "/manifest.json"), "manifest");
  EXPECT_EQ(man.at("command").as_string(), "screen");
  EXPECT_EQ(man.at("config").at("z_population").as_string(), "all (sample, drug) pairs of the run");
  fs::remove_all(out);

  // A drug subset and the per-drug heatmap beyond --heatmap-max-columns.
  ASSERT_EQ(run("--model '" + f.model + "' --cohort '" + f.cohort + "' --drugs '" + f.m->drugs.names[1] + "," +
                f.m->drugs.names[3] + "' --heatmap-max-columns 5 --out '" + out + "'"),
            0);
  EXPECT_EQ(read_tsv(out + "/long.tsv").size(), 1 + n * 2);
  const std::string svg2 = slurp(out + "/heatmap.svg");
  cells_drawn = 0;
  for (size_t p = svg2.find("class=\"cell\""); p != std::string::npos; p = svg2.find("class=\"cell\"", p + 1)) ++cells_drawn;
  EXPECT_EQ(cells_drawn, K * 2);
  fs::remove_all(out);
}

TEST(CmdScreen, BadInputExitsTwoAndWritesNothing) {
  const Fixture& f = fixture();
  const std::string out = tmp("never");
  // A cohort missing a model gene.
  io::ExprMatrix small = f.x;
  small.genes.pop_back();
  small.values.resize(small.genes.size() * small.samples.size());
  const std::string short_cohort = tmp("short.csv");
  io::write_expression(small, short_cohort, io::ExprFormat::grip_csv);
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--model '" + f.model + "' --cohort '" + f.cohort + "' --drugs nosuchdrug", "nosuchdrug"},
      {"--model '" + f.model + "' --cohort '" + f.cohort + "' --drugs ','", "--drugs"},
      {"--model '" + f.model + "' --cohort '" + short_cohort + "'", "missing"},
      {"--model '" + f.model + "' --cohort '" + f.cohort + "' --cells-from-file", "unknown to the model"},
      {"--model '" + f.model + "' --cohort '" + f.cohort + "' --gmt x.gmt", "--gmt"},
      {"--model '" + tmp("nomodel.safetensors") + "' --cohort '" + f.cohort + "'", "nomodel"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_EQ(run(c.args + " --out '" + out + "'", &err), 2) << c.args << "\n" << err;
    EXPECT_NE(err.find(c.message), std::string::npos) << c.args << "\n" << err;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
  std::remove(short_cohort.c_str());
}
