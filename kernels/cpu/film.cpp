#include "kernels/film.h"

#include "engine/parallel.h"

namespace gripcu::kernels {

// The chunk lambdas copy their captures into locals first: values read through a closure whose
// address escapes to OpenMP would be reloaded after every store, which keeps a loop scalar.
template <typename T> void film_forward_cpu(int64_t n, const T* h, const T* gamma, const T* beta, T* y) {
  parallel_for(n, 1 << 15, [=](int64_t b, int64_t e) {
    const T *hh = h, *gg = gamma, *bb = beta;
    T* yy = y;
    for (int64_t i = b; i < e; ++i) yy[i] = hh[i] * (T(1) + gg[i]) + bb[i];
  });
}

template <typename T>
void film_backward_cpu(int64_t n, const T* h, const T* gamma, const T* dy, T* dh, T* dgamma, T* dbeta, bool accumulate) {
  // One output per inner loop, with the null and accumulate tests hoisted out of it, so every loop
  // is a plain vectorizable stream (a chunk of each array stays in L1 between the three loops).
  parallel_for(n, 1 << 15, [=](int64_t b, int64_t e) {
    const T *h_ = h, *gamma_ = gamma, *dy_ = dy;
    T *dh_ = dh, *dgamma_ = dgamma, *dbeta_ = dbeta;
    const bool acc = accumulate;
    constexpr int64_t kChunk = 2048;
    for (int64_t c0 = b; c0 < e; c0 += kChunk) {
      const int64_t c1 = c0 + kChunk < e ? c0 + kChunk : e;
      if (dh_) {
        if (acc) for (int64_t i = c0; i < c1; ++i) dh_[i] += dy_[i] * (T(1) + gamma_[i]);
        else for (int64_t i = c0; i < c1; ++i) dh_[i] = T(0) + dy_[i] * (T(1) + gamma_[i]);
      }
      if (dgamma_) {
        if (acc) for (int64_t i = c0; i < c1; ++i) dgamma_[i] += dy_[i] * h_[i];
        else for (int64_t i = c0; i < c1; ++i) dgamma_[i] = T(0) + dy_[i] * h_[i];
      }
      if (dbeta_) {
        if (acc) for (int64_t i = c0; i < c1; ++i) dbeta_[i] += dy_[i];
        else for (int64_t i = c0; i < c1; ++i) dbeta_[i] = T(0) + dy_[i];
      }
    }
  });
}

template void film_forward_cpu<float>(int64_t, const float*, const float*, const float*, float*);
template void film_forward_cpu<double>(int64_t, const double*, const double*, const double*, double*);
template void film_backward_cpu<float>(int64_t, const float*, const float*, const float*, float*, float*, float*, bool);
template void film_backward_cpu<double>(int64_t, const double*, const double*, const double*, double*, double*, double*,
                                        bool);

}  // namespace gripcu::kernels
