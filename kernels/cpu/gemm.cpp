#include "kernels/gemm.h"

#include <algorithm>

#include <Eigen/Core>

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/cpu/gemm_tiles.h"

namespace gripcu::kernels {

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// Strided views (a row stride of ld elements): the same Eigen product as on a contiguous matrix.
using Stride = Eigen::OuterStride<>;
template <typename T>
using SMap = Eigen::Map<RowMat<T>, Eigen::Unaligned, Stride>;
template <typename T>
using CSMap = Eigen::Map<const RowMat<T>, Eigen::Unaligned, Stride>;

namespace cpu_detail {

template <typename T>
void gemm_tiled_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                    int64_t ldb, T beta, T* C, int64_t ldc, TileFn epi, void* ctx) {
  GRIPCU_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=", m, " n=", n, " k=", k);
  if (m == 0 || n == 0) return;
  GRIPCU_CHECK(lda >= (ta ? m : k) && ldb >= (tb ? k : n) && ldc >= n, "gemm: row strides lda=", lda, " ldb=", ldb,
               " ldc=", ldc, " too small for m=", m, " n=", n, " k=", k);
  SMap<T> c(C, m, n, Stride(ldc));
  CSMap<T> a(A, ta ? k : m, ta ? m : k, Stride(lda));
  CSMap<T> b(B, tb ? n : k, tb ? k : n, Stride(ldb));
  // Fixed output tiles, one thread each: every tile is the same Eigen sub-problem whatever the
  // thread count, so the bits do not depend on --threads. beta, the product and the epilogue of a
  // tile all run on its thread while the tile is in cache.
  const int64_t TM = gemm_tile_rows, TN = gemm_tile_cols(m, n);
  const int64_t tm = (m + TM - 1) / TM, tn = (n + TN - 1) / TN;
  parallel_for(tm * tn, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = (t / tn) * TM, c0 = (t % tn) * TN;
      const int64_t rs = std::min(TM, m - r0), cs = std::min(TN, n - c0);
      auto cblk = c.block(r0, c0, rs, cs);
      if (beta == T(0)) cblk.setZero();
      else if (beta != T(1)) cblk *= beta;
      if (k > 0) {
        if (!ta && !tb) cblk.noalias() += alpha * a.middleRows(r0, rs) * b.middleCols(c0, cs);
        else if (!ta && tb) cblk.noalias() += alpha * a.middleRows(r0, rs) * b.middleRows(c0, cs).transpose();
        else if (ta && !tb) cblk.noalias() += alpha * a.middleCols(r0, rs).transpose() * b.middleCols(c0, cs);
        else cblk.noalias() += alpha * a.middleCols(r0, rs).transpose() * b.middleRows(c0, cs).transpose();
      }
      if (epi) epi(ctx, r0, c0, rs, cs);
    }
  });
}

template void gemm_tiled_cpu<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                                    int64_t, float, float*, int64_t, TileFn, void*);
template void gemm_tiled_cpu<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                     const double*, int64_t, double, double*, int64_t, TileFn, void*);

}  // namespace cpu_detail

template <typename T>
void gemm_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
              const T* bias, Epilogue ep) {
  GRIPCU_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=", m, " n=", n, " k=", k);
  if (m == 0 || n == 0) return;
  GRIPCU_CHECK(ep == Epilogue::none || bias != nullptr, "gemm: bias epilogue without a bias");
  if (ep == Epilogue::none) {
    cpu_detail::gemm_tiled_cpu<T>(ta, tb, m, n, k, alpha, A, ta ? m : k, B, tb ? k : n, beta, C, n, nullptr, nullptr);
    return;
  }
  const bool relu = ep == Epilogue::bias_relu;
  cpu_detail::gemm_tiled<T>(ta, tb, m, n, k, alpha, A, B, beta, C, [=](int64_t r0, int64_t c0, int64_t rs, int64_t cs) {
    // Locals, not reads through the (escaped) closure, so the loops vectorize.
    const T* bv = bias + c0;
    T* const c = C;
    const int64_t ld = n;
    for (int64_t r = r0; r < r0 + rs; ++r) {
      T* row = c + r * ld + c0;
      if (relu)
        for (int64_t j = 0; j < cs; ++j) {
          const T v = row[j] + bv[j];
          row[j] = v > T(0) ? v : T(0);
        }
      else
        for (int64_t j = 0; j < cs; ++j) row[j] += bv[j];
    }
  });
}

template <typename T>
void gemm_ld_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T beta, T* C, int64_t ldc) {
  cpu_detail::gemm_tiled_cpu<T>(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, nullptr, nullptr);
}
template void gemm_ld_cpu<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                                 int64_t, float, float*, int64_t);
template void gemm_ld_cpu<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                  const double*, int64_t, double, double*, int64_t);

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
