// `gripcu ssgsea` end to end: output layout and values against GSVA 1.46 fixtures
// (tests/fixtures/ssgsea, tools/reference/make_ssgsea_fixtures.R; the NCI-60 input is
// ../shared/data/nci60/P53_NCI60_10100x50.txt in GSEA's TXT format), the flags, and the exit codes
// (2 for bad input with nothing written, 1 for --device cuda without a GPU).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/device.h"

namespace {

std::string fixture(const std::string& f) { return std::string(GRIPCU_SOURCE_DIR) + "/tests/fixtures/ssgsea/" + f; }
std::string shared(const std::string& f) { return std::string(GRIPCU_SHARED_DATA_DIR) + "/" + f; }
std::string tmp(const std::string& f) {
  return ::testing::TempDir() + "gripcu_cmd_ssgsea_" + std::to_string(::getpid()) + "_" + f;
}
bool exists(const std::string& p) { return std::ifstream(p).good(); }

// Runs gripcu with the arguments; returns its exit code, stderr in *err.
int run(const std::string& args, std::string* err = nullptr) {
  const std::string err_path = tmp("stderr.txt");
  const std::string cmd = std::string(GRIPCU_BINARY) + " ssgsea " + args + " 2> '" + err_path + "'";
  const int st = std::system(cmd.c_str());
  if (err) {
    std::ifstream in(err_path);
    std::stringstream ss;
    ss << in.rdbuf();
    *err = ss.str();
  }
  std::remove(err_path.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct Scores {
  std::vector<std::string> header;  // including the empty first cell
  std::vector<std::string> rows;
  std::map<std::string, std::vector<double>> v;
};

Scores read_scores(const std::string& path) {
  std::ifstream in(path);
  Scores s;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    size_t b = 0;
    while (true) {
      const size_t e = line.find('\t', b);
      f.push_back(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
      if (e == std::string::npos) break;
      b = e + 1;
    }
    if (first) { s.header = f; first = false; continue; }
    s.rows.push_back(f[0]);
    auto& r = s.v[f[0]];
    for (size_t i = 1; i < f.size(); ++i) r.push_back(std::strtod(f[i].c_str(), nullptr));
  }
  return s;
}

// Same layout (header, row order) and values within tol.
void expect_same(const Scores& got, const Scores& want, double tol) {
  ASSERT_EQ(got.header, want.header);
  ASSERT_EQ(got.rows, want.rows);
  for (const auto& name : want.rows) {
    const auto& g = got.v.at(name);
    const auto& w = want.v.at(name);
    ASSERT_EQ(g.size(), w.size()) << name;
    for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(g[i], w[i], tol) << name << " column " << i;
  }
}

TEST(CmdSsgsea, Nci60HallmarkMatchesGsva) {
  const std::string out = tmp("nci60.tsv");
  ASSERT_EQ(run("--expr '" + shared("nci60/P53_NCI60_10100x50.txt") + "' --gmt '" +
                shared("genesets/h.all.v7.0.symbols.gmt") + "' --out '" + out + "' --threads 2"),
            0);
  const Scores got = read_scores(out);
  EXPECT_EQ(got.header.at(0), "");  // write.table(col.names = NA): the corner cell is empty
  expect_same(got, read_scores(fixture("nci60_hallmark_norm.tsv")), 1e-9);
  std::remove(out.c_str());
}

TEST(CmdSsgsea, FlagsMatchGsvaArguments) {
  struct Case {
    std::string flags, expected;
  } cases[] = {
      {"", "ties_norm.tsv"},
      {"--no-normalize", "ties_raw.tsv"},
      {"--alpha 1", "ties_alpha1_norm.tsv"},
      {"--alpha 0 --no-normalize", "ties_alpha0_raw.tsv"},
      {"--min-size 2 --max-size 30", "ties_min2_max30_norm.tsv"},
  };
  for (const auto& c : cases) {
    const std::string out = tmp("ties.tsv");
    ASSERT_EQ(run("--expr '" + fixture("ties_input_60x8.tsv") + "' --gmt '" + fixture("ties_sets.gmt") + "' --out '" +
                  out + "' " + c.flags),
              0)
        << c.flags;
    expect_same(read_scores(out), read_scores(fixture(c.expected)), 1e-9);
    std::remove(out.c_str());
  }
}

TEST(CmdSsgsea, BadInputExitsTwoAndWritesNothing) {
  const std::string out = tmp("never.tsv");
  const std::string ok_expr = "--expr '" + fixture("ties_input_60x8.tsv") + "'";
  const std::string ok_gmt = "--gmt '" + fixture("ties_sets.gmt") + "'";
  const std::string dup_gmt = tmp("dup.gmt");
  std::ofstream(dup_gmt) << "A\td\tG01\tG02\nA\td\tG03\n";
  const std::string none_gmt = tmp("none.gmt");
  std::ofstream(none_gmt) << "A\td\tNOPE\n";
  const std::vector<std::string> bad = {
      "--expr /no/such/file.tsv " + ok_gmt + " --out '" + out + "'",
      ok_expr + " --gmt /no/such/sets.gmt --out '" + out + "'",
      ok_expr + " --gmt '" + dup_gmt + "' --out '" + out + "'",
      ok_expr + " --gmt '" + none_gmt + "' --out '" + out + "'",
      ok_expr + " " + ok_gmt + " --out '" + out + "' --alpha abc",
      ok_expr + " " + ok_gmt + " --out '" + out + "' --min-size 5 --max-size 2",
      ok_expr + " " + ok_gmt + " --out '" + out + "' --min-size 61",
      ok_expr + " " + ok_gmt + " --out '" + out + "' --device tpu",
      ok_expr + " " + ok_gmt + " --out '" + out + "' --bogus 1",
      ok_expr + " " + ok_gmt,  // no --out
  };
  for (const auto& args : bad) {
    std::string err;
    EXPECT_EQ(run(args, &err), 2) << args << "\n" << err;
    EXPECT_NE(err.find("error"), std::string::npos) << err;
    EXPECT_FALSE(exists(out)) << args;
  }
  std::string err;
  EXPECT_EQ(run(ok_expr + " --gmt '" + dup_gmt + "' --out '" + out + "'", &err), 2);
  EXPECT_NE(err.find(dup_gmt + ":2"), std::string::npos) << err;  // file:line of the duplicate
  std::remove(dup_gmt.c_str());
  std::remove(none_gmt.c_str());
}

TEST(CmdSsgsea, CudaWithoutDeviceExitsOne) {
  if (gripcu::built_with_cuda() && !gripcu::cuda_devices().empty()) GTEST_SKIP() << "a CUDA device is present";
  const std::string out = tmp("cuda.tsv");
  std::string err;
  EXPECT_EQ(run("--expr '" + fixture("ties_input_60x8.tsv") + "' --gmt '" + fixture("ties_sets.gmt") + "' --out '" +
                    out + "' --device cuda",
                &err),
            1);
  EXPECT_NE(err.find("no CUDA device"), std::string::npos) << err;
  EXPECT_FALSE(exists(out));
}

TEST(CmdSsgsea, CudaMatchesCpuWhenADeviceIsPresent) {
  if (!gripcu::built_with_cuda() || gripcu::cuda_devices().empty())
    GTEST_SKIP() << "no CUDA device: " << gripcu::cuda_unavailable_reason();
  const std::string a = tmp("cpu.tsv"), b = tmp("gpu.tsv");
  const std::string in = "--expr '" + shared("nci60/P53_NCI60_10100x50.txt") + "' --gmt '" +
                         shared("genesets/h.all.v7.0.symbols.gmt") + "'";
  ASSERT_EQ(run(in + " --out '" + a + "'"), 0);
  ASSERT_EQ(run(in + " --out '" + b + "' --device cuda"), 0);
  expect_same(read_scores(b), read_scores(a), 1e-9);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

}  // namespace
