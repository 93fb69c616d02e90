#include "kernels/gemm.h"

#include <algorithm>

#include <Eigen/Core>

#include "engine/error.h"
#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Map = Eigen::Map<RowMat<T>>;
template <typename T>
using CMap = Eigen::Map<const RowMat<T>>;

template <typename T>
void gemm_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
              const T* bias, Epilogue ep) {
  GRIPCU_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=", m, " n=", n, " k=", k);
  if (m == 0 || n == 0) return;
  GRIPCU_CHECK(ep == Epilogue::none || bias != nullptr, "gemm: bias epilogue without a bias");
  Map<T> c(C, m, n);
  if (beta == T(0)) c.setZero();
  else if (beta != T(1)) c *= beta;
  if (k > 0) {
    CMap<T> a(A, ta ? k : m, ta ? m : k);
    CMap<T> b(B, tb ? n : k, tb ? k : n);
    // Fixed 64 x 256 output tiles, one thread each: every tile is the same Eigen sub-problem
    // whatever the thread count, so the bits do not depend on --threads.
    constexpr int64_t TM = 64, TN = 256;
    const int64_t tm = (m + TM - 1) / TM, tn = (n + TN - 1) / TN;
    parallel_for(tm * tn, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t r0 = (t / tn) * TM, c0 = (t % tn) * TN;
        const int64_t rs = std::min(TM, m - r0), cs = std::min(TN, n - c0);
        auto cblk = c.block(r0, c0, rs, cs);
        if (!ta && !tb) cblk.noalias() += alpha * a.middleRows(r0, rs) * b.middleCols(c0, cs);
        else if (!ta && tb) cblk.noalias() += alpha * a.middleRows(r0, rs) * b.middleRows(c0, cs).transpose();
        else if (ta && !tb) cblk.noalias() += alpha * a.middleCols(r0, rs).transpose() * b.middleCols(c0, cs);
        else cblk.noalias() += alpha * a.middleCols(r0, rs).transpose() * b.middleRows(c0, cs).transpose();
      }
    });
  }
  if (ep != Epilogue::none) {
    Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bv(bias, n);
    c.rowwise() += bv;
    if (ep == Epilogue::bias_relu) c = c.cwiseMax(T(0));
  }
}

#ifndef GRIPCU_HAVE_CUDA
// TF32 only concerns GPU GEMMs (kernels/cuda/gemm.cu defines this in CUDA builds); a CPU-only
// build accepts the call so callers need no #ifdef.
void gemm_set_allow_tf32(bool) {}
#endif

template void gemm_cpu<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*, float, float*,
                              const float*, Epilogue);
template void gemm_cpu<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, const double*, double,
                               double*, const double*, Epilogue);

}  // namespace gripcu::kernels
