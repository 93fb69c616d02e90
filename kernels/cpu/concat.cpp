#include "kernels/concat.h"

#include <algorithm>
#include <cstring>

#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T>
void copy_cols_cpu(int64_t rows, int64_t width, const T* src, int64_t src_ld, T* dst, int64_t dst_ld, bool accumulate) {
  // Chunks of about 16K elements (a wide block of rows is copied by all threads, a narrow one by one).
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(width, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* s = src + r * src_ld;
      T* d = dst + r * dst_ld;
      if (accumulate) for (int64_t c = 0; c < width; ++c) d[c] += s[c];
      else std::memcpy(d, s, sizeof(T) * static_cast<size_t>(width));
    }
  });
}

template <typename T>
void concat_cols_cpu(int64_t rows, int count, const ColPart<T>* parts, T* dst, int64_t dst_ld) {
  int64_t total = 0;
  for (int i = 0; i < count; ++i) total += parts[i].width;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(total, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* d = dst + r * dst_ld;
      for (int i = 0; i < count; ++i) {
        const ColPart<T>& p = parts[i];
        if (p.width == 0) continue;  // an empty part may have no storage at all
        std::memcpy(d, p.src + r * p.src_ld, sizeof(T) * static_cast<size_t>(p.width));
        d += p.width;
      }
    }
  });
}

template void concat_cols_cpu<float>(int64_t, int, const ColPart<float>*, float*, int64_t);
template void concat_cols_cpu<double>(int64_t, int, const ColPart<double>*, double*, int64_t);
template void copy_cols_cpu<float>(int64_t, int64_t, const float*, int64_t, float*, int64_t, bool);
template void copy_cols_cpu<double>(int64_t, int64_t, const double*, int64_t, double*, int64_t, bool);

}  // namespace gripcu::kernels
