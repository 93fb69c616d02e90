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
// 128-wide tiles for wide outputs; 64 otherwise, so a batch-64 layer of 256 units is 4 tiles and
// both cores of a small machine get work.
inline int64_t gemm_tile_cols(int64_t /*m*/, int64_t n) { return n >= 512 ? 128 : 64; }

using TileFn = void (*)(void* ctx, int64_t r0, int64_t c0, int64_t rows, int64_t cols);

template <typename T>
void gemm_tiled_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
                    TileFn epi, void* ctx);

// Convenience: any callable f(r0, c0, rows, cols) as the epilogue.
template <typename T, typename F>
void gemm_tiled(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
                F&& f) {
  using Fn = std::remove_reference_t<F>;
  gemm_tiled_cpu<T>(ta, tb, m, n, k, alpha, A, B, beta, C,
                    [](void* c, int64_t r0, int64_t c0, int64_t rs, int64_t cs) { (*static_cast<Fn*>(c))(r0, c0, rs, cs); },
                    const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace gripcu::kernels::cpu_detail
