// CUDA twin of kernels/conv1d.h through cuDNN: the 1-D convolution is a 2-D one over [n, c, 1, l]
// with a [cout, cin, 1, k] filter, padding (0, pad), stride (1, stride), cross-correlation.
// Deterministic algorithms only (forward IMPLICIT_GEMM, backward-data ALGO_1, backward-filter
// ALGO_1); the caller provides the workspace (conv1d_workspace_bytes_cuda).
#include <cudnn.h>

#include <map>
#include <mutex>

#include "engine/error.h"
#include "kernels/conv1d.h"
#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {

constexpr cudnnConvolutionFwdAlgo_t kFwdAlgo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
constexpr cudnnConvolutionBwdDataAlgo_t kBwdDataAlgo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
constexpr cudnnConvolutionBwdFilterAlgo_t kBwdFilterAlgo = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1;

cudnnHandle_t cudnn_handle() {
  static std::mutex mu;
  static std::map<int, cudnnHandle_t> handles;  // never destroyed (teardown order at exit)
  int dev = 0;
  GRIPCU_CUDA_CHECK(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  auto it = handles.find(dev);
  if (it != handles.end()) return it->second;
  cudnnHandle_t h = nullptr;
  GRIPCU_CUDNN_CHECK(cudnnCreate(&h));
  handles[dev] = h;
  return h;
}

// The descriptors of one call (destroyed on scope exit, also when a call throws).
struct Descs {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, b = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnDataType_t dt;
  Descs(const Conv1dShape& s, bool is_double) : dt(is_double ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT) {
    GRIPCU_CHECK(s.n > 0 && s.cin > 0 && s.cout > 0 && s.k > 0 && s.stride > 0 && s.pad >= 0 && s.l + 2 * s.pad >= s.k,
                 "conv1d (CUDA): bad shape n=", s.n, " cin=", s.cin, " l=", s.l, " cout=", s.cout, " k=", s.k);
    GRIPCU_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    GRIPCU_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    GRIPCU_CUDNN_CHECK(cudnnCreateTensorDescriptor(&b));
    GRIPCU_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    GRIPCU_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    const int n = static_cast<int>(s.n), ci = static_cast<int>(s.cin), co = static_cast<int>(s.cout);
    GRIPCU_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, dt, n, ci, 1, static_cast<int>(s.l)));
    GRIPCU_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, dt, n, co, 1, static_cast<int>(s.lout())));
    GRIPCU_CUDNN_CHECK(cudnnSetTensor4dDescriptor(b, CUDNN_TENSOR_NCHW, dt, 1, co, 1, 1));
    GRIPCU_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, dt, CUDNN_TENSOR_NCHW, co, ci, 1, static_cast<int>(s.k)));
    GRIPCU_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, 0, static_cast<int>(s.pad), 1, static_cast<int>(s.stride), 1, 1,
                                                       CUDNN_CROSS_CORRELATION, dt));
    GRIPCU_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_DEFAULT_MATH));  // no TF32 (numerics contract)
  }
  ~Descs() {
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (b) cudnnDestroyTensorDescriptor(b);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (x) cudnnDestroyTensorDescriptor(x);
  }
  Descs(const Descs&) = delete;
  Descs& operator=(const Descs&) = delete;
};

template <typename T>
void forward_impl(const Conv1dShape& s, const T* x, const T* w, const T* b, T* y, void* work, size_t work_bytes,
                  cudaStream_t stream) {
  if (s.n == 0) return;
  Descs d(s, sizeof(T) == 8);
  cudnnHandle_t h = cudnn_handle();
  GRIPCU_CUDNN_CHECK(cudnnSetStream(h, stream));
  const T one = 1, zero = 0;
  GRIPCU_CUDNN_CHECK(cudnnConvolutionForward(h, &one, d.x, x, d.w, w, d.conv, kFwdAlgo, work, work_bytes, &zero, d.y, y));
  if (b) GRIPCU_CUDNN_CHECK(cudnnAddTensor(h, &one, d.b, b, &one, d.y, y));
}

template <typename T>
void backward_impl(const Conv1dShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw, T* db, bool accumulate,
                   void* work, size_t work_bytes, cudaStream_t stream) {
  if (s.n == 0) return;
  Descs d(s, sizeof(T) == 8);
  cudnnHandle_t h = cudnn_handle();
  GRIPCU_CUDNN_CHECK(cudnnSetStream(h, stream));
  const T one = 1, beta = accumulate ? T(1) : T(0);
  if (db) GRIPCU_CUDNN_CHECK(cudnnConvolutionBackwardBias(h, &one, d.y, dy, &beta, d.b, db));
  if (dw)
    GRIPCU_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &one, d.x, x, d.y, dy, d.conv, kBwdFilterAlgo, work, work_bytes,
                                                      &beta, d.w, dw));
  if (dx)
    GRIPCU_CUDNN_CHECK(cudnnConvolutionBackwardData(h, &one, d.w, w, d.y, dy, d.conv, kBwdDataAlgo, work, work_bytes,
                                                    &beta, d.x, dx));
}

}  // namespace

size_t conv1d_workspace_bytes_cuda(const Conv1dShape& s, bool is_double) {
  if (s.n == 0) return 0;
  Descs d(s, is_double);
  cudnnHandle_t h = cudnn_handle();
  size_t a = 0, b = 0, c = 0;
  GRIPCU_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, kFwdAlgo, &a));
  GRIPCU_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w, d.y, d.conv, d.x, kBwdDataAlgo, &b));
  GRIPCU_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x, d.y, d.conv, d.w, kBwdFilterAlgo, &c));
  size_t m = a > b ? a : b;
  return m > c ? m : c;
}

void conv1d_forward_cuda(const Conv1dShape& s, const float* x, const float* w, const float* b, float* y, void* work,
                         size_t work_bytes, cudaStream_t stream) {
  forward_impl(s, x, w, b, y, work, work_bytes, stream);
}
void conv1d_forward_cuda(const Conv1dShape& s, const double* x, const double* w, const double* b, double* y,
                         void* work, size_t work_bytes, cudaStream_t stream) {
  forward_impl(s, x, w, b, y, work, work_bytes, stream);
}
void conv1d_backward_cuda(const Conv1dShape& s, const float* x, const float* w, const float* dy, float* dx, float* dw,
                          float* db, bool accumulate, void* work, size_t work_bytes, cudaStream_t stream) {
  backward_impl(s, x, w, dy, dx, dw, db, accumulate, work, work_bytes, stream);
}
void conv1d_backward_cuda(const Conv1dShape& s, const double* x, const double* w, const double* dy, double* dx,
                          double* dw, double* db, bool accumulate, void* work, size_t work_bytes, cudaStream_t stream) {
  backward_impl(s, x, w, dy, dx, dw, db, accumulate, work, work_bytes, stream);
}

}  // namespace gripcu::kernels
