#include "kernels/random.h"

#include "engine/parallel.h"
#include "engine/philox.h"
#include "engine/rng.h"

namespace gripcu::kernels {

template <typename T>
void fill_uniform_cpu(int64_t n, T* out, uint64_t seed, uint64_t stream, uint64_t offset, T lo, T hi) {
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      out[i] = lo + (hi - lo) * static_cast<T>(philox::u01(philox::word(seed, stream, offset + static_cast<uint64_t>(i))));
  });
}

template <typename T>
void fill_normal_cpu(int64_t n, T* out, uint64_t seed, uint64_t stream, uint64_t offset, T mean, T stddev) {
  parallel_for(n, 1 << 12, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      out[i] = mean + stddev * static_cast<T>(philox::normal(seed, stream, offset + static_cast<uint64_t>(i)));
  });
}

template <typename T>
void dropout_forward_cpu(int64_t n, T p, uint64_t seed, uint64_t stream, uint64_t offset, const T* x, T* y, T* mask) {
  const T keep_scale = p < T(1) ? T(1) / (T(1) - p) : T(0);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T u = static_cast<T>(philox::u01(philox::word(seed, stream, offset + static_cast<uint64_t>(i))));
      mask[i] = u >= p ? keep_scale : T(0);
      y[i] = x[i] * mask[i];
    }
  });
}

void permutation_cpu(int64_t n, uint64_t seed, uint64_t stream, int64_t* out) {
  const auto perm = Rng(seed).permutation(n, stream);
  for (int64_t i = 0; i < n; ++i) out[i] = perm[static_cast<size_t>(i)];
}

template void fill_uniform_cpu<float>(int64_t, float*, uint64_t, uint64_t, uint64_t, float, float);
template void fill_uniform_cpu<double>(int64_t, double*, uint64_t, uint64_t, uint64_t, double, double);
template void fill_normal_cpu<float>(int64_t, float*, uint64_t, uint64_t, uint64_t, float, float);
template void fill_normal_cpu<double>(int64_t, double*, uint64_t, uint64_t, uint64_t, double, double);
template void dropout_forward_cpu<float>(int64_t, float, uint64_t, uint64_t, uint64_t, const float*, float*, float*);
template void dropout_forward_cpu<double>(int64_t, double, uint64_t, uint64_t, uint64_t, const double*, double*,
                                          double*);

}  // namespace gripcu::kernels
