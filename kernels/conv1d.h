#pragma once
// 1-D convolution (cross-correlation, as torch.nn.Conv1d), forward and backward.
//   x [n, cin, l], w [cout, cin, k], b [cout] (optional), stride s >= 1, zero padding p >= 0
//   lout = (l + 2p - k) / s + 1
//   y[i, o, t] = b[o] + sum_{c, j} w[o, c, j] * x[i, c, t*s - p + j]   (out-of-range x are 0)
// Backward: dx[i, c, u] (+)= sum over (o, t, j) with t*s - p + j = u of w[o, c, j] dy[i, o, t]
//           dw[o, c, j] (+)= sum_{i, t} dy[i, o, t] x[i, c, t*s - p + j];  db[o] (+)= sum_{i, t} dy[i, o, t]
// `accumulate` adds into dx / dw / db instead of writing them; any of them may be null.
// CPU: im2col of the whole batch + one GEMM each for y, dw and dx (kernels/gemm.h, fixed tiling:
// the bits do not depend on the thread count); db summed per sample in sample order.
// CUDA: cuDNN (a [n, c, 1, l] NCHW tensor and a [cout, cin, 1, k] filter) with deterministic
// algorithms: forward IMPLICIT_GEMM, backward-data ALGO_1, backward-filter ALGO_1; bias by
// cudnnAddTensor / cudnnConvolutionBackwardBias. The caller allocates the workspace the
// *_workspace_bytes query asks for (CPU: the batch's im2col rows and a
// channel-major copy of y / dy; CUDA: cuDNN's workspace).
#include <cstddef>
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

struct Conv1dShape {
  int64_t n = 0, cin = 0, l = 0, cout = 0, k = 0, stride = 1, pad = 0;
  int64_t lout() const { return (l + 2 * pad - k) / stride + 1; }
};

// Elements of T the CPU path needs as workspace (one im2col buffer per worker thread).
size_t conv1d_workspace_elems_cpu(const Conv1dShape& s);
template <typename T>
void conv1d_forward_cpu(const Conv1dShape& s, const T* x, const T* w, const T* b, T* y, T* work);
template <typename T>
void conv1d_backward_cpu(const Conv1dShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw, T* db,
                         bool accumulate, T* work);

// Bytes of device workspace cuDNN needs for forward and both backward passes (the maximum).
size_t conv1d_workspace_bytes_cuda(const Conv1dShape& s, bool is_double);
void conv1d_forward_cuda(const Conv1dShape& s, const float* x, const float* w, const float* b, float* y, void* work,
                         size_t work_bytes, cudaStream_t stream);
void conv1d_forward_cuda(const Conv1dShape& s, const double* x, const double* w, const double* b, double* y,
                         void* work, size_t work_bytes, cudaStream_t stream);
void conv1d_backward_cuda(const Conv1dShape& s, const float* x, const float* w, const float* dy, float* dx, float* dw,
                          float* db, bool accumulate, void* work, size_t work_bytes, cudaStream_t stream);
void conv1d_backward_cuda(const Conv1dShape& s, const double* x, const double* w, const double* dy, double* dx,
                          double* dw, double* db, bool accumulate, void* work, size_t work_bytes, cudaStream_t stream);

}  // namespace gripcu::kernels
