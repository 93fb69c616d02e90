#pragma once
// Philox 4x32-10 (Salmon et al., SC'11) and the transforms to uniform and normal floats, written
// once for host and device so the same (seed, stream, index) gives the same bits on CPU and GPU.
// Every value is a pure function of (seed, stream, index): no state, any order, any thread count.
//
// Layout: value i of stream s under seed k uses counter (i/4 lo, i/4 hi, s lo, s hi), key (k lo,
// k hi), and word i%4 of the block. Normals use the Box-Muller pair from words (2j, 2j+1) of
// stream s, with log/sin/cos evaluated in double through correctly rounded + - * / only, so that
// neither libm nor CUDA's math library (which differ in the last ulp) nor FMA contraction decides
// a bit of the result.
#include <cstdint>

#if defined(__CUDACC__)
#define GRIPCU_HD __host__ __device__ __forceinline__
#else
#define GRIPCU_HD inline
#endif

namespace gripcu::philox {

struct U4 { uint32_t x, y, z, w; };

GRIPCU_HD uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

GRIPCU_HD U4 philox4x32_10(U4 c, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo(0xD2511F53u, c.x, &hi0);
    const uint32_t lo1 = mulhilo(0xCD9E8D57u, c.z, &hi1);
    c = U4{hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0};
  }
  return c;
}

GRIPCU_HD U4 block(uint64_t seed, uint64_t stream, uint64_t block_index) {
  return philox4x32_10(U4{static_cast<uint32_t>(block_index), static_cast<uint32_t>(block_index >> 32),
                          static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)},
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

GRIPCU_HD uint32_t word(uint64_t seed, uint64_t stream, uint64_t i) {
  const U4 b = block(seed, stream, i >> 2);
  switch (i & 3) {
    case 0: return b.x;
    case 1: return b.y;
    case 2: return b.z;
    default: return b.w;
  }
}

// Uniform in the open interval (0, 1): odd multiples of 2^-24, exact in float.
GRIPCU_HD float u01(uint32_t x) { return static_cast<float>((x >> 9) * 2u + 1u) * (1.0f / 16777216.0f); }

// ---- exact-by-construction double arithmetic (no contraction, no library calls) ----
#if defined(__CUDA_ARCH__)
GRIPCU_HD double dadd(double a, double b) { return __dadd_rn(a, b); }
GRIPCU_HD double dmul(double a, double b) { return __dmul_rn(a, b); }
GRIPCU_HD double ddiv(double a, double b) { return __ddiv_rn(a, b); }
GRIPCU_HD double dsqrt(double a) { return __dsqrt_rn(a); }
#else
GRIPCU_HD double dadd(double a, double b) { volatile double r = a + b; return r; }
GRIPCU_HD double dmul(double a, double b) { volatile double r = a * b; return r; }
GRIPCU_HD double ddiv(double a, double b) { volatile double r = a / b; return r; }
GRIPCU_HD double dsqrt(double a) { return __builtin_sqrt(a); }  // IEEE correctly rounded
#endif

// ln(u) for u in (0, 1]: u = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1).
GRIPCU_HD double ln01(double u) {
  int e = 0;
  // u >= 2^-24 here, so a loop of doublings is short and exact.
  while (u < 0.70710678118654752) { u = dmul(u, 2.0); --e; }
  const double s = ddiv(dadd(u, -1.0), dadd(u, 1.0));
  const double s2 = dmul(s, s);
  // 2*(s + s^3/3 + ... + s^17/17); |s| <= 0.1716 so the tail is below 1e-14 relative.
  double p = 1.0 / 17.0;
  p = dadd(dmul(p, s2), 1.0 / 15.0);
  p = dadd(dmul(p, s2), 1.0 / 13.0);
  p = dadd(dmul(p, s2), 1.0 / 11.0);
  p = dadd(dmul(p, s2), 1.0 / 9.0);
  p = dadd(dmul(p, s2), 1.0 / 7.0);
  p = dadd(dmul(p, s2), 1.0 / 5.0);
  p = dadd(dmul(p, s2), 1.0 / 3.0);
  p = dadd(dmul(p, s2), 1.0);
  const double lnm = dmul(2.0, dmul(s, p));
  return dadd(dmul(static_cast<double>(e), 0.69314718055994530942), lnm);
}

// sin and cos of r for |r| <= pi/4 by Taylor polynomials (error below 1e-16).
GRIPCU_HD void sincos_small(double r, double* s, double* c) {
  const double r2 = dmul(r, r);
  double ps = -1.0 / 1307674368000.0;          // -1/15!
  ps = dadd(dmul(ps, r2), 1.0 / 6227020800.0);  // 1/13!
  ps = dadd(dmul(ps, r2), -1.0 / 39916800.0);
  ps = dadd(dmul(ps, r2), 1.0 / 362880.0);
  ps = dadd(dmul(ps, r2), -1.0 / 5040.0);
  ps = dadd(dmul(ps, r2), 1.0 / 120.0);
  ps = dadd(dmul(ps, r2), -1.0 / 6.0);
  *s = dadd(r, dmul(dmul(r, r2), ps));
  double pc = 1.0 / 20922789888000.0;           // 1/16!
  pc = dadd(dmul(pc, r2), -1.0 / 87178291200.0);
  pc = dadd(dmul(pc, r2), 1.0 / 479001600.0);
  pc = dadd(dmul(pc, r2), -1.0 / 3628800.0);
  pc = dadd(dmul(pc, r2), 1.0 / 40320.0);
  pc = dadd(dmul(pc, r2), -1.0 / 720.0);
  pc = dadd(dmul(pc, r2), 1.0 / 24.0);
  pc = dadd(dmul(pc, r2), -0.5);
  *c = dadd(1.0, dmul(r2, pc));
}

// Box-Muller: two uniforms -> two standard normals (float).
GRIPCU_HD void box_muller(uint32_t a, uint32_t b, float* z0, float* z1) {
  const double u1 = static_cast<double>(u01(a));
  const double u2 = static_cast<double>(u01(b));
  const double rad = dsqrt(dmul(-2.0, ln01(u1)));
  // angle 2*pi*u2 - pi = (q + f) * pi/2 with q integer, f in [-1/2, 1/2]; 4*u2 - 2 is exact.
  const double t = dadd(dmul(4.0, u2), -2.0);
  const double q = static_cast<double>(static_cast<int>(t < 0 ? t - 0.5 : t + 0.5));
  const double f = dadd(t, -q);
  double s, c;
  sincos_small(dmul(f, 1.5707963267948966), &s, &c);
  const int qi = (static_cast<int>(q) % 4 + 4) % 4;  // rotate by q quarter turns
  double sn = s, cs = c;
  if (qi == 1) { sn = c; cs = -s; }
  else if (qi == 2) { sn = -s; cs = -c; }
  else if (qi == 3) { sn = -c; cs = s; }
  *z0 = static_cast<float>(dmul(rad, cs));
  *z1 = static_cast<float>(dmul(rad, sn));
}

// Element i of the uniform stream, scaled to [lo, hi]: u is in (0, 1), but the float arithmetic can
// round onto an end point (e.g. lo = 1, hi = 2: 1 + (1 - 2^-24) rounds to 2); it never leaves [lo, hi].
GRIPCU_HD float uniform(uint64_t seed, uint64_t stream, uint64_t i, float lo, float hi) {
  return lo + (hi - lo) * u01(word(seed, stream, i));
}

// Element i of the standard-normal stream.
GRIPCU_HD float normal(uint64_t seed, uint64_t stream, uint64_t i) {
  const U4 b = block(seed, stream, i >> 2);
  float z0, z1;
  if ((i & 2) == 0) box_muller(b.x, b.y, &z0, &z1);
  else box_muller(b.z, b.w, &z0, &z1);
  return (i & 1) ? z1 : z0;
}

// 64-bit sort key of element i (permutations sort indices by this key, ties by index).
GRIPCU_HD uint64_t key64(uint64_t seed, uint64_t stream, uint64_t i) {
  const U4 b = block(seed, stream, i);
  return (static_cast<uint64_t>(b.x) << 32) | b.y;
}

}  // namespace gripcu::philox
