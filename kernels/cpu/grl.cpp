#include "kernels/grl.h"

#include <cstring>

#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T> void grl_forward_cpu(int64_t n, const T* x, T* y) {
  if (x != y) std::memcpy(y, x, sizeof(T) * static_cast<size_t>(n));
}

template <typename T> void grl_backward_cpu(int64_t n, const T* lambda, const T* dy, T* dx, bool accumulate) {
  const T s = -lambda[0];
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    if (accumulate) for (int64_t i = b; i < e; ++i) dx[i] += s * dy[i];
    else for (int64_t i = b; i < e; ++i) dx[i] = s * dy[i];
  });
}

template void grl_forward_cpu<float>(int64_t, const float*, float*);
template void grl_forward_cpu<double>(int64_t, const double*, double*);
template void grl_backward_cpu<float>(int64_t, const float*, const float*, float*, bool);
template void grl_backward_cpu<double>(int64_t, const double*, const double*, double*, bool);

}  // namespace gripcu::kernels
