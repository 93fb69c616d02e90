#include "kernels/reduce.h"

#include <vector>

#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T> T pairwise_sum(const T* x, int64_t n, int64_t stride) {
  if (n <= 8) {
    T s = T(0);
    for (int64_t i = 0; i < n; ++i) s += x[i * stride];
    return s;
  }
  const int64_t h = n / 2;
  return pairwise_sum(x, h, stride) + pairwise_sum(x + h * stride, n - h, stride);
}

template <typename T> void sum_rows_cpu(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate) {
  // Column c is summed over rows pairwise; columns are independent (parallel over columns).
  parallel_for(cols, 64, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const T s = pairwise_sum(x + c, rows, cols);
      out[c] = accumulate ? out[c] + s : s;
    }
  });
}

template <typename T> void sum_cols_cpu(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate) {
  parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T s = pairwise_sum(x + r * cols, cols, int64_t{1});
      out[r] = accumulate ? out[r] + s : s;
    }
  });
}

template <typename T> void sum_all_cpu(int64_t n, const T* x, T scale, T* out) {
  out[0] = scale * pairwise_sum(x, n, int64_t{1});
}

#define INST(T)                                                              \
  template T pairwise_sum<T>(const T*, int64_t, int64_t);                     \
  template void sum_rows_cpu<T>(int64_t, int64_t, const T*, T*, bool);        \
  template void sum_cols_cpu<T>(int64_t, int64_t, const T*, T*, bool);        \
  template void sum_all_cpu<T>(int64_t, const T*, T, T*);
INST(float)
INST(double)
#undef INST

}  // namespace gripcu::kernels
