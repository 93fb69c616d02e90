// CUDA twin of kernels/loss.h. Forward losses are written straight to the device scalar `loss`;
// backward reads the upstream gradient from the device scalar `dloss`: no host round trip.
// Means use the fixed-order two-pass reduction of common.cuh (no atomics): bit-stable run to run,
// equal to the CPU's pairwise sum up to rounding.
#include "kernels/loss.h"

#include <cmath>

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

template <typename T>
struct MeanFinal {
  int64_t n;
  __device__ T operator()(T s) const { return s / static_cast<T>(n); }
};

template <typename T>
struct MseTerm {
  const T *p, *t;
  __device__ T operator()(int64_t i) const {
    const T d = p[i] - t[i];
    return d * d;
  }
};
template <typename T, bool ACC>
struct MseGrad {
  int64_t n;
  const T *p, *t, *dloss;
  T* dp;
  __device__ void operator()(int64_t i) const {
    const T s = T(2) * dloss[0] / static_cast<T>(n);  // the CPU's expression and rounding
    const T g = s * (p[i] - t[i]);
    dp[i] = ACC ? dp[i] + g : g;
  }
};

template <typename T>
struct BceTerm {
  const T *z, *t;
  __device__ T operator()(int64_t i) const {
    const T x = z[i];
    return (x > T(0) ? x : T(0)) - x * t[i] + dev_log1p(dev_exp(-dev_abs(x)));
  }
};
template <typename T, bool ACC>
struct BceGrad {
  int64_t n;
  const T *z, *t, *dloss;
  T* dz;
  __device__ void operator()(int64_t i) const {
    const T s = dloss[0] / static_cast<T>(n);
    const T g = s * (dev_sigmoid(z[i]) - t[i]);
    dz[i] = ACC ? dz[i] + g : g;
  }
};

// ---- softmax cross-entropy: one warp per row ----
// max and sum of exp over the row by lane-strided loops and butterfly trees (every lane ends with
// the same bits, so all lanes agree on the row's normalizer).
template <typename T>
struct RowStats {
  T mx, sum;
};
template <typename T>
__device__ __forceinline__ RowStats<T> row_stats(const T* zr, int64_t classes, int lane) {
  T mx = -INFINITY;
  for (int64_t c = lane; c < classes; c += 32) mx = zr[c] > mx ? zr[c] : mx;
  mx = warp_max_all(mx);
  T s = T(0);
  for (int64_t c = lane; c < classes; c += 32) s += dev_exp(zr[c] - mx);
  return {mx, warp_sum_all(s)};
}

constexpr int kWarpsPerBlock = kReduceBlock / 32;

// Pass 1: warp w of block b takes rows b*W + w + j*G*W (increasing j) and adds their terms in that
// order; the block's W warp sums fold in a fixed order into partials[b]. Pass 2 is reduce_final.
template <typename T>
__global__ void xent_partials_kernel(int64_t rows, int64_t classes, const T* __restrict__ z,
                                     const int64_t* __restrict__ labels, T* partials) {
  __shared__ T warp_part[kWarpsPerBlock];
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
  T acc = T(0);
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + wid; r < rows; r += stride) {
    const T* zr = z + r * classes;
    const RowStats<T> st = row_stats(zr, classes, lane);
    const int64_t lab = labels[r];
    // An out-of-range label poisons the loss with NaN (the header's contract) rather than reading
    // outside the row.
    const T zl = (lab >= 0 && lab < classes) ? zr[lab] : static_cast<T>(NAN);
    acc += st.mx + dev_log(st.sum) - zl;  // identical in every lane
  }
  if (lane == 0) warp_part[wid] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    T s = T(0);
    for (int w = 0; w < kWarpsPerBlock; ++w) s += warp_part[w];
    partials[blockIdx.x] = s;
  }
}

template <typename T, bool ACC>
__global__ void xent_backward_kernel(int64_t rows, int64_t classes, const T* __restrict__ z,
                                     const int64_t* __restrict__ labels, const T* __restrict__ dloss, T* dz) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  const T scale = dloss[0] / static_cast<T>(rows);
  for (int64_t r = global_tid() / 32; r < rows; r += warps) {
    const T* zr = z + r * classes;
    T* dr = dz + r * classes;
    const RowStats<T> st = row_stats(zr, classes, lane);
    const int64_t lab = labels[r];
    for (int64_t c = lane; c < classes; c += 32) {
      const T g = scale * (dev_exp(zr[c] - st.mx) / st.sum - (c == lab ? T(1) : T(0)));
      dr[c] = ACC ? dr[c] + g : g;
    }
  }
}

template <typename T>
void write_zero_loss(T* loss, cudaStream_t s) {
  // The CPU's mean of nothing is 0; no launch needed.
  GRIPCU_CUDA_CHECK(cudaMemsetAsync(loss, 0, sizeof(T), s));
}

template <typename T>
void mse_forward_impl(int64_t n, const T* p, const T* t, T* loss, cudaStream_t s) {
  if (n <= 0) return write_zero_loss(loss, s);
  reduce_all<T>(n, MseTerm<T>{p, t}, MeanFinal<T>{n}, loss, s);
}
template <typename T>
void mse_backward_impl(int64_t n, const T* p, const T* t, const T* dloss, T* dp, bool accumulate, cudaStream_t s) {
  if (accumulate) launch_map(n, MseGrad<T, true>{n, p, t, dloss, dp}, s);
  else launch_map(n, MseGrad<T, false>{n, p, t, dloss, dp}, s);
}
template <typename T>
void bce_forward_impl(int64_t n, const T* z, const T* t, T* loss, cudaStream_t s) {
  if (n <= 0) return write_zero_loss(loss, s);
  reduce_all<T>(n, BceTerm<T>{z, t}, MeanFinal<T>{n}, loss, s);
}
template <typename T>
void bce_backward_impl(int64_t n, const T* z, const T* t, const T* dloss, T* dz, bool accumulate, cudaStream_t s) {
  if (accumulate) launch_map(n, BceGrad<T, true>{n, z, t, dloss, dz}, s);
  else launch_map(n, BceGrad<T, false>{n, z, t, dloss, dz}, s);
}
template <typename T>
void xent_forward_impl(int64_t rows, int64_t classes, const T* z, const int64_t* labels, T* loss, cudaStream_t s) {
  if (rows <= 0) return write_zero_loss(loss, s);
  // Block count from the shape only (deterministic tree): about one row per warp, at most 1024.
  int64_t g = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (g > kReduceMaxBlocks) g = kReduceMaxBlocks;
  T* partials = static_cast<T*>(stream_scratch(s));
  xent_partials_kernel<T><<<static_cast<unsigned>(g), kReduceBlock, 0, s>>>(rows, classes, z, labels, partials);
  GRIPCU_CUDA_LAUNCH_CHECK();
  reduce_final_kernel<T><<<1, kReduceBlock, 0, s>>>(static_cast<int>(g), partials, MeanFinal<T>{rows}, loss);
  GRIPCU_CUDA_LAUNCH_CHECK();
}
template <typename T>
void xent_backward_impl(int64_t rows, int64_t classes, const T* z, const int64_t* labels, const T* dloss, T* dz,
                        bool accumulate, cudaStream_t s) {
  if (rows <= 0 || classes <= 0) return;
  const unsigned grid = grid_for(rows * 32);
  if (accumulate) xent_backward_kernel<T, true><<<grid, kBlock, 0, s>>>(rows, classes, z, labels, dloss, dz);
  else xent_backward_kernel<T, false><<<grid, kBlock, 0, s>>>(rows, classes, z, labels, dloss, dz);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

}  // namespace

void mse_forward_cuda(int64_t n, const float* p, const float* t, float* loss, cudaStream_t s) {
  mse_forward_impl(n, p, t, loss, s);
}
void mse_forward_cuda(int64_t n, const double* p, const double* t, double* loss, cudaStream_t s) {
  mse_forward_impl(n, p, t, loss, s);
}
void mse_backward_cuda(int64_t n, const float* p, const float* t, const float* dloss, float* dp, bool accumulate,
                       cudaStream_t s) {
  mse_backward_impl(n, p, t, dloss, dp, accumulate, s);
}
void mse_backward_cuda(int64_t n, const double* p, const double* t, const double* dloss, double* dp, bool accumulate,
                       cudaStream_t s) {
  mse_backward_impl(n, p, t, dloss, dp, accumulate, s);
}
void bce_logits_forward_cuda(int64_t n, const float* z, const float* t, float* loss, cudaStream_t s) {
  bce_forward_impl(n, z, t, loss, s);
}
void bce_logits_forward_cuda(int64_t n, const double* z, const double* t, double* loss, cudaStream_t s) {
  bce_forward_impl(n, z, t, loss, s);
}
void bce_logits_backward_cuda(int64_t n, const float* z, const float* t, const float* dloss, float* dz,
                              bool accumulate, cudaStream_t s) {
  bce_backward_impl(n, z, t, dloss, dz, accumulate, s);
}
void bce_logits_backward_cuda(int64_t n, const double* z, const double* t, const double* dloss, double* dz,
                              bool accumulate, cudaStream_t s) {
  bce_backward_impl(n, z, t, dloss, dz, accumulate, s);
}
void softmax_xent_forward_cuda(int64_t rows, int64_t classes, const float* z, const int64_t* labels, float* loss,
                               cudaStream_t s) {
  xent_forward_impl(rows, classes, z, labels, loss, s);
}
void softmax_xent_forward_cuda(int64_t rows, int64_t classes, const double* z, const int64_t* labels, double* loss,
                               cudaStream_t s) {
  xent_forward_impl(rows, classes, z, labels, loss, s);
}
void softmax_xent_backward_cuda(int64_t rows, int64_t classes, const float* z, const int64_t* labels,
                                const float* dloss, float* dz, bool accumulate, cudaStream_t s) {
  xent_backward_impl(rows, classes, z, labels, dloss, dz, accumulate, s);
}
void softmax_xent_backward_cuda(int64_t rows, int64_t classes, const double* z, const int64_t* labels,
                                const double* dloss, double* dz, bool accumulate, cudaStream_t s) {
  xent_backward_impl(rows, classes, z, labels, dloss, dz, accumulate, s);
}

}  // namespace gripcu::kernels
