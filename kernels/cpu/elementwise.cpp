#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/parallel.h"

namespace gripcu::kernels {

namespace {
constexpr int64_t kGrain = 1 << 15;
// f(i) for i in [0, n). f captures by value and each chunk runs a local copy of it: values read
// through a closure whose address escapes to OpenMP would be reloaded after every store (the
// compiler must assume the store may change them), which keeps the loop scalar.
template <typename F>
void each(int64_t n, const F& f) {
  parallel_for(n, kGrain, [&f](int64_t b, int64_t e) {
    const F g = f;
    for (int64_t i = b; i < e; ++i) g(i);
  });
}
}  // namespace

const char* act_name(Act a) {
  switch (a) {
    case Act::identity: return "identity";
    case Act::relu: return "relu";
    case Act::leaky_relu: return "leaky_relu";
    case Act::sigmoid: return "sigmoid";
    default: return "tanh";
  }
}

template <typename T> void axpby_cpu(int64_t n, T alpha, const T* a, T beta, const T* b, T* out) {
  each(n, [=](int64_t i) { out[i] = alpha * a[i] + beta * b[i]; });
}
template <typename T> void mul_cpu(int64_t n, const T* a, const T* b, T* out) {
  each(n, [=](int64_t i) { out[i] = a[i] * b[i]; });
}
template <typename T> void scale_cpu(int64_t n, T s, const T* a, T* out, bool accumulate) {
  if (accumulate) each(n, [=](int64_t i) { out[i] += s * a[i]; });
  else each(n, [=](int64_t i) { out[i] = s * a[i]; });
}
template <typename T> void add_rowvec_cpu(int64_t rows, int64_t cols, const T* x, const T* v, T* out) {
  // Row by row (no i % cols per element), rows grouped so a chunk is about kGrain elements.
  if (rows <= 0 || cols <= 0) return;
  const int64_t grain = std::max<int64_t>(1, kGrain / cols);
  parallel_for(rows, grain, [=](int64_t r0, int64_t r1) {
    const T* vv = v;
    const int64_t nc = cols;
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * nc;
      T* o = out + r * nc;
      for (int64_t c = 0; c < nc; ++c) o[c] = xr[c] + vv[c];
    }
  });
}
template <typename T> void fill_cpu(int64_t n, T value, T* out) {
  each(n, [=](int64_t i) { out[i] = value; });
}

template <typename T> static inline T sigmoid(T x) {
  // Stable on both tails.
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

template <typename T> void act_forward_cpu(Act a, int64_t n, const T* x, T* y, T slope) {
  switch (a) {
    case Act::identity: each(n, [=](int64_t i) { y[i] = x[i]; }); break;
    case Act::relu: each(n, [=](int64_t i) { y[i] = x[i] > T(0) ? x[i] : T(0); }); break;
    case Act::leaky_relu:
      // Both arms computed unconditionally: a select the compiler can vectorize (a conditional
      // multiply may trap, so it would stay a branch).
      each(n, [=](int64_t i) {
        const T v = x[i], s = slope * v;
        y[i] = v > T(0) ? v : s;
      });
      break;
    case Act::sigmoid: each(n, [=](int64_t i) { y[i] = sigmoid(x[i]); }); break;
    case Act::tanh: each(n, [=](int64_t i) { y[i] = std::tanh(x[i]); }); break;
  }
}

template <typename T>
void act_backward_cpu(Act a, int64_t n, const T* x, const T* y, const T* dy, T* dx, T slope, bool accumulate) {
  auto run = [&](auto grad) {
    if (accumulate) each(n, [=](int64_t i) { dx[i] += grad(i); });
    else each(n, [=](int64_t i) { dx[i] = grad(i); });
  };
  // relu / leaky_relu: every operand loaded and both arms computed unconditionally, then a select,
  // so the loops vectorize (a load or multiply under a condition keeps them scalar and branchy).
  switch (a) {
    case Act::identity: run([=](int64_t i) { return dy[i]; }); break;
    case Act::relu:
      run([=](int64_t i) {
        const T g = dy[i];
        return x[i] > T(0) ? g : T(0);
      });
      break;
    case Act::leaky_relu:
      run([=](int64_t i) {
        const T g = dy[i], s = slope * g;
        return x[i] > T(0) ? g : s;
      });
      break;
    case Act::sigmoid: run([=](int64_t i) { return dy[i] * y[i] * (T(1) - y[i]); }); break;
    case Act::tanh: run([=](int64_t i) { return dy[i] * (T(1) - y[i] * y[i]); }); break;
  }
}

template <typename T>
void mul_backward_cpu(int64_t n, const T* a, const T* b, const T* dy, T* da, T* db, bool accumulate) {
  if (da) {
    if (accumulate) each(n, [=](int64_t i) { da[i] += dy[i] * b[i]; });
    else each(n, [=](int64_t i) { da[i] = dy[i] * b[i]; });
  }
  if (db) {
    if (accumulate) each(n, [=](int64_t i) { db[i] += dy[i] * a[i]; });
    else each(n, [=](int64_t i) { db[i] = dy[i] * a[i]; });
  }
}

#define INST(T)                                                                                      \
  template void axpby_cpu<T>(int64_t, T, const T*, T, const T*, T*);                                 \
  template void mul_cpu<T>(int64_t, const T*, const T*, T*);                                          \
  template void scale_cpu<T>(int64_t, T, const T*, T*, bool);                                         \
  template void add_rowvec_cpu<T>(int64_t, int64_t, const T*, const T*, T*);                          \
  template void fill_cpu<T>(int64_t, T, T*);                                                          \
  template void act_forward_cpu<T>(Act, int64_t, const T*, T*, T);                                    \
  template void act_backward_cpu<T>(Act, int64_t, const T*, const T*, const T*, T*, T, bool);         \
  template void mul_backward_cpu<T>(int64_t, const T*, const T*, const T*, T*, T*, bool);
INST(float)
INST(double)
#undef INST

}  // namespace gripcu::kernels
