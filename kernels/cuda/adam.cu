// CUDA twin of kernels/adam.h: one launch updates the whole parameter slab.
// The step may live in device memory (step_dev) so a captured graph replays with a device-side
// counter; each block then derives the bias corrections itself, in double as the CPU does.
#include "kernels/adam.h"

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

// Per-launch constants (host values; the step-dependent ones are computed on the device).
struct AdamConsts {
  double lr, beta1, beta2, eps, wd;
  bool decoupled;
};

template <typename T>
__global__ void adam_kernel(int64_t n, T* __restrict__ param, const T* __restrict__ grad, T* __restrict__ m,
                            T* __restrict__ v, AdamConsts h, int64_t step, const int64_t* step_dev) {
  // Thread 0 of each block computes the bias corrections in double (pow is costly; one per block,
  // shared). Every scalar is formed in double and rounded once to T, exactly as the CPU twin and
  // PyTorch do (1 - float(0.999) would be off by 1.3e-5 relative).
  __shared__ T sh_step_size, sh_bc2_sqrt;
  if (threadIdx.x == 0) {
    const double t = static_cast<double>(step_dev ? *step_dev : step);
    const double bc1 = 1.0 - pow(h.beta1, t);
    sh_bc2_sqrt = static_cast<T>(sqrt(1.0 - pow(h.beta2, t)));
    sh_step_size = static_cast<T>(h.lr / bc1);
  }
  __syncthreads();
  const T step_size = sh_step_size, bc2_sqrt = sh_bc2_sqrt;
  const T b1 = static_cast<T>(h.beta1), b2 = static_cast<T>(h.beta2), eps = static_cast<T>(h.eps);
  const T one_minus_b1 = static_cast<T>(1.0 - h.beta1), one_minus_b2 = static_cast<T>(1.0 - h.beta2);
  const T wd = static_cast<T>(h.wd), decay = static_cast<T>(1.0 - h.lr * h.wd);
  for (int64_t i = global_tid(); i < n; i += grid_stride()) {
    T p = param[i], g = grad[i];
    if (h.decoupled) p *= decay;
    else if (wd != T(0)) g += wd * p;
    const T mi = b1 * m[i] + one_minus_b1 * g;
    const T vi = b2 * v[i] + one_minus_b2 * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - step_size * mi / (dev_sqrt(vi) / bc2_sqrt + eps);
  }
}

template <typename T>
__global__ void sgd_kernel(int64_t n, T* __restrict__ param, const T* __restrict__ grad, T* __restrict__ buf, T lr,
                           T mu, T wd, bool nesterov, bool first) {
  for (int64_t i = global_tid(); i < n; i += grid_stride()) {
    T g = grad[i] + wd * param[i];
    if (mu != T(0)) {
      const T bi = first ? g : mu * buf[i] + g;
      buf[i] = bi;
      g = nesterov ? g + mu * bi : bi;
    }
    param[i] -= lr * g;
  }
}

__global__ void count_step_kernel(int64_t* step) { ++*step; }

template <typename T>
void adam_impl(int64_t n, T* param, const T* grad, T* m, T* v, const AdamHyper& h, int64_t step,
               const int64_t* step_dev, cudaStream_t s) {
  if (n <= 0) return;
  const AdamConsts c{h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, h.decoupled};
  adam_kernel<T><<<grid_for(n), kBlock, 0, s>>>(n, param, grad, m, v, c, step, step_dev);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void sgd_impl(int64_t n, T* param, const T* grad, T* buf, const SgdHyper& h, int64_t step, cudaStream_t s) {
  if (n <= 0) return;
  sgd_kernel<T><<<grid_for(n), kBlock, 0, s>>>(n, param, grad, buf, static_cast<T>(h.lr), static_cast<T>(h.momentum),
                                               static_cast<T>(h.weight_decay), h.nesterov, step <= 1);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

}  // namespace

void adam_count_step_cuda(int64_t* step_dev, cudaStream_t s) {
  count_step_kernel<<<1, 1, 0, s>>>(step_dev);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

void adam_step_cuda(int64_t n, float* param, const float* grad, float* m, float* v, const AdamHyper& h, int64_t step,
                    const int64_t* step_dev, cudaStream_t s) {
  adam_impl(n, param, grad, m, v, h, step, step_dev, s);
}
void adam_step_cuda(int64_t n, double* param, const double* grad, double* m, double* v, const AdamHyper& h,
                    int64_t step, const int64_t* step_dev, cudaStream_t s) {
  adam_impl(n, param, grad, m, v, h, step, step_dev, s);
}
void sgd_step_cuda(int64_t n, float* param, const float* grad, float* buf, const SgdHyper& h, int64_t step,
                   cudaStream_t s) {
  sgd_impl(n, param, grad, buf, h, step, s);
}
void sgd_step_cuda(int64_t n, double* param, const double* grad, double* buf, const SgdHyper& h, int64_t step,
                   cudaStream_t s) {
  sgd_impl(n, param, grad, buf, h, step, s);
}

}  // namespace gripcu::kernels
