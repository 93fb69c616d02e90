#pragma once
// Deterministic reductions over a row-major [rows, cols] matrix (fixed summation order on every
// device: no atomics). Accumulation is in T; the CPU sums pairwise (blocks of 8, then a tree),
// the CUDA twin sums in a fixed tree, so the two agree to rounding, and each is bit-stable.
//   sum_rows: out[c] (+)= sum_r x[r, c]     (bias gradients)
//   sum_cols: out[r] (+)= sum_c x[r, c]
//   sum_all:  out[0] = scale * sum x
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T> void sum_rows_cpu(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate);
template <typename T> void sum_cols_cpu(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate);
template <typename T> void sum_all_cpu(int64_t n, const T* x, T scale, T* out);
// Pairwise sum of n values read with stride (a building block shared by the CPU kernels).
template <typename T> T pairwise_sum(const T* x, int64_t n, int64_t stride = 1);

void sum_rows_cuda(int64_t rows, int64_t cols, const float* x, float* out, bool accumulate, cudaStream_t s);
void sum_rows_cuda(int64_t rows, int64_t cols, const double* x, double* out, bool accumulate, cudaStream_t s);
void sum_cols_cuda(int64_t rows, int64_t cols, const float* x, float* out, bool accumulate, cudaStream_t s);
void sum_cols_cuda(int64_t rows, int64_t cols, const double* x, double* out, bool accumulate, cudaStream_t s);
void sum_all_cuda(int64_t n, const float* x, float scale, float* out, cudaStream_t s);
void sum_all_cuda(int64_t n, const double* x, double scale, double* out, cudaStream_t s);

}  // namespace gripcu::kernels
