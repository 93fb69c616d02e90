// CUDA twin of kernels/mmd.h: multi-bandwidth Gaussian MMD^2 and its gradient in one pass over the
// pairs. Launch chain (all on one stream, no host synchronisation, no atomics):
//   1. colmean   column means of Z = [X; Y] in float64 (fixed row order, then a fixed tree)
//   2. center    zc = z - mean (T) and r_i = ||zc_i||^2 (float64, warp tree)
//   3. bandwidth beta0 = 2/(N-1) sum r_i (adaptive) or the fixed value  (reduce_all, fixed tree)
//   4. tile      64 x 64 pair tiles: Gram tile from shared-memory k-chunks (4 x 4 per thread),
//                then per pair D, every bandwidth from one exp (doubling) or K exps, the tile's
//                weighted kernel sum (float64) and, with gradients, C'_ij = w_j c_ij into an
//                N x N matrix plus per-row partials of s_i = sum_j w_j c_ij (float64)
//   5. rowsum    s_i = sum over column tiles of the partials, in tile order
//   6. GEMM      v = C' zc (cuBLASLt through kernels/gemm.h)
//   7. grad      dMMD^2/dz_i = -4 w_i (zc_i s_i - v_i), split into gx / gy
//   8. finish    loss = sum of the tile partials in tile order; beta0_out
// The workspace layout is mmd_layout() below; its size is mmd_cuda_workspace_bytes (cpu/mmd.cpp).
#include "kernels/mmd.h"

#include <algorithm>
#include <vector>

#include "engine/error.h"
#include "kernels/cuda/common.cuh"
#include "kernels/gemm.h"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

constexpr int kTile = 64, kKChunk = 16, kTileThreads = 256;

struct Layout {
  double *mean, *r, *tilepart, *scal, *spart, *s;
  void *zc, *C, *V;
};
Layout mmd_layout(void* ws, int64_t n, int64_t m, int64_t d, size_t elem, bool with_grad) {
  auto up = [](size_t b) { return (b + 255) / 256 * 256; };
  const size_t N = static_cast<size_t>(n + m), D = static_cast<size_t>(d), tiles = (N + kTile - 1) / kTile;
  char* p = static_cast<char*>(ws);
  Layout L{};
  L.mean = reinterpret_cast<double*>(p); p += up(D * 8);
  L.r = reinterpret_cast<double*>(p); p += up(N * 8);
  L.zc = p; p += up(N * D * elem);
  L.tilepart = reinterpret_cast<double*>(p); p += up(tiles * tiles * 8);
  L.scal = reinterpret_cast<double*>(p); p += up(4 * 8);
  if (with_grad) {
    L.spart = reinterpret_cast<double*>(p); p += up(tiles * N * 8);
    L.s = reinterpret_cast<double*>(p); p += up(N * 8);
    L.C = p; p += up(N * N * elem);
    L.V = p; p += up(N * D * elem);
  }
  return L;
}

// Multipliers sorted widest first; the kernel turns them into 1/beta_k once beta0 is known.
struct Mults {
  int K;
  bool doubling;
  double mult[kMmdMaxKernels];
};

template <typename T>
__device__ __forceinline__ const T* zrow(const T* X, const T* Y, int64_t n, int64_t d, int64_t i) {
  return i < n ? X + i * d : Y + (i - n) * d;
}

// 1. column means: block = 32 columns x 8 row groups.
template <typename T>
__global__ void colmean_kernel(int64_t n, int64_t m, int64_t d, const T* __restrict__ X, const T* __restrict__ Y,
                               double* __restrict__ mean) {
  __shared__ double part[8][33];
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * 32 + tx, N = n + m;
  double acc = 0;
  if (c < d)
    for (int64_t i = ty; i < N; i += 8) acc += static_cast<double>(zrow(X, Y, n, d, i)[c]);
  part[ty][tx] = acc;
  __syncthreads();
  if (ty == 0 && c < d) {
    double s = ((part[0][tx] + part[1][tx]) + (part[2][tx] + part[3][tx])) +
               ((part[4][tx] + part[5][tx]) + (part[6][tx] + part[7][tx]));
    mean[c] = s / static_cast<double>(N);
  }
}

// 2. centre and squared norms: one warp per row.
template <typename T>
__global__ void center_kernel(int64_t n, int64_t m, int64_t d, const T* __restrict__ X, const T* __restrict__ Y,
                              const double* __restrict__ mean, T* __restrict__ zc, double* __restrict__ r) {
  const int lane = threadIdx.x & 31;
  const int64_t N = n + m, warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t i = global_tid() / 32; i < N; i += warps) {
    const T* z = zrow(X, Y, n, d, i);
    T* o = zc + i * d;
    double acc = 0;
    for (int64_t c = lane; c < d; c += 32) {
      const T v = static_cast<T>(static_cast<double>(z[c]) - mean[c]);
      o[c] = v;
      acc += static_cast<double>(v) * static_cast<double>(v);
    }
    acc = warp_sum_all(acc);
    if (lane == 0) r[i] = acc;
  }
}

// 3. beta0 from sum r_i.
struct NormTerm {
  const double* r;
  __device__ double operator()(int64_t i) const { return r[i]; }
};
struct Beta0Final {
  bool adaptive;
  double fixed, denom;
  __device__ double operator()(double s) const {
    double b = adaptive ? 2.0 * s / denom : fixed;
    return b > 0 ? b : 1.0;  // all points coincide: any beta0 gives MMD 0 and gradient 0
  }
};

// 4. pair tiles.
template <typename T, bool GRAD>
__global__ void __launch_bounds__(kTileThreads) tile_kernel(int64_t n, int64_t m, int64_t d, const T* __restrict__ zc,
                                                            const double* __restrict__ r, const double* __restrict__ scal,
                                                            Mults mu, double* __restrict__ tilepart,
                                                            double* __restrict__ spart, T* __restrict__ C) {
  __shared__ T As[kKChunk][kTile + 1], Bs[kKChunk][kTile + 1];
  __shared__ double sp[kTile][17];
  const int t = threadIdx.x, tx = t % 16, ty = t / 16;
  const int64_t N = n + m;
  const int64_t i0 = static_cast<int64_t>(blockIdx.y) * kTile, j0 = static_cast<int64_t>(blockIdx.x) * kTile;
  const double beta0 = scal[0];
  T inv[kMmdMaxKernels];
  for (int k = 0; k < mu.K; ++k) inv[k] = static_cast<T>(1.0 / (mu.mult[k] * beta0));

  T acc[4][4];
#pragma unroll
  for (int a = 0; a < 4; ++a)
#pragma unroll
    for (int b = 0; b < 4; ++b) acc[a][b] = T(0);

  for (int64_t k0 = 0; k0 < d; k0 += kKChunk) {
#pragma unroll
    for (int q = 0; q < kTile * kKChunk / kTileThreads; ++q) {
      const int idx = t + q * kTileThreads, rr = idx / kKChunk, kk = idx % kKChunk;
      const int64_t gi = i0 + rr, gj = j0 + rr, gk = k0 + kk;
      As[kk][rr] = (gi < N && gk < d) ? zc[gi * d + gk] : T(0);
      Bs[kk][rr] = (gj < N && gk < d) ? zc[gj * d + gk] : T(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kKChunk; ++kk) {
      T av[4], bv[4];
#pragma unroll
      for (int a = 0; a < 4; ++a) av[a] = As[kk][ty + 16 * a];
#pragma unroll
      for (int b = 0; b < 4; ++b) bv[b] = Bs[kk][tx + 16 * b];
#pragma unroll
      for (int a = 0; a < 4; ++a)
#pragma unroll
        for (int b = 0; b < 4; ++b) acc[a][b] += av[a] * bv[b];
    }
    __syncthreads();
  }

  const double wx = 1.0 / static_cast<double>(n), wy = -1.0 / static_cast<double>(m);
  double lsum = 0, srow[4] = {0, 0, 0, 0};
#pragma unroll
  for (int a = 0; a < 4; ++a) {
    const int64_t i = i0 + ty + 16 * a;
    if (i >= N) continue;
    const double wi = i < n ? wx : wy;
    const T ri = static_cast<T>(r[i]);
#pragma unroll
    for (int b = 0; b < 4; ++b) {
      const int64_t j = j0 + tx + 16 * b;
      if (j >= N) continue;
      T D = ri + static_cast<T>(r[j]) - T(2) * acc[a][b];
      if (D < T(0) || i == j) D = T(0);
      T ks, cs;
      if (mu.doubling) {
        T u = dev_exp(-D * inv[0]);
        ks = u;
        cs = u * inv[0];
        for (int k = 1; k < mu.K; ++k) {
          u = u * u;
          ks += u;
          cs += u * inv[k];
        }
      } else {
        ks = T(0);
        cs = T(0);
        for (int k = 0; k < mu.K; ++k) {
          const T u = dev_exp(-D * inv[k]);
          ks += u;
          cs += u * inv[k];
        }
      }
      const double wj = j < n ? wx : wy;
      lsum += wi * wj * static_cast<double>(ks);
      if (GRAD) {
        const double cw = wj * static_cast<double>(cs);
        C[i * N + j] = static_cast<T>(cw);
        srow[a] += cw;
      }
    }
  }
  const double tot = block_sum<kTileThreads>(lsum);
  if (t == 0) tilepart[static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x] = tot;
  if (GRAD) {
#pragma unroll
    for (int a = 0; a < 4; ++a) sp[ty + 16 * a][tx] = srow[a];
    __syncthreads();
    if (t < kTile && i0 + t < N) {
      double s = 0;
      for (int q = 0; q < 16; ++q) s += sp[t][q];
      spart[static_cast<int64_t>(blockIdx.x) * N + i0 + t] = s;
    }
  }
}

// 5. s_i over the column tiles, in order.
__global__ void rowsum_kernel(int64_t N, int64_t tiles, const double* __restrict__ spart, double* __restrict__ s) {
  for (int64_t i = global_tid(); i < N; i += grid_stride()) {
    double acc = 0;
    for (int64_t q = 0; q < tiles; ++q) acc += spart[q * N + i];
    s[i] = acc;
  }
}

// 7. gradient.
template <typename T>
struct GradMap {
  int64_t n, m, d;
  const T *zc, *V;
  const double* s;
  T *gx, *gy;
  __device__ void operator()(int64_t e) const {
    const int64_t i = e / d;
    const double w = i < n ? 1.0 / static_cast<double>(n) : -1.0 / static_cast<double>(m);
    const T g = static_cast<T>(-4.0 * w * (static_cast<double>(zc[e]) * s[i] - static_cast<double>(V[e])));
    if (i < n) gx[e] = g;
    else gy[e - n * d] = g;
  }
};

// 8. loss and beta0.
template <typename T>
__global__ void finish_kernel(int64_t parts, const double* __restrict__ tilepart, const double* __restrict__ scal,
                              T* __restrict__ loss, T* __restrict__ beta0_out) {
  double acc = 0;
  for (int64_t q = threadIdx.x; q < parts; q += kReduceBlock) acc += tilepart[q];
  acc = block_sum<kReduceBlock>(acc);
  if (threadIdx.x == 0) {
    loss[0] = static_cast<T>(acc);
    if (beta0_out) beta0_out[0] = static_cast<T>(scal[0]);
  }
}

template <typename T>
struct ScaleGrad {
  const T *dloss, *g;
  T* dx;
  bool acc;
  __device__ void operator()(int64_t i) const {
    const T v = dloss[0] * g[i];
    dx[i] = acc ? dx[i] + v : v;
  }
};

template <typename T>
void mmd_impl(int64_t n, int64_t m, int64_t d, const T* X, const T* Y, const MmdConfig& cfg, T* loss, T* gx, T* gy,
              T* beta0_out, void* workspace, cudaStream_t s) {
  GRIPCU_CHECK(n >= 1 && m >= 1 && d >= 1, "mmd: needs n, m, d >= 1, got n=", n, " m=", m, " d=", d);
  GRIPCU_CHECK((gx == nullptr) == (gy == nullptr), "mmd: give both gradients or neither");
  GRIPCU_CHECK(workspace != nullptr, "mmd: no workspace");
  mmd_check_config(cfg);
  const bool grad = gx != nullptr;
  const int64_t N = n + m, tiles = (N + kTile - 1) / kTile;
  GRIPCU_CHECK(tiles <= 65535, "mmd: N = ", N, " rows exceed the CUDA grid (", 65535 * kTile, ")");
  const Layout L = mmd_layout(workspace, n, m, d, sizeof(T), grad);
  T* zc = static_cast<T*>(L.zc);

  colmean_kernel<T><<<static_cast<unsigned>((d + 31) / 32), 256, 0, s>>>(n, m, d, X, Y, L.mean);
  GRIPCU_CUDA_LAUNCH_CHECK();
  center_kernel<T><<<grid_for(N * 32), kBlock, 0, s>>>(n, m, d, X, Y, L.mean, zc, L.r);
  GRIPCU_CUDA_LAUNCH_CHECK();
  reduce_all<double>(N, NormTerm{L.r}, Beta0Final{cfg.adaptive, cfg.beta0, static_cast<double>(N - 1)}, L.scal, s);

  Mults mu{};
  mu.K = cfg.kernels;
  mu.doubling = mmd_doubling(cfg);
  std::vector<double> mult(cfg.mult, cfg.mult + cfg.kernels);
  std::sort(mult.begin(), mult.end(), [](double a, double b) { return a > b; });
  for (int k = 0; k < mu.K; ++k) mu.mult[k] = mult[static_cast<size_t>(k)];

  const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(tiles));
  if (grad) {
    T* C = static_cast<T*>(L.C);
    T* V = static_cast<T*>(L.V);
    tile_kernel<T, true><<<grid, kTileThreads, 0, s>>>(n, m, d, zc, L.r, L.scal, mu, L.tilepart, L.spart, C);
    GRIPCU_CUDA_LAUNCH_CHECK();
    rowsum_kernel<<<grid_for(N), kBlock, 0, s>>>(N, tiles, L.spart, L.s);
    GRIPCU_CUDA_LAUNCH_CHECK();
    gemm_cuda(false, false, N, d, N, T(1), C, zc, T(0), V, nullptr, Epilogue::none, s);
    launch_map(N * d, GradMap<T>{n, m, d, zc, V, L.s, gx, gy}, s);
  } else {
    tile_kernel<T, false><<<grid, kTileThreads, 0, s>>>(n, m, d, zc, L.r, L.scal, mu, L.tilepart, nullptr, nullptr);
    GRIPCU_CUDA_LAUNCH_CHECK();
  }
  finish_kernel<T><<<1, kReduceBlock, 0, s>>>(tiles * tiles, L.tilepart, L.scal, loss, beta0_out);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

}  // namespace

void mmd_forward_cuda(int64_t n, int64_t m, int64_t d, const float* X, const float* Y, const MmdConfig& cfg,
                      float* loss, float* gx, float* gy, float* beta0_out, void* workspace, cudaStream_t s) {
  mmd_impl(n, m, d, X, Y, cfg, loss, gx, gy, beta0_out, workspace, s);
}
void mmd_forward_cuda(int64_t n, int64_t m, int64_t d, const double* X, const double* Y, const MmdConfig& cfg,
                      double* loss, double* gx, double* gy, double* beta0_out, void* workspace, cudaStream_t s) {
  mmd_impl(n, m, d, X, Y, cfg, loss, gx, gy, beta0_out, workspace, s);
}
void mmd_scale_grad_cuda(int64_t n, const float* dloss, const float* g, float* dx, bool accumulate, cudaStream_t s) {
  launch_map(n, ScaleGrad<float>{dloss, g, dx, accumulate}, s);
}
void mmd_scale_grad_cuda(int64_t n, const double* dloss, const double* g, double* dx, bool accumulate,
                         cudaStream_t s) {
  launch_map(n, ScaleGrad<double>{dloss, g, dx, accumulate}, s);
}

}  // namespace gripcu::kernels
