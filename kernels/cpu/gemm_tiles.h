#pragma once
// Internal to kernels/cpu: the tiled GEMM under gemm_cpu, with a per-tile epilogue hook so fused
// kernels (film_residual, leaky_mlp) can finish a tile of C while it is still in cache.
//
//   C[m,n] = alpha op(A) op(B) + beta C      (layouts as kernels/gemm.h)
//
// C is cut into fixed tiles (gemm_tile_shape: a function of the shape only), each computed by one
// thread, so the bits never depend on the thread count. A tile is one Eigen product, or, for float
// in builds targeting AVX-512, the register-blocked kernels of gemm_avx512.cpp (every element one
// FMA chain over k in order: its bits do not depend on the tile either).
// After a tile's product, epi(r0, c0, rows, cols) runs on the same thread (also when k == 0).
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "kernels/gemm.h"

namespace gripcu::kernels::cpu_detail {

// Products over a batch (op(A) = A: forward and dx, m = batch rows) use 64-row tiles: a row's
// result then never depends on how many rows share the call (predict and screen rely on it).
constexpr int64_t gemm_tile_rows = 64;

struct TileShape {
  int64_t rows, cols;
};
// Every tile repacks its share of both operands, so tiles are as large as possible while leaving
// at least two to share out (timed on 2 cores, bench/results/gan_cpu_*.md):
// - op(A) = A^T (weight gradients dW = dz^T x, m = out features, k = batch): 128 rows by all the
//   columns (up to 2048), or, for m <= 128, the columns halved. [256, 1234] is 2 tiles, 26% faster
//   on two threads than 20 tiles of 64 x 256; [256, 978] 2 tiles, 41% faster.
// - op(A) = A: 64 rows by 256 columns when that gives two tiles or more, else 128, else 64. A
//   batch-64 layer of 256 units is 2 tiles of 64 x 128, the output layer over 978 genes 4 of 64 x 256,
//   a 128-row layer of 256 units 2 of 64 x 256.
inline TileShape gemm_tile_shape(bool ta, int64_t m, int64_t n) {
  if (ta) {
    const int64_t rows = 128, tm = (m + rows - 1) / rows;
    if (tm >= 2) return {rows, std::min<int64_t>(n, 2048)};
    if (n < 128) return {rows, n};
    return {rows, ((n + 1) / 2 + 15) / 16 * 16};
  }
  const int64_t tm = (m + gemm_tile_rows - 1) / gemm_tile_rows;
  if (tm * ((n + 255) / 256) >= 2) return {gemm_tile_rows, 256};
  if (tm * ((n + 127) / 128) >= 2) return {gemm_tile_rows, 128};
  return {gemm_tile_rows, 64};
}

using TileFn = void (*)(void* ctx, int64_t r0, int64_t c0, int64_t rows, int64_t cols);

// lda, ldb, ldc: row strides of the stored A, B, C (kernels/gemm.h, gemm_ld).
template <typename T>
void gemm_tiled_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                    int64_t ldb, T beta, T* C, int64_t ldc, TileFn epi, void* ctx);

// Several independent products (outputs disjoint, no output an input of another) in one parallel
// loop over all their tiles, largest first, handed out dynamically: one synchronization instead of
// one per product, and a product with few tiles no longer leaves threads idle. Every tile (and its
// epilogue) is computed exactly as gemm_tiled_cpu computes it: the same bits.
template <typename T>
struct TiledJob : GemmJob<T> {  // a product (kernels/gemm.h; ld 0 = contiguous) and its epilogue
  TileFn epi = nullptr;
  void* ctx = nullptr;
};
template <typename T>
void gemm_tiled_many_cpu(const TiledJob<T>* jobs, int count);

// The float product of one tile of a resolved job (row strides set) with the AVX-512 micro-kernels
// of kernels/cpu/gemm_avx512.cpp. Returns false, having done nothing, when the build does not target
// AVX-512 or the case is not covered (both operands transposed, k == 0): Eigen computes it then.
bool gemm_tile_avx512(const GemmJob<float>& g, int64_t r0, int64_t c0, int64_t rows, int64_t cols);

// A job over contiguous operands (lda, ldb, ldc from the shapes), optionally with an epilogue f
// (any callable f(r0, c0, rows, cols); it must outlive the gemm_tiled_many_cpu call).
template <typename T>
TiledJob<T> tiled_job(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C) {
  TiledJob<T> j;
  static_cast<GemmJob<T>&>(j) = GemmJob<T>{ta, tb, m, n, k, alpha, A, B, beta, C};
  return j;
}
template <typename T, typename F>
TiledJob<T> tiled_job(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
                      F& f) {
  TiledJob<T> j = tiled_job<T>(ta, tb, m, n, k, alpha, A, B, beta, C);
  j.epi = [](void* c, int64_t r0, int64_t c0, int64_t rs, int64_t cs) { (*static_cast<F*>(c))(r0, c0, rs, cs); };
  j.ctx = const_cast<void*>(static_cast<const void*>(&f));
  return j;
}

// Convenience: any callable f(r0, c0, rows, cols) as the epilogue.
template <typename T, typename F>
void gemm_tiled(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
                F&& f) {
  using Fn = std::remove_reference_t<F>;
  gemm_tiled_cpu<T>(ta, tb, m, n, k, alpha, A, ta ? m : k, B, tb ? k : n, beta, C, n,
                    [](void* c, int64_t r0, int64_t c0, int64_t rs, int64_t cs) { (*static_cast<Fn*>(c))(r0, c0, rs, cs); },
                    const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace gripcu::kernels::cpu_detail
