#include "kernels/film.h"

#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T> void film_forward_cpu(int64_t n, const T* h, const T* gamma, const T* beta, T* y) {
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = h[i] * (T(1) + gamma[i]) + beta[i];
  });
}

template <typename T>
void film_backward_cpu(int64_t n, const T* h, const T* gamma, const T* dy, T* dh, T* dgamma, T* dbeta, bool accumulate) {
  // One output per inner loop, with the null and accumulate tests hoisted out of it, so every loop
  // is a plain vectorizable stream (a chunk of each array stays in L1 between the three loops).
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    constexpr int64_t kChunk = 2048;
    for (int64_t c0 = b; c0 < e; c0 += kChunk) {
      const int64_t c1 = c0 + kChunk < e ? c0 + kChunk : e;
      if (dh) {
        if (accumulate) for (int64_t i = c0; i < c1; ++i) dh[i] += dy[i] * (T(1) + gamma[i]);
        else for (int64_t i = c0; i < c1; ++i) dh[i] = T(0) + dy[i] * (T(1) + gamma[i]);
      }
      if (dgamma) {
        if (accumulate) for (int64_t i = c0; i < c1; ++i) dgamma[i] += dy[i] * h[i];
        else for (int64_t i = c0; i < c1; ++i) dgamma[i] = T(0) + dy[i] * h[i];
      }
      if (dbeta) {
        if (accumulate) for (int64_t i = c0; i < c1; ++i) dbeta[i] += dy[i];
        else for (int64_t i = c0; i < c1; ++i) dbeta[i] = T(0) + dy[i];
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
