#pragma once
// Feature-wise linear modulation, fused (one pass forward, one pass backward):
//   y = h * (1 + gamma) + beta            h, gamma, beta, y: [rows, cols]
//   dh (+)= dy * (1 + gamma);  dgamma (+)= dy * h;  dbeta (+)= dy
// Any of dh, dgamma, dbeta may be null (not needed).
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T> void film_forward_cpu(int64_t n, const T* h, const T* gamma, const T* beta, T* y);
template <typename T>
void film_backward_cpu(int64_t n, const T* h, const T* gamma, const T* dy, T* dh, T* dgamma, T* dbeta, bool accumulate);

void film_forward_cuda(int64_t n, const float* h, const float* gamma, const float* beta, float* y, cudaStream_t s);
void film_forward_cuda(int64_t n, const double* h, const double* gamma, const double* beta, double* y, cudaStream_t s);
void film_backward_cuda(int64_t n, const float* h, const float* gamma, const float* dy, float* dh, float* dgamma,
                        float* dbeta, bool accumulate, cudaStream_t s);
void film_backward_cuda(int64_t n, const double* h, const double* gamma, const double* dy, double* dh, double* dgamma,
                        double* dbeta, bool accumulate, cudaStream_t s);

}  // namespace gripcu::kernels
