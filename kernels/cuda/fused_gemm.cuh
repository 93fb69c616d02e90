#pragma once
// Internal to kernels/cuda (film_residual.cu, leaky_mlp.cu): one 64 x 64 tile of C = A B computed
// by a block of 256 threads through shared memory, with the operands given by loader functors (so a
// kernel can transform an operand as it loads it, e.g. apply an activation's derivative) and the
// finished outputs handed to an epilogue functor (bias, activation, write or accumulate).
//
// Thread (tx, ty) = (tid % 16, tid / 16) owns rows ty + 16 i and columns tx + 16 j (i, j < 4) of the
// tile and sums each output over k in increasing order: deterministic, no atomics.
// Loads are coalesced when the layout flags say which index of each operand is contiguous in memory:
//   A_M_CONTIG: A(r, k) is contiguous in r (A stored [k, m], e.g. dz^T), else in k (A stored [m, k]);
//   B_K_CONTIG: B(k, c) is contiguous in k (B stored [n, k], e.g. W^T), else in c (B stored [k, n]).
#include <cstdint>

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels::cuda_detail {

constexpr int kTileM = 64, kTileN = 64, kTileK = 16, kTileThreads = 256;

inline unsigned tiles_for(int64_t m, int64_t n) {
  return static_cast<unsigned>(((m + kTileM - 1) / kTileM) * ((n + kTileN - 1) / kTileN));
}

// Tile `tile` (row-major order over the tile grid of an m x n output) of C = A B with inner size k.
// Every thread of the block must call it (it synchronizes the block).
// a(r, k) and b(k, c) are only called inside [0, m) x [0, k) and [0, k) x [0, n).
// epi(r, c, acc) is called once for every output of the tile inside [0, m) x [0, n).
// sm: the block's staging buffers (one TileSmem per kernel, shared by all the tile calls in it).
template <typename T>
struct TileSmem {
  T A[kTileK][kTileM + 1];  // +1: the column-wise stores of a transposed load hit distinct banks
  T B[kTileK][kTileN + 1];
};

template <typename T, bool A_M_CONTIG, bool B_K_CONTIG, typename LA, typename LB, typename EPI>
__device__ __forceinline__ void gemm_tile(TileSmem<T>& sm, int64_t m, int64_t n, int64_t k, int64_t tile, const LA& a,
                                          const LB& b, const EPI& epi) {
  auto& As = sm.A;
  auto& Bs = sm.B;
  const int64_t tiles_n = (n + kTileN - 1) / kTileN;
  const int64_t row0 = (tile / tiles_n) * kTileM, col0 = (tile % tiles_n) * kTileN;
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  T acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = T(0);

  for (int64_t k0 = 0; k0 < k; k0 += kTileK) {
    // kTileM * kTileK = kTileK * kTileN = 1024 elements per operand: 4 per thread.
#pragma unroll
    for (int q = 0; q < kTileM * kTileK / kTileThreads; ++q) {
      const int e = tid + q * kTileThreads;
      const int r = A_M_CONTIG ? e % kTileM : e / kTileK;
      const int kk = A_M_CONTIG ? e / kTileM : e % kTileK;
      const int64_t gr = row0 + r, gk = k0 + kk;
      As[kk][r] = (gr < m && gk < k) ? a(gr, gk) : T(0);
    }
#pragma unroll
    for (int q = 0; q < kTileK * kTileN / kTileThreads; ++q) {
      const int e = tid + q * kTileThreads;
      const int c = B_K_CONTIG ? e / kTileK : e % kTileN;
      const int kk = B_K_CONTIG ? e % kTileK : e / kTileN;
      const int64_t gc = col0 + c, gk = k0 + kk;
      Bs[kk][c] = (gc < n && gk < k) ? b(gk, gc) : T(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      T av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) av[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t r = row0 + ty + 16 * i, c = col0 + tx + 16 * j;
      if (r < m && c < n) epi(r, c, acc[i][j]);
    }
}

// out[c] (+)= sum over r of v(r, c), r in increasing order, for the columns c = base + tid of this
// block (one thread per column; rows read coalesced across the block's threads).
template <typename T, typename LV>
__device__ __forceinline__ void column_sum(int64_t rows, int64_t cols, int64_t block_in_task, const LV& v, T* out,
                                           bool accumulate) {
  const int64_t c = block_in_task * kTileThreads + threadIdx.x;
  if (c >= cols) return;
  T s = T(0);
  for (int64_t r = 0; r < rows; ++r) s += v(r, c);
  out[c] = accumulate ? out[c] + s : s;
}

inline unsigned column_blocks(int64_t cols) { return static_cast<unsigned>((cols + kTileThreads - 1) / kTileThreads); }

}  // namespace gripcu::kernels::cuda_detail
