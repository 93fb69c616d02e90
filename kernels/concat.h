#pragma once
// Concatenation and split along features are strided block copies: copy `width` columns of each of
// `rows` rows from src (row stride src_ld) to dst (row stride dst_ld), adding into dst if
// accumulate. Concat = one call per part at its column offset; split backward = the same with
// accumulate, the roles of src and dst swapped.
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T>
void copy_cols_cpu(int64_t rows, int64_t width, const T* src, int64_t src_ld, T* dst, int64_t dst_ld, bool accumulate);

void copy_cols_cuda(int64_t rows, int64_t width, const float* src, int64_t src_ld, float* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s);
void copy_cols_cuda(int64_t rows, int64_t width, const double* src, int64_t src_ld, double* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s);

}  // namespace gripcu::kernels
