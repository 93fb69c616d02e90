#include "kernels/reduce.h"

#include <algorithm>
#include <vector>

#include "engine/parallel.h"

namespace gripcu::kernels {

namespace {
template <typename T> inline T sum_in_order(const T* x, int64_t n, int64_t stride) {
  T s = T(0);
  for (int64_t i = 0; i < n; ++i) s += x[i * stride];
  return s;
}
}  // namespace

template <typename T> T pairwise_sum(const T* x, int64_t n, int64_t stride) {
  if (n <= 8) return sum_in_order(x, n, stride);
  const int64_t h = n / 2;
  if (n <= 16)  // both halves are leaves: summed here, without two more calls (same additions)
    return sum_in_order(x, h, stride) + sum_in_order(x + h * stride, n - h, stride);
  return pairwise_sum(x, h, stride) + pairwise_sum(x + h * stride, n - h, stride);
}

namespace {
constexpr int64_t kColBlock = 64;
// s[j] = pairwise_sum(x + j, n, ld) for j < w <= kColBlock: the same recursion and the same
// additions in the same order for every column, with the columns as the inner (vector) loop.
template <typename T>
void pairwise_sum_cols(const T* x, int64_t n, int64_t ld, int64_t w, T* s) {
  if (n <= 8) {
    for (int64_t j = 0; j < w; ++j) s[j] = T(0);
    for (int64_t i = 0; i < n; ++i) {
      const T* r = x + i * ld;
      for (int64_t j = 0; j < w; ++j) s[j] += r[j];
    }
    return;
  }
  const int64_t h = n / 2;
  T right[kColBlock];
  pairwise_sum_cols(x, h, ld, w, s);
  pairwise_sum_cols(x + h * ld, n - h, ld, w, right);
  for (int64_t j = 0; j < w; ++j) s[j] += right[j];
}
}  // namespace

template <typename T> void sum_rows_cpu(int64_t rows, int64_t cols, const T* x, T* out, bool accumulate) {
  // Column c is summed over rows pairwise (bits of pairwise_sum(x + c, rows, cols)); blocks of 64
  // columns are independent (parallel over blocks).
  const int64_t blocks = (cols + kColBlock - 1) / kColBlock;
  parallel_for(blocks, 4, [&](int64_t b0, int64_t b1) {
    T s[kColBlock];
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t c0 = b * kColBlock, w = std::min(kColBlock, cols - c0);
      pairwise_sum_cols(x + c0, rows, cols, w, s);
      T* o = out + c0;
      if (accumulate) for (int64_t j = 0; j < w; ++j) o[j] += s[j];
      else for (int64_t j = 0; j < w; ++j) o[j] = s[j];
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
