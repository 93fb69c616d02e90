#pragma once
// Layer normalization over the last dimension (torch.nn.LayerNorm, biased variance):
//   x, y [rows, d]; g, b [d]; mean, rstd [rows] (written by forward, read by backward)
//   xhat = (x - mean) rstd, rstd = 1 / sqrt(var + eps);  y = xhat g + b
// Backward: dx = rstd (dy g - mean_j(dy g) - xhat mean_j(dy g xhat));
//           dg = sum_rows dy xhat;  db = sum_rows dy  (rows summed in order: deterministic)
// acc_x / acc_g / acc_b add into dx / dg / db; a null output is skipped.
// Statistics in the working type T, two passes (mean, then the centred sum of squares).
// CPU: rows in parallel for y and dx, dg / db column sums row by row. CUDA: one warp per row (fixed
// shuffle trees), dg / db one thread per column walking the rows in order.
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T>
void layernorm_forward_cpu(int64_t rows, int64_t d, T eps, const T* x, const T* g, const T* b, T* y, T* mean, T* rstd);
template <typename T>
void layernorm_backward_cpu(int64_t rows, int64_t d, const T* x, const T* g, const T* mean, const T* rstd, const T* dy,
                            T* dx, T* dg, T* db, bool acc_x, bool acc_g, bool acc_b);

void layernorm_forward_cuda(int64_t rows, int64_t d, float eps, const float* x, const float* g, const float* b,
                            float* y, float* mean, float* rstd, cudaStream_t s);
void layernorm_forward_cuda(int64_t rows, int64_t d, double eps, const double* x, const double* g, const double* b,
                            double* y, double* mean, double* rstd, cudaStream_t s);
void layernorm_backward_cuda(int64_t rows, int64_t d, const float* x, const float* g, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dg, float* db, bool acc_x,
                             bool acc_g, bool acc_b, cudaStream_t s);
void layernorm_backward_cuda(int64_t rows, int64_t d, const double* x, const double* g, const double* mean,
                             const double* rstd, const double* dy, double* dx, double* dg, double* db, bool acc_x,
                             bool acc_g, bool acc_b, cudaStream_t s);

}  // namespace gripcu::kernels
