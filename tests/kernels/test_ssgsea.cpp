// ssGSEA (kernels/ssgsea.h): exactness against GSVA 1.46 (Debian r-bioc-gsva), the closed form
// against the literal random walk, and CUDA against CPU.
// Fixtures: ../shared/data/golden/gsva_unittest_* (GSVA 1.46's own unitTests/test_ssgsea.R);
// tests/fixtures/ssgsea/* written by tools/reference/make_ssgsea_fixtures.R from
// ../shared/data/nci60/P53_NCI60_10100x50.txt (GSEApy tests/data/P53.txt) and
// ../shared/data/genesets/h.all.v7.0.symbols.gmt (MSigDB Hallmark, CC BY 4.0).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/io/gmt.h"
#include "engine/parallel.h"
#include "kernels/ssgsea.h"

namespace gripcu {
namespace {

using kernels::SsgseaLayout;
using kernels::SsgseaOptions;

std::string shared_data(const std::string& rel) { return std::string(GRIPCU_SHARED_DATA_DIR) + "/" + rel; }
std::string fixture(const std::string& rel) { return std::string(GRIPCU_SOURCE_DIR) + "/tests/fixtures/ssgsea/" + rel; }

// A tab-separated matrix: header (first cell a label or empty, then `skip` more label cells, then
// column names), then rows "name<TAB>(skip cells)<TAB>values". Independent of engine/io on purpose.
struct Table {
  std::vector<std::string> rows, cols;
  std::vector<double> v;  // rows x cols
  double at(size_t r, size_t c) const { return v[r * cols.size() + c]; }
};

std::vector<std::string> split_tab(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, '\t')) f.push_back(cell);
  if (!line.empty() && line.back() == '\t') f.emplace_back();
  return f;
}

Table read_table(const std::string& path, size_t skip = 0) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  Table t;
  std::string line;
  std::getline(in, line);
  auto h = split_tab(line);
  t.cols.assign(h.begin() + 1 + static_cast<long>(skip), h.end());
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto f = split_tab(line);
    EXPECT_EQ(f.size(), t.cols.size() + 1 + skip) << path << ": ragged row " << f[0];
    t.rows.push_back(f[0]);
    for (size_t c = 0; c < t.cols.size(); ++c) t.v.push_back(std::strtod(f[1 + skip + c].c_str(), nullptr));
  }
  return t;
}

// ---- the literal definition (GSVA's .rndWalk), O(n) per set, as the independent oracle ---------
// ranks: average ranks of ties (computed as (lo + hi) / 2 in long double), truncated to int.
std::vector<double> reference_ssgsea(int64_t n, int64_t S, const std::vector<double>& X /* n x S */,
                                     const std::vector<std::vector<int32_t>>& sets, double alpha, bool normalize) {
  std::vector<double> es(sets.size() * S);
  for (int64_t s = 0; s < S; ++s) {
    std::vector<int64_t> asc(n);
    std::iota(asc.begin(), asc.end(), 0);
    std::stable_sort(asc.begin(), asc.end(), [&](int64_t a, int64_t b) { return X[a * S + s] < X[b * S + s]; });
    std::vector<int64_t> R(n);
    for (int64_t i = 0; i < n;) {
      int64_t j = i;
      while (j + 1 < n && X[asc[j + 1] * S + s] == X[asc[i] * S + s]) ++j;
      const long double avg = (static_cast<long double>(i + 1) + static_cast<long double>(j + 1)) / 2.0L;
      for (int64_t t = i; t <= j; ++t) R[asc[t]] = static_cast<int64_t>(avg);  // mode(R) <- "integer"
      i = j + 1;
    }
    std::vector<int64_t> order(n);  // order(R, decreasing = TRUE): stable
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return R[a] > R[b]; });
    for (size_t k = 0; k < sets.size(); ++k) {
      std::vector<char> in(n, 0);
      for (int32_t g : sets[k]) in[g] = 1;
      long double W = 0, nout = 0;
      for (int64_t g = 0; g < n; ++g) {
        if (in[g]) W += std::pow(static_cast<long double>(R[g]), static_cast<long double>(alpha));
        else nout += 1;
      }
      long double cin = 0, cout = 0, sum = 0;
      for (int64_t p = 0; p < n; ++p) {
        const int64_t g = order[p];
        if (in[g]) cin += std::pow(static_cast<long double>(R[g]), static_cast<long double>(alpha));
        else cout += 1;
        sum += cin / W - cout / nout;
      }
      es[k * S + s] = static_cast<double>(sum);
    }
  }
  if (normalize) {
    const auto [lo, hi] = std::minmax_element(es.begin(), es.end());
    const double range = *hi - *lo;
    for (auto& e : es) e /= range;
  }
  return es;
}

using Sets = std::vector<std::vector<int32_t>>;

struct Csr {
  std::vector<int64_t> off{0};
  std::vector<int32_t> mem;
  explicit Csr(const std::vector<std::vector<int32_t>>& sets) {
    for (const auto& s : sets) { mem.insert(mem.end(), s.begin(), s.end()); off.push_back(static_cast<int64_t>(mem.size())); }
  }
  int64_t n() const { return static_cast<int64_t>(off.size()) - 1; }
};

std::vector<double> run_cpu(const std::vector<double>& X, int64_t n, int64_t S, const io::IndexedGeneSets& gs,
                            const SsgseaOptions& opt) {
  std::vector<double> out(gs.n_sets() * S);
  kernels::ssgsea_cpu(n, S, X.data(), gs.n_sets(), gs.offsets.data(), gs.members.data(), opt, out.data());
  return out;
}

// Compares our scores (rows = gs.names) with a GSVA score table, by name; returns the max |error|.
double compare_named(const Table& expected, const io::IndexedGeneSets& gs, const std::vector<double>& got, int64_t S,
                     double tol, const std::string& what) {
  EXPECT_EQ(static_cast<size_t>(gs.n_sets()), expected.rows.size()) << what;
  EXPECT_EQ(static_cast<size_t>(S), expected.cols.size()) << what;
  double max_err = 0;
  for (size_t r = 0; r < expected.rows.size() && r < gs.names.size(); ++r) {
    EXPECT_EQ(gs.names[r], expected.rows[r]) << what;
    for (int64_t s = 0; s < S; ++s) {
      const double e = expected.at(r, static_cast<size_t>(s)), g = got[r * S + s];
      max_err = std::max(max_err, std::fabs(e - g));
      EXPECT_NEAR(g, e, tol) << what << " set " << gs.names[r] << " sample " << expected.cols[s];
    }
  }
  return max_err;
}

// The fixture matrix (genes x samples) as a row-major vector.
std::vector<double> values_of(const Table& t) { return t.v; }

// ---- GSVA's own unit test -------------------------------------------------------------------
TEST(Ssgsea, GsvaUnitTestGolden) {
  const Table X = read_table(shared_data("golden/gsva_unittest_input_10x30.tsv"));
  const Table E = read_table(shared_data("golden/gsva_unittest_ssgsea_expected.tsv"));
  ASSERT_EQ(X.rows.size(), 10u);
  ASSERT_EQ(X.cols.size(), 30u);
  const Csr sets(Sets{{0, 1, 2}, {3, 4, 5}, {6, 7, 8, 9}});
  std::vector<double> out(3 * 30);
  kernels::ssgsea_cpu(10, 30, X.v.data(), sets.n(), sets.off.data(), sets.mem.data(), SsgseaOptions{}, out.data());
  // The expected file has 12 decimals: rounding is <= 5e-13, so 1e-9 is the contract, not slack.
  double max_err = 0;
  for (int k = 0; k < 3; ++k)
    for (int s = 0; s < 30; ++s) {
      max_err = std::max(max_err, std::fabs(out[k * 30 + s] - E.at(k, s)));
      EXPECT_NEAR(out[k * 30 + s], E.at(k, s), 1e-9) << "set" << k + 1 << " s" << s + 1;
    }
  std::printf("[ gsva unit test ] max |gripcu - GSVA| = %.3g\n", max_err);
}

// ---- real data: NCI-60 x Hallmark ----------------------------------------------------------
class SsgseaNci60 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    x_ = new Table(read_table(shared_data("nci60/P53_NCI60_10100x50.txt"), /*skip DESCRIPTION*/ 1));
    gs_ = new io::IndexedGeneSets(
        io::index_gene_sets(io::read_gmt(shared_data("genesets/h.all.v7.0.symbols.gmt")), x_->rows));
  }
  static void TearDownTestSuite() { delete x_; delete gs_; }
  static Table* x_;
  static io::IndexedGeneSets* gs_;
};
Table* SsgseaNci60::x_ = nullptr;
io::IndexedGeneSets* SsgseaNci60::gs_ = nullptr;

TEST_F(SsgseaNci60, NormalizedMatchesGsva) {
  ASSERT_EQ(x_->rows.size(), 10100u);
  ASSERT_EQ(gs_->n_sets(), 50);
  EXPECT_GT(gs_->n_absent_members, 0);  // Hallmark genes missing from the 10,100 are dropped
  const int64_t S = static_cast<int64_t>(x_->cols.size());
  const auto got = run_cpu(x_->v, 10100, S, *gs_, SsgseaOptions{});
  // Contract: <= 1e-9 absolute on normalized scores (GSVA sums in long double; we in double).
  const double err = compare_named(read_table(fixture("nci60_hallmark_norm.tsv")), *gs_, got, S, 1e-9, "nci60 norm");
  std::printf("[ nci60 x hallmark, normalized ] max |gripcu - GSVA| = %.3g\n", err);
}

TEST_F(SsgseaNci60, RawMatchesGsva) {
  const int64_t S = static_cast<int64_t>(x_->cols.size());
  SsgseaOptions opt;
  opt.normalize = false;
  const auto got = run_cpu(x_->v, 10100, S, *gs_, opt);
  // Raw scores are O(1e3); 1e-9 absolute is ~1e-12 relative, well above double rounding here.
  const double err = compare_named(read_table(fixture("nci60_hallmark_raw.tsv")), *gs_, got, S, 1e-9, "nci60 raw");
  std::printf("[ nci60 x hallmark, raw ] max |gripcu - GSVA| = %.3g\n", err);
}

TEST_F(SsgseaNci60, ThreadCountDoesNotChangeBits) {
  const int64_t S = static_cast<int64_t>(x_->cols.size());
  const int before = num_threads();
  set_num_threads(1);
  const auto one = run_cpu(x_->v, 10100, S, *gs_, SsgseaOptions{});
  set_num_threads(3);
  const auto three = run_cpu(x_->v, 10100, S, *gs_, SsgseaOptions{});
  set_num_threads(before);
  ASSERT_EQ(one.size(), three.size());
  for (size_t i = 0; i < one.size(); ++i) ASSERT_EQ(one[i], three[i]) << i;
}

// ---- ties, absent genes, size-1 sets, sets larger than half the genes, alpha, size filters ----
struct TiesCase {
  const char* expected;
  double alpha;
  bool normalize;
  int64_t min_size, max_size;
};

class SsgseaTies : public ::testing::TestWithParam<TiesCase> {};

TEST_P(SsgseaTies, MatchesGsva) {
  const TiesCase c = GetParam();
  const Table X = read_table(fixture("ties_input_60x8.tsv"));
  const auto gs = io::index_gene_sets(io::read_gmt(fixture("ties_sets.gmt")), X.rows, c.min_size, c.max_size);
  SsgseaOptions opt;
  opt.alpha = c.alpha;
  opt.normalize = c.normalize;
  const int64_t S = static_cast<int64_t>(X.cols.size());
  const auto got = run_cpu(X.v, static_cast<int64_t>(X.rows.size()), S, gs, opt);
  const double err = compare_named(read_table(fixture(c.expected)), gs, got, S, 1e-9, c.expected);
  std::printf("[ %s ] max |gripcu - GSVA| = %.3g\n", c.expected, err);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, SsgseaTies,
    ::testing::Values(TiesCase{"ties_norm.tsv", 0.25, true, 1, std::numeric_limits<int64_t>::max()},
                      TiesCase{"ties_raw.tsv", 0.25, false, 1, std::numeric_limits<int64_t>::max()},
                      TiesCase{"ties_alpha1_norm.tsv", 1.0, true, 1, std::numeric_limits<int64_t>::max()},
                      TiesCase{"ties_alpha0_raw.tsv", 0.0, false, 1, std::numeric_limits<int64_t>::max()},
                      TiesCase{"ties_min2_max30_norm.tsv", 0.25, true, 2, 30}));

TEST(Ssgsea, RealValuedOneSetRaw) {
  const Table X = read_table(fixture("real_input_25x6.tsv"));
  const auto gs = io::index_gene_sets(io::read_gmt(fixture("real_one_set.gmt")), X.rows);
  SsgseaOptions opt;
  opt.normalize = false;
  const int64_t S = static_cast<int64_t>(X.cols.size());
  const auto got = run_cpu(X.v, 25, S, gs, opt);
  compare_named(read_table(fixture("real_one_set_raw.tsv")), gs, got, S, 1e-9, "real one set");
}

// ---- closed form vs the literal walk, over shapes, layouts, input types ------------------------
struct Rng64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
  double normal_ish() { return (static_cast<double>(next() >> 11) * 0x1.0p-53 - 0.5) * 6.0; }
};

// n x S values; `levels` > 0 draws integers in [-levels/2, levels/2] (many ties); 0 draws reals;
// < 0 draws values that differ only in their last mantissa bits (+-(1 + j * 2^-45), j < -levels),
// so their top 32 key bits collide and the CPU's full-key fix-up path orders them.
std::vector<double> random_matrix(int64_t n, int64_t S, uint64_t seed, int levels) {
  Rng64 r{seed};
  std::vector<double> X(n * S);
  for (auto& x : X) {
    if (levels > 0) x = static_cast<double>(r.below(levels + 1) - levels / 2);
    else if (levels == 0) x = r.normal_ish();
    else x = (r.below(2) ? 1.0 : -1.0) * (1.0 + static_cast<double>(r.below(-levels)) * 0x1.0p-45);
  }
  return X;
}

std::vector<std::vector<int32_t>> random_sets(int64_t n, int64_t n_sets, uint64_t seed) {
  Rng64 r{seed};
  std::vector<std::vector<int32_t>> sets;
  for (int64_t k = 0; k < n_sets; ++k) {
    int64_t size = k == 0 ? 1 : k == 1 ? n - 1 : k == 2 ? n / 2 + 1 : 1 + r.below(std::max<int64_t>(1, n / 3));
    std::vector<int32_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    for (int64_t i = 0; i < size; ++i) std::swap(all[i], all[i + r.below(n - i)]);
    sets.emplace_back(all.begin(), all.begin() + size);
  }
  return sets;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

struct Shape {
  int64_t n, S, n_sets;
  int levels;
};

class SsgseaClosedForm : public ::testing::TestWithParam<Shape> {};

TEST_P(SsgseaClosedForm, EqualsLiteralWalk) {
  const Shape sh = GetParam();
  const auto X = random_matrix(sh.n, sh.S, 1000 + sh.n * 7 + sh.S, sh.levels);
  const auto sets = random_sets(sh.n, sh.n_sets, 99 + sh.n);
  const Csr csr(sets);
  for (bool normalize : {false, true}) {
    for (double alpha : {0.25, 1.0, 0.0}) {
      SsgseaOptions opt;
      opt.alpha = alpha;
      opt.normalize = normalize;
      const auto ref = reference_ssgsea(sh.n, sh.S, X, sets, alpha, normalize);
      std::vector<double> got(csr.n() * sh.S);
      kernels::ssgsea_cpu(sh.n, sh.S, X.data(), csr.n(), csr.off.data(), csr.mem.data(), opt, got.data());
      // The literal walk accumulates n terms (long double); raw ES can be O(n): allow 1e-12 * n.
      const double tol = normalize ? 1e-12 : 1e-12 * static_cast<double>(sh.n);
      for (size_t i = 0; i < got.size(); ++i) {
        if (!std::isfinite(ref[i])) {  // one score normalized by a zero range: +-Inf/NaN, as in GSVA
          ASSERT_TRUE(std::isnan(ref[i]) ? std::isnan(got[i]) : got[i] == ref[i]) << got[i] << " vs " << ref[i];
          continue;
        }
        ASSERT_NEAR(got[i], ref[i], tol) << "i=" << i << " alpha=" << alpha << " norm=" << normalize;
      }

      // The samples x genes layout and float input give the same answer.
      std::vector<double> Xt(X.size());
      for (int64_t g = 0; g < sh.n; ++g)
        for (int64_t s = 0; s < sh.S; ++s) Xt[s * sh.n + g] = X[g * sh.S + s];
      SsgseaOptions opt_t = opt;
      opt_t.layout = SsgseaLayout::samples_by_genes;
      std::vector<double> got_t(got.size());
      kernels::ssgsea_cpu(sh.n, sh.S, Xt.data(), csr.n(), csr.off.data(), csr.mem.data(), opt_t, got_t.data());
      for (size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(same(got[i], got_t[i])) << "layout, i=" << i;
      if (sh.levels > 0) {  // small integers are exact in float
        std::vector<float> Xf(X.begin(), X.end());
        std::vector<double> got_f(got.size());
        kernels::ssgsea_cpu(sh.n, sh.S, Xf.data(), csr.n(), csr.off.data(), csr.mem.data(), opt, got_f.data());
        for (size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(same(got[i], got_f[i])) << "float input, i=" << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SsgseaClosedForm,
                         ::testing::Values(Shape{2, 1, 1, 0}, Shape{3, 5, 2, 1}, Shape{17, 9, 6, 0},
                                           Shape{64, 13, 7, 3}, Shape{257, 11, 9, 0}, Shape{500, 19, 12, 4},
                                           Shape{1031, 7, 5, 0}, Shape{1031, 7, 5, 2000},
                                           Shape{300, 6, 5, -40}, Shape{2000, 3, 4, -100000}));

TEST(Ssgsea, RanksWithTiesTruncated) {
  // values:         5    1    3    3    1    1    9
  // ascending avg:  6   2    4.5  4.5   2    2    7   -> truncated 6 2 4 4 2 2 7
  // descending order (stable): 9(g6) 5(g0) 3(g2) 3(g3) 1(g1) 1(g4) 1(g5) -> q = 7..1
  const std::vector<double> x = {5, 1, 3, 3, 1, 1, 9};
  std::vector<int32_t> q(7), r(7);
  kernels::ssgsea_rank_cpu(7, x.data(), 1, q.data(), r.data());
  EXPECT_EQ(r, (std::vector<int32_t>{6, 2, 4, 4, 2, 2, 7}));
  EXPECT_EQ(q, (std::vector<int32_t>{6, 3, 5, 4, 2, 1, 7}));
}

TEST(Ssgsea, NegativeZeroTiesWithZero) {
  const std::vector<double> x = {0.0, -0.0, 1.0, -1.0};
  std::vector<int32_t> q(4), r(4);
  kernels::ssgsea_rank_cpu(4, x.data(), 1, q.data(), r.data());
  EXPECT_EQ(r[0], r[1]);
  EXPECT_EQ(r[0], 2);  // positions 2 and 3 ascending: 2.5 -> 2
  EXPECT_EQ(q[0], 3);
  EXPECT_EQ(q[1], 2);
}

TEST(Ssgsea, RejectsBadInput) {
  std::vector<double> X = {1, 2, 3, 4, 5, 6};  // 3 genes x 2 samples
  std::vector<double> out(2);
  const SsgseaOptions opt;
  {
    const Csr all(Sets{{0, 1, 2}});  // k == n: the out-of-set walk is 0/0
    EXPECT_THROW(kernels::ssgsea_cpu(3, 2, X.data(), 1, all.off.data(), all.mem.data(), opt, out.data()), Error);
  }
  {
    const Csr dup(Sets{{0, 0}});
    EXPECT_THROW(kernels::ssgsea_cpu(3, 2, X.data(), 1, dup.off.data(), dup.mem.data(), opt, out.data()), Error);
  }
  {
    const Csr oob(Sets{{3}});
    EXPECT_THROW(kernels::ssgsea_cpu(3, 2, X.data(), 1, oob.off.data(), oob.mem.data(), opt, out.data()), Error);
  }
  {
    const Csr ok(Sets{{1}});
    X[3] = std::nan("");
    EXPECT_THROW(kernels::ssgsea_cpu(3, 2, X.data(), 1, ok.off.data(), ok.mem.data(), opt, out.data()), Error);
  }
}

// ---- CUDA ----------------------------------------------------------------------------------
#define SSGSEA_REQUIRE_CUDA()                                                                       \
  do {                                                                                              \
    if (!built_with_cuda() || cuda_devices().empty())                                               \
      GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();                              \
  } while (0)

TEST(SsgseaCuda, DispatchWithoutDeviceIsAClearError) {
  if (built_with_cuda() && !cuda_devices().empty()) GTEST_SKIP() << "a CUDA device is present";
  const std::vector<double> X = {1, 2, 3, 4};
  const Csr one(Sets{{0}});
  std::vector<double> out(2);
  EXPECT_THROW(kernels::ssgsea(Device::cuda(0), 2, 2, X.data(), 1, one.off.data(), one.mem.data(), SsgseaOptions{},
                               out.data()),
               Error);
}

#ifdef GRIPCU_HAVE_CUDA
struct CudaCase {
  Shape shape;
  SsgseaLayout layout;
  size_t budget;  // workspace budget: small ones force several sample chunks
};

class SsgseaCudaVsCpu : public ::testing::TestWithParam<CudaCase> {};

TEST_P(SsgseaCudaVsCpu, Matches) {
  SSGSEA_REQUIRE_CUDA();
  const CudaCase c = GetParam();
  const Shape sh = c.shape;
  auto X = random_matrix(sh.n, sh.S, 4242 + sh.n, sh.levels);
  if (c.layout == SsgseaLayout::samples_by_genes) {
    std::vector<double> Xt(X.size());
    for (int64_t g = 0; g < sh.n; ++g)
      for (int64_t s = 0; s < sh.S; ++s) Xt[s * sh.n + g] = X[g * sh.S + s];
    X.swap(Xt);
  }
  const Csr csr(random_sets(sh.n, sh.n_sets, 5 + sh.S));
  for (bool normalize : {true, false}) {
    SsgseaOptions opt;
    opt.layout = c.layout;
    opt.normalize = normalize;
    std::vector<double> cpu(csr.n() * sh.S), gpu(cpu.size());
    kernels::ssgsea_cpu(sh.n, sh.S, X.data(), csr.n(), csr.off.data(), csr.mem.data(), opt, cpu.data());
    kernels::ssgsea_cuda_host(0, sh.n, sh.S, X.data(), csr.n(), csr.off.data(), csr.mem.data(), opt, gpu.data(),
                              c.budget);
    double max_err = 0;
    for (size_t i = 0; i < cpu.size(); ++i) {
      max_err = std::max(max_err, std::fabs(cpu[i] - gpu[i]));
      ASSERT_NEAR(gpu[i], cpu[i], 1e-9) << "i=" << i << " normalize=" << normalize;
    }
    std::printf("[ cuda vs cpu n=%lld S=%lld sets=%lld ] max |diff| = %.3g\n", static_cast<long long>(sh.n),
                static_cast<long long>(sh.S), static_cast<long long>(sh.n_sets), max_err);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SsgseaCudaVsCpu,
    ::testing::Values(CudaCase{{2, 1, 1, 0}, SsgseaLayout::genes_by_samples, 0},
                      CudaCase{{17, 9, 6, 0}, SsgseaLayout::genes_by_samples, 0},
                      CudaCase{{257, 33, 9, 3}, SsgseaLayout::samples_by_genes, 0},
                      CudaCase{{1031, 70, 40, 0}, SsgseaLayout::genes_by_samples, 1},  // 1 sample per chunk
                      CudaCase{{1031, 70, 40, 5}, SsgseaLayout::samples_by_genes, 300000},
                      CudaCase{{5003, 129, 30, 0}, SsgseaLayout::genes_by_samples, 2000000},
                      CudaCase{{3001, 40, 12, -50}, SsgseaLayout::genes_by_samples, 0},
                      CudaCase{{20000, 100, 50, 0}, SsgseaLayout::genes_by_samples, 0}));

TEST(SsgseaCuda, GsvaUnitTestGolden) {
  SSGSEA_REQUIRE_CUDA();
  const Table X = read_table(shared_data("golden/gsva_unittest_input_10x30.tsv"));
  const Table E = read_table(shared_data("golden/gsva_unittest_ssgsea_expected.tsv"));
  const Csr sets(Sets{{0, 1, 2}, {3, 4, 5}, {6, 7, 8, 9}});
  std::vector<double> out(3 * 30);
  kernels::ssgsea(Device::cuda(0), 10, 30, X.v.data(), sets.n(), sets.off.data(), sets.mem.data(), SsgseaOptions{},
                  out.data());
  for (int k = 0; k < 3; ++k)
    for (int s = 0; s < 30; ++s) EXPECT_NEAR(out[k * 30 + s], E.at(k, s), 1e-9);
}

TEST(SsgseaCuda, WorkspaceGrowsWithChunkOnly) {
  SSGSEA_REQUIRE_CUDA();
  const size_t a = kernels::ssgsea_cuda_workspace_bytes(20000, 64);
  const size_t b = kernels::ssgsea_cuda_workspace_bytes(20000, 128);
  EXPECT_GE(a, size_t{36} * 20000 * 64);
  EXPECT_GT(b, a);
  const int64_t c = kernels::ssgsea_cuda_chunk_for_budget(20000, 10000, size_t{1} << 30);
  EXPECT_LE(kernels::ssgsea_cuda_workspace_bytes(20000, c), size_t{1} << 30);
  EXPECT_GE(c, 1);
}
#endif

}  // namespace
}  // namespace gripcu
