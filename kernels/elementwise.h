#pragma once
// Elementwise arithmetic and activations over n contiguous values.
// Backward functions take `accumulate`: false writes dx, true adds into dx (gradient accumulation
// without a second pass). Activation backward gets both x and y = f(x), using whichever is cheaper:
//   relu:       dx = dy * (x > 0)
//   leaky_relu: dx = dy * (x > 0 ? 1 : slope)
//   sigmoid:    dx = dy * y * (1 - y)
//   tanh:       dx = dy * (1 - y^2)
//   identity:   dx = dy
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

enum class Act { identity, relu, leaky_relu, sigmoid, tanh };
const char* act_name(Act a);

// out = alpha * a + beta * b   (add: 1,1; sub: 1,-1). `out` may alias a or b.
template <typename T> void axpby_cpu(int64_t n, T alpha, const T* a, T beta, const T* b, T* out);
// out = a * b (elementwise); `out` may alias.
template <typename T> void mul_cpu(int64_t n, const T* a, const T* b, T* out);
// out = s * a (+ out if accumulate)
template <typename T> void scale_cpu(int64_t n, T s, const T* a, T* out, bool accumulate);
// out[r, c] = x[r, c] + v[c]
template <typename T> void add_rowvec_cpu(int64_t rows, int64_t cols, const T* x, const T* v, T* out);
template <typename T> void fill_cpu(int64_t n, T value, T* out);
template <typename T> void act_forward_cpu(Act a, int64_t n, const T* x, T* y, T slope);
template <typename T>
void act_backward_cpu(Act a, int64_t n, const T* x, const T* y, const T* dy, T* dx, T slope, bool accumulate);
// mul backward: da (+)= dy * b, db (+)= dy * a; either output may be null.
template <typename T>
void mul_backward_cpu(int64_t n, const T* a, const T* b, const T* dy, T* da, T* db, bool accumulate);

void axpby_cuda(int64_t n, float alpha, const float* a, float beta, const float* b, float* out, cudaStream_t s);
void axpby_cuda(int64_t n, double alpha, const double* a, double beta, const double* b, double* out, cudaStream_t s);
void mul_cuda(int64_t n, const float* a, const float* b, float* out, cudaStream_t s);
void mul_cuda(int64_t n, const double* a, const double* b, double* out, cudaStream_t s);
void scale_cuda(int64_t n, float s_, const float* a, float* out, bool accumulate, cudaStream_t s);
void scale_cuda(int64_t n, double s_, const double* a, double* out, bool accumulate, cudaStream_t s);
void add_rowvec_cuda(int64_t rows, int64_t cols, const float* x, const float* v, float* out, cudaStream_t s);
void add_rowvec_cuda(int64_t rows, int64_t cols, const double* x, const double* v, double* out, cudaStream_t s);
void fill_cuda(int64_t n, float value, float* out, cudaStream_t s);
void fill_cuda(int64_t n, double value, double* out, cudaStream_t s);
void act_forward_cuda(Act a, int64_t n, const float* x, float* y, float slope, cudaStream_t s);
void act_forward_cuda(Act a, int64_t n, const double* x, double* y, double slope, cudaStream_t s);
void act_backward_cuda(Act a, int64_t n, const float* x, const float* y, const float* dy, float* dx, float slope,
                       bool accumulate, cudaStream_t s);
void act_backward_cuda(Act a, int64_t n, const double* x, const double* y, const double* dy, double* dx,
                       double slope, bool accumulate, cudaStream_t s);
void mul_backward_cuda(int64_t n, const float* a, const float* b, const float* dy, float* da, float* db,
                       bool accumulate, cudaStream_t s);
void mul_backward_cuda(int64_t n, const double* a, const double* b, const double* dy, double* da, double* db,
                       bool accumulate, cudaStream_t s);

}  // namespace gripcu::kernels
