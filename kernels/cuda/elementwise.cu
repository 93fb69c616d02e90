// CUDA twin of kernels/elementwise.h: one grid-stride map per op (memory-bound; each element is
// read and written once). Functors keep the kernels generic without extended lambdas.
#include "kernels/elementwise.h"

#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

template <typename T>
struct Axpby {
  T alpha, beta;
  const T *a, *b;
  T* out;
  __device__ void operator()(int64_t i) const { out[i] = alpha * a[i] + beta * b[i]; }
};
template <typename T>
struct Mul {
  const T *a, *b;
  T* out;
  __device__ void operator()(int64_t i) const { out[i] = a[i] * b[i]; }
};
template <typename T, bool ACC>
struct Scale {
  T s;
  const T* a;
  T* out;
  __device__ void operator()(int64_t i) const { out[i] = ACC ? out[i] + s * a[i] : s * a[i]; }
};
template <typename T>
struct AddRowvec {
  int64_t cols;
  const T *x, *v;
  T* out;
  __device__ void operator()(int64_t i) const { out[i] = x[i] + v[i % cols]; }
};
template <typename T>
struct Fill {
  T value;
  T* out;
  __device__ void operator()(int64_t i) const { out[i] = value; }
};

template <typename T, Act A>
__device__ __forceinline__ T act_fwd(T x, T slope) {
  if constexpr (A == Act::identity) return x;
  else if constexpr (A == Act::relu) return x > T(0) ? x : T(0);
  else if constexpr (A == Act::leaky_relu) return x > T(0) ? x : slope * x;
  else if constexpr (A == Act::sigmoid) return dev_sigmoid(x);
  else return dev_tanh(x);
}
template <typename T, Act A>
__device__ __forceinline__ T act_bwd(T x, T y, T dy, T slope) {
  if constexpr (A == Act::identity) return dy;
  else if constexpr (A == Act::relu) return x > T(0) ? dy : T(0);
  else if constexpr (A == Act::leaky_relu) return x > T(0) ? dy : slope * dy;
  else if constexpr (A == Act::sigmoid) return dy * y * (T(1) - y);
  else return dy * (T(1) - y * y);
}
template <typename T, Act A>
struct ActForward {
  const T* x;
  T* y;
  T slope;
  __device__ void operator()(int64_t i) const { y[i] = act_fwd<T, A>(x[i], slope); }
};
template <typename T, Act A, bool ACC>
struct ActBackward {
  const T *x, *y, *dy;
  T* dx;
  T slope;
  // x or y may be null when the activation does not read it (e.g. relu needs only x).
  __device__ void operator()(int64_t i) const {
    const T xi = (A == Act::relu || A == Act::leaky_relu) ? x[i] : T(0);
    const T yi = (A == Act::sigmoid || A == Act::tanh) ? y[i] : T(0);
    const T g = act_bwd<T, A>(xi, yi, dy[i], slope);
    dx[i] = ACC ? dx[i] + g : g;
  }
};
template <typename T, bool ACC>
struct MulBackward {
  const T *a, *b, *dy;
  T *da, *db;
  __device__ void operator()(int64_t i) const {
    const T g = dy[i];
    if (da) da[i] = ACC ? da[i] + g * b[i] : g * b[i];
    if (db) db[i] = ACC ? db[i] + g * a[i] : g * a[i];
  }
};

template <typename T>
void act_forward_impl(Act a, int64_t n, const T* x, T* y, T slope, cudaStream_t s) {
  switch (a) {
    case Act::identity: launch_map(n, ActForward<T, Act::identity>{x, y, slope}, s); break;
    case Act::relu: launch_map(n, ActForward<T, Act::relu>{x, y, slope}, s); break;
    case Act::leaky_relu: launch_map(n, ActForward<T, Act::leaky_relu>{x, y, slope}, s); break;
    case Act::sigmoid: launch_map(n, ActForward<T, Act::sigmoid>{x, y, slope}, s); break;
    case Act::tanh: launch_map(n, ActForward<T, Act::tanh>{x, y, slope}, s); break;
  }
}

template <typename T, bool ACC>
void act_backward_acc(Act a, int64_t n, const T* x, const T* y, const T* dy, T* dx, T slope, cudaStream_t s) {
  switch (a) {
    case Act::identity: launch_map(n, ActBackward<T, Act::identity, ACC>{x, y, dy, dx, slope}, s); break;
    case Act::relu: launch_map(n, ActBackward<T, Act::relu, ACC>{x, y, dy, dx, slope}, s); break;
    case Act::leaky_relu: launch_map(n, ActBackward<T, Act::leaky_relu, ACC>{x, y, dy, dx, slope}, s); break;
    case Act::sigmoid: launch_map(n, ActBackward<T, Act::sigmoid, ACC>{x, y, dy, dx, slope}, s); break;
    case Act::tanh: launch_map(n, ActBackward<T, Act::tanh, ACC>{x, y, dy, dx, slope}, s); break;
  }
}

template <typename T>
void scale_impl(int64_t n, T sc, const T* a, T* out, bool accumulate, cudaStream_t s) {
  if (accumulate) launch_map(n, Scale<T, true>{sc, a, out}, s);
  else launch_map(n, Scale<T, false>{sc, a, out}, s);
}
template <typename T>
void add_rowvec_impl(int64_t rows, int64_t cols, const T* x, const T* v, T* out, cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return;
  launch_map(rows * cols, AddRowvec<T>{cols, x, v, out}, s);
}
template <typename T>
void mul_backward_impl(int64_t n, const T* a, const T* b, const T* dy, T* da, T* db, bool accumulate,
                       cudaStream_t s) {
  if (!da && !db) return;
  if (accumulate) launch_map(n, MulBackward<T, true>{a, b, dy, da, db}, s);
  else launch_map(n, MulBackward<T, false>{a, b, dy, da, db}, s);
}

}  // namespace

void axpby_cuda(int64_t n, float alpha, const float* a, float beta, const float* b, float* out, cudaStream_t s) {
  launch_map(n, Axpby<float>{alpha, beta, a, b, out}, s);
}
void axpby_cuda(int64_t n, double alpha, const double* a, double beta, const double* b, double* out, cudaStream_t s) {
  launch_map(n, Axpby<double>{alpha, beta, a, b, out}, s);
}
void mul_cuda(int64_t n, const float* a, const float* b, float* out, cudaStream_t s) {
  launch_map(n, Mul<float>{a, b, out}, s);
}
void mul_cuda(int64_t n, const double* a, const double* b, double* out, cudaStream_t s) {
  launch_map(n, Mul<double>{a, b, out}, s);
}
void scale_cuda(int64_t n, float s_, const float* a, float* out, bool accumulate, cudaStream_t s) {
  scale_impl(n, s_, a, out, accumulate, s);
}
void scale_cuda(int64_t n, double s_, const double* a, double* out, bool accumulate, cudaStream_t s) {
  scale_impl(n, s_, a, out, accumulate, s);
}
void add_rowvec_cuda(int64_t rows, int64_t cols, const float* x, const float* v, float* out, cudaStream_t s) {
  add_rowvec_impl(rows, cols, x, v, out, s);
}
void add_rowvec_cuda(int64_t rows, int64_t cols, const double* x, const double* v, double* out, cudaStream_t s) {
  add_rowvec_impl(rows, cols, x, v, out, s);
}
void fill_cuda(int64_t n, float value, float* out, cudaStream_t s) { launch_map(n, Fill<float>{value, out}, s); }
void fill_cuda(int64_t n, double value, double* out, cudaStream_t s) { launch_map(n, Fill<double>{value, out}, s); }
void act_forward_cuda(Act a, int64_t n, const float* x, float* y, float slope, cudaStream_t s) {
  act_forward_impl(a, n, x, y, slope, s);
}
void act_forward_cuda(Act a, int64_t n, const double* x, double* y, double slope, cudaStream_t s) {
  act_forward_impl(a, n, x, y, slope, s);
}
void act_backward_cuda(Act a, int64_t n, const float* x, const float* y, const float* dy, float* dx, float slope,
                       bool accumulate, cudaStream_t s) {
  if (accumulate) act_backward_acc<float, true>(a, n, x, y, dy, dx, slope, s);
  else act_backward_acc<float, false>(a, n, x, y, dy, dx, slope, s);
}
void act_backward_cuda(Act a, int64_t n, const double* x, const double* y, const double* dy, double* dx,
                       double slope, bool accumulate, cudaStream_t s) {
  if (accumulate) act_backward_acc<double, true>(a, n, x, y, dy, dx, slope, s);
  else act_backward_acc<double, false>(a, n, x, y, dy, dx, slope, s);
}
void mul_backward_cuda(int64_t n, const float* a, const float* b, const float* dy, float* da, float* db,
                       bool accumulate, cudaStream_t s) {
  mul_backward_impl(n, a, b, dy, da, db, accumulate, s);
}
void mul_backward_cuda(int64_t n, const double* a, const double* b, const double* dy, double* da, double* db,
                       bool accumulate, cudaStream_t s) {
  mul_backward_impl(n, a, b, dy, da, db, accumulate, s);
}

}  // namespace gripcu::kernels
