#pragma once
// Fused Adam / AdamW over one parameter slab (all parameters of a model in one launch), PyTorch's
// formulation (torch.optim.Adam / AdamW, foreach=False):
//   Adam  (L2):       g = grad + wd * p
//   AdamW (decoupled): p = p * (1 - lr * wd),  g = grad
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// The step t is `step`, or *step_dev when step_dev is non-null (device memory for the CUDA twin),
// so a captured CUDA graph can replay updates with a device-side counter.
// SGD with momentum (PyTorch's, dampening 0): g = grad + wd p; buf = mu buf + g (buf = g at t=1);
// p -= lr * (nesterov ? g + mu buf : buf).
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool decoupled = false;  // true: AdamW
};

template <typename T>
void adam_step_cpu(int64_t n, T* param, const T* grad, T* m, T* v, const AdamHyper& h, int64_t step,
                   const int64_t* step_dev = nullptr);
void adam_step_cuda(int64_t n, float* param, const float* grad, float* m, float* v, const AdamHyper& h, int64_t step,
                    const int64_t* step_dev, cudaStream_t s);
void adam_step_cuda(int64_t n, double* param, const double* grad, double* m, double* v, const AdamHyper& h,
                    int64_t step, const int64_t* step_dev, cudaStream_t s);

// Adds one to a step counter in place (*step += 1): with step_dev above, a captured graph counts
// its own Adam steps.
void adam_count_step_cpu(int64_t* step);
void adam_count_step_cuda(int64_t* step_dev, cudaStream_t s);

struct SgdHyper {
  double lr = 1e-2, momentum = 0.0, weight_decay = 0.0;
  bool nesterov = false;
};
template <typename T>
void sgd_step_cpu(int64_t n, T* param, const T* grad, T* buf, const SgdHyper& h, int64_t step);
void sgd_step_cuda(int64_t n, float* param, const float* grad, float* buf, const SgdHyper& h, int64_t step,
                   cudaStream_t s);
void sgd_step_cuda(int64_t n, double* param, const double* grad, double* buf, const SgdHyper& h, int64_t step,
                   cudaStream_t s);

}  // namespace gripcu::kernels
