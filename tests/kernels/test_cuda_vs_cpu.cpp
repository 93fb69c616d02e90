// CUDA twin vs CPU oracle for every kernel family in kernels/*.h, in float and double, on random
// inputs over shapes that include 0, 1 and sizes that are not multiples of 32 / 128 / 256.
// Tolerances are stated per check with the reason; random bits (uniform, normal, dropout masks,
// permutations) and pure copies must be exactly equal.
// Without a CUDA device (or in a build without CUDA) every test skips and says why.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/tensor.h"
#include "kernels/adam.h"
#include "kernels/concat.h"
#include "kernels/elementwise.h"
#include "kernels/embedding.h"
#include "kernels/film.h"
#include "kernels/gemm.h"
#include "kernels/grl.h"
#include "kernels/loss.h"
#include "kernels/random.h"
#include "kernels/reduce.h"

// Every test, by name (F32 / F64 per dtype); the non-CUDA build defines each as a skip.
#define GRIPCU_CUDA_VS_CPU_TESTS(X)                                                                   \
  X(GemmF32) X(GemmF64) X(GemmTf32) X(GemmLdF32) X(GemmLdF64) X(ElementwiseF32) X(ElementwiseF64) X(ReduceF32) X(ReduceF64)     \
  X(LossF32) X(LossF64) X(EmbeddingF32) X(EmbeddingF64) X(ConcatF32) X(ConcatF64) X(FilmF32)          \
  X(FilmF64) X(GrlF32) X(GrlF64) X(AdamF32) X(AdamF64) X(SgdF32) X(SgdF64) X(RandomF32) X(RandomF64) \
  X(Permutation)

#ifndef GRIPCU_HAVE_CUDA

#define GRIPCU_SKIP_TEST(name) \
  TEST(CudaVsCpu, name) { GTEST_SKIP() << "no CUDA device: " << gripcu::cuda_unavailable_reason(); }
GRIPCU_CUDA_VS_CPU_TESTS(GRIPCU_SKIP_TEST)
#undef GRIPCU_SKIP_TEST

#else  // GRIPCU_HAVE_CUDA

namespace gripcu::kernels {
namespace {

class CudaVsCpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_devices().empty()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  }
};

Device gpu() { return Device::cuda(0); }
cudaStream_t gs() { return stream_for(gpu()); }

template <typename T>
constexpr double eps() {
  return static_cast<double>(std::numeric_limits<T>::epsilon());
}

template <typename T>
std::vector<T> rand_vec(int64_t n, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(u(g));
  return v;
}
std::vector<int64_t> rand_idx(int64_t n, int64_t hi, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_int_distribution<int64_t> u(0, hi - 1);
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(g);
  return v;
}

template <typename T>
Tensor to_gpu(const std::vector<T>& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}, gpu());
}
template <typename T>
std::vector<T> to_host(const Tensor& t) {
  return t.to_vector<T>();  // waits for the engine stream
}

// got[i] within tol(i) of want[i]; NaN only matches NaN. Reports the first few misses.
template <typename T, typename Tol>
void expect_close(const std::vector<T>& got, const std::vector<T>& want, Tol tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    const bool ok = (std::isnan(g) && std::isnan(w)) || std::abs(g - w) <= tol(i);
    if (!ok && ++bad <= 5)
      ADD_FAILURE() << what << ": element " << i << " cuda " << g << " cpu " << w << " |diff| " << std::abs(g - w)
                    << " > tol " << tol(i);
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.size() << " elements out of tolerance";
}
template <typename T>
void expect_close(const std::vector<T>& got, const std::vector<T>& want, double tol, const std::string& what) {
  expect_close(got, want, [tol](size_t) { return tol; }, what);
}
// Bit-for-bit equality (random streams, copies, fixed-order sums that match the CPU's order).
template <typename T>
void expect_bits(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0 && ++bad <= 5)
      ADD_FAILURE() << what << ": element " << i << " cuda " << got[i] << " cpu " << want[i] << " (bits differ)";
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.size() << " elements differ";
}

std::string tag(const char* op, int64_t n) { return std::string(op) + " n=" + std::to_string(n); }

const std::vector<int64_t> kSizes = {0, 1, 31, 32, 33, 255, 256, 257, 1000, 4097, 100003};

// ================================ gemm ================================
struct GemmShape {
  int64_t m, n, k;
};

// offset: every device buffer starts `offset` elements past an allocation, as views into a slab
// may, so cuBLASLt must be told the real (4- or 8-byte) alignment and the bias epilogue goes unfused.
template <typename T>
void run_gemm_at(bool tf32, int64_t offset) {
  const std::vector<GemmShape> shapes = {{1, 1, 1},     {0, 4, 3},     {4, 0, 3},    {5, 7, 0},
                                         {3, 1, 17},    {33, 129, 257}, {64, 128, 256}, {7, 300, 45},
                                         {257, 31, 129}, {128, 256, 1}};
  const Epilogue eps_list[] = {Epilogue::none, Epilogue::bias, Epilogue::bias_relu};
  const std::pair<double, double> ab_list[] = {{1.0, 0.0}, {0.75, 0.5}, {1.0, 1.0}};
  uint64_t seed = 100;
  gemm_set_allow_tf32(tf32);
  for (const auto& sh : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (Epilogue ep : eps_list)
          for (auto [alpha_d, beta_d] : ab_list) {
            const int64_t m = sh.m, n = sh.n, k = sh.k;
            const T alpha = static_cast<T>(alpha_d), beta = static_cast<T>(beta_d);
            const auto A = rand_vec<T>(m * k, ++seed), B = rand_vec<T>(k * n, ++seed);
            const auto bias = rand_vec<T>(n, ++seed);
            auto C0 = rand_vec<T>(m * n, ++seed);
            // beta == 0 must not read C: NaN there has to vanish on both devices.
            if (beta == T(0)) std::fill(C0.begin(), C0.end(), std::numeric_limits<T>::quiet_NaN());
            std::vector<T> want = C0;
            gemm_cpu<T>(ta, tb, m, n, k, alpha, A.data(), B.data(), beta, want.data(), bias.data(), ep);
            auto padded = [&](const std::vector<T>& v) {
              std::vector<T> p(static_cast<size_t>(offset), T(0));
              p.insert(p.end(), v.begin(), v.end());
              return to_gpu(p);
            };
            Tensor dA = padded(A), dB = padded(B), dbias = padded(bias), dC = padded(C0);
            gemm_cuda(ta, tb, m, n, k, alpha, dA.data<T>() + offset, dB.data<T>() + offset, beta,
                      dC.data<T>() + offset, dbias.data<T>() + offset, ep, gs());
            auto got = to_host<T>(dC);
            got.erase(got.begin(), got.begin() + offset);
            // Tolerance: the first-order bound for two different summation orders of a k-term dot
            // product, 2 (k + 2) eps * (|alpha| sum_l |a_il b_lj| + |beta c_ij| + |bias_j|); with TF32
            // each input is rounded to a 10-bit mantissa first, adding 2^-9 * |alpha| sum |a b|.
            std::vector<double> scale(static_cast<size_t>(m * n), 0.0), absprod(static_cast<size_t>(m * n), 0.0);
            for (int64_t i = 0; i < m; ++i)
              for (int64_t j = 0; j < n; ++j) {
                double s = 0;
                for (int64_t l = 0; l < k; ++l) {
                  const double a = ta ? A[l * m + i] : A[i * k + l];
                  const double b = tb ? B[j * k + l] : B[l * n + j];
                  s += std::abs(a * b);
                }
                const size_t e = static_cast<size_t>(i * n + j);
                absprod[e] = std::abs(alpha_d) * s;
                scale[e] = absprod[e] + (beta == T(0) ? 0.0 : std::abs(beta_d * C0[e])) +
                           (ep == Epilogue::none ? 0.0 : std::abs(static_cast<double>(bias[j])));
              }
            const double u = eps<T>() * 2.0 * static_cast<double>(k + 2);
            const double tf = tf32 ? std::ldexp(1.0, -9) : 0.0;
            const std::string what = "gemm m=" + std::to_string(m) + " n=" + std::to_string(n) +
                                     " k=" + std::to_string(k) + " ta=" + std::to_string(ta) +
                                     " tb=" + std::to_string(tb) + " ep=" + std::to_string(static_cast<int>(ep)) +
                                     " alpha=" + std::to_string(alpha_d) + " beta=" + std::to_string(beta_d) +
                                     " offset=" + std::to_string(offset);
            expect_close(got, want, [&](size_t e) { return u * scale[e] + tf * absprod[e] + 1e-300; }, what);
          }
  gemm_set_allow_tf32(false);
}
template <typename T>
void run_gemm(bool tf32) {
  run_gemm_at<T>(tf32, 0);
  run_gemm_at<T>(tf32, 1);
}

TEST_F(CudaVsCpu, GemmF32) { run_gemm<float>(false); }
TEST_F(CudaVsCpu, GemmF64) { run_gemm<double>(false); }
TEST_F(CudaVsCpu, GemmTf32) { run_gemm<float>(true); }

// gemm_ld: sub-matrices with row strides larger than their rows (the dx of one input part of a
// layer reads a column block of W), every transpose combination, beta 0 and 1; the window of C
// only is written. Tolerance as for gemm: 2 (k + 2) eps * sum |a b| (+ |beta c|).
template <typename T>
void run_gemm_ld() {
  const int64_t m = 70, n = 37, k = 300;
  uint64_t seed = 900;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (double beta_d : {0.0, 1.0}) {
        const T beta = static_cast<T>(beta_d);
        const int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        const int64_t lda = ac + 13, ldb = bc + 5, ldc = n + 9, oa = 3, ob = 7, oc = 2;
        const auto A = rand_vec<T>(ar * lda, ++seed), B = rand_vec<T>(br * ldb, ++seed), C0 = rand_vec<T>(m * ldc, ++seed);
        std::vector<T> want = C0;
        gemm_ld_cpu<T>(ta, tb, m, n, k, T(1), A.data() + oa, lda, B.data() + ob, ldb, beta, want.data() + oc, ldc);
        Tensor dA = to_gpu(A), dB = to_gpu(B), dC = to_gpu(C0);
        gemm_ld_cuda(ta, tb, m, n, k, T(1), dA.data<T>() + oa, lda, dB.data<T>() + ob, ldb, beta, dC.data<T>() + oc, ldc, gs());
        const auto got = to_host<T>(dC);
        const double u = eps<T>() * 2.0 * static_cast<double>(k + 2);
        const std::string what = "gemm_ld ta=" + std::to_string(ta) + " tb=" + std::to_string(tb) + " beta=" + std::to_string(beta_d);
        expect_close(got, want, [&](size_t e) {
          const int64_t i = static_cast<int64_t>(e) / ldc, j = static_cast<int64_t>(e) % ldc - oc;
          if (j < 0 || j >= n) return 0.0;  // outside the window: untouched on both
          double s = 0;
          for (int64_t l = 0; l < k; ++l) {
            const double a = ta ? A[static_cast<size_t>(oa + l * lda + i)] : A[static_cast<size_t>(oa + i * lda + l)];
            const double b = tb ? B[static_cast<size_t>(ob + j * ldb + l)] : B[static_cast<size_t>(ob + l * ldb + j)];
            s += std::abs(a * b);
          }
          return u * (s + std::abs(beta_d * C0[e])) + 1e-300;
        }, what);
      }
}
TEST_F(CudaVsCpu, GemmLdF32) { run_gemm_ld<float>(); }
TEST_F(CudaVsCpu, GemmLdF64) { run_gemm_ld<double>(); }

// ============================= elementwise =============================
template <typename T>
void run_elementwise() {
  const T slope = static_cast<T>(0.2);
  for (int64_t n : kSizes) {
    const auto a = rand_vec<T>(n, 1 + n), b = rand_vec<T>(n, 2 + n), dy = rand_vec<T>(n, 3 + n);
    const auto out0 = rand_vec<T>(n, 4 + n);
    auto x = rand_vec<T>(n, 5 + n, -4.0, 4.0);  // activations: cover both sigmoid/tanh tails
    if (n > 0) x[0] = T(0);                      // the relu kink: x > 0 is false at 0 on both
    Tensor da = to_gpu(a), db = to_gpu(b), ddy = to_gpu(dy), dx = to_gpu(x);

    {  // axpby: FMA contraction on the GPU may skip one product's rounding: |diff| <= 2 eps
       // (|alpha a| + |beta b|) <= 4 eps on [-1, 1]; 8 eps leaves room for the sum's rounding.
      const T alpha = static_cast<T>(0.7), beta = static_cast<T>(-1.3);
      std::vector<T> want(static_cast<size_t>(n));
      axpby_cpu<T>(n, alpha, a.data(), beta, b.data(), want.data());
      Tensor o = Tensor::empty({n}, dtype_of<T>(), gpu());
      axpby_cuda(n, alpha, da.data<T>(), beta, db.data<T>(), o.data<T>(), gs());
      expect_close(to_host<T>(o), want, 8 * eps<T>(), tag("axpby", n));
      Tensor alias = to_gpu(a);  // out aliases a
      axpby_cuda(n, alpha, alias.data<T>(), beta, db.data<T>(), alias.data<T>(), gs());
      expect_close(to_host<T>(alias), want, 8 * eps<T>(), tag("axpby aliased", n));
    }
    {  // mul: one correctly rounded product on both sides: exact.
      std::vector<T> want(static_cast<size_t>(n));
      mul_cpu<T>(n, a.data(), b.data(), want.data());
      Tensor o = Tensor::empty({n}, dtype_of<T>(), gpu());
      mul_cuda(n, da.data<T>(), db.data<T>(), o.data<T>(), gs());
      expect_bits(to_host<T>(o), want, tag("mul", n));
    }
    for (bool acc : {false, true}) {  // scale: exact when writing; accumulate may fuse (<= 2 eps * 2).
      const T sc = static_cast<T>(-0.37);
      std::vector<T> want = out0;
      scale_cpu<T>(n, sc, a.data(), want.data(), acc);
      Tensor o = to_gpu(out0);
      scale_cuda(n, sc, da.data<T>(), o.data<T>(), acc, gs());
      expect_close(to_host<T>(o), want, acc ? 4 * eps<T>() : 0.0, tag(acc ? "scale acc" : "scale", n));
    }
    {  // add_rowvec: one correctly rounded add: exact. Several column counts over the same data.
      for (int64_t cols : {int64_t{1}, int64_t{7}, int64_t{33}, int64_t{256}}) {
        if (n % cols != 0 && n > 0) continue;
        const int64_t rows = n / cols;
        const auto v = rand_vec<T>(cols, 9 + cols);
        std::vector<T> want(static_cast<size_t>(n));
        add_rowvec_cpu<T>(rows, cols, a.data(), v.data(), want.data());
        Tensor dv = to_gpu(v), o = Tensor::empty({n}, dtype_of<T>(), gpu());
        add_rowvec_cuda(rows, cols, da.data<T>(), dv.data<T>(), o.data<T>(), gs());
        expect_bits(to_host<T>(o), want, tag("add_rowvec", n) + " cols=" + std::to_string(cols));
      }
    }
    {  // fill: exact.
      std::vector<T> want(static_cast<size_t>(n));
      fill_cpu<T>(n, static_cast<T>(3.25), want.data());
      Tensor o = Tensor::empty({n}, dtype_of<T>(), gpu());
      fill_cuda(n, static_cast<T>(3.25), o.data<T>(), gs());
      expect_bits(to_host<T>(o), want, tag("fill", n));
    }
    for (Act act : {Act::identity, Act::relu, Act::leaky_relu, Act::sigmoid, Act::tanh}) {
      std::vector<T> y(static_cast<size_t>(n));
      act_forward_cpu<T>(act, n, x.data(), y.data(), slope);
      Tensor dyv = Tensor::empty({n}, dtype_of<T>(), gpu());
      act_forward_cuda(act, n, dx.data<T>(), dyv.data<T>(), slope, gs());
      // identity / relu / leaky_relu: a copy, a select or one product: exact. sigmoid / tanh: the
      // CUDA math library's exp / tanh are within 2 ulp of correctly rounded, glibc's within 1;
      // sigmoid adds a division: outputs lie in (-1, 1), so 8 eps absolute covers it.
      const bool smooth = act == Act::sigmoid || act == Act::tanh;
      const auto ygot = to_host<T>(dyv);
      expect_close(ygot, y, smooth ? 8 * eps<T>() : 0.0, tag("act_forward ", n) + act_name(act));
      for (bool acc : {false, true}) {
        std::vector<T> want = out0;
        act_backward_cpu<T>(act, n, x.data(), y.data(), dy.data(), want.data(), slope, acc);
        Tensor dyy = to_gpu(y), o = to_gpu(out0);  // both sides use the CPU's y
        act_backward_cuda(act, n, dx.data<T>(), dyy.data<T>(), ddy.data<T>(), o.data<T>(), slope, acc, gs());
        // Products of values in [-1, 1] plus an optional add: FMA contraction on the GPU changes
        // at most the rounding of one product: 4 eps absolute (|terms| <= 2).
        expect_close(to_host<T>(o), want, 4 * eps<T>(),
                     tag("act_backward ", n) + act_name(act) + (acc ? " acc" : ""));
      }
    }
    for (bool acc : {false, true})
      for (int which = 0; which < 3; ++which) {  // da and db, da only, db only
        std::vector<T> wa = out0, wb = rand_vec<T>(n, 77 + n);
        const std::vector<T> wb0 = wb;
        mul_backward_cpu<T>(n, a.data(), b.data(), dy.data(), which != 2 ? wa.data() : nullptr,
                            which != 1 ? wb.data() : nullptr, acc);
        Tensor ga = to_gpu(out0), gb = to_gpu(wb0);
        mul_backward_cuda(n, da.data<T>(), db.data<T>(), ddy.data<T>(), which != 2 ? ga.data<T>() : nullptr,
                          which != 1 ? gb.data<T>() : nullptr, acc, gs());
        // One product (exact) plus an optional add that may fuse: 4 eps absolute.
        expect_close(to_host<T>(ga), wa, 4 * eps<T>(), tag("mul_backward da", n));
        expect_close(to_host<T>(gb), wb, 4 * eps<T>(), tag("mul_backward db", n));
      }
  }
}
TEST_F(CudaVsCpu, ElementwiseF32) { run_elementwise<float>(); }
TEST_F(CudaVsCpu, ElementwiseF64) { run_elementwise<double>(); }

// ============================== reductions ==============================
// Tolerance for two different fixed summation orders of `count` terms: the error of each order is
// at most (longest chain of additions) * eps * sum|x|. The CPU's chain is <= 8 + log2(count); the
// GPU's is at most count/32 sequential adds plus ~log2 tree levels; count/16 + 64 bounds the sum.
template <typename T>
double sum_tol(int64_t count, double sumabs) {
  return (static_cast<double>(count) / 16.0 + 64.0) * eps<T>() * sumabs + 1e-300;
}

template <typename T>
void run_reduce() {
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{0, 5},     {5, 0},  {1, 1},     {1, 1000},  {1000, 1},
                                                           {33, 257},  {129, 31}, {300, 1025}, {2049, 3}, {17, 2000},
                                                           {100003, 2}};
  for (auto [rows, cols] : shapes) {
    const auto x = rand_vec<T>(rows * cols, 11 + rows * 7 + cols);
    const auto o_r = rand_vec<T>(cols, 12), o_c = rand_vec<T>(rows, 13);
    Tensor dx = to_gpu(x);
    const std::string sh = " " + std::to_string(rows) + "x" + std::to_string(cols);
    for (bool acc : {false, true}) {
      {  // sum over rows -> [cols]
        std::vector<T> want = o_r;
        sum_rows_cpu<T>(rows, cols, x.data(), want.data(), acc);
        Tensor o = to_gpu(o_r), o2 = to_gpu(o_r);
        sum_rows_cuda(rows, cols, dx.data<T>(), o.data<T>(), acc, gs());
        sum_rows_cuda(rows, cols, dx.data<T>(), o2.data<T>(), acc, gs());
        const auto got = to_host<T>(o);
        expect_bits(to_host<T>(o2), got, "sum_rows run-to-run" + sh);  // fixed order: same bits
        expect_close(got, want, [&](size_t c) {
          double sa = acc ? std::abs(static_cast<double>(o_r[c])) : 0.0;
          for (int64_t r = 0; r < rows; ++r) sa += std::abs(static_cast<double>(x[r * cols + c]));
          return sum_tol<T>(rows + 1, sa);
        }, std::string("sum_rows") + (acc ? " acc" : "") + sh);
      }
      {  // sum over columns -> [rows]
        std::vector<T> want = o_c;
        sum_cols_cpu<T>(rows, cols, x.data(), want.data(), acc);
        Tensor o = to_gpu(o_c), o2 = to_gpu(o_c);
        sum_cols_cuda(rows, cols, dx.data<T>(), o.data<T>(), acc, gs());
        sum_cols_cuda(rows, cols, dx.data<T>(), o2.data<T>(), acc, gs());
        const auto got = to_host<T>(o);
        expect_bits(to_host<T>(o2), got, "sum_cols run-to-run" + sh);
        expect_close(got, want, [&](size_t r) {
          double sa = acc ? std::abs(static_cast<double>(o_c[r])) : 0.0;
          for (int64_t c = 0; c < cols; ++c) sa += std::abs(static_cast<double>(x[r * cols + c]));
          return sum_tol<T>(cols + 1, sa);
        }, std::string("sum_cols") + (acc ? " acc" : "") + sh);
      }
    }
  }
  std::vector<int64_t> sizes = kSizes;
  sizes.push_back(2048);
  sizes.push_back(2049);
  sizes.push_back((int64_t{1} << 20) + 7);
  for (int64_t n : sizes)
    for (double scale_d : {1.0, 0.5}) {
      const T scale = static_cast<T>(scale_d);
      const auto x = rand_vec<T>(n, 21 + n);
      T want = T(-1);
      sum_all_cpu<T>(n, x.data(), scale, &want);
      Tensor dx = to_gpu(x), o = Tensor::full({1}, -1.0, dtype_of<T>(), gpu()), o2 = Tensor::full({1}, -1.0, dtype_of<T>(), gpu());
      sum_all_cuda(n, dx.data<T>(), scale, o.data<T>(), gs());
      sum_all_cuda(n, dx.data<T>(), scale, o2.data<T>(), gs());
      const auto got = to_host<T>(o);
      expect_bits(to_host<T>(o2), got, tag("sum_all run-to-run", n));
      double sa = 0;
      for (T v : x) sa += std::abs(static_cast<double>(v));
      expect_close(got, std::vector<T>{want}, sum_tol<T>(n, scale_d * sa), tag("sum_all", n));
    }
}
TEST_F(CudaVsCpu, ReduceF32) { run_reduce<float>(); }
TEST_F(CudaVsCpu, ReduceF64) { run_reduce<double>(); }

// ================================ losses ================================
template <typename T>
T scalar_of(const Tensor& t) {
  return to_host<T>(t)[0];
}

template <typename T>
void run_loss() {
  const T dloss_h = static_cast<T>(1.7);
  Tensor dloss = to_gpu(std::vector<T>{dloss_h});
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{31}, int64_t{257}, int64_t{4099}, int64_t{100003}}) {
    const auto p = rand_vec<T>(n, 31 + n, -3.0, 3.0), t = rand_vec<T>(n, 32 + n, 0.0, 1.0);
    const auto g0 = rand_vec<T>(n, 33 + n);
    Tensor dp = to_gpu(p), dt = to_gpu(t);
    for (int kind = 0; kind < 2; ++kind) {  // 0: mse, 1: bce with logits
      const char* name = kind == 0 ? "mse" : "bce_logits";
      T want = T(-1);
      if (kind == 0) mse_forward_cpu<T>(n, p.data(), t.data(), &want);
      else bce_logits_forward_cpu<T>(n, p.data(), t.data(), &want);
      Tensor loss = Tensor::full({1}, -1.0, dtype_of<T>(), gpu());
      if (kind == 0) mse_forward_cuda(n, dp.data<T>(), dt.data<T>(), loss.data<T>(), gs());
      else bce_logits_forward_cuda(n, dp.data<T>(), dt.data<T>(), loss.data<T>(), gs());
      // Mean of n terms: the two summation orders (sum_tol) over sum|term| / n, plus each bce term's
      // exp/log1p (<= 4 ulp apart between libraries): 8 eps * mean|term|.
      double sa = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double z = p[i], d = z - t[i];
        sa += kind == 0 ? d * d : std::max(z, 0.0) - z * t[i] + std::log1p(std::exp(-std::abs(z)));
      }
      const double mean_abs = n > 0 ? sa / n : 0.0;
      expect_close(std::vector<T>{scalar_of<T>(loss)}, std::vector<T>{want},
                   sum_tol<T>(n, mean_abs) + 8 * eps<T>() * mean_abs, tag(name, n) + " forward");
      for (bool acc : {false, true}) {
        std::vector<T> wg = g0;
        if (kind == 0) mse_backward_cpu<T>(n, p.data(), t.data(), &dloss_h, wg.data(), acc);
        else bce_logits_backward_cpu<T>(n, p.data(), t.data(), &dloss_h, wg.data(), acc);
        Tensor gg = to_gpu(g0);
        if (kind == 0) mse_backward_cuda(n, dp.data<T>(), dt.data<T>(), dloss.data<T>(), gg.data<T>(), acc, gs());
        else bce_logits_backward_cuda(n, dp.data<T>(), dt.data<T>(), dloss.data<T>(), gg.data<T>(), acc, gs());
        // Same expression on both sides; differences: sigmoid's exp (<= 4 ulp of a value in (0,1)) and
        // a possibly fused accumulate: 8 eps * (|scale| * 6 + 1) absolute (|p - t| <= 4, |g0| <= 1).
        const double sc = n > 0 ? 2.0 * dloss_h / n : 0.0;
        expect_close(to_host<T>(gg), wg, 8 * eps<T>() * (sc * 6 + 1), tag(name, n) + (acc ? " backward acc" : " backward"));
      }
    }
  }
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{0, 3},    {1, 1},     {1, 2},    {7, 3},
                                                           {33, 10},  {257, 100}, {100, 1000}, {3, 5000},
                                                           {4099, 7}};
  for (auto [rows, classes] : shapes) {
    const auto z = rand_vec<T>(rows * classes, 41 + rows + classes, -5.0, 5.0);
    const auto labels = rand_idx(rows, classes, 42 + rows);
    const auto g0 = rand_vec<T>(rows * classes, 43);
    Tensor dz = to_gpu(z), dl = to_gpu(labels);
    const std::string sh = " " + std::to_string(rows) + "x" + std::to_string(classes);
    T want = T(-1);
    softmax_xent_forward_cpu<T>(rows, classes, z.data(), labels.data(), &want);
    Tensor loss = Tensor::full({1}, -1.0, dtype_of<T>(), gpu());
    softmax_xent_forward_cuda(rows, classes, dz.data<T>(), dl.data<int64_t>(), loss.data<T>(), gs());
    // Each row's log-sum-exp: the CPU sums the `classes` exps sequentially (relative error up to
    // classes * eps), the GPU in a lane-strided tree; exp/log add a few ulps, relative to
    // |lse| <= 5 + log(classes); then the mean over rows in two orders (rows/16 + 64, as sum_tol).
    // Bound: eps * (classes + rows/16 + 64) * (mean|term| + 5 + log(classes)).
    double sa = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double mx = -1e300, s = 0;
      for (int64_t c = 0; c < classes; ++c) mx = std::max(mx, static_cast<double>(z[r * classes + c]));
      for (int64_t c = 0; c < classes; ++c) s += std::exp(z[r * classes + c] - mx);
      sa += std::abs(mx + std::log(s) - z[r * classes + labels[r]]);
    }
    const double mean_abs = rows > 0 ? sa / rows : 0.0;
    const double tol = eps<T>() * (classes + rows / 16.0 + 64.0) *
                       (mean_abs + 5.0 + std::log(static_cast<double>(std::max<int64_t>(classes, 1))));
    expect_close(std::vector<T>{scalar_of<T>(loss)}, std::vector<T>{want}, tol, "softmax_xent forward" + sh);
    for (bool acc : {false, true}) {
      std::vector<T> wg = g0;
      softmax_xent_backward_cpu<T>(rows, classes, z.data(), labels.data(), &dloss_h, wg.data(), acc);
      Tensor gg = to_gpu(g0);
      softmax_xent_backward_cuda(rows, classes, dz.data<T>(), dl.data<int64_t>(), dloss.data<T>(), gg.data<T>(), acc,
                                 gs());
      // softmax in [0, 1] with the row sum's relative error (classes * eps for the CPU's sequential
      // sum, less for the GPU tree) plus exp ulps: eps * (classes + 64) * |scale|, plus a possibly
      // fused accumulate (2 eps * |g0| <= 2 eps).
      const double sc = rows > 0 ? static_cast<double>(dloss_h) / rows : 0.0;
      expect_close(to_host<T>(gg), wg, eps<T>() * ((classes + 64.0) * sc + 2.0),
                   std::string("softmax_xent backward") + (acc ? " acc" : "") + sh);
    }
  }
  {  // A label outside [0, classes): the CUDA loss is NaN (the CPU throws instead).
    const auto z = rand_vec<T>(4 * 3, 51);
    Tensor dz = to_gpu(z), dl = to_gpu(std::vector<int64_t>{0, 3, 1, 2});
    Tensor loss = Tensor::full({1}, 0.0, dtype_of<T>(), gpu());
    softmax_xent_forward_cuda(4, 3, dz.data<T>(), dl.data<int64_t>(), loss.data<T>(), gs());
    EXPECT_TRUE(std::isnan(static_cast<double>(scalar_of<T>(loss))));
  }
}
TEST_F(CudaVsCpu, LossF32) { run_loss<float>(); }
TEST_F(CudaVsCpu, LossF64) { run_loss<double>(); }

// =============================== embedding ===============================
template <typename T>
void run_embedding() {
  struct Shape {
    int64_t n, dim, vocab;
  };
  const std::vector<Shape> shapes = {{0, 4, 5},      {1, 1, 1},    {37, 3, 7},   {1000, 64, 300},
                                     {513, 129, 50}, {4096, 1, 3}, {300, 33, 1000}};
  for (const auto& s : shapes) {
    const auto table = rand_vec<T>(s.vocab * s.dim, 61 + s.n);
    const auto idx = rand_idx(s.n, s.vocab, 62 + s.n);  // many repeats: n >> vocab in several shapes
    const auto dout = rand_vec<T>(s.n * s.dim, 63 + s.n);
    const auto dt0 = rand_vec<T>(s.vocab * s.dim, 64 + s.n);
    Tensor dtab = to_gpu(table), didx = to_gpu(idx), ddout = to_gpu(dout);
    const std::string sh = " n=" + std::to_string(s.n) + " dim=" + std::to_string(s.dim) +
                           " vocab=" + std::to_string(s.vocab);
    {  // Forward is a gather (a copy): exact.
      std::vector<T> want(static_cast<size_t>(s.n * s.dim));
      embedding_forward_cpu<T>(s.n, s.dim, s.vocab, table.data(), idx.data(), want.data());
      Tensor o = Tensor::empty({s.n * s.dim}, dtype_of<T>(), gpu());
      embedding_forward_cuda(s.n, s.dim, s.vocab, dtab.data<T>(), didx.data<int64_t>(), o.data<T>(), gs());
      expect_bits(to_host<T>(o), want, "embedding forward" + sh);
    }
    for (bool acc : {false, true}) {
      // Backward: each table element is the same additions in the same order (increasing i,
      // starting from dtable or 0) on both devices: exact.
      std::vector<T> want = dt0;
      embedding_backward_cpu<T>(s.n, s.dim, s.vocab, idx.data(), dout.data(), want.data(), acc);
      Tensor o = to_gpu(dt0);
      embedding_backward_cuda(s.n, s.dim, s.vocab, didx.data<int64_t>(), ddout.data<T>(), o.data<T>(), acc, gs());
      expect_bits(to_host<T>(o), want, std::string("embedding backward") + (acc ? " acc" : "") + sh);
    }
  }
  {  // Out-of-range indices: forward zero-fills their rows, the check reports the first position,
     // backward skips them (= the CPU over the valid positions, in the same order).
    const int64_t n = 20, dim = 5, vocab = 6;
    auto idx = rand_idx(n, vocab, 71);
    idx[5] = -1;
    idx[9] = vocab;
    const auto table = rand_vec<T>(vocab * dim, 72), dout = rand_vec<T>(n * dim, 73);
    Tensor dtab = to_gpu(table), didx = to_gpu(idx), ddout = to_gpu(dout);
    Tensor o = Tensor::empty({n * dim}, dtype_of<T>(), gpu());
    embedding_forward_cuda(n, dim, vocab, dtab.data<T>(), didx.data<int64_t>(), o.data<T>(), gs());
    const auto got = to_host<T>(o);
    for (int64_t d = 0; d < dim; ++d) {
      EXPECT_EQ(got[5 * dim + d], T(0));
      EXPECT_EQ(got[9 * dim + d], T(0));
      EXPECT_EQ(got[4 * dim + d], table[idx[4] * dim + d]);
    }
    EXPECT_EQ(embedding_index_check_cuda(n, vocab, didx.data<int64_t>(), gs()), 5);
    Tensor ok_idx = to_gpu(rand_idx(n, vocab, 74));
    EXPECT_EQ(embedding_index_check_cuda(n, vocab, ok_idx.data<int64_t>(), gs()), -1);
    std::vector<int64_t> vidx;
    std::vector<T> vdout;
    for (int64_t i = 0; i < n; ++i)
      if (i != 5 && i != 9) {
        vidx.push_back(idx[i]);
        vdout.insert(vdout.end(), dout.begin() + i * dim, dout.begin() + (i + 1) * dim);
      }
    std::vector<T> want(static_cast<size_t>(vocab * dim));
    embedding_backward_cpu<T>(static_cast<int64_t>(vidx.size()), dim, vocab, vidx.data(), vdout.data(), want.data(),
                              false);
    Tensor g = Tensor::empty({vocab * dim}, dtype_of<T>(), gpu());
    embedding_backward_cuda(n, dim, vocab, didx.data<int64_t>(), ddout.data<T>(), g.data<T>(), false, gs());
    expect_bits(to_host<T>(g), want, "embedding backward with invalid indices");
  }
}
TEST_F(CudaVsCpu, EmbeddingF32) { run_embedding<float>(); }
TEST_F(CudaVsCpu, EmbeddingF64) { run_embedding<double>(); }

// ================================ concat ================================
template <typename T>
void run_concat() {
  for (int64_t rows : {int64_t{0}, int64_t{1}, int64_t{33}, int64_t{257}})
    for (int64_t width : {int64_t{0}, int64_t{1}, int64_t{31}, int64_t{130}})
      for (bool acc : {false, true}) {
        // A part of width `width` at column 2 of a wider destination, from a padded source.
        const int64_t src_ld = width + 3, dst_ld = width + 7, off = 2;
        const auto src = rand_vec<T>(rows * src_ld, 81 + rows + width);
        const auto dst0 = rand_vec<T>(rows * dst_ld, 82 + rows + width);
        std::vector<T> want = dst0;
        copy_cols_cpu<T>(rows, width, src.data(), src_ld, want.data() + off, dst_ld, acc);
        Tensor ds = to_gpu(src), dd = to_gpu(dst0);
        copy_cols_cuda(rows, width, ds.data<T>(), src_ld, dd.data<T>() + off, dst_ld, acc, gs());
        // A copy or one correctly rounded add per element (nothing to fuse): exact, and columns
        // outside the part are untouched.
        expect_bits(to_host<T>(dd), want,
                    "copy_cols rows=" + std::to_string(rows) + " width=" + std::to_string(width) + (acc ? " acc" : ""));
      }
}
template <typename T>
void run_concat_cols() {
  // The discriminator's input: genes, cell and drug embeddings side by side, plus an empty part.
  const std::vector<int64_t> widths = {978, 128, 0, 128};
  int64_t total = 0;
  for (auto w : widths) total += w;
  for (int64_t rows : {int64_t{0}, int64_t{1}, int64_t{128}}) {
    std::vector<std::vector<T>> src;
    std::vector<Tensor> dsrc;
    std::vector<ColPart<T>> cpu_parts, gpu_parts;
    for (size_t p = 0; p < widths.size(); ++p) {
      src.push_back(rand_vec<T>(rows * widths[p], 90 + p));
      dsrc.push_back(to_gpu(src.back()));
    }
    for (size_t p = 0; p < widths.size(); ++p) {  // pointers taken once the vectors stop growing
      cpu_parts.push_back({src[p].data(), widths[p], widths[p]});
      gpu_parts.push_back({dsrc[p].template data<T>(), widths[p], widths[p]});
    }
    const auto dst0 = rand_vec<T>(rows * total, 99);
    std::vector<T> want = dst0;
    concat_cols_cpu<T>(rows, static_cast<int>(cpu_parts.size()), cpu_parts.data(), want.data(), total);
    Tensor dd = to_gpu(dst0);
    concat_cols_cuda(rows, static_cast<int>(gpu_parts.size()), gpu_parts.data(), dd.data<T>(), total, gs());
    expect_bits(to_host<T>(dd), want, "concat_cols rows=" + std::to_string(rows));
  }
}
TEST_F(CudaVsCpu, ConcatColsF32) { run_concat_cols<float>(); }
TEST_F(CudaVsCpu, ConcatColsF64) { run_concat_cols<double>(); }
TEST_F(CudaVsCpu, ConcatF32) { run_concat<float>(); }
TEST_F(CudaVsCpu, ConcatF64) { run_concat<double>(); }

// ================================= film =================================
template <typename T>
void run_film() {
  for (int64_t n : kSizes) {
    const auto h = rand_vec<T>(n, 91 + n), gamma = rand_vec<T>(n, 92 + n), beta = rand_vec<T>(n, 93 + n);
    const auto dy = rand_vec<T>(n, 94 + n), g0 = rand_vec<T>(n, 95 + n);
    Tensor dh_ = to_gpu(h), dg_ = to_gpu(gamma), db_ = to_gpu(beta), ddy = to_gpu(dy);
    {
      std::vector<T> want(static_cast<size_t>(n));
      film_forward_cpu<T>(n, h.data(), gamma.data(), beta.data(), want.data());
      Tensor y = Tensor::empty({n}, dtype_of<T>(), gpu());
      film_forward_cuda(n, dh_.data<T>(), dg_.data<T>(), db_.data<T>(), y.data<T>(), gs());
      // h (1 + gamma) + beta may be one FMA on the GPU: the product's rounding, |h (1+gamma)| <= 2,
      // plus the sum's: 4 eps * 2 absolute.
      expect_close(to_host<T>(y), want, 8 * eps<T>(), tag("film forward", n));
    }
    for (bool acc : {false, true})
      for (int mask : {7, 1, 6, 2}) {  // bit 0: dh, bit 1: dgamma, bit 2: dbeta
        std::vector<T> wh = g0, wg = g0, wb = g0;
        film_backward_cpu<T>(n, h.data(), gamma.data(), dy.data(), (mask & 1) ? wh.data() : nullptr,
                             (mask & 2) ? wg.data() : nullptr, (mask & 4) ? wb.data() : nullptr, acc);
        Tensor gh = to_gpu(g0), gg = to_gpu(g0), gb = to_gpu(g0);
        film_backward_cuda(n, dh_.data<T>(), dg_.data<T>(), ddy.data<T>(), (mask & 1) ? gh.data<T>() : nullptr,
                           (mask & 2) ? gg.data<T>() : nullptr, (mask & 4) ? gb.data<T>() : nullptr, acc, gs());
        // Products of magnitude <= 2 plus an optional fused add: 8 eps absolute.
        const std::string w = tag("film backward", n) + " mask=" + std::to_string(mask) + (acc ? " acc" : "");
        expect_close(to_host<T>(gh), wh, 8 * eps<T>(), w + " dh");
        expect_close(to_host<T>(gg), wg, 8 * eps<T>(), w + " dgamma");
        expect_close(to_host<T>(gb), wb, 8 * eps<T>(), w + " dbeta");
      }
  }
}
TEST_F(CudaVsCpu, FilmF32) { run_film<float>(); }
TEST_F(CudaVsCpu, FilmF64) { run_film<double>(); }

// ================================== grl ==================================
template <typename T>
void run_grl() {
  const T lambda = static_cast<T>(0.37);
  Tensor dlambda = to_gpu(std::vector<T>{lambda});
  for (int64_t n : kSizes) {
    const auto x = rand_vec<T>(n, 101 + n), dy = rand_vec<T>(n, 102 + n), g0 = rand_vec<T>(n, 103 + n);
    Tensor dx = to_gpu(x), ddy = to_gpu(dy);
    {  // identity: exact, also in place
      std::vector<T> want(static_cast<size_t>(n));
      grl_forward_cpu<T>(n, x.data(), want.data());
      Tensor y = Tensor::empty({n}, dtype_of<T>(), gpu());
      grl_forward_cuda(n, dx.data<T>(), y.data<T>(), gs());
      expect_bits(to_host<T>(y), want, tag("grl forward", n));
      grl_forward_cuda(n, dx.data<T>(), dx.data<T>(), gs());
      expect_bits(to_host<T>(dx), x, tag("grl forward in place", n));
    }
    for (bool acc : {false, true}) {
      std::vector<T> want = g0;
      grl_backward_cpu<T>(n, &lambda, dy.data(), want.data(), acc);
      Tensor g = to_gpu(g0);
      grl_backward_cuda(n, dlambda.data<T>(), ddy.data<T>(), g.data<T>(), acc, gs());
      // (-lambda) * dy is one product: exact; the accumulate may fuse: 2 eps * 2 absolute.
      expect_close(to_host<T>(g), want, acc ? 4 * eps<T>() : 0.0, tag("grl backward", n) + (acc ? " acc" : ""));
    }
  }
}
TEST_F(CudaVsCpu, GrlF32) { run_grl<float>(); }
TEST_F(CudaVsCpu, GrlF64) { run_grl<double>(); }

// ============================== optimizers ==============================
template <typename T>
void run_adam() {
  struct Cfg {
    double wd;
    bool decoupled, device_step;
  };
  const Cfg cfgs[] = {{0.0, false, false}, {0.01, false, true}, {0.01, true, false}, {0.05, true, true}};
  const int steps = 5;
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{1000}, int64_t{100003}})
    for (const Cfg& c : cfgs) {
      AdamHyper h;
      h.lr = 1e-2;
      h.weight_decay = c.wd;
      h.decoupled = c.decoupled;
      std::vector<T> p = rand_vec<T>(n, 111 + n), m(static_cast<size_t>(n), T(0)), v(static_cast<size_t>(n), T(0));
      Tensor dp = to_gpu(p), dm = to_gpu(m), dv = to_gpu(v);
      for (int t = 1; t <= steps; ++t) {
        const auto g = rand_vec<T>(n, 112 + n * 10 + t);
        const int64_t step_h = t;
        adam_step_cpu<T>(n, p.data(), g.data(), m.data(), v.data(), h, c.device_step ? 0 : t,
                         c.device_step ? &step_h : nullptr);
        Tensor dg = to_gpu(g), dstep = to_gpu(std::vector<int64_t>{t});
        adam_step_cuda(n, dp.data<T>(), dg.data<T>(), dm.data<T>(), dv.data<T>(), h, c.device_step ? 0 : t,
                       c.device_step ? dstep.data<int64_t>() : nullptr, gs());
      }
      // |p| <= ~1, |g| <= 1: m, v stay <= ~1 and move by O(eps) per step between the two (fused vs
      // separate roundings, device vs host pow rounded to T); an update is lr * O(1) with a few eps
      // relative error. 32 eps per step absolute bounds all three.
      const std::string w = tag("adam", n) + " wd=" + std::to_string(c.wd) + (c.decoupled ? " adamw" : "") +
                            (c.device_step ? " step_dev" : "");
      const double tol = 32.0 * steps * eps<T>();
      expect_close(to_host<T>(dp), p, tol, w + " param");
      expect_close(to_host<T>(dm), m, tol, w + " m");
      expect_close(to_host<T>(dv), v, tol, w + " v");
    }
}
TEST_F(CudaVsCpu, AdamF32) { run_adam<float>(); }
TEST_F(CudaVsCpu, AdamF64) { run_adam<double>(); }

template <typename T>
void run_sgd() {
  struct Cfg {
    double mu, wd;
    bool nesterov;
  };
  const Cfg cfgs[] = {{0.0, 0.0, false}, {0.9, 0.0, false}, {0.9, 1e-3, true}, {0.5, 1e-2, false}};
  const int steps = 4;
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{1000}, int64_t{100003}})
    for (const Cfg& c : cfgs) {
      SgdHyper h;
      h.lr = 1e-2;
      h.momentum = c.mu;
      h.weight_decay = c.wd;
      h.nesterov = c.nesterov;
      std::vector<T> p = rand_vec<T>(n, 121 + n), buf(static_cast<size_t>(n), T(0));
      Tensor dp = to_gpu(p), db = to_gpu(buf);
      for (int t = 1; t <= steps; ++t) {
        const auto g = rand_vec<T>(n, 122 + n * 10 + t);
        sgd_step_cpu<T>(n, p.data(), g.data(), buf.data(), h, t);
        Tensor dg = to_gpu(g);
        sgd_step_cuda(n, dp.data<T>(), dg.data<T>(), db.data<T>(), h, t, gs());
      }
      // |buf| <= 1 / (1 - mu) <= 10; each step a few possibly fused products: 16 eps * 10 per step.
      const std::string w = tag("sgd", n) + " mu=" + std::to_string(c.mu) + (c.nesterov ? " nesterov" : "");
      const double tol = 160.0 * steps * eps<T>();
      expect_close(to_host<T>(dp), p, tol, w + " param");
      expect_close(to_host<T>(db), buf, tol, w + " buf");
    }
}
TEST_F(CudaVsCpu, SgdF32) { run_sgd<float>(); }
TEST_F(CudaVsCpu, SgdF64) { run_sgd<double>(); }

// ================================= random =================================
// The same Philox words and explicitly rounded transforms on both sides: every value is exact.
template <typename T>
void run_random() {
  const uint64_t seed = 0x5eed1234abcdull, stream = 7;
  std::vector<int64_t> sizes = kSizes;
  sizes.insert(sizes.end(), {3, 4, 5});
  for (int64_t n : sizes)
    for (uint64_t offset : {uint64_t{0}, uint64_t{3}, (uint64_t{1} << 33) + 5}) {
      const std::string w = " n=" + std::to_string(n) + " offset=" + std::to_string(offset);
      {
        std::vector<T> want(static_cast<size_t>(n));
        fill_uniform_cpu<T>(n, want.data(), seed, stream, offset, T(-2), T(3));
        Tensor o = Tensor::empty({n}, dtype_of<T>(), gpu());
        fill_uniform_cuda(n, o.data<T>(), seed, stream, offset, T(-2), T(3), gs());
        expect_bits(to_host<T>(o), want, "fill_uniform" + w);
      }
      {
        std::vector<T> want(static_cast<size_t>(n));
        fill_normal_cpu<T>(n, want.data(), seed, stream, offset, static_cast<T>(0.5), T(2));
        Tensor o = Tensor::empty({n}, dtype_of<T>(), gpu());
        fill_normal_cuda(n, o.data<T>(), seed, stream, offset, static_cast<T>(0.5), T(2), gs());
        expect_bits(to_host<T>(o), want, "fill_normal" + w);
      }
      for (double p_d : {0.0, 0.3, 1.0}) {
        const T p = static_cast<T>(p_d);
        const auto x = rand_vec<T>(n, 131 + n);
        std::vector<T> y(static_cast<size_t>(n)), mask(static_cast<size_t>(n));
        dropout_forward_cpu<T>(n, p, seed, stream, offset, x.data(), y.data(), mask.data());
        Tensor dx = to_gpu(x), dy = Tensor::empty({n}, dtype_of<T>(), gpu()), dm = Tensor::empty({n}, dtype_of<T>(), gpu());
        dropout_forward_cuda(n, p, seed, stream, offset, dx.data<T>(), dy.data<T>(), dm.data<T>(), gs());
        expect_bits(to_host<T>(dm), mask, "dropout mask p=" + std::to_string(p_d) + w);
        expect_bits(to_host<T>(dy), y, "dropout y p=" + std::to_string(p_d) + w);
      }
    }
}
TEST_F(CudaVsCpu, RandomF32) { run_random<float>(); }
TEST_F(CudaVsCpu, RandomF64) { run_random<double>(); }

TEST_F(CudaVsCpu, Permutation) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{1000}, int64_t{100003}, int64_t{1} << 20})
    for (uint64_t stream : {uint64_t{0}, uint64_t{42}}) {
      std::vector<int64_t> want(static_cast<size_t>(n));
      permutation_cpu(n, 2024, stream, want.data());
      Tensor o = Tensor::empty({n}, DType::i64, gpu());
      permutation_cuda(n, 2024, stream, o.data<int64_t>(), gs());
      expect_bits(to_host<int64_t>(o), want, "permutation n=" + std::to_string(n) + " stream=" + std::to_string(stream));
    }
}

}  // namespace
}  // namespace gripcu::kernels

#endif  // GRIPCU_HAVE_CUDA
