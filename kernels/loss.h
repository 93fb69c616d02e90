#pragma once
// Losses, mean-reduced to one value written to device memory (`loss`, 1 element), so a training
// step needs no host round trip. Backward functions take the upstream gradient as a pointer to
// that one value (`dloss`, on the same device) and write (or add into, with accumulate) dpred.
//   mse:              L = (1/n) sum (p - t)^2                    dp = dloss * 2 (p - t) / n
//   bce_with_logits:  L = (1/n) sum max(z,0) - z t + log1p(exp(-|z|))   dz = dloss * (sigmoid(z) - t) / n
//   softmax_xent:     L = (1/rows) sum_r [logsumexp(z_r) - z_r[label_r]]
//                     dz = dloss * (softmax(z_r) - onehot(label_r)) / rows
// Labels out of [0, classes) are an error (CPU: gripcu::Error; CUDA: the loss becomes NaN).
// Sums are pairwise in a fixed order (deterministic).
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T> void mse_forward_cpu(int64_t n, const T* p, const T* t, T* loss);
template <typename T> void mse_backward_cpu(int64_t n, const T* p, const T* t, const T* dloss, T* dp, bool accumulate);
template <typename T> void bce_logits_forward_cpu(int64_t n, const T* z, const T* t, T* loss);
template <typename T>
void bce_logits_backward_cpu(int64_t n, const T* z, const T* t, const T* dloss, T* dz, bool accumulate);
template <typename T>
void softmax_xent_forward_cpu(int64_t rows, int64_t classes, const T* z, const int64_t* labels, T* loss);
template <typename T>
void softmax_xent_backward_cpu(int64_t rows, int64_t classes, const T* z, const int64_t* labels, const T* dloss, T* dz,
                               bool accumulate);

void mse_forward_cuda(int64_t n, const float* p, const float* t, float* loss, cudaStream_t s);
void mse_forward_cuda(int64_t n, const double* p, const double* t, double* loss, cudaStream_t s);
void mse_backward_cuda(int64_t n, const float* p, const float* t, const float* dloss, float* dp, bool accumulate,
                       cudaStream_t s);
void mse_backward_cuda(int64_t n, const double* p, const double* t, const double* dloss, double* dp, bool accumulate,
                       cudaStream_t s);
void bce_logits_forward_cuda(int64_t n, const float* z, const float* t, float* loss, cudaStream_t s);
void bce_logits_forward_cuda(int64_t n, const double* z, const double* t, double* loss, cudaStream_t s);
void bce_logits_backward_cuda(int64_t n, const float* z, const float* t, const float* dloss, float* dz,
                              bool accumulate, cudaStream_t s);
void bce_logits_backward_cuda(int64_t n, const double* z, const double* t, const double* dloss, double* dz,
                              bool accumulate, cudaStream_t s);
void softmax_xent_forward_cuda(int64_t rows, int64_t classes, const float* z, const int64_t* labels, float* loss,
                               cudaStream_t s);
void softmax_xent_forward_cuda(int64_t rows, int64_t classes, const double* z, const int64_t* labels, double* loss,
                               cudaStream_t s);
void softmax_xent_backward_cuda(int64_t rows, int64_t classes, const float* z, const int64_t* labels,
                                const float* dloss, float* dz, bool accumulate, cudaStream_t s);
void softmax_xent_backward_cuda(int64_t rows, int64_t classes, const double* z, const int64_t* labels,
                                const double* dloss, double* dz, bool accumulate, cudaStream_t s);

}  // namespace gripcu::kernels
