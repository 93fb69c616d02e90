#pragma once
// Gradient reversal (Ganin & Lempitsky): identity forward, dx (+)= -lambda * dy backward.
// lambda is read from device memory (`lambda`, 1 element) so a schedule lambda(p) can change
// between steps of a captured CUDA graph without re-capturing.
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T> void grl_forward_cpu(int64_t n, const T* x, T* y);
template <typename T> void grl_backward_cpu(int64_t n, const T* lambda, const T* dy, T* dx, bool accumulate);

void grl_forward_cuda(int64_t n, const float* x, float* y, cudaStream_t s);
void grl_forward_cuda(int64_t n, const double* x, double* y, cudaStream_t s);
void grl_backward_cuda(int64_t n, const float* lambda, const float* dy, float* dx, bool accumulate, cudaStream_t s);
void grl_backward_cuda(int64_t n, const double* lambda, const double* dy, double* dx, bool accumulate, cudaStream_t s);

}  // namespace gripcu::kernels
