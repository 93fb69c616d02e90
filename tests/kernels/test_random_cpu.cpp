// Random fills, dropout and permutations on the CPU: each element is the documented pure function of
// (seed, stream, offset + i) (bit for bit against engine/philox.h), close to a float64 reference, in
// range, and independent of the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/philox.h"
#include "engine/rng.h"
#include "kernels/random.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;

const std::vector<int64_t> kSizes = {0, 1, 3, 5, 257, 20001};
constexpr uint64_t kSeed = 0x1234'5678'9abcULL, kStream = 7, kOffset = 1'000'003;  // offset not a multiple of 4

template <typename T> class RandomCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(RandomCpu, Types);

TYPED_TEST(RandomCpu, UniformFill) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes)
    for (auto [lo, hi] : {std::pair{0.0, 1.0}, std::pair{-0.05, 0.05}, std::pair{2.0, 3.5}}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " [" << lo << "," << hi << ")");
      const T tlo = static_cast<T>(lo), thi = static_cast<T>(hi);
      std::vector<T> out(static_cast<size_t>(n));
      fill_uniform_cpu<T>(n, out.data(), kSeed, kStream, kOffset, tlo, thi);
      std::vector<double> ref(out.size());
      for (int64_t i = 0; i < n; ++i) {
        const float u = philox::u01(philox::word(kSeed, kStream, kOffset + static_cast<uint64_t>(i)));
        // Bits: the documented formula evaluated in T.
        ASSERT_EQ(out[i], tlo + (thi - tlo) * static_cast<T>(u)) << i;
        ref[i] = double(tlo) + (double(thi) - double(tlo)) * double(u);
        // In range; rounding may reach hi itself in float (e.g. 2 + 1.5 (1 - 2^-24)), never beyond.
        ASSERT_GE(out[i], tlo);
        ASSERT_LE(out[i], thi);
      }
      // hi - lo, the product, the sum: 3 u on |lo| + |hi - lo|.
      EXPECT_TRUE(all_close(out, ref, [&](size_t) { return 2 * e * (std::fabs(lo) + std::fabs(hi - lo)); }, "uniform"));
      if (lo == 0.0 && hi == 1.0)
        for (auto x : out) ASSERT_TRUE(x > T(0) && x < T(1)) << x;  // the open interval, exactly
    }
}

TYPED_TEST(RandomCpu, NormalFill) {
  using T = TypeParam;
  for (int64_t n : kSizes) {
    SCOPED_TRACE(n);
    const T mean = static_cast<T>(0.5), sd = static_cast<T>(0.02);
    std::vector<T> out(static_cast<size_t>(n));
    fill_normal_cpu<T>(n, out.data(), kSeed, kStream, kOffset, mean, sd);
    std::vector<double> ref(out.size());
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t j = kOffset + static_cast<uint64_t>(i);
      ASSERT_EQ(out[i], mean + sd * static_cast<T>(philox::normal(kSeed, kStream, j))) << i;
      // Float64 Box-Muller with libm from the same two words (the pair (2k, 2k+1) of the block).
      const philox::U4 b = philox::block(kSeed, kStream, j >> 2);
      const uint32_t a = (j & 2) ? b.z : b.x, c = (j & 2) ? b.w : b.y;
      const double u1 = philox::u01(a), u2 = philox::u01(c);
      const double r = std::sqrt(-2.0 * std::log(u1)), th = 2.0 * M_PI * u2 - M_PI;
      ref[i] = double(mean) + double(sd) * ((j & 1) ? r * std::sin(th) : r * std::cos(th));
    }
    // The standard normal is rounded to float (|z| < 6: <= 2.4e-7) before scaling; 1e-6 * sd
    // covers it, plus the scale and shift roundings in T.
    EXPECT_TRUE(all_close(out, ref,
                          [&](size_t) { return 1e-6 * double(sd) + 2 * eps_of<T>() * (double(mean) + 6 * double(sd)); },
                          "normal"));
  }
}

TYPED_TEST(RandomCpu, Dropout) {
  using T = TypeParam;
  for (int64_t n : kSizes)
    for (double pd : {0.0, 0.1, 0.5, 1.0}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " p=" << pd);
      const T p = static_cast<T>(pd);
      const auto x = test::random_vec<T>(n, 4);
      std::vector<T> y(x.size()), mask(x.size());
      dropout_forward_cpu<T>(n, p, kSeed, kStream, kOffset, x.data(), y.data(), mask.data());
      const T keep = p < T(1) ? T(1) / (T(1) - p) : T(0);
      int64_t kept = 0;
      for (int64_t i = 0; i < n; ++i) {
        const T u = static_cast<T>(philox::u01(philox::word(kSeed, kStream, kOffset + static_cast<uint64_t>(i))));
        ASSERT_EQ(mask[i], u >= p ? keep : T(0)) << i;
        ASSERT_EQ(y[i], x[i] * mask[i]) << i;
        kept += mask[i] != T(0);
      }
      if (pd == 0.0) EXPECT_EQ(kept, n);   // u > 0 >= p: all kept, mask 1
      if (pd == 1.0) EXPECT_EQ(kept, 0);   // u < 1: all dropped
      if (n >= 20001 && pd > 0 && pd < 1) {
        // Kept fraction ~ Binomial(n, 1 - p)/n: within 5 standard deviations.
        const double sdv = std::sqrt(pd * (1 - pd) / double(n));
        EXPECT_NEAR(double(kept) / double(n), 1 - pd, 5 * sdv);
      }
    }
}

TEST(RandomCpuPermutation, MatchesRngAndIsAPermutation) {
  for (int64_t n : {0, 1, 2, 97, 10000}) {
    std::vector<int64_t> out(static_cast<size_t>(n), -1);
    permutation_cpu(n, kSeed, kStream, out.data());
    EXPECT_EQ(out, Rng(kSeed).permutation(n, kStream));
    auto sorted = out;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);
  }
}

TEST(RandomCpuDeterminism, SameBitsWithOneAndTwoThreads) {
  const int64_t n = 100000;
  std::vector<float> u1(n), u2(n), z1(n), z2(n), y1(n), y2(n), m1(n), m2(n);
  const auto x = test::random_vec<float>(n, 5);
  {
    test::ThreadScope one(1);
    fill_uniform_cpu<float>(n, u1.data(), 9, 1, 0, -1.f, 1.f);
    fill_normal_cpu<float>(n, z1.data(), 9, 2, 0, 0.f, 1.f);
    dropout_forward_cpu<float>(n, 0.3f, 9, 3, 0, x.data(), y1.data(), m1.data());
  }
  {
    test::ThreadScope two(2);
    fill_uniform_cpu<float>(n, u2.data(), 9, 1, 0, -1.f, 1.f);
    fill_normal_cpu<float>(n, z2.data(), 9, 2, 0, 0.f, 1.f);
    dropout_forward_cpu<float>(n, 0.3f, 9, 3, 0, x.data(), y2.data(), m2.data());
  }
  EXPECT_TRUE(bit_equal(u1, u2, "uniform"));
  EXPECT_TRUE(bit_equal(z1, z2, "normal"));
  EXPECT_TRUE(bit_equal(y1, y2, "dropout y"));
  EXPECT_TRUE(bit_equal(m1, m2, "dropout mask"));
}

}  // namespace
}  // namespace gripcu::kernels
