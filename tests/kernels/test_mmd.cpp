// The MMD kernel family (kernels/mmd.h): CPU twin vs the direct O(N^2 d K) float64 reference
// (mmd_reference), properties of the estimator, thread-count independence, and the CUDA twin vs
// the CPU (skipped, with the reason, where there is no CUDA device).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/device.h"
#include "engine/parallel.h"
#include "engine/tensor.h"
#include "kernels/mmd.h"
#include "tests/test_util.h"

using namespace gripcu;
using namespace gripcu::kernels;

namespace {

template <typename T>
std::vector<T> rand_vec(int64_t n, uint64_t seed, double lo = -1, double hi = 1) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(u(g));
  return v;
}

struct Case {
  int64_t n, m, d;
};
// Sizes that do not divide the 64-row blocks / tiles, plus the degenerate 1 x 1 x 1.
const Case kCases[] = {{1, 1, 1}, {7, 5, 3}, {37, 50, 17}, {65, 70, 33}, {130, 3, 9}};

MmdConfig general_config() {  // not a doubling series: one exp per bandwidth
  MmdConfig c;
  c.kernels = 3;
  c.mult[0] = 0.3;
  c.mult[1] = 1.7;
  c.mult[2] = 5.0;
  return c;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

TEST(Mmd, ConfigDanFamily) {
  const MmdConfig c = mmd_config_dan(5, 2.0);
  EXPECT_EQ(c.kernels, 5);
  EXPECT_DOUBLE_EQ(c.mult[0], 0.25);
  EXPECT_DOUBLE_EQ(c.mult[4], 4.0);
  EXPECT_TRUE(mmd_doubling(c));
  EXPECT_FALSE(mmd_doubling(general_config()));
  EXPECT_FALSE(mmd_doubling(mmd_config_dan(3, 3.0)));
  MmdConfig bad;
  bad.kernels = 0;
  EXPECT_THROW(mmd_check_config(bad), Error);
  bad = MmdConfig{};
  bad.mult[2] = -1;
  EXPECT_THROW(mmd_check_config(bad), Error);
}

// float64 CPU vs the direct reference. Both are exact formulas evaluated in float64; they differ
// in order of summation and in the GEMM form of D (after centring), so agreement to 1e-10 of the
// loss scale (K) and of the largest gradient entry is rounding only.
TEST(Mmd, CpuDoubleMatchesReference) {
  for (const Case& c : kCases)
    for (int variant = 0; variant < 3; ++variant) {
      MmdConfig cfg = variant == 2 ? general_config() : mmd_config_dan(5, 2.0, variant == 0, 0.7);
      SCOPED_TRACE("n=" + std::to_string(c.n) + " m=" + std::to_string(c.m) + " d=" + std::to_string(c.d) +
                   " variant " + std::to_string(variant));
      // Y shifted by 0.3: a real discrepancy, not only sampling noise.
      auto X = rand_vec<double>(c.n * c.d, 1 + c.n), Y = rand_vec<double>(c.m * c.d, 2 + c.m, -0.7, 1.3);
      std::vector<double> rgx, rgy;
      double rb0 = 0;
      const double ref = mmd_reference(c.n, c.m, c.d, X.data(), Y.data(), cfg, &rgx, &rgy, &rb0);
      double loss = 0, b0 = 0;
      std::vector<double> gx(X.size()), gy(Y.size());
      mmd_forward_cpu<double>(c.n, c.m, c.d, X.data(), Y.data(), cfg, &loss, gx.data(), gy.data(), &b0);
      EXPECT_NEAR(b0, rb0, 1e-12 * rb0);
      EXPECT_NEAR(loss, ref, 1e-10 * cfg.kernels);
      const double gs = std::max({max_abs(rgx), max_abs(rgy), 1e-300});
      for (size_t i = 0; i < gx.size(); ++i) ASSERT_NEAR(gx[i], rgx[i], 1e-9 * gs) << "gx " << i;
      for (size_t i = 0; i < gy.size(); ++i) ASSERT_NEAR(gy[i], rgy[i], 1e-9 * gs) << "gy " << i;
      // Loss only (no gradients) gives the same value.
      double loss2 = 0;
      mmd_forward_cpu<double>(c.n, c.m, c.d, X.data(), Y.data(), cfg, &loss2, nullptr, nullptr);
      EXPECT_EQ(loss, loss2);
    }
}

// float32 CPU vs the float64 reference. Kernel values carry a relative error of a few float
// epsilons (one exp, up to 4 squarings: 16 x 6e-8 ~ 1e-6); they are summed in float64, so the loss
// is good to ~1e-6 of its scale K; the gradient's v = C' Zc is a float GEMM over N terms.
// Tolerance 2e-5 x K for the loss and 1e-4 of the largest gradient entry.
TEST(Mmd, CpuFloatMatchesReference) {
  for (const Case& c : kCases) {
    const MmdConfig cfg = mmd_config_dan();
    SCOPED_TRACE("n=" + std::to_string(c.n) + " m=" + std::to_string(c.m) + " d=" + std::to_string(c.d));
    auto Xf = rand_vec<float>(c.n * c.d, 11 + c.n), Yf = rand_vec<float>(c.m * c.d, 12 + c.m, -0.5, 1.5);
    std::vector<double> X(Xf.begin(), Xf.end()), Y(Yf.begin(), Yf.end()), rgx, rgy;
    const double ref = mmd_reference(c.n, c.m, c.d, X.data(), Y.data(), cfg, &rgx, &rgy);
    float loss = 0;
    std::vector<float> gx(Xf.size()), gy(Yf.size());
    mmd_forward_cpu<float>(c.n, c.m, c.d, Xf.data(), Yf.data(), cfg, &loss, gx.data(), gy.data());
    EXPECT_NEAR(loss, ref, 2e-5 * cfg.kernels);
    const double gs = std::max({max_abs(rgx), max_abs(rgy), 1e-30});
    for (size_t i = 0; i < gx.size(); ++i) ASSERT_NEAR(gx[i], rgx[i], 1e-4 * gs) << "gx " << i;
    for (size_t i = 0; i < gy.size(); ++i) ASSERT_NEAR(gy[i], rgy[i], 1e-4 * gs) << "gy " << i;
  }
}

// Properties of the estimator: MMD(X, X) = 0 with zero gradient, symmetry in (X, Y), invariance
// under translation of both sets (exact in the formula; rounding only), and identical points.
TEST(Mmd, EstimatorProperties) {
  const int64_t n = 20, m = 31, d = 6;
  const MmdConfig cfg = mmd_config_dan();
  auto X = rand_vec<double>(n * d, 3), Y = rand_vec<double>(m * d, 4, 0, 2);
  double l = 0;
  std::vector<double> gx(X.size()), gy(X.size());
  mmd_forward_cpu<double>(n, n, d, X.data(), X.data(), cfg, &l, gx.data(), gy.data());
  EXPECT_NEAR(l, 0.0, 1e-14);
  EXPECT_LT(max_abs(gx), 1e-14);

  double lxy = 0, lyx = 0, lshift = 0;
  mmd_forward_cpu<double>(n, m, d, X.data(), Y.data(), cfg, &lxy, nullptr, nullptr);
  mmd_forward_cpu<double>(m, n, d, Y.data(), X.data(), cfg, &lyx, nullptr, nullptr);
  EXPECT_GT(lxy, 1e-3);  // shifted by 1 per coordinate: clearly different distributions
  EXPECT_NEAR(lxy, lyx, 1e-13);
  auto Xs = X, Ys = Y;
  for (auto& v : Xs) v += 100.0;
  for (auto& v : Ys) v += 100.0;
  mmd_forward_cpu<double>(n, m, d, Xs.data(), Ys.data(), cfg, &lshift, nullptr, nullptr);
  EXPECT_NEAR(lshift, lxy, 1e-11);

  std::vector<double> same(static_cast<size_t>((n + m) * d), 2.5);
  double ls = -1, b0 = 0;
  std::vector<double> g1(static_cast<size_t>(n * d), 9.0), g2(static_cast<size_t>(m * d), 9.0);
  mmd_forward_cpu<double>(n, m, d, same.data(), same.data(), cfg, &ls, g1.data(), g2.data(), &b0);
  EXPECT_EQ(ls, 0.0);
  EXPECT_EQ(max_abs(g1), 0.0);
  EXPECT_EQ(b0, 1.0);  // documented fallback when all points coincide
}

// The row blocks are independent and summed in block order: the bits do not depend on --threads.
TEST(Mmd, CpuBitsIndependentOfThreads) {
  const int64_t n = 150, m = 140, d = 20;
  auto X = rand_vec<float>(n * d, 5), Y = rand_vec<float>(m * d, 6, -0.5, 1.5);
  const MmdConfig cfg = mmd_config_dan();
  const int before = num_threads();
  std::vector<float> out[2][2];
  float loss[2];
  for (int k = 0; k < 2; ++k) {
    set_num_threads(k == 0 ? 1 : 2);
    out[k][0].resize(X.size());
    out[k][1].resize(Y.size());
    mmd_forward_cpu<float>(n, m, d, X.data(), Y.data(), cfg, &loss[k], out[k][0].data(), out[k][1].data());
  }
  set_num_threads(before);
  EXPECT_EQ(loss[0], loss[1]);
  EXPECT_EQ(out[0][0], out[1][0]);
  EXPECT_EQ(out[0][1], out[1][1]);
}

TEST(Mmd, ScaleGrad) {
  std::vector<float> g = {1, -2, 3}, dx = {10, 10, 10};
  const float dl = 0.5f;
  mmd_scale_grad_cpu<float>(3, &dl, g.data(), dx.data(), true);
  EXPECT_EQ(dx, (std::vector<float>{10.5f, 9.f, 11.5f}));
  mmd_scale_grad_cpu<float>(3, &dl, g.data(), dx.data(), false);
  EXPECT_EQ(dx, (std::vector<float>{0.5f, -1.f, 1.5f}));
}

// ---- CUDA twin vs the CPU ----
// The CUDA tile kernel sums pairs in another order than the CPU's row blocks and its Gram tiles
// are not Eigen's, so agreement is to rounding: float loss within 1e-5 x K (float kernel values
// summed in float64), float gradients within 1e-4 of the largest entry (float GEMMs over N terms);
// double within 1e-11.
#ifdef GRIPCU_HAVE_CUDA
template <typename T>
void cuda_vs_cpu(double loss_tol, double grad_tol) {
  const Device gpu = Device::cuda(0);
  for (const Case& c : kCases)
    for (int variant = 0; variant < 3; ++variant) {
      const MmdConfig cfg = variant == 2 ? general_config() : mmd_config_dan(5, 2.0, variant == 0, 0.7);
      SCOPED_TRACE("n=" + std::to_string(c.n) + " m=" + std::to_string(c.m) + " d=" + std::to_string(c.d) +
                   " variant " + std::to_string(variant));
      auto X = rand_vec<T>(c.n * c.d, 21 + c.n), Y = rand_vec<T>(c.m * c.d, 22 + c.m, -0.6, 1.4);
      T loss = 0, b0 = 0;
      std::vector<T> gx(X.size()), gy(Y.size());
      mmd_forward_cpu<T>(c.n, c.m, c.d, X.data(), Y.data(), cfg, &loss, gx.data(), gy.data(), &b0);
      Tensor dX = Tensor::from_vector(X, {c.n, c.d}).to(gpu), dY = Tensor::from_vector(Y, {c.m, c.d}).to(gpu);
      Tensor dl = Tensor::empty({1}, dtype_of<T>(), gpu), db = Tensor::empty({1}, dtype_of<T>(), gpu);
      Tensor dgx = Tensor::empty({c.n, c.d}, dtype_of<T>(), gpu), dgy = Tensor::empty({c.m, c.d}, dtype_of<T>(), gpu);
      for (bool grad : {true, false}) {
        const size_t bytes = mmd_cuda_workspace_bytes(c.n, c.m, c.d, sizeof(T), grad);
        Tensor ws = Tensor::empty({static_cast<int64_t>((bytes + 7) / 8)}, DType::f64, gpu);
        mmd_forward_cuda(c.n, c.m, c.d, dX.data<T>(), dY.data<T>(), cfg, dl.data<T>(), grad ? dgx.data<T>() : nullptr,
                         grad ? dgy.data<T>() : nullptr, db.data<T>(), ws.raw(), stream_for(gpu));
        EXPECT_NEAR(dl.to_vector<T>()[0], loss, loss_tol * cfg.kernels);
        EXPECT_NEAR(db.to_vector<T>()[0], b0, 1e-5 * std::fabs(double(b0)));
      }
      const auto hgx = dgx.to_vector<T>(), hgy = dgy.to_vector<T>();
      double gs = 1e-30;
      for (T v : gx) gs = std::max(gs, std::fabs(double(v)));
      for (T v : gy) gs = std::max(gs, std::fabs(double(v)));
      for (size_t i = 0; i < gx.size(); ++i) ASSERT_NEAR(hgx[i], gx[i], grad_tol * gs) << "gx " << i;
      for (size_t i = 0; i < gy.size(); ++i) ASSERT_NEAR(hgy[i], gy[i], grad_tol * gs) << "gy " << i;
    }
}

TEST(MmdCuda, MatchesCpuFloat) {
  GRIPCU_REQUIRE_CUDA();
  cuda_vs_cpu<float>(1e-5, 1e-4);
}
TEST(MmdCuda, MatchesCpuDouble) {
  GRIPCU_REQUIRE_CUDA();
  cuda_vs_cpu<double>(1e-11, 1e-10);
}
TEST(MmdCuda, ScaleGrad) {
  GRIPCU_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  Tensor g = Tensor::from_vector(std::vector<float>{1, -2, 3}, {3}).to(gpu);
  Tensor dl = Tensor::from_vector(std::vector<float>{0.5f}, {1}).to(gpu);
  Tensor dx = Tensor::from_vector(std::vector<float>{10, 10, 10}, {3}).to(gpu);
  mmd_scale_grad_cuda(3, dl.data<float>(), g.data<float>(), dx.data<float>(), true, stream_for(gpu));
  EXPECT_EQ(dx.to_vector<float>(), (std::vector<float>{10.5f, 9.f, 11.5f}));
}
#else
TEST(MmdCuda, MatchesCpuFloat) { GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason(); }
TEST(MmdCuda, MatchesCpuDouble) { GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason(); }
#endif
