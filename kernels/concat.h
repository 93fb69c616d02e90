#pragma once
// Concatenation and split along features are strided block copies: copy `width` columns of each of
// `rows` rows from src (row stride src_ld) to dst (row stride dst_ld), adding into dst if
// accumulate. Concat = one call per part at its column offset; split backward = the same with
// accumulate, the roles of src and dst swapped.
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

// One part of a concatenation along columns: `width` columns per row, rows src_ld apart.
template <typename T>
struct ColPart {
  const T* src;
  int64_t width, src_ld;
};

template <typename T>
void copy_cols_cpu(int64_t rows, int64_t width, const T* src, int64_t src_ld, T* dst, int64_t dst_ld, bool accumulate);

void copy_cols_cuda(int64_t rows, int64_t width, const float* src, int64_t src_ld, float* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s);
void copy_cols_cuda(int64_t rows, int64_t width, const double* src, int64_t src_ld, double* dst, int64_t dst_ld,
                    bool accumulate, cudaStream_t s);

// All parts side by side into dst (row stride dst_ld), part i at the column offset of the widths
// before it. The CPU version copies every part of a row block in one parallel pass (a 64-row
// concatenation of 128-column parts is too small to split per part, not as a whole); the CUDA
// version is a copy_cols per part.
template <typename T>
void concat_cols_cpu(int64_t rows, int count, const ColPart<T>* parts, T* dst, int64_t dst_ld);

void concat_cols_cuda(int64_t rows, int count, const ColPart<float>* parts, float* dst, int64_t dst_ld, cudaStream_t s);
void concat_cols_cuda(int64_t rows, int count, const ColPart<double>* parts, double* dst, int64_t dst_ld,
                      cudaStream_t s);

}  // namespace gripcu::kernels
