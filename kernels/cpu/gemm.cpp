#include "kernels/gemm.h"

#include <algorithm>
#include <type_traits>
#include <vector>

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

namespace {
struct Tile {
  int job;
  int64_t r0, c0, rs, cs;
  double cost;
};
}  // namespace

template <typename T>
void gemm_tiled_many_cpu(const TiledJob<T>* jobs, int count) {
  // Fixed output tiles, one thread each: every tile is the same Eigen sub-problem whatever the
  // thread count (or the other jobs), so the bits do not depend on --threads. beta, the product and
  // the epilogue of a tile all run on its thread while the tile is in cache.
  std::vector<Tile> tiles;
  std::vector<TiledJob<T>> resolved(jobs, jobs + count);  // row strides: 0 means contiguous
  for (int j = 0; j < count; ++j) {
    TiledJob<T>& g = resolved[static_cast<size_t>(j)];
    if (g.lda == 0) g.lda = g.ta ? g.m : g.k;
    if (g.ldb == 0) g.ldb = g.tb ? g.k : g.n;
    if (g.ldc == 0) g.ldc = g.n;
    GRIPCU_CHECK(g.m >= 0 && g.n >= 0 && g.k >= 0, "gemm: negative size m=", g.m, " n=", g.n, " k=", g.k);
    if (g.m == 0 || g.n == 0) continue;
    GRIPCU_CHECK(g.lda >= (g.ta ? g.m : g.k) && g.ldb >= (g.tb ? g.k : g.n) && g.ldc >= g.n, "gemm: row strides lda=",
                 g.lda, " ldb=", g.ldb, " ldc=", g.ldc, " too small for m=", g.m, " n=", g.n, " k=", g.k);
    const TileShape ts = gemm_tile_shape(g.ta, g.m, g.n);
    const int64_t TM = ts.rows, TN = ts.cols;
    for (int64_t r0 = 0; r0 < g.m; r0 += TM)
      for (int64_t c0 = 0; c0 < g.n; c0 += TN) {
        const int64_t rs = std::min(TM, g.m - r0), cs = std::min(TN, g.n - c0);
        // Cost: the product's flops plus the operands' packing (what a tile re-reads).
        const double cost = static_cast<double>(g.k) * (2.0 * rs * cs + rs + cs) + static_cast<double>(rs * cs);
        tiles.push_back({j, r0, c0, rs, cs, cost});
      }
  }
  if (tiles.empty()) return;
  std::stable_sort(tiles.begin(), tiles.end(), [](const Tile& a, const Tile& b) { return a.cost > b.cost; });
  auto run = [&](const Tile& t) {
    const TiledJob<T>& g = resolved[static_cast<size_t>(t.job)];
    if constexpr (std::is_same_v<T, float>) {  // AVX-512 builds: the register-blocked kernels
      if (gemm_tile_avx512(g, t.r0, t.c0, t.rs, t.cs)) {
        if (g.epi) g.epi(g.ctx, t.r0, t.c0, t.rs, t.cs);
        return;
      }
    }
    SMap<T> c(g.C, g.m, g.n, Stride(g.ldc));
    CSMap<T> a(g.A, g.ta ? g.k : g.m, g.ta ? g.m : g.k, Stride(g.lda));
    CSMap<T> b(g.B, g.tb ? g.n : g.k, g.tb ? g.k : g.n, Stride(g.ldb));
    auto cblk = c.block(t.r0, t.c0, t.rs, t.cs);
    if (g.beta == T(0)) cblk.setZero();
    else if (g.beta != T(1)) cblk *= g.beta;
    if (g.k > 0) {
      const T alpha = g.alpha;
      if (!g.ta && !g.tb) cblk.noalias() += alpha * a.middleRows(t.r0, t.rs) * b.middleCols(t.c0, t.cs);
      else if (!g.ta && g.tb) cblk.noalias() += alpha * a.middleRows(t.r0, t.rs) * b.middleRows(t.c0, t.cs).transpose();
      else if (g.ta && !g.tb) cblk.noalias() += alpha * a.middleCols(t.r0, t.rs).transpose() * b.middleCols(t.c0, t.cs);
      else cblk.noalias() += alpha * a.middleCols(t.r0, t.rs).transpose() * b.middleRows(t.c0, t.cs).transpose();
    }
    if (g.epi) g.epi(g.ctx, t.r0, t.c0, t.rs, t.cs);
  };
  const int64_t nt = static_cast<int64_t>(tiles.size());
  if (nt == 1 || num_threads() == 1) {
    for (const Tile& t : tiles) run(t);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < nt; ++i) run(tiles[static_cast<size_t>(i)]);
}

template <typename T>
void gemm_tiled_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                    int64_t ldb, T beta, T* C, int64_t ldc, TileFn epi, void* ctx) {
  GRIPCU_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=", m, " n=", n, " k=", k);
  TiledJob<T> j;
  static_cast<GemmJob<T>&>(j) = GemmJob<T>{ta, tb, m, n, k, alpha, A, B, beta, C, lda, ldb, ldc};
  j.epi = epi, j.ctx = ctx;
  gemm_tiled_many_cpu<T>(&j, 1);
}

template void gemm_tiled_many_cpu<float>(const TiledJob<float>*, int);
template void gemm_tiled_many_cpu<double>(const TiledJob<double>*, int);
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
void gemm_many_cpu(const GemmJob<T>* jobs, int count) {
  std::vector<cpu_detail::TiledJob<T>> tj(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) static_cast<GemmJob<T>&>(tj[static_cast<size_t>(i)]) = jobs[i];
  cpu_detail::gemm_tiled_many_cpu<T>(tj.data(), count);
}
template void gemm_many_cpu<float>(const GemmJob<float>*, int);
template void gemm_many_cpu<double>(const GemmJob<double>*, int);

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
