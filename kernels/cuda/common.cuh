#pragma once
// Shared pieces of the CUDA kernel families (internal to kernels/cuda/): launch shapes for
// grid-stride loops, a generic elementwise launcher, deterministic warp/block sums, and a small
// per-stream scratch buffer for the partial sums of two-pass reductions.
#include <cstdint>

#include <cuda_runtime.h>

#include "engine/cuda_check.h"

namespace gripcu::kernels::cuda_detail {

constexpr int kBlock = 256;
// Grid-stride loops cover any n, so the grid is capped; a modest cap keeps launch cost flat.
constexpr int64_t kMaxBlocks = 65536;

inline unsigned grid_for(int64_t n, int block = kBlock) {
  int64_t g = (n + block - 1) / block;
  if (g < 1) g = 1;
  if (g > kMaxBlocks) g = kMaxBlocks;
  return static_cast<unsigned>(g);
}

__device__ __forceinline__ int64_t global_tid() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Elementwise map: f(i) for i in [0, n). F is a small functor holding raw pointers.
template <typename F>
__global__ void map_kernel(int64_t n, F f) {
  for (int64_t i = global_tid(); i < n; i += grid_stride()) f(i);
}

template <typename F>
void launch_map(int64_t n, const F& f, cudaStream_t s) {
  if (n <= 0) return;  // nothing to do: no launch
  map_kernel<<<grid_for(n), kBlock, 0, s>>>(n, f);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

// Math overloads so templated device code picks the float or double function explicitly.
__device__ __forceinline__ float dev_exp(float x) { return expf(x); }
__device__ __forceinline__ double dev_exp(double x) { return exp(x); }
__device__ __forceinline__ float dev_log(float x) { return logf(x); }
__device__ __forceinline__ double dev_log(double x) { return log(x); }
__device__ __forceinline__ float dev_log1p(float x) { return log1pf(x); }
__device__ __forceinline__ double dev_log1p(double x) { return log1p(x); }
__device__ __forceinline__ float dev_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double dev_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float dev_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double dev_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float dev_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double dev_abs(double x) { return fabs(x); }

// Same two-sided form as the CPU (stable on both tails).
template <typename T>
__device__ __forceinline__ T dev_sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + dev_exp(-x));
  const T e = dev_exp(x);
  return e / (T(1) + e);
}

// ---- deterministic reductions: the pairing of a shuffle tree is fixed, so the bits are too ----
template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;  // complete in lane 0
}
template <typename T>
__device__ __forceinline__ T warp_max_all(T v) {
  // max is exact and order-free; xor form leaves the result in every lane.
  for (int o = 16; o > 0; o >>= 1) {
    const T w = __shfl_xor_sync(0xffffffffu, v, o);
    v = w > v ? w : v;
  }
  return v;
}
template <typename T>
__device__ __forceinline__ T warp_sum_all(T v) {
  // Butterfly: every lane ends with the same bits (each lane adds the same pairs in the same order
  // up to commutation, and IEEE addition is commutative).
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over a block of BLOCK threads (BLOCK a multiple of 32, <= 1024). Result valid in thread 0.
// Calls must not overlap in one kernel without a __syncthreads() between them.
template <int BLOCK, typename T>
__device__ __forceinline__ T block_sum(T v) {
  static_assert(BLOCK % 32 == 0 && BLOCK <= 1024, "block size");
  __shared__ T warp_part[BLOCK / 32];
  v = warp_sum(v);
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
  if (lane == 0) warp_part[wid] = v;
  __syncthreads();
  T r = T(0);
  if (wid == 0) {
    r = lane < BLOCK / 32 ? warp_part[lane] : T(0);
    r = warp_sum(r);
  }
  return r;
}

// Two-pass reductions use a fixed number of blocks that depends on n only (never on the GPU), so
// the summation tree, hence the result, is the same on every device and every run.
constexpr int kReduceBlock = 256;
constexpr int kReduceMaxBlocks = 1024;
inline int reduce_blocks(int64_t n) {
  const int64_t per_block = static_cast<int64_t>(kReduceBlock) * 8;  // >= 8 values per thread
  int64_t g = (n + per_block - 1) / per_block;
  if (g < 1) g = 1;
  if (g > kReduceMaxBlocks) g = kReduceMaxBlocks;
  return static_cast<int>(g);
}

// A persistent scratch buffer per stream (kScratchBytes, from the engine allocator, never freed):
// holds the per-block partials of the two-pass reductions. Persistent so a captured CUDA graph
// keeps a valid pointer; per stream so kernels on different streams never share it (work on one
// stream is ordered, so reuse by the next reduction on that stream is safe).
constexpr size_t kScratchBytes = sizeof(double) * kReduceMaxBlocks;
void* stream_scratch(cudaStream_t s);

// Partial sums of term(i), i in [0, n), one per block: thread t of block b takes i = b*BLOCK + t +
// j*G*BLOCK in increasing j, then the block's fixed tree.
template <typename T, typename Term>
__global__ void reduce_partials_kernel(int64_t n, Term term, T* partials) {
  T acc = T(0);
  const int64_t stride = static_cast<int64_t>(gridDim.x) * kReduceBlock;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kReduceBlock + threadIdx.x; i < n; i += stride) acc += term(i);
  acc = block_sum<kReduceBlock>(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

// One block folds the G partials (each thread a fixed strided subset, then the tree) and writes
// out[0] = fin(total).
template <typename T, typename Final>
__global__ void reduce_final_kernel(int g, const T* partials, Final fin, T* out) {
  T acc = T(0);
  for (int i = threadIdx.x; i < g; i += kReduceBlock) acc += partials[i];
  acc = block_sum<kReduceBlock>(acc);
  if (threadIdx.x == 0) out[0] = fin(acc);
}

// out[0] = fin(sum of term(i)), deterministic, two launches, no atomics. n must be > 0.
template <typename T, typename Term, typename Final>
void reduce_all(int64_t n, const Term& term, const Final& fin, T* out, cudaStream_t s) {
  const int g = reduce_blocks(n);
  T* partials = static_cast<T*>(stream_scratch(s));
  reduce_partials_kernel<T><<<g, kReduceBlock, 0, s>>>(n, term, partials);
  GRIPCU_CUDA_LAUNCH_CHECK();
  reduce_final_kernel<T><<<1, kReduceBlock, 0, s>>>(g, partials, fin, out);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

// The device a stream belongs to (the engine allocator wants a Device).
int stream_device(cudaStream_t s);

}  // namespace gripcu::kernels::cuda_detail
