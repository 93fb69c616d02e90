// CUDA twin of kernels/layernorm.h: one warp per row (fixed shuffle trees), column sums of dg / db
// one thread per column over the rows in order (deterministic, no atomics).
#include "kernels/cuda/common.cuh"
#include "kernels/layernorm.h"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;
constexpr int kWarps = 8;

template <typename T>
__global__ void ln_forward(int64_t rows, int64_t d, T eps, const T* x, const T* g, const T* b, T* y, T* mean, T* rstd) {
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const T* xr = x + r * d;
  T s = T(0);
  for (int64_t j = lane; j < d; j += 32) s += xr[j];
  const T mu = warp_sum_all(s) / T(d);
  T ss = T(0);
  for (int64_t j = lane; j < d; j += 32) ss += (xr[j] - mu) * (xr[j] - mu);
  const T rs = T(1) / dev_sqrt(warp_sum_all(ss) / T(d) + eps);
  if (lane == 0) {
    mean[r] = mu;
    rstd[r] = rs;
  }
  for (int64_t j = lane; j < d; j += 32) y[r * d + j] = (xr[j] - mu) * rs * g[j] + b[j];
}

template <typename T>
__global__ void ln_backward_dx(int64_t rows, int64_t d, const T* x, const T* g, const T* mean, const T* rstd,
                               const T* dy, T* dx, bool acc) {
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const T* xr = x + r * d;
  const T* dr = dy + r * d;
  const T mu = mean[r], rs = rstd[r];
  T a = T(0), c = T(0);
  for (int64_t j = lane; j < d; j += 32) {
    const T dyg = dr[j] * g[j];
    a += dyg;
    c += dyg * (xr[j] - mu) * rs;
  }
  a = warp_sum_all(a) / T(d);
  c = warp_sum_all(c) / T(d);
  for (int64_t j = lane; j < d; j += 32) {
    const T v = rs * (dr[j] * g[j] - a - (xr[j] - mu) * rs * c);
    dx[r * d + j] = acc ? dx[r * d + j] + v : v;
  }
}

template <typename T>
__global__ void ln_backward_params(int64_t rows, int64_t d, const T* x, const T* mean, const T* rstd, const T* dy,
                                   T* dg, T* db, bool acc_g, bool acc_b) {
  for (int64_t j = global_tid(); j < d; j += grid_stride()) {
    T sg = T(0), sb = T(0);
    for (int64_t r = 0; r < rows; ++r) {
      sg += dy[r * d + j] * (x[r * d + j] - mean[r]) * rstd[r];
      sb += dy[r * d + j];
    }
    if (dg) dg[j] = acc_g ? dg[j] + sg : sg;
    if (db) db[j] = acc_b ? db[j] + sb : sb;
  }
}

template <typename T>
void forward_impl(int64_t rows, int64_t d, T eps, const T* x, const T* g, const T* b, T* y, T* mean, T* rstd,
                  cudaStream_t s) {
  if (rows <= 0) return;
  ln_forward<T><<<static_cast<unsigned>((rows + kWarps - 1) / kWarps), kWarps * 32, 0, s>>>(rows, d, eps, x, g, b, y, mean, rstd);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void backward_impl(int64_t rows, int64_t d, const T* x, const T* g, const T* mean, const T* rstd, const T* dy, T* dx,
                   T* dg, T* db, bool acc_x, bool acc_g, bool acc_b, cudaStream_t s) {
  if (rows <= 0) return;
  if (dx) {
    ln_backward_dx<T><<<static_cast<unsigned>((rows + kWarps - 1) / kWarps), kWarps * 32, 0, s>>>(rows, d, x, g, mean, rstd, dy, dx, acc_x);
    GRIPCU_CUDA_LAUNCH_CHECK();
  }
  if (dg || db) {
    ln_backward_params<T><<<grid_for(d), kBlock, 0, s>>>(rows, d, x, mean, rstd, dy, dg, db, acc_g, acc_b);
    GRIPCU_CUDA_LAUNCH_CHECK();
  }
}
}  // namespace

void layernorm_forward_cuda(int64_t rows, int64_t d, float eps, const float* x, const float* g, const float* b,
                            float* y, float* mean, float* rstd, cudaStream_t s) {
  forward_impl(rows, d, eps, x, g, b, y, mean, rstd, s);
}
void layernorm_forward_cuda(int64_t rows, int64_t d, double eps, const double* x, const double* g, const double* b,
                            double* y, double* mean, double* rstd, cudaStream_t s) {
  forward_impl(rows, d, eps, x, g, b, y, mean, rstd, s);
}
void layernorm_backward_cuda(int64_t rows, int64_t d, const float* x, const float* g, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dg, float* db, bool acc_x,
                             bool acc_g, bool acc_b, cudaStream_t s) {
  backward_impl(rows, d, x, g, mean, rstd, dy, dx, dg, db, acc_x, acc_g, acc_b, s);
}
void layernorm_backward_cuda(int64_t rows, int64_t d, const double* x, const double* g, const double* mean,
                             const double* rstd, const double* dy, double* dx, double* dg, double* db, bool acc_x,
                             bool acc_g, bool acc_b, cudaStream_t s) {
  backward_impl(rows, d, x, g, mean, rstd, dy, dx, dg, db, acc_x, acc_g, acc_b, s);
}

}  // namespace gripcu::kernels
