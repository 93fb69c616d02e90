#include "kernels/embedding.h"

#include <algorithm>
#include <cstring>

#include "engine/error.h"
#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T>
void embedding_forward_cpu(int64_t n, int64_t dim, int64_t vocab, const T* table, const int64_t* idx, T* out) {
  for (int64_t i = 0; i < n; ++i)
    GRIPCU_CHECK(idx[i] >= 0 && idx[i] < vocab, "embedding: index ", idx[i], " at position ", i, " outside [0, ",
                 vocab, ")");
  // Chunks of about 16K elements: a batch of expression rows (64 x 978) is copied by all threads,
  // a small embedding lookup by one.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(dim, 1));
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(out + i * dim, table + idx[i] * dim, sizeof(T) * static_cast<size_t>(dim));
  });
}

template <typename T>
void embedding_backward_cpu(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const T* dout, T* dtable,
                            bool accumulate) {
  // Validate before any write, and outside the parallel region (an exception must not leave an
  // OpenMP region: that terminates the process).
  for (int64_t i = 0; i < n; ++i)
    GRIPCU_CHECK(idx[i] >= 0 && idx[i] < vocab, "embedding backward: index ", idx[i], " at position ", i,
                 " outside [0, ", vocab, ")");
  if (!accumulate) std::memset(dtable, 0, sizeof(T) * static_cast<size_t>(vocab * dim));
  // Parallel over columns of the table, sequential over i: every row sums in increasing i.
  parallel_for(dim, 32, [&](int64_t d0, int64_t d1) {
    for (int64_t i = 0; i < n; ++i) {
      T* row = dtable + idx[i] * dim;
      const T* g = dout + i * dim;
      for (int64_t d = d0; d < d1; ++d) row[d] += g[d];
    }
  });
}

template void embedding_forward_cpu<float>(int64_t, int64_t, int64_t, const float*, const int64_t*, float*);
template void embedding_forward_cpu<double>(int64_t, int64_t, int64_t, const double*, const int64_t*, double*);
template void embedding_backward_cpu<float>(int64_t, int64_t, int64_t, const int64_t*, const float*, float*, bool);
template void embedding_backward_cpu<double>(int64_t, int64_t, int64_t, const int64_t*, const double*, double*, bool);

}  // namespace gripcu::kernels
