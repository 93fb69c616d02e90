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
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T g = dy[i];
      if (dh) dh[i] = (accumulate ? dh[i] : T(0)) + g * (T(1) + gamma[i]);
      if (dgamma) dgamma[i] = (accumulate ? dgamma[i] : T(0)) + g * h[i];
      if (dbeta) dbeta[i] = (accumulate ? dbeta[i] : T(0)) + g;
    }
  });
}

template void film_forward_cpu<float>(int64_t, const float*, const float*, const float*, float*);
template void film_forward_cpu<double>(int64_t, const double*, const double*, const double*, double*);
template void film_backward_cpu<float>(int64_t, const float*, const float*, const float*, float*, float*, float*, bool);
template void film_backward_cpu<double>(int64_t, const double*, const double*, const double*, double*, double*, double*,
                                        bool);

}  // namespace gripcu::kernels
