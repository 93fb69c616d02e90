// Philox 4x32-10 and the engine's random streams: Random123 known answers, the counter layout,
// uniforms in (0, 1), moments of 1e6 draws, the libm-free Box-Muller vs libm, permutations, and
// fills that do not depend on how a range is split into calls.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/philox.h"
#include "engine/rng.h"
#include "kernels/random.h"

namespace gripcu {
namespace {

using philox::U4;

// Random123 examples/kat_vectors (DE Shaw Research), the three "philox4x32 10" lines:
//   counter (4 words) key (2 words) -> expected (4 words)
// Confirmed through the search tool in several independent copies of the file's lines.
TEST(Philox, KnownAnswerVectors) {
  struct Kat { U4 ctr; uint32_t k0, k1; U4 expect; };
  const Kat kats[] = {
      {{0x00000000, 0x00000000, 0x00000000, 0x00000000}, 0x00000000, 0x00000000,
       {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0xffffffff, 0xffffffff,
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0xa4093822, 0x299f31d0,
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const auto& k : kats) {
    const U4 r = philox::philox4x32_10(k.ctr, k.k0, k.k1);
    EXPECT_EQ(r.x, k.expect.x);
    EXPECT_EQ(r.y, k.expect.y);
    EXPECT_EQ(r.z, k.expect.z);
    EXPECT_EQ(r.w, k.expect.w);
  }
}

TEST(Philox, CounterLayout) {
  // value i of stream s under seed k: counter (i/4 lo, i/4 hi, s lo, s hi), key (k lo, k hi), word i%4.
  const uint64_t seed = 0xa4093822'299f31d0ULL, stream = 0x13198a2e'03707344ULL;
  for (uint64_t i : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{4}, uint64_t{1} << 34,
                     (uint64_t{1} << 34) + 3, ~uint64_t{0}}) {
    const uint64_t blk = i >> 2;
    const U4 b = philox::philox4x32_10(
        U4{uint32_t(blk), uint32_t(blk >> 32), uint32_t(stream), uint32_t(stream >> 32)}, uint32_t(seed),
        uint32_t(seed >> 32));
    const uint32_t words[4] = {b.x, b.y, b.z, b.w};
    EXPECT_EQ(philox::word(seed, stream, i), words[i & 3]) << i;
  }
  // key64 uses block i (not i/4): the first two words of it.
  const U4 b = philox::block(seed, stream, 12345);
  EXPECT_EQ(philox::key64(seed, stream, 12345), (uint64_t(b.x) << 32) | b.y);
}

TEST(Philox, U01IsInTheOpenUnitInterval) {
  // Odd multiples of 2^-24: the extremes are 2^-24 and 1 - 2^-24, never 0 or 1.
  EXPECT_EQ(philox::u01(0u), 0x1.0p-24f);
  EXPECT_EQ(philox::u01(0x1FFu), 0x1.0p-24f);
  EXPECT_EQ(philox::u01(0xFFFFFFFFu), 1.0f - 0x1.0p-24f);
  EXPECT_LT(philox::u01(0xFFFFFFFFu), 1.0f);
  // Monotone in the top 23 bits, and every value is exactly (2k + 1) 2^-24.
  float prev = 0.f;
  for (uint32_t k = 0; k < (1u << 23); k += 997) {
    const float u = philox::u01(k << 9);
    ASSERT_GT(u, prev);
    ASSERT_EQ(double(u), (2.0 * k + 1.0) * 0x1.0p-24);
    prev = u;
  }
  // Scaled to [lo, hi], the float arithmetic can land on hi (documented in engine/philox.h):
  // 1 + (1 - 2^-24) is a tie between 2 - 2^-23 and 2, and rounds to even, 2.
  volatile float top = philox::u01(0xFFFFFFFFu);
  EXPECT_EQ(1.f + (2.f - 1.f) * top, 2.f);
  Rng rng(5);
  for (uint64_t i = 0; i < 10000; ++i) {
    const float u = rng.uniform(3, i);
    ASSERT_TRUE(u > 0.f && u < 1.f) << u;
    const float w = rng.uniform(3, i, -2.f, 5.f);
    ASSERT_TRUE(w >= -2.f && w <= 5.f) << w;  // float rounding may touch an end point, never cross it
  }
}

// Moments of 1e6 draws, bounds at 5 standard errors (a fixed seed, so the test is deterministic;
// 5 sigma means a correct generator fails with probability ~1e-6 over seeds).
TEST(Philox, UniformMoments) {
  const int64_t n = 1'000'000;
  std::vector<float> u(n);
  kernels::fill_uniform_cpu<float>(n, u.data(), 2024, 11, 0, 0.f, 1.f);
  double s = 0, s2 = 0;
  for (float x : u) { s += x; s2 += double(x) * x; }
  const double mean = s / n, var = s2 / n - mean * mean;
  // mean: sd 1/sqrt(12 n) = 2.9e-4; variance: sd sqrt((1/80 - 1/144) / n) = 7.5e-5.
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(var, 1.0 / 12.0, 5 * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));
  // A chi-square-ish check of the histogram: each of 10 bins holds n/10 +- 5 sd.
  std::vector<int64_t> bins(10, 0);
  for (float x : u) ++bins[std::min<int64_t>(9, static_cast<int64_t>(x * 10))];
  for (auto b : bins) EXPECT_NEAR(double(b), n / 10.0, 5 * std::sqrt(n * 0.1 * 0.9));
}

TEST(Philox, NormalMoments) {
  const int64_t n = 1'000'000;
  std::vector<float> z(n);
  kernels::fill_normal_cpu<float>(n, z.data(), 2024, 12, 0, 0.f, 1.f);
  double s = 0, s2 = 0, s4 = 0;
  int64_t tail = 0;
  for (float x : z) {
    ASSERT_TRUE(std::isfinite(x));
    s += x;
    s2 += double(x) * x;
    s4 += double(x) * x * x * x;
    tail += std::fabs(x) > 1.959963984540054;
  }
  const double mean = s / n, var = s2 / n - mean * mean, kurt = s4 / n;
  // mean sd 1/sqrt(n) = 1e-3; sample variance sd sqrt(2/n) = 1.4e-3; E z^4 = 3 with sd sqrt(96/n);
  // P(|z| > 1.96) = 0.05 with sd sqrt(0.05 * 0.95 / n).
  EXPECT_NEAR(mean, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(var, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(kurt, 3.0, 5 * std::sqrt(96.0 / n));
  EXPECT_NEAR(double(tail) / n, 0.05, 5 * std::sqrt(0.05 * 0.95 / n));
}

TEST(Philox, NormalMatchesLibmBoxMuller) {
  // philox::normal evaluates log/sin/cos itself (bit-identical on CPU and GPU); it must agree with
  // libm's Box-Muller on the same two uniforms to float precision: |z| < 5.8, so rounding to float
  // is < 2.4e-7, and 1e-6 leaves room for the double polynomial error (< 1e-14).
  auto check = [](uint32_t a, uint32_t b) {
    float z0, z1;
    philox::box_muller(a, b, &z0, &z1);
    const double u1 = philox::u01(a), u2 = philox::u01(b);
    const double r = std::sqrt(-2.0 * std::log(u1)), th = 2.0 * M_PI * u2 - M_PI;
    EXPECT_NEAR(z0, r * std::cos(th), 1e-6) << a << " " << b;
    EXPECT_NEAR(z1, r * std::sin(th), 1e-6) << a << " " << b;
  };
  // The extremes of u1 (largest radius) and u2 around every quadrant boundary (t = 4 u2 - 2 near
  // -1.5, -0.5, 0.5, 1.5) and the ends.
  for (uint32_t a : {0u, 1u << 9, 0x80000000u, 0xFFFFFFFFu, 0x12345678u})
    for (double u2 : {0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0})
      for (int d = -2; d <= 2; ++d) {
        const int64_t k = std::clamp<int64_t>(static_cast<int64_t>(u2 * (1 << 23)) + d, 0, (1 << 23) - 1);
        check(a, static_cast<uint32_t>(k) << 9);
      }
  // And 1e5 consecutive stream values through philox::normal.
  for (uint64_t i = 0; i < 100000; ++i) {
    const float z = philox::normal(77, 3, i);
    const U4 b = philox::block(77, 3, i >> 2);
    const uint32_t a = (i & 2) ? b.z : b.x, c = (i & 2) ? b.w : b.y;
    const double u1 = philox::u01(a), u2 = philox::u01(c);
    const double r = std::sqrt(-2.0 * std::log(u1)), th = 2.0 * M_PI * u2 - M_PI;
    ASSERT_NEAR(z, (i & 1) ? r * std::sin(th) : r * std::cos(th), 1e-6) << i;
  }
  // The building blocks against libm in double.
  for (uint32_t k = 0; k < (1u << 23); k += 4093) {
    const double u = philox::u01(k << 9);
    ASSERT_NEAR(philox::ln01(u), std::log(u), 1e-14 * std::max(1.0, std::fabs(std::log(u)))) << u;
  }
  for (double r = -M_PI / 4; r <= M_PI / 4; r += 1e-3) {
    double s, c;
    philox::sincos_small(r, &s, &c);
    ASSERT_NEAR(s, std::sin(r), 1e-15) << r;
    ASSERT_NEAR(c, std::cos(r), 1e-15) << r;
  }
}

TEST(Rng, PermutationIsAPermutationAndReproducible) {
  const int64_t n = 10007;
  const Rng a(42), b(42), c(43);
  const auto p = a.permutation(n, 5);
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_EQ(p, b.permutation(n, 5));   // same seed and stream: same permutation
  EXPECT_NE(p, a.permutation(n, 6));   // another stream: another permutation
  EXPECT_NE(p, c.permutation(n, 5));   // another seed: another permutation
  int64_t fixed = 0;                   // a random permutation has ~1 fixed point (Poisson(1))
  for (int64_t i = 0; i < n; ++i) fixed += p[i] == i;
  EXPECT_LT(fixed, 10);
  EXPECT_TRUE(a.permutation(0, 1).empty());
  EXPECT_EQ(a.permutation(1, 1), std::vector<int64_t>{0});
}

TEST(Rng, StreamsAreHandedOutInOrder) {
  Rng r(9, 100);
  EXPECT_EQ(r.seed(), 9u);
  EXPECT_EQ(r.peek_stream(), 100u);
  EXPECT_EQ(r.next_stream(), 100u);
  EXPECT_EQ(r.next_stream(), 101u);
  r.set_next_stream(7);
  EXPECT_EQ(r.next_stream(), 7u);
  EXPECT_EQ(r.normal(4, 10), philox::normal(9, 4, 10));
  EXPECT_EQ(r.uniform(4, 10), philox::uniform(9, 4, 10, 0.f, 1.f));
  // Different streams and different seeds give different values.
  EXPECT_NE(Rng(9).uniform(4, 0), Rng(9).uniform(5, 0));
  EXPECT_NE(Rng(9).uniform(4, 0), Rng(10).uniform(4, 0));
}

TEST(Rng, FillsDoNotDependOnOffsetSplitting) {
  // Filling [0, n) at once equals [0, k) then [k, n) at offset k, for k that split a 4-word block
  // and a Box-Muller pair.
  const int64_t n = 1003;
  const uint64_t seed = 31337, stream = 2;
  std::vector<float> u(n), z(n), y(n), m(n);
  std::vector<float> x(n, 1.5f);
  kernels::fill_uniform_cpu<float>(n, u.data(), seed, stream, 0, -1.f, 1.f);
  kernels::fill_normal_cpu<float>(n, z.data(), seed, stream, 0, 0.f, 1.f);
  kernels::dropout_forward_cpu<float>(n, 0.25f, seed, stream, 0, x.data(), y.data(), m.data());
  std::vector<double> ud(n);
  kernels::fill_uniform_cpu<double>(n, ud.data(), seed, stream, 0, -1.0, 1.0);
  for (int64_t k : {0, 1, 2, 3, 5, 500, 1002, 1003}) {
    SCOPED_TRACE(k);
    std::vector<float> u2(n), z2(n), y2(n), m2(n);
    std::vector<double> ud2(n);
    kernels::fill_uniform_cpu<float>(k, u2.data(), seed, stream, 0, -1.f, 1.f);
    kernels::fill_uniform_cpu<float>(n - k, u2.data() + k, seed, stream, k, -1.f, 1.f);
    kernels::fill_normal_cpu<float>(k, z2.data(), seed, stream, 0, 0.f, 1.f);
    kernels::fill_normal_cpu<float>(n - k, z2.data() + k, seed, stream, k, 0.f, 1.f);
    kernels::dropout_forward_cpu<float>(k, 0.25f, seed, stream, 0, x.data(), y2.data(), m2.data());
    kernels::dropout_forward_cpu<float>(n - k, 0.25f, seed, stream, k, x.data() + k, y2.data() + k, m2.data() + k);
    kernels::fill_uniform_cpu<double>(k, ud2.data(), seed, stream, 0, -1.0, 1.0);
    kernels::fill_uniform_cpu<double>(n - k, ud2.data() + k, seed, stream, k, -1.0, 1.0);
    EXPECT_EQ(u, u2);
    EXPECT_EQ(z, z2);
    EXPECT_EQ(y, y2);
    EXPECT_EQ(m, m2);
    EXPECT_EQ(ud, ud2);
  }
}

}  // namespace
}  // namespace gripcu
