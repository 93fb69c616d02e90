// CUDA twin of kernels/film_residual.h: the plain chain of generic launches (variant 1) and the
// fused kernels (variant 2: forward one launch, backward two).
#include "kernels/film_residual.h"

#include <algorithm>

#include "engine/error.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/fused_gemm.cuh"
#include "kernels/elementwise.h"
#include "kernels/film.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

size_t align256(size_t b) { return (b + 255) / 256 * 256; }

// ---- fused (variant 2) ----
// A block owns kRows rows of the batch and kThreads output columns at a time.
constexpr int kRows = 4;
constexpr int kThreads = 256;
// Forward weights are staged through shared memory in chunks of kStage(T) columns of W (k values):
// 32 floats (one 128-byte line per W row) or 16 doubles.
template <typename T> constexpr int stage_k() { return sizeof(T) == 4 ? 32 : 16; }

template <typename T>
size_t forward_smem_bytes(int64_t H, int64_t F) {
  return sizeof(T) * static_cast<size_t>(kRows * (H + F) + stage_k<T>() * (kThreads + 1));
}
template <typename T>
size_t backward_smem_bytes(int64_t H, int64_t F) {
  return sizeof(T) * static_cast<size_t>(kRows * (H + F));
}

// acc[r] = sum_k in_s[r, k] W[jg + tid, k] over k in increasing order, for the kRows rows held in
// shared memory (in_s [kRows, K]); W [ncols, K] row-major. W arrives in chunks of KC k-values:
// coalesced loads along k, stored transposed (Ws[kk][jj], padded) so the compute reads are
// conflict-free. Starts with a barrier (everything written to shared memory before is visible).
template <typename T>
__device__ __forceinline__ void rows_times_wt(const T* in_s, int64_t K, const T* __restrict__ W, int64_t ncols,
                                              int64_t jg, T* Ws, T (&acc)[kRows]) {
  constexpr int KC = stage_k<T>();
  const int tid = threadIdx.x;
#pragma unroll
  for (int r = 0; r < kRows; ++r) acc[r] = T(0);
  for (int64_t k0 = 0; k0 < K; k0 += KC) {
    __syncthreads();  // the previous chunk has been consumed (and in_s is complete)
#pragma unroll 4
    for (int q = 0; q < KC; ++q) {
      const int e = tid + q * kThreads;
      const int kk = e % KC, jj = e / KC;
      const int64_t j = jg + jj, k = k0 + kk;
      Ws[kk * (kThreads + 1) + jj] = (j < ncols && k < K) ? W[j * K + k] : T(0);
    }
    __syncthreads();
    const int kmax = static_cast<int>(K - k0 < KC ? K - k0 : KC);
    for (int kk = 0; kk < kmax; ++kk) {
      const T w = Ws[kk * (kThreads + 1) + tid];
#pragma unroll
      for (int r = 0; r < kRows; ++r) acc[r] += in_s[r * K + k0 + kk] * w;
    }
  }
}

template <typename T>
struct FwdArgs {
  int64_t n, H, F;
  const T *h0, *gamma, *beta, *W1, *b1, *W2, *b2;
  T *y, *h, *a1, *a2;
};

template <typename T>
__global__ void __launch_bounds__(kThreads) film_residual_forward_kernel(FwdArgs<T> a) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const int64_t H = a.H, F = a.F;
  T* hs = reinterpret_cast<T*>(smem_raw);  // [kRows, H]
  T* a1s = hs + kRows * H;                 // [kRows, F]
  T* Ws = a1s + kRows * F;                 // [KC, kThreads + 1]
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  const int rows = static_cast<int>(a.n - row0 < kRows ? a.n - row0 : kRows);
  const int tid = threadIdx.x;
  // FiLM: h = h0 (1 + gamma) + beta (rows past the batch are zeros).
  for (int64_t e = tid; e < kRows * H; e += kThreads) {
    const int r = static_cast<int>(e / H);
    T v = T(0);
    if (r < rows) {
      const int64_t i = row0 * H + e;
      v = a.h0[i] * (T(1) + a.gamma[i]) + a.beta[i];
      a.h[i] = v;
    }
    hs[e] = v;
  }
  // res1: a1 = relu(h W1^T + b1)
  for (int64_t jg = 0; jg < F; jg += kThreads) {
    T acc[kRows];
    rows_times_wt<T>(hs, H, a.W1, F, jg, Ws, acc);
    const int64_t j = jg + tid;
    if (j < F) {
      const T bj = a.b1[j];
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        const T z = acc[r] + bj;
        const T v = (r < rows && z > T(0)) ? z : T(0);
        a1s[r * F + j] = v;
        if (r < rows) a.a1[(row0 + r) * F + j] = v;
      }
    }
  }
  // res2 and the residual: a2 = relu(a1 W2^T + b2), y = h + a2
  for (int64_t jg = 0; jg < H; jg += kThreads) {
    T acc[kRows];
    rows_times_wt<T>(a1s, F, a.W2, H, jg, Ws, acc);
    const int64_t j = jg + tid;
    if (j < H) {
      const T bj = a.b2[j];
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        if (r >= rows) break;
        const T z = acc[r] + bj;
        const T v = z > T(0) ? z : T(0);
        const int64_t i = (row0 + r) * H + j;
        a.a2[i] = v;
        a.y[i] = hs[r * H + j] + v;
      }
    }
  }
}

template <typename T>
struct BwdArgs {
  int64_t n, H, F;
  const T *h0, *gamma, *W1, *W2, *h, *a1, *a2, *dy;
  T *dz2, *dz1;  // workspace [n, H], [n, F]
  bool need_dz1, need_dh;
  GradOut<T> g_h0, g_gamma, g_beta;
};

// Row chain of the backward: dz2 = dy (a2 > 0); dz1 = (dz2 W2) (a1 > 0); dh = dy + dz1 W1; the FiLM
// gradients. The weights are read directly: here the inner index is their row index, so a warp's
// reads of W2[j, f0..f0+31] / W1[f, k0..k0+31] are contiguous.
template <typename T>
__global__ void __launch_bounds__(kThreads) film_residual_backward_rows_kernel(BwdArgs<T> a) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const int64_t H = a.H, F = a.F;
  T* dz2s = reinterpret_cast<T*>(smem_raw);  // [kRows, H]
  T* dz1s = dz2s + kRows * H;                // [kRows, F]
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  const int rows = static_cast<int>(a.n - row0 < kRows ? a.n - row0 : kRows);
  const int tid = threadIdx.x;
  for (int64_t e = tid; e < kRows * H; e += kThreads) {
    const int r = static_cast<int>(e / H);
    T v = T(0);
    if (r < rows) {
      const int64_t i = row0 * H + e;
      const T d = a.dy[i];
      v = a.a2[i] > T(0) ? d : T(0);
      a.dz2[i] = v;
    }
    dz2s[e] = v;
  }
  if (!a.need_dz1) return;
  __syncthreads();
  for (int64_t fg = 0; fg < F; fg += kThreads) {
    const int64_t f = fg + tid;
    if (f >= F) continue;
    T acc[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) acc[r] = T(0);
    for (int64_t j = 0; j < H; ++j) {
      const T w = a.W2[j * F + f];
#pragma unroll
      for (int r = 0; r < kRows; ++r) acc[r] += dz2s[r * H + j] * w;
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      T v = T(0);
      if (r < rows) {
        const int64_t i = (row0 + r) * F + f;
        v = a.a1[i] > T(0) ? acc[r] : T(0);
        a.dz1[i] = v;
      }
      dz1s[r * F + f] = v;
    }
  }
  if (!a.need_dh) return;
  __syncthreads();
  for (int64_t kg = 0; kg < H; kg += kThreads) {
    const int64_t k = kg + tid;
    if (k >= H) continue;
    T acc[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) acc[r] = T(0);
    for (int64_t f = 0; f < F; ++f) {
      const T w = a.W1[f * H + k];
#pragma unroll
      for (int r = 0; r < kRows; ++r) acc[r] += dz1s[r * F + f] * w;
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      if (r >= rows) break;
      const int64_t i = (row0 + r) * H + k;
      const T d = a.dy[i] + acc[r];
      if (a.g_h0.p) {
        const T v = d * (T(1) + a.gamma[i]);
        a.g_h0.p[i] = a.g_h0.accumulate ? a.g_h0.p[i] + v : v;
      }
      if (a.g_gamma.p) {
        const T v = d * a.h0[i];
        a.g_gamma.p[i] = a.g_gamma.accumulate ? a.g_gamma.p[i] + v : v;
      }
      if (a.g_beta.p) a.g_beta.p[i] = a.g_beta.accumulate ? a.g_beta.p[i] + d : d;
    }
  }
}

template <typename T>
struct WeightArgs {
  int64_t n, H, F;
  const T *dz2, *dz1, *a1, *h;
  GradOut<T> W1, b1, W2, b2;
  int64_t blocks_W2, blocks_W1, blocks_b2;  // grid: [dW2 tiles][dW1 tiles][db2 blocks][db1 blocks]
};

// dW2 (+)= dz2^T a1, dW1 (+)= dz1^T h, db2 (+)= sum_rows dz2, db1 (+)= sum_rows dz1 in one launch;
// one thread per output, rows summed in increasing order.
template <typename T>
__global__ void __launch_bounds__(kTileThreads) film_residual_weight_grads_kernel(WeightArgs<T> a) {
  __shared__ TileSmem<T> sm;
  const int64_t H = a.H, F = a.F;
  int64_t blk = blockIdx.x;
  if (blk < a.blocks_W2) {
    const T* __restrict__ dz2 = a.dz2;
    const T* __restrict__ a1 = a.a1;
    T* dW = a.W2.p;
    const bool acc = a.W2.accumulate;
    gemm_tile<T, true, false>(sm, H, F, a.n, blk, [dz2, H](int64_t j, int64_t r) { return dz2[r * H + j]; },
                              [a1, F](int64_t r, int64_t f) { return a1[r * F + f]; },
                              [dW, F, acc](int64_t j, int64_t f, T v) {
                                T* p = dW + j * F + f;
                                *p = acc ? *p + v : v;
                              });
    return;
  }
  blk -= a.blocks_W2;
  if (blk < a.blocks_W1) {
    const T* __restrict__ dz1 = a.dz1;
    const T* __restrict__ h = a.h;
    T* dW = a.W1.p;
    const bool acc = a.W1.accumulate;
    gemm_tile<T, true, false>(sm, F, H, a.n, blk, [dz1, F](int64_t f, int64_t r) { return dz1[r * F + f]; },
                              [h, H](int64_t r, int64_t k) { return h[r * H + k]; },
                              [dW, H, acc](int64_t f, int64_t k, T v) {
                                T* p = dW + f * H + k;
                                *p = acc ? *p + v : v;
                              });
    return;
  }
  blk -= a.blocks_W1;
  if (blk < a.blocks_b2) {
    const T* __restrict__ dz2 = a.dz2;
    column_sum<T>(a.n, H, blk, [dz2, H](int64_t r, int64_t c) { return dz2[r * H + c]; }, a.b2.p, a.b2.accumulate);
    return;
  }
  blk -= a.blocks_b2;
  const T* __restrict__ dz1 = a.dz1;
  column_sum<T>(a.n, F, blk, [dz1, F](int64_t r, int64_t c) { return dz1[r * F + c]; }, a.b1.p, a.b1.accumulate);
}

// Dynamic shared memory above the default 48 KiB needs an opt-in per kernel; false when the device
// cannot give `bytes` at all (the caller then runs the plain chain).
template <typename K>
bool smem_fits(K kernel, size_t bytes, cudaStream_t s) {
  if (bytes <= 48 * 1024) return true;
  int dev = 0, optin = 0;
  GRIPCU_CUDA_CHECK(cudaGetDevice(&dev));
  GRIPCU_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  if (bytes > static_cast<size_t>(optin)) return false;
  GRIPCU_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  return true;
}

// ---- plain (variant 1): the CPU sequence, one generic launch per step ----
template <typename T>
void forward_plain(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma, const T* beta,
                   const FilmResidualParams<T>& w, T* y, T* h, T* a1, T* a2, cudaStream_t s) {
  film_forward_cuda(n * H, h0, gamma, beta, h, s);
  gemm_cuda(false, true, n, F, H, T(1), h, w.W1, T(0), a1, w.b1, Epilogue::bias_relu, s);
  gemm_cuda(false, true, n, H, F, T(1), a1, w.W2, T(0), a2, w.b2, Epilogue::bias_relu, s);
  axpby_cuda(n * H, T(1), h, T(1), a2, y, s);
}

template <typename T>
void backward_plain(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma, const FilmResidualParams<T>& w,
                    const T* h, const T* a1, const T* a2, const T* dy, const FilmResidualGrads<T>& g, T* dz2, T* dh,
                    T* dz1, cudaStream_t s) {
  const bool need_dh = g.h0 || g.gamma || g.beta;
  const bool need_dz1 = need_dh || g.W1 || g.b1;
  act_backward_cuda(Act::relu, n * H, a2, a2, dy, dz2, T(0), false, s);
  if (g.W2) gemm_cuda(true, false, H, F, n, T(1), dz2, a1, g.W2.accumulate ? T(1) : T(0), g.W2.p, nullptr, Epilogue::none, s);
  if (g.b2) sum_rows_cuda(n, H, dz2, g.b2.p, g.b2.accumulate, s);
  if (!need_dz1) return;
  gemm_cuda(false, false, n, F, H, T(1), dz2, w.W2, T(0), dz1, nullptr, Epilogue::none, s);
  act_backward_cuda(Act::relu, n * F, a1, a1, dz1, dz1, T(0), false, s);
  if (g.W1) gemm_cuda(true, false, F, H, n, T(1), dz1, h, g.W1.accumulate ? T(1) : T(0), g.W1.p, nullptr, Epilogue::none, s);
  if (g.b1) sum_rows_cuda(n, F, dz1, g.b1.p, g.b1.accumulate, s);
  if (!need_dh || n == 0) return;
  GRIPCU_CUDA_CHECK(cudaMemcpyAsync(dh, dy, sizeof(T) * static_cast<size_t>(n * H), cudaMemcpyDeviceToDevice, s));
  gemm_cuda(false, false, n, H, F, T(1), dz1, w.W1, T(1), dh, nullptr, Epilogue::none, s);
  // One FiLM pass per wanted output, each with its own write/add flag.
  if (g.h0) film_backward_cuda(n * H, h0, gamma, dh, g.h0.p, static_cast<T*>(nullptr), static_cast<T*>(nullptr), g.h0.accumulate, s);
  if (g.gamma) film_backward_cuda(n * H, h0, gamma, dh, static_cast<T*>(nullptr), g.gamma.p, static_cast<T*>(nullptr), g.gamma.accumulate, s);
  if (g.beta) film_backward_cuda(n * H, h0, gamma, dh, static_cast<T*>(nullptr), static_cast<T*>(nullptr), g.beta.p, g.beta.accumulate, s);
}

void check_shapes(int64_t n, int64_t H, int64_t F) {
  GRIPCU_CHECK(n >= 0 && H > 0 && F > 0, "film_residual: bad sizes n=", n, " H=", H, " F=", F);
}

template <typename T>
void forward_impl(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma, const T* beta,
                  const FilmResidualParams<T>& w, T* y, T* h, T* a1, T* a2, FilmResidualVariant v, cudaStream_t s) {
  check_shapes(n, H, F);
  if (n == 0) return;
  const size_t smem = forward_smem_bytes<T>(H, F);
  if (v == FilmResidualVariant::plain || !smem_fits(film_residual_forward_kernel<T>, smem, s)) {
    forward_plain(n, H, F, h0, gamma, beta, w, y, h, a1, a2, s);
    return;
  }
  const FwdArgs<T> a{n, H, F, h0, gamma, beta, w.W1, w.b1, w.W2, w.b2, y, h, a1, a2};
  const unsigned grid = static_cast<unsigned>((n + kRows - 1) / kRows);
  film_residual_forward_kernel<T><<<grid, kThreads, smem, s>>>(a);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void backward_impl(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma, const FilmResidualParams<T>& w,
                   const T* h, const T* a1, const T* a2, const T* dy, const FilmResidualGrads<T>& g, void* workspace,
                   FilmResidualVariant v, cudaStream_t s) {
  check_shapes(n, H, F);
  const bool need_dh = g.h0 || g.gamma || g.beta;
  const bool need_dz1 = need_dh || g.W1 || g.b1;
  if (!need_dz1 && !g.W2 && !g.b2) return;
  GRIPCU_CHECK(workspace != nullptr || n == 0, "film_residual backward: no workspace");
  char* ws = static_cast<char*>(workspace);
  const size_t nh = align256(sizeof(T) * static_cast<size_t>(n * H));
  T* dz2 = reinterpret_cast<T*>(ws);
  T* dh = reinterpret_cast<T*>(ws + nh);
  T* dz1 = reinterpret_cast<T*>(ws + 2 * nh);
  // The fused launches write their gradients concurrently (and h0/gamma/beta before the weights):
  // when two are one buffer (a variable passed twice), run the plain chain, which writes in order.
  const T* outs[] = {g.h0.p, g.gamma.p, g.beta.p, g.W1.p, g.b1.p, g.W2.p, g.b2.p};
  bool aliased = false;
  for (int i = 0; i < 7; ++i)
    for (int j = i + 1; j < 7; ++j) aliased = aliased || (outs[i] && outs[i] == outs[j]);
  const size_t smem = backward_smem_bytes<T>(H, F);
  if (v == FilmResidualVariant::plain || aliased || !smem_fits(film_residual_backward_rows_kernel<T>, smem, s)) {
    backward_plain(n, H, F, h0, gamma, w, h, a1, a2, dy, g, dz2, dh, dz1, s);
    return;
  }
  if (n > 0) {
    const BwdArgs<T> b{n, H, F, h0, gamma, w.W1, w.W2, h, a1, a2, dy, dz2, dz1, need_dz1, need_dh, g.h0, g.gamma, g.beta};
    const unsigned grid = static_cast<unsigned>((n + kRows - 1) / kRows);
    film_residual_backward_rows_kernel<T><<<grid, kThreads, smem, s>>>(b);
    GRIPCU_CUDA_LAUNCH_CHECK();
  }
  WeightArgs<T> c{n, H, F, dz2, dz1, a1, h, g.W1, g.b1, g.W2, g.b2, 0, 0, 0};
  c.blocks_W2 = g.W2 ? tiles_for(H, F) : 0;
  c.blocks_W1 = g.W1 ? tiles_for(F, H) : 0;
  c.blocks_b2 = g.b2 ? column_blocks(H) : 0;
  const int64_t blocks_b1 = g.b1 ? column_blocks(F) : 0;
  const int64_t grid = c.blocks_W2 + c.blocks_W1 + c.blocks_b2 + blocks_b1;
  if (grid == 0) return;
  film_residual_weight_grads_kernel<T><<<static_cast<unsigned>(grid), kTileThreads, 0, s>>>(c);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

}  // namespace

void film_residual_forward_cuda(int64_t n, int64_t H, int64_t F, const float* h0, const float* gamma,
                                const float* beta, const FilmResidualParams<float>& w, float* y, float* h, float* a1,
                                float* a2, FilmResidualVariant v, cudaStream_t s) {
  forward_impl(n, H, F, h0, gamma, beta, w, y, h, a1, a2, v, s);
}
void film_residual_forward_cuda(int64_t n, int64_t H, int64_t F, const double* h0, const double* gamma,
                                const double* beta, const FilmResidualParams<double>& w, double* y, double* h,
                                double* a1, double* a2, FilmResidualVariant v, cudaStream_t s) {
  forward_impl(n, H, F, h0, gamma, beta, w, y, h, a1, a2, v, s);
}
void film_residual_backward_cuda(int64_t n, int64_t H, int64_t F, const float* h0, const float* gamma,
                                 const FilmResidualParams<float>& w, const float* h, const float* a1, const float* a2,
                                 const float* dy, const FilmResidualGrads<float>& g, void* workspace,
                                 FilmResidualVariant v, cudaStream_t s) {
  backward_impl(n, H, F, h0, gamma, w, h, a1, a2, dy, g, workspace, v, s);
}
void film_residual_backward_cuda(int64_t n, int64_t H, int64_t F, const double* h0, const double* gamma,
                                 const FilmResidualParams<double>& w, const double* h, const double* a1,
                                 const double* a2, const double* dy, const FilmResidualGrads<double>& g,
                                 void* workspace, FilmResidualVariant v, cudaStream_t s) {
  backward_impl(n, H, F, h0, gamma, w, h, a1, a2, dy, g, workspace, v, s);
}

}  // namespace gripcu::kernels
