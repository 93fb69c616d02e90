#include "engine/rng.h"

#include <algorithm>
#include <numeric>

#include "engine/philox.h"

namespace gripcu {

float Rng::uniform(uint64_t stream, uint64_t i, float lo, float hi) const {
  return philox::uniform(seed_, stream, i, lo, hi);
}

float Rng::normal(uint64_t stream, uint64_t i) const { return philox::normal(seed_, stream, i); }

std::vector<int64_t> Rng::permutation(int64_t n, uint64_t stream) const {
  std::vector<std::pair<uint64_t, int64_t>> keyed(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) keyed[static_cast<size_t>(i)] = {philox::key64(seed_, stream, static_cast<uint64_t>(i)), i};
  std::sort(keyed.begin(), keyed.end());
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = keyed[static_cast<size_t>(i)].second;
  return out;
}

}  // namespace gripcu
