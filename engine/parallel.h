#pragma once
// The CPU thread pool is OpenMP's, sized once by --threads. parallel_for splits [0, n) into
// contiguous chunks; each output element is computed by exactly one thread, so results do not
// depend on the thread count.
#include <cstdint>

namespace gripcu {

void set_num_threads(int n);  // n <= 0: all hardware threads
int num_threads();

template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  if (n <= grain || num_threads() == 1) { f(int64_t{0}, n); return; }
  const int64_t chunks = (n + grain - 1) / grain;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b = c * grain, e = b + grain < n ? b + grain : n;
    f(b, e);
  }
}

}  // namespace gripcu
