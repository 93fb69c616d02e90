// gemm_cpu (float and double) vs a float64 triple-loop reference: all four transpose combinations,
// the three epilogues, alpha/beta, k == 0, empty outputs, shapes that straddle the 64 x 256 tiles;
// gemm_ld on sub-matrices gives the bits of gemm on contiguous copies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "engine/error.h"
#include "kernels/gemm.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::eps_of;
using test::random_vec;

struct RefOut {
  std::vector<double> c;    // the exact result (up to float64 rounding) for the given inputs
  std::vector<double> mag;  // |alpha| sum_l |a_il b_lj| + |beta c0_ij| + |bias_j|: the error scale
};

// Row-major reference with the storage conventions of kernels/gemm.h.
template <typename T>
RefOut ref_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const std::vector<T>& A,
                const std::vector<T>& B, double beta, const std::vector<T>& C0, const std::vector<T>* bias,
                Epilogue ep) {
  RefOut r;
  r.c.assign(static_cast<size_t>(m * n), 0.0);
  r.mag.assign(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0, sa = 0;
      for (int64_t l = 0; l < k; ++l) {
        const double a = ta ? A[static_cast<size_t>(l * m + i)] : A[static_cast<size_t>(i * k + l)];
        const double b = tb ? B[static_cast<size_t>(j * k + l)] : B[static_cast<size_t>(l * n + j)];
        s += a * b;
        sa += std::fabs(a * b);
      }
      const size_t ij = static_cast<size_t>(i * n + j);
      // beta == 0 means C is not read (BLAS convention), so NaN in C must not leak through.
      const double c0 = beta == 0.0 ? 0.0 : static_cast<double>(C0[ij]);
      double v = alpha * s + beta * c0;
      double mg = std::fabs(alpha) * sa + std::fabs(beta * c0);
      if (ep != Epilogue::none) {
        v += static_cast<double>((*bias)[static_cast<size_t>(j)]);
        mg += std::fabs(static_cast<double>((*bias)[static_cast<size_t>(j)]));
        if (ep == Epilogue::bias_relu) v = std::max(v, 0.0);
      }
      r.c[ij] = v;
      r.mag[ij] = mg;
    }
  return r;
}

template <typename T>
void check_case(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, double beta, Epilogue ep,
                uint64_t seed) {
  SCOPED_TRACE(testing::Message() << "ta=" << ta << " tb=" << tb << " m=" << m << " n=" << n << " k=" << k
                                  << " alpha=" << alpha << " beta=" << beta << " ep=" << static_cast<int>(ep));
  const auto A = random_vec<T>(m * k, seed + 1);
  const auto B = random_vec<T>(k * n, seed + 2);
  auto C = random_vec<T>(m * n, seed + 3);
  if (beta == 0.0) std::fill(C.begin(), C.end(), std::numeric_limits<T>::quiet_NaN());
  const auto bias = random_vec<T>(n, seed + 4);
  const auto ref = ref_gemm<T>(ta, tb, m, n, k, alpha, A, B, beta, C, &bias, ep);
  gemm_cpu<T>(ta, tb, m, n, k, static_cast<T>(alpha), A.data(), B.data(), static_cast<T>(beta), C.data(),
              ep == Epilogue::none ? nullptr : bias.data(), ep);
  // Any summation order of a k-term dot product is within gamma_k * sum|a b| (Higham, Accuracy and
  // Stability, eq. 3.5), gamma_k ~ k * eps / 2; alpha, beta, bias add 3 roundings. ReLU is
  // 1-Lipschitz. Bound used: (k + 3) * eps * mag, twice the worst case. (~1e-13 for double.)
  const double e = eps_of<T>();
  EXPECT_TRUE(all_close(C, ref.c, [&](size_t i) { return (static_cast<double>(k) + 3.0) * e * ref.mag[i]; }, "gemm"));
}

template <typename T> class GemmCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(GemmCpu, Types);

TYPED_TEST(GemmCpu, AllTransposesEpiloguesAlphaBeta) {
  using T = TypeParam;
  // Sizes straddle the 64 x 256 CPU tiles and are not multiples of 32/128/256.
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> shapes = {
      {1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {65, 257, 129}, {130, 300, 31}, {40, 70, 1100}};  // k > 512: k blocks
  const std::vector<std::pair<double, double>> ab = {{1.0, 0.0}, {1.0, 1.0}, {-0.75, 0.5}};
  uint64_t seed = 100;
  int rot = 0;
  for (auto [m, n, k] : shapes)
    for (int t = 0; t < 4; ++t)
      for (auto ep : {Epilogue::none, Epilogue::bias, Epilogue::bias_relu}) {
        // Every (alpha, beta) on the small shapes; one of them in rotation on the large ones (time).
        const bool small = m * n * k < 100000;
        for (size_t j = 0; j < ab.size(); ++j)
          if (small || j == static_cast<size_t>(rot % 3))
            check_case<T>(t & 1, t & 2, m, n, k, ab[j].first, ab[j].second, ep, seed += 10);
        ++rot;
      }
}

TYPED_TEST(GemmCpu, GripGeneratorShapes) {
  using T = TypeParam;
  // Linear layers of the GRIP generator: batch 64, 978 genes, hidden 256 (forward and both grads).
  check_case<T>(false, true, 64, 256, 978, 1.0, 0.0, Epilogue::bias_relu, 7);  // y = x W^T + b
  check_case<T>(false, false, 64, 978, 256, 1.0, 0.0, Epilogue::none, 8);      // dx = dy W
  check_case<T>(true, false, 256, 978, 64, 1.0, 1.0, Epilogue::none, 9);       // dW += dy^T x
}

TYPED_TEST(GemmCpu, KZeroGivesBetaCPlusEpilogue) {
  using T = TypeParam;
  for (int t = 0; t < 4; ++t)
    for (auto ep : {Epilogue::none, Epilogue::bias, Epilogue::bias_relu}) {
      check_case<T>(t & 1, t & 2, 5, 9, 0, 1.0, 0.5, ep, 3);
      check_case<T>(t & 1, t & 2, 5, 9, 0, 2.0, 0.0, ep, 4);  // beta 0: C = 0 (+ bias), NaN ignored
    }
  // k == 0 and beta == 1 leaves C bit-identical; A and B are never read (null is fine).
  auto C = random_vec<T>(6, 5);
  const auto C0 = C;
  gemm_cpu<T>(false, false, 2, 3, 0, T(1), nullptr, nullptr, T(1), C.data());
  EXPECT_TRUE(test::bit_equal(C, C0, "k=0 beta=1"));
}

TYPED_TEST(GemmCpu, EmptyOutputIsANoOp) {
  using T = TypeParam;
  std::vector<T> C = {T(42)};
  // m == 0 or n == 0: nothing is read or written (pointers may be null).
  gemm_cpu<T>(false, false, 0, 5, 3, T(1), nullptr, nullptr, T(0), nullptr);
  gemm_cpu<T>(true, true, 4, 0, 3, T(1), nullptr, nullptr, T(0), nullptr, nullptr, Epilogue::bias_relu);
  gemm_cpu<T>(false, true, 0, 0, 0, T(1), nullptr, nullptr, T(0), C.data());
  EXPECT_EQ(C[0], T(42));
}

TYPED_TEST(GemmCpu, BadArgumentsThrow) {
  using T = TypeParam;
  std::vector<T> A(6), B(6), C(4);
  EXPECT_THROW(gemm_cpu<T>(false, false, -1, 2, 3, T(1), A.data(), B.data(), T(0), C.data()), Error);
  EXPECT_THROW(gemm_cpu<T>(false, false, 2, 2, 3, T(1), A.data(), B.data(), T(0), C.data(), nullptr, Epilogue::bias),
               Error);
}

TEST(GemmCpuDeterminism, SameBitsWithOneAndTwoThreads) {
  // Fixed output tiles: the thread count must not change a bit.
  const int64_t m = 130, n = 300, k = 77;
  const auto A = random_vec<float>(m * k, 1), B = random_vec<float>(n * k, 2), bias = random_vec<float>(n, 3);
  std::vector<float> c1(static_cast<size_t>(m * n)), c2(c1.size());
  {
    test::ThreadScope one(1);
    gemm_cpu<float>(false, true, m, n, k, 1.f, A.data(), B.data(), 0.f, c1.data(), bias.data(), Epilogue::bias_relu);
  }
  {
    test::ThreadScope two(2);
    gemm_cpu<float>(false, true, m, n, k, 1.f, A.data(), B.data(), 0.f, c2.data(), bias.data(), Epilogue::bias_relu);
  }
  EXPECT_TRUE(test::bit_equal(c1, c2, "gemm 1 vs 2 threads"));
}

// Float tiles in AVX-512 builds are one FMA chain per element over k in order (kernels/cpu/
// gemm_avx512.cpp): a row or a column computed on its own (strided, through gemm_ld) has the bits it
// has inside the full product, for every covered transpose case, with k cut into blocks (k > 512).
TEST(GemmCpuFloat, AnElementHasTheSameBitsWhateverElseTheCallComputes) {
#if !defined(__AVX512F__)
  GTEST_SKIP() << "built without AVX-512: float tiles are Eigen products, whose blocking depends on the shape";
#else
  const int64_t m = 75, n = 300, k = 1100;
  for (int c = 0; c < 3; ++c) {
    const bool ta = c == 1, tb = c == 2;  // NN, TN (weight gradients), NT (forward)
    SCOPED_TRACE(testing::Message() << "ta=" << ta << " tb=" << tb);
    const auto A = random_vec<float>(m * k, 81 + c), B = random_vec<float>(k * n, 91 + c);
    const int64_t lda = ta ? m : k, ldb = tb ? k : n;
    std::vector<float> full(static_cast<size_t>(m * n));
    gemm_cpu<float>(ta, tb, m, n, k, 1.f, A.data(), B.data(), 0.f, full.data());
    for (int64_t i : {int64_t{0}, int64_t{9}, m - 1}) {  // row i alone: op(A)'s row i
      std::vector<float> row(static_cast<size_t>(n));
      gemm_ld_cpu<float>(ta, tb, 1, n, k, 1.f, A.data() + (ta ? i : i * k), lda, B.data(), ldb, 0.f, row.data(), n);
      EXPECT_TRUE(test::bit_equal(row, std::vector<float>(full.begin() + i * n, full.begin() + (i + 1) * n), "row"));
    }
    for (int64_t j : {int64_t{0}, int64_t{33}, n - 1}) {  // column j alone: op(B)'s column j
      std::vector<float> col(static_cast<size_t>(m)), want(static_cast<size_t>(m));
      gemm_ld_cpu<float>(ta, tb, m, 1, k, 1.f, A.data(), lda, B.data() + (tb ? j * k : j), ldb, 0.f, col.data(), 1);
      for (int64_t i = 0; i < m; ++i) want[static_cast<size_t>(i)] = full[static_cast<size_t>(i * n + j)];
      EXPECT_TRUE(test::bit_equal(col, want, "column"));
    }
  }
#endif
}

// gemm_many runs several products' tiles in one parallel loop: each output must equal, bit for bit,
// gemm on its own (with 1 and 2 threads), strided jobs included.
TEST(GemmManyCpu, EachProductHasTheBitsOfItsOwnCall) {
  const auto A1 = random_vec<float>(256 * 64, 71), B1 = random_vec<float>(64 * 300, 72);  // dW-like: A1^T B1
  const auto A2 = random_vec<float>(64 * 256, 73), B2 = random_vec<float>(256 * 300, 74);  // dx-like: A2 B2
  std::vector<float> w1(256 * 300), w2(64 * 300), w3(64 * 100);
  gemm_cpu<float>(true, false, 256, 300, 64, 1.f, A1.data(), B1.data(), 0.f, w1.data());
  gemm_cpu<float>(false, false, 64, 300, 256, 1.f, A2.data(), B2.data(), 0.f, w2.data());
  // Columns [150, 250) of B2 only: a strided job.
  std::vector<float> B2s(256 * 100);
  for (int64_t r = 0; r < 256; ++r)
    for (int64_t c = 0; c < 100; ++c) B2s[static_cast<size_t>(r * 100 + c)] = B2[static_cast<size_t>(r * 300 + 150 + c)];
  gemm_cpu<float>(false, false, 64, 100, 256, 1.f, A2.data(), B2s.data(), 0.f, w3.data());
  for (int threads : {1, 2}) {
    test::ThreadScope ts(threads);
    std::vector<float> c1(w1.size(), std::nanf("")), c2(w2.size(), std::nanf("")), c3(w3.size(), std::nanf(""));
    GemmJob<float> jobs[3] = {{true, false, 256, 300, 64, 1.f, A1.data(), B1.data(), 0.f, c1.data()},
                              {false, false, 64, 300, 256, 1.f, A2.data(), B2.data(), 0.f, c2.data()},
                              {false, false, 64, 100, 256, 1.f, A2.data(), B2.data() + 150, 0.f, c3.data()}};
    jobs[2].ldb = 300;
    gemm_many_cpu<float>(jobs, 3);
    const std::string t = " (" + std::to_string(threads) + " threads)";
    EXPECT_TRUE(test::bit_equal(c1, w1, "dW-like job" + t));
    EXPECT_TRUE(test::bit_equal(c2, w2, "dx-like job" + t));
    EXPECT_TRUE(test::bit_equal(c3, w3, "strided job" + t));
  }
}

// Sub-matrices (row strides larger than the rows, operands starting mid-row) against gemm on
// contiguous copies of the same sub-matrices: every bit equal, every transpose combination, beta
// 0 (C holds NaN outside and inside: nothing may read it) and beta 1.
TEST(GemmLdCpu, SubMatricesGiveTheBitsOfContiguousCopies) {
  const int64_t m = 70, n = 37, k = 300;  // n < 64: the dx of one input part of a layer
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (float beta : {0.f, 1.f}) {
        const int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        const int64_t lda = ac + 13, ldb = bc + 5, ldc = n + 9, oa = 3, ob = 7, oc = 2;
        const auto bigA = random_vec<float>(ar * lda, 61), bigB = random_vec<float>(br * ldb, 62);
        auto bigC = random_vec<float>(m * ldc, 63);
        if (beta == 0.f) std::fill(bigC.begin(), bigC.end(), std::nanf(""));
        std::vector<float> A(static_cast<size_t>(ar * ac)), B(static_cast<size_t>(br * bc)), C(static_cast<size_t>(m * n));
        for (int64_t i = 0; i < ar; ++i)
          for (int64_t j = 0; j < ac; ++j) A[static_cast<size_t>(i * ac + j)] = bigA[static_cast<size_t>(i * lda + oa + j)];
        for (int64_t i = 0; i < br; ++i)
          for (int64_t j = 0; j < bc; ++j) B[static_cast<size_t>(i * bc + j)] = bigB[static_cast<size_t>(i * ldb + ob + j)];
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) C[static_cast<size_t>(i * n + j)] = bigC[static_cast<size_t>(i * ldc + oc + j)];
        const std::vector<float> outside = bigC;
        gemm_cpu<float>(ta, tb, m, n, k, 0.5f, A.data(), B.data(), beta, C.data());
        gemm_ld_cpu<float>(ta, tb, m, n, k, 0.5f, bigA.data() + oa, lda, bigB.data() + ob, ldb, beta, bigC.data() + oc, ldc);
        std::vector<float> got(C.size());
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) got[static_cast<size_t>(i * n + j)] = bigC[static_cast<size_t>(i * ldc + oc + j)];
        const std::string what = "ta=" + std::to_string(ta) + " tb=" + std::to_string(tb) + " beta=" + std::to_string(beta);
        EXPECT_TRUE(test::bit_equal(got, C, what));
        EXPECT_FALSE(std::isnan(got[0])) << what;
        // Nothing outside the window was written.
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < ldc; ++j)
            if (j < oc || j >= oc + n) {
              const size_t e = static_cast<size_t>(i * ldc + j);
              ASSERT_TRUE(std::memcmp(&bigC[e], &outside[e], sizeof(float)) == 0) << what << ": wrote (" << i << ", " << j << ")";
            }
      }
  std::vector<float> a(12), b(12), c(12);
  EXPECT_THROW(gemm_ld_cpu<float>(false, false, 3, 4, 3, 1.f, a.data(), 2, b.data(), 4, 0.f, c.data(), 4), Error);  // lda < k
  EXPECT_THROW(gemm_ld_cpu<float>(false, false, 3, 4, 3, 1.f, a.data(), 3, b.data(), 4, 0.f, c.data(), 3), Error);  // ldc < n
}

}  // namespace
}  // namespace gripcu::kernels
