// CUDA twin of kernels/reduce.h. Every sum runs in a fixed order that depends only on the shape
// (thread-to-element assignment, then a fixed shuffle/shared-memory tree): no atomics, so a result
// is bit-stable from run to run and across GPUs. The order differs from the CPU's pairwise order,
// so CPU and CUDA agree to rounding only.
#include "kernels/reduce.h"

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

// ---- sum_rows: out[c] (+)= sum_r x[r, c] ----
// A block is 32 columns x 32 row groups: lanes read consecutive columns (coalesced), row group ty
// sums rows ty, ty+32, ... in increasing order, then the 32 group sums fold in a fixed tree.
constexpr int kColTile = 32, kRowGroups = 32;

template <typename T>
__global__ void sum_rows_kernel(int64_t rows, int64_t cols, const T* __restrict__ x, T* __restrict__ out,
                                bool accumulate) {
  __shared__ T part[kRowGroups][kColTile + 1];  // +1: no bank conflicts on the column reads
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles = (cols + kColTile - 1) / kColTile;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int64_t c = tile * kColTile + tx;
    T acc = T(0);
    if (c < cols)
      for (int64_t r = ty; r < rows; r += kRowGroups) acc += x[r * cols + c];
    part[ty][tx] = acc;
    __syncthreads();
    for (int h = kRowGroups / 2; h > 0; h >>= 1) {
      if (ty < h) part[ty][tx] += part[ty + h][tx];
      __syncthreads();
    }
    if (ty == 0 && c < cols) out[c] = accumulate ? out[c] + part[0][tx] : part[0][tx];
    __syncthreads();  // part[] is rewritten by the next tile
  }
}

// ---- sum_cols: out[r] (+)= sum_c x[r, c] ----
// Short rows: one warp per row (lane l sums columns l, l+32, ...; then the warp tree).
template <typename T>
__global__ void sum_cols_warp_kernel(int64_t rows, int64_t cols, const T* __restrict__ x, T* __restrict__ out,
                                     bool accumulate) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = global_tid() / 32; r < rows; r += warps) {
    const T* xr = x + r * cols;
    T acc = T(0);
    for (int64_t c = lane; c < cols; c += 32) acc += xr[c];
    acc = warp_sum(acc);
    if (lane == 0) out[r] = accumulate ? out[r] + acc : acc;
  }
}
// Long rows: one block per row (thread t sums columns t, t+256, ...; then the block tree).
template <typename T>
__global__ void sum_cols_block_kernel(int64_t rows, int64_t cols, const T* __restrict__ x, T* __restrict__ out,
                                      bool accumulate) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    T acc = T(0);
    for (int64_t c = threadIdx.x; c < cols; c += kReduceBlock) acc += xr[c];
    acc = block_sum<kReduceBlock>(acc);
    if (threadIdx.x == 0) out[r] = accumulate ? out[r] + acc : acc;
    __syncthreads();  // block_sum's shared slots are reused by the next row
  }
}
constexpr int64_t kWarpRowMaxCols = 1024;  // above this a whole block per row pays off

template <typename T>
struct LoadTerm {
  const T* x;
  __device__ T operator()(int64_t i) const { return x[i]; }
};
template <typename T>
struct ScaleFinal {
  T scale;
  __device__ T operator()(T s) const { return scale * s; }
};

template <typename T>
void sum_rows_impl(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate, cudaStream_t s) {
  if (cols <= 0) return;
  if (rows <= 0) {  // an empty sum is 0: write it unless accumulating
    if (!accumulate) GRIPCU_CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(T) * static_cast<size_t>(cols), s));
    return;
  }
  const int64_t tiles = (cols + kColTile - 1) / kColTile;
  const unsigned grid = static_cast<unsigned>(tiles < kMaxBlocks ? tiles : kMaxBlocks);
  sum_rows_kernel<T><<<grid, dim3(kColTile, kRowGroups), 0, s>>>(rows, cols, x, out, accumulate);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void sum_cols_impl(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate, cudaStream_t s) {
  if (rows <= 0) return;
  if (cols <= 0) {
    if (!accumulate) GRIPCU_CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(T) * static_cast<size_t>(rows), s));
    return;
  }
  if (cols <= kWarpRowMaxCols) {
    sum_cols_warp_kernel<T><<<grid_for(rows * 32), kBlock, 0, s>>>(rows, cols, x, out, accumulate);
  } else {
    const unsigned grid = static_cast<unsigned>(rows < kMaxBlocks ? rows : kMaxBlocks);
    sum_cols_block_kernel<T><<<grid, kReduceBlock, 0, s>>>(rows, cols, x, out, accumulate);
  }
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void sum_all_impl(int64_t n, const T* x, T scale, T* out, cudaStream_t s) {
  if (n <= 0) {  // empty sum: 0 (as the CPU), no launch
    GRIPCU_CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(T), s));
    return;
  }
  reduce_all<T>(n, LoadTerm<T>{x}, ScaleFinal<T>{scale}, out, s);
}

}  // namespace

void sum_rows_cuda(int64_t rows, int64_t cols, const float* x, float* out, bool accumulate, cudaStream_t s) {
  sum_rows_impl(rows, cols, x, out, accumulate, s);
}
void sum_rows_cuda(int64_t rows, int64_t cols, const double* x, double* out, bool accumulate, cudaStream_t s) {
  sum_rows_impl(rows, cols, x, out, accumulate, s);
}
void sum_cols_cuda(int64_t rows, int64_t cols, const float* x, float* out, bool accumulate, cudaStream_t s) {
  sum_cols_impl(rows, cols, x, out, accumulate, s);
}
void sum_cols_cuda(int64_t rows, int64_t cols, const double* x, double* out, bool accumulate, cudaStream_t s) {
  sum_cols_impl(rows, cols, x, out, accumulate, s);
}
void sum_all_cuda(int64_t n, const float* x, float scale, float* out, cudaStream_t s) {
  sum_all_impl(n, x, scale, out, s);
}
void sum_all_cuda(int64_t n, const double* x, double scale, double* out, cudaStream_t s) {
  sum_all_impl(n, x, scale, out, s);
}

}  // namespace gripcu::kernels
