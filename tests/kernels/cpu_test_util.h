#pragma once
// Helpers shared by the CPU kernel tests: deterministic random inputs, float64 copies, and an
// element-wise closeness check with a per-element tolerance (so every test states its own bound).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "engine/parallel.h"

namespace gripcu::test {

// Machine epsilon (spacing at 1) of T: 2^-23 for float, 2^-52 for double. Unit roundoff is eps/2.
template <typename T> constexpr double eps_of() { return static_cast<double>(std::numeric_limits<T>::epsilon()); }
// Absolute error floor for results in T's subnormal range (gradual underflow rounds to a fixed
// spacing of denorm_min, so there the error is absolute, not relative): a few roundings' worth.
template <typename T> constexpr double tiny_of() { return 4.0 * static_cast<double>(std::numeric_limits<T>::denorm_min()); }

// SplitMix64: a tiny, fully specified generator, so inputs do not depend on the standard library.
struct SplitMix {
  uint64_t s;
  explicit SplitMix(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double u01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * u01(); }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
};

template <typename T>
std::vector<T> random_vec(int64_t n, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  SplitMix r(seed);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(r.uniform(lo, hi));
  return v;
}

template <typename T> std::vector<double> to_double(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// Passes when |got[i] - ref[i]| <= tol(i) for every i (and both are NaN-free unless equal).
template <typename T, typename Tol>
::testing::AssertionResult all_close(const std::vector<T>& got, const std::vector<double>& ref, Tol&& tol,
                                     const std::string& what = "") {
  if (got.size() != ref.size())
    return ::testing::AssertionFailure() << what << ": size " << got.size() << " vs reference " << ref.size();
  size_t bad = 0, worst = 0;
  double worst_ratio = 0;
  std::ostringstream os;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = ref[i];
    const double t = tol(i);
    const double err = std::fabs(g - r);
    const bool ok = (g == r) || (err <= t);  // g == r also covers equal infinities
    if (!ok) {
      if (bad < 5) os << "\n  [" << i << "] got " << g << " ref " << r << " |err| " << err << " tol " << t;
      ++bad;
    }
    const double ratio = t > 0 ? err / t : (err > 0 ? INFINITY : 0);
    if (ratio > worst_ratio || std::isnan(ratio)) { worst_ratio = ratio; worst = i; }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << bad << " of " << got.size()
                                       << " elements outside tolerance (worst at " << worst << ", err/tol "
                                       << worst_ratio << ")" << os.str();
}

// Bitwise equality of two vectors (for determinism checks).
template <typename T>
::testing::AssertionResult bit_equal(const std::vector<T>& a, const std::vector<T>& b, const std::string& what = "") {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure() << what << ": first difference at " << i << ": " << a[i] << " vs " << b[i];
  return ::testing::AssertionSuccess();
}

// Restores the OpenMP thread count at scope exit (tests that pin 1 or 2 threads).
struct ThreadScope {
  int saved;
  explicit ThreadScope(int n) : saved(num_threads()) { set_num_threads(n); }
  ~ThreadScope() { set_num_threads(saved); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;
};

}  // namespace gripcu::test
