#pragma once
// Helpers shared by the tests: random tensors from the engine RNG, paths to shared data, a visible
// skip when no CUDA device is present, and the parity tests' relative difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/rng.h"
#include "engine/tensor.h"

namespace gripcu::test {

inline Tensor random_tensor(const Shape& shape, uint64_t seed, DType dt = DType::f64, double lo = -1, double hi = 1) {
  Rng rng(seed);
  const uint64_t s = rng.next_stream();
  const int64_t n = shape_numel(shape);
  if (dt == DType::f64) {
    std::vector<double> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = lo + (hi - lo) * rng.uniform(s, static_cast<uint64_t>(i));
    return Tensor::from_vector(v, shape);
  }
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(lo + (hi - lo) * rng.uniform(s, static_cast<uint64_t>(i)));
  return Tensor::from_vector(v, shape);
}

inline std::string shared_data(const std::string& rel) { return std::string(GRIPCU_SHARED_DATA_DIR) + "/" + rel; }
inline std::string source_path(const std::string& rel) { return std::string(GRIPCU_SOURCE_DIR) + "/" + rel; }

// max |a - b| / max |b| (float values against a reference, as the PyTorch parity tests compare).
inline double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double maxdiff = 0, scale = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    maxdiff = std::max(maxdiff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return maxdiff / std::max(scale, 1e-30);
}
inline double rel_diff(const Tensor& ours, const Tensor& ref) { return rel_diff(ours.to_vector<float>(), ref.to_vector<float>()); }

}  // namespace gripcu::test

#define GRIPCU_REQUIRE_CUDA()                                                                          \
  do {                                                                                                 \
    if (::gripcu::cuda_devices().empty())                                                              \
      GTEST_SKIP() << "no CUDA device: " << ::gripcu::cuda_unavailable_reason();                       \
  } while (0)
