#pragma once
// Internal to kernels/cpu: the tiled GEMM under gemm_cpu, with a per-tile epilogue hook so fused
// kernels (film_residual, leaky_mlp) can finish a tile of C while it is still in cache.
//
//   C[m,n] = alpha op(A) op(B) + beta C      (layouts as kernels/gemm.h)
//
// C is cut into fixed tiles (gemm_tile_rows x gemm_tile_cols(m, n): a function of the shape only),
// each computed by one thread as one Eigen product, so the bits never depend on the thread count.
// After a tile's product, epi(r0, c0, rows, cols) runs on the same thread (also when k == 0).
#include <cstdint>
#include <type_traits>

namespace gripcu::kernels::cpu_detail {

constexpr int64_t gemm_tile_rows = 64;
// Tiles as wide as possible (every tile repacks its share of the operands, so narrow tiles cost
// packing) while leaving a few to share out: 256 columns when that gives 4 tiles, else 128 when
// that gives 2, else 64. A batch-64 layer of 256 units is then 2 tiles of 64 x 128, the output
// layer over 978 genes 4 of 64 x 256, a weight gradient [256, 978] 16 of 64 x 256. (Work for two
// cores; a many-core machine gets no more than a handful of tiles from a batch-64 layer.)
inline int64_t gemm_tile_cols(int64_t m, int64_t n) {
  const int64_t tm = (m + gemm_tile_rows - 1) / gemm_tile_rows;
  if (tm * ((n + 255) / 256) >= 4) return 256;
  if (tm * ((n + 127) / 128) >= 2) return 128;
  return 64;
}

using TileFn = void (*)(void* ctx, int64_t r0, int64_t c0, int64_t rows, int64_t cols);

// lda, ldb, ldc: row strides of the stored A, B, C (kernels/gemm.h, gemm_ld).
template <typename T>
void gemm_tiled_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                    int64_t ldb, T beta, T* C, int64_t ldc, TileFn epi, void* ctx);

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
