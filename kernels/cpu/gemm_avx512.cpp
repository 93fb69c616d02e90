// FP32 GEMM tiles with AVX-512 register blocking, used by gemm_tiled_many_cpu in place of Eigen
// when the build targets AVX-512 (GRIPCU_NATIVE on such a CPU). On the GRIP shapes (batch 64 or 128
// against 256..12000 features) they run at 115-125 GFLOP/s per core with hot caches against Eigen's
// ~100 (peak ~133 on the 2 GHz Sapphire Rapids VM), up to 1.45x Eigen at genome scale; inside a
// training step, where the operands come from L3, both are latency-bound
// (bench/results/gan_cpu_step_2026-11-21_avx512.md).
//
// One micro-kernel, an outer product: an 8 x 32 block of C in 16 zmm accumulators,
//   acc[i][j..j+31] += a(i, k) * B[k, j..j+31]     for k = 0 .. K-1, in order,
// with a(i, k) broadcast from memory at any strides (row-major A, or A^T for weight gradients) and
// B's rows read from 32-column panels packed per tile. C = alpha acc + beta C at the end (C not read
// when beta == 0). Products with op(B) = B^T (forward y = x W^T) run on the transpose: C^T = B A^T,
// with the tile's rows of A transposed once (a few % of the tile's work) and the result transposed
// back. k runs in blocks of 512, the accumulators carried from block to block through a scratch
// block. Every element of C is one sequential FMA chain over k, so its bits do not depend on the
// tile, the thread count, or the leading dimensions.
#include "kernels/cpu/gemm_tiles.h"

#if defined(__AVX512F__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_ps() (`__m512 __Y = __Y;`), which
// -Wmaybe-uninitialized reports at every inlined shuffle of transpose16: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#endif

namespace gripcu::kernels::cpu_detail {

#if defined(__AVX512F__)
namespace {

// The first n lanes (none for n <= 0, all for n >= 16).
inline __mmask16 tail_mask(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1u);
}

// p[lanes of m] = alpha x + beta p, p not read when beta == 0 (alpha 1 and beta 0 or 1 round as written).
inline void store_scaled(float* p, __mmask16 m, __m512 x, float alpha, float beta) {
  if (alpha != 1.f) x = _mm512_mul_ps(_mm512_set1_ps(alpha), x);
  if (beta == 1.f) x = _mm512_add_ps(_mm512_maskz_loadu_ps(m, p), x);
  else if (beta != 0.f) x = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(m, p)), x);
  _mm512_mask_storeu_ps(p, m, x);
}

// C[0..MR), [0..16 NV) (the last vector masked by `last`) = alpha * sum_k a(i, k) B[k, :] + beta C,
// a(i, k) = A[i * ars + k * acs]. Named accumulators, not an array: GCC keeps arrays of __m512 in
// memory across the k loop (measured at half the speed).
template <int MR, int NV>
void micro_kernel(int64_t K, const float* __restrict A, int64_t ars, int64_t acs, const float* next,
                  const float* __restrict B, int64_t ldb, float* __restrict C, int64_t ldc, __mmask16 last, float alpha,
                  float beta, bool resume) {
  static_assert(MR >= 1 && MR <= 8 && (NV == 1 || NV == 2), "micro_kernel: 1..8 rows, 1 or 2 vectors");
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
         c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
  const __mmask16 m0 = NV == 1 ? last : __mmask16(0xFFFF);
  if (resume) {  // C holds the chains' values after the previous k block: continue them exactly
#define GRIPCU_LOAD(r)                                                         \
  if (MR > r) {                                                                \
    c##r##0 = _mm512_maskz_loadu_ps(m0, C + r * ldc);                          \
    if (NV == 2) c##r##1 = _mm512_maskz_loadu_ps(last, C + r * ldc + 16);      \
  }
    GRIPCU_LOAD(0) GRIPCU_LOAD(1) GRIPCU_LOAD(2) GRIPCU_LOAD(3) GRIPCU_LOAD(4) GRIPCU_LOAD(5) GRIPCU_LOAD(6)
    GRIPCU_LOAD(7)
#undef GRIPCU_LOAD
  }
  const float *a0 = A, *a1 = A + ars, *a2 = A + 2 * ars, *a3 = A + 3 * ars, *a4 = A + 4 * ars, *a5 = A + 5 * ars,
              *a6 = A + 6 * ars, *a7 = A + 7 * ars;
  // C's lines are requested now so that their misses overlap the k loop instead of the stores.
  for (int r = 0; r < MR; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
    if (NV == 2) _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc + 16), _MM_HINT_T0);
  }
  auto step = [&](int64_t k) {
    const float* bk = B + k * ldb;
    const __m512 b0 = NV == 1 ? _mm512_maskz_loadu_ps(last, bk) : _mm512_loadu_ps(bk);
    const __m512 b1 = NV == 2 ? _mm512_maskz_loadu_ps(last, bk + 16) : b0;
    const int64_t o = k * acs;
#define GRIPCU_ROW(r)                                      \
  if (MR > r) {                                            \
    const __m512 x = _mm512_set1_ps(a##r[o]);              \
    c##r##0 = _mm512_fmadd_ps(x, b0, c##r##0);             \
    if (NV == 2) c##r##1 = _mm512_fmadd_ps(x, b1, c##r##1); \
  }
    GRIPCU_ROW(0) GRIPCU_ROW(1) GRIPCU_ROW(2) GRIPCU_ROW(3) GRIPCU_ROW(4) GRIPCU_ROW(5) GRIPCU_ROW(6) GRIPCU_ROW(7)
#undef GRIPCU_ROW
  };
  // The next block's rows of A (`next`, null for none) are requested while this block computes: in
  // a training step they are cold (weights last touched a step ago, activations written by the other
  // thread), and rows of 1-4 KB are too short for the hardware prefetchers to pick up in time.
  if (acs == 1) {
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      if (next)
        for (int r = 0; r < 8; ++r) _mm_prefetch(reinterpret_cast<const char*>(next + r * ars + k), _MM_HINT_T0);
      for (int64_t j = 0; j < 16; ++j) step(k + j);
    }
    if (next && k < K)
      for (int r = 0; r < 8; ++r) _mm_prefetch(reinterpret_cast<const char*>(next + r * ars + k), _MM_HINT_T0);
    for (; k < K; ++k) step(k);
  } else {
    for (int64_t k = 0; k < K; ++k) {
      if (next) _mm_prefetch(reinterpret_cast<const char*>(next + k * acs), _MM_HINT_T0);
      step(k);
    }
  }
#define GRIPCU_STORE(r)                                                    \
  if (MR > r) {                                                            \
    store_scaled(C + r * ldc, m0, c##r##0, alpha, beta);                   \
    if (NV == 2) store_scaled(C + r * ldc + 16, last, c##r##1, alpha, beta); \
  }
  GRIPCU_STORE(0) GRIPCU_STORE(1) GRIPCU_STORE(2) GRIPCU_STORE(3) GRIPCU_STORE(4) GRIPCU_STORE(5) GRIPCU_STORE(6)
  GRIPCU_STORE(7)
#undef GRIPCU_STORE
}

using MicroKernel = void (*)(int64_t, const float*, int64_t, int64_t, const float*, const float*, int64_t, float*,
                             int64_t, __mmask16, float, float, bool);
// [rows - 1][vectors - 1]
constexpr MicroKernel kernels[8][2] = {
    {micro_kernel<1, 1>, micro_kernel<1, 2>}, {micro_kernel<2, 1>, micro_kernel<2, 2>},
    {micro_kernel<3, 1>, micro_kernel<3, 2>}, {micro_kernel<4, 1>, micro_kernel<4, 2>},
    {micro_kernel<5, 1>, micro_kernel<5, 2>}, {micro_kernel<6, 1>, micro_kernel<6, 2>},
    {micro_kernel<7, 1>, micro_kernel<7, 2>}, {micro_kernel<8, 1>, micro_kernel<8, 2>}};

// B's 32-column panels, each copied to K x 32 contiguous floats: the tile reads B once, row by row
// (what the hardware prefetchers follow), and every row block then reads a panel from L1 instead of
// 128-byte pieces at a stride of ldb (a power of two maps them to a few L1 sets; cold, each is a miss).
void pack_panels(const float* B, int64_t ldb, int64_t K, int64_t n, float* out) {
  const int64_t panels = (n + 31) / 32;
  for (int64_t k = 0; k < K; ++k) {
    const float* row = B + k * ldb;
    for (int64_t p = 0; p < panels; ++p) {
      const int64_t j0 = 32 * p, nc = std::min<int64_t>(32, n - j0);
      float* dst = out + (p * K + k) * 32;
      _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(tail_mask(nc), row + j0));
      _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(tail_mask(nc - 16), row + j0 + 16));
    }
  }
}

// C[m, n] = alpha * sum_k a(i, k) B[k, j] + beta C over 8 x 32 blocks; the panel of columns j0 ..
// j0 + 31 of B starts at B + (j0 / 32) * panel_stride with rows ldb apart. cols_outer: all row blocks
// of a panel before the next panel; else all panels per row block. resume: C holds partial sums of
// an earlier k block (alpha 1, beta 0), continued.
void outer_product(int64_t m, int64_t n, int64_t K, const float* A, int64_t ars, int64_t acs, const float* B,
                   int64_t ldb, int64_t panel_stride, float* C, int64_t ldc, float alpha, float beta, bool cols_outer,
                   bool resume = false) {
  auto block = [&](int64_t i0, int64_t j0) {
    const int64_t mr = std::min<int64_t>(8, m - i0), nc = std::min<int64_t>(32, n - j0);
    const int nv = nc > 16 ? 2 : 1;
    const float* next = i0 + 8 < m ? A + (i0 + 8) * ars : nullptr;
    kernels[mr - 1][nv - 1](K, A + i0 * ars, ars, acs, next, B + (j0 / 32) * panel_stride, ldb, C + i0 * ldc + j0, ldc,
                            tail_mask(nc - 16 * (nv - 1)), alpha, beta, resume);
  };
  if (cols_outer) {
    for (int64_t j0 = 0; j0 < n; j0 += 32)
      for (int64_t i0 = 0; i0 < m; i0 += 8) block(i0, j0);
  } else {
    for (int64_t i0 = 0; i0 < m; i0 += 8)
      for (int64_t j0 = 0; j0 < n; j0 += 32) block(i0, j0);
  }
}

// In-register transpose of 16 rows of 16 floats (unpack, 128-bit-lane shuffles, lane permutes).
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(u[i], u[4 + i], 0x88);
    t[4 + i] = _mm512_shuffle_f32x4(u[i], u[4 + i], 0xDD);
    t[8 + i] = _mm512_shuffle_f32x4(u[8 + i], u[12 + i], 0x88);
    t[12 + i] = _mm512_shuffle_f32x4(u[8 + i], u[12 + i], 0xDD);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
    r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xDD);
  }
}

// Y[c * ldy + r] = X[r * ldx + c] for r < rows, c < cols.
void transpose(const float* X, int64_t ldx, int64_t rows, int64_t cols, float* Y, int64_t ldy) {
  __m512 r[16];
  for (int64_t r0 = 0; r0 < rows; r0 += 16)
    for (int64_t c0 = 0; c0 < cols; c0 += 16) {
      const int64_t nr = std::min<int64_t>(16, rows - r0), nc = std::min<int64_t>(16, cols - c0);
      const __mmask16 cm = tail_mask(nc), rm = tail_mask(nr);
      for (int64_t i = 0; i < 16; ++i)
        r[i] = i < nr ? _mm512_maskz_loadu_ps(cm, X + (r0 + i) * ldx + c0) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t j = 0; j < nc; ++j) _mm512_mask_storeu_ps(Y + (c0 + j) * ldy + r0, rm, r[j]);
    }
}


// C = alpha S + beta C for a rows x cols block S (row stride lds); C not read when beta == 0.
void finish(const float* S, int64_t lds, int64_t rows, int64_t cols, float alpha, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 m = tail_mask(cols - j);
      store_scaled(C + i * ldc + j, m, _mm512_maskz_loadu_ps(m, S + i * lds + j), alpha, beta);
    }
}

// k is cut into blocks of this many (the packed operands of a tile then stay in L2: 512 x 256 floats
// is 512 KB); the chains run on through a scratch accumulator, so blocking does not change the bits.
constexpr int64_t k_block = 512;

// Per-thread scratch that only grows and is never value-initialized: tiles of different shapes
// alternate within a step, and std::vector::resize would zero-fill the regrown part each time
// (1.5% of a training step, measured).
class Scratch {
 public:
  float* get(int64_t n) {
    if (n > cap_) {  // 64-byte aligned: packed panels start on a cache line
      const size_t bytes = (static_cast<size_t>(n) * sizeof(float) + 63) / 64 * 64;
      buf_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!buf_) throw std::bad_alloc();
      cap_ = n;
    }
    return buf_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> buf_;
  int64_t cap_ = 0;
};

}  // namespace

bool gemm_tile_avx512(const GemmJob<float>& g, int64_t r0, int64_t c0, int64_t rs, int64_t cs) {
  if ((g.ta && g.tb) || g.k == 0) return false;
  float* C = g.C + r0 * g.ldc + c0;
  thread_local Scratch pa_s, pb_s, acc_s, cc_s;
  const int64_t kb = std::min(g.k, k_block);
  const bool blocked = g.k > kb;
  if (!g.tb) {  // C = op(A) B: B's columns c0 .. c0 + cs packed in 32-column panels
    float* pb = pb_s.get(kb * ((cs + 31) / 32) * 32);
    float* pa = g.ta ? pa_s.get(kb * rs) : nullptr;
    float* acc = blocked ? acc_s.get(rs * cs) : nullptr;
    for (int64_t k0 = 0; k0 < g.k; k0 += kb) {
      const int64_t kc = std::min(kb, g.k - k0);
      pack_panels(g.B + k0 * g.ldb + c0, g.ldb, kc, cs, pb);
      float* out = blocked ? acc : C;
      const int64_t ldo = blocked ? cs : g.ldc;
      const float al = blocked ? 1.f : g.alpha, be = blocked ? 0.f : g.beta;
      if (g.ta) {  // a(i, k) = A[k, i]: the tile's columns of A copied to kc x rs (one page, not kc)
        for (int64_t k = 0; k < kc; ++k)
          std::copy(g.A + (k0 + k) * g.lda + r0, g.A + (k0 + k) * g.lda + r0 + rs, pa + k * rs);
        outer_product(rs, cs, kc, pa, 1, rs, pb, 32, 32 * kc, out, ldo, al, be, true, k0 > 0);
      } else {  // a(i, k) = A[i, k]
        outer_product(rs, cs, kc, g.A + r0 * g.lda + k0, g.lda, 1, pb, 32, 32 * kc, out, ldo, al, be, true,
                      k0 > 0);
      }
    }
    if (blocked) finish(acc, cs, rs, cs, g.alpha, g.beta, C, g.ldc);
    return true;
  }
  // C = A B^T: C^T[j, i] = sum_k B[j, k] A^T[k, i] into acc (cs x rs), then C = alpha acc^T + beta C.
  float* pa = pa_s.get(kb * rs);
  float* acc = acc_s.get(cs * rs);
  for (int64_t k0 = 0; k0 < g.k; k0 += kb) {
    const int64_t kc = std::min(kb, g.k - k0);
    transpose(g.A + r0 * g.lda + k0, g.lda, rs, kc, pa, rs);
    outer_product(cs, rs, kc, g.B + c0 * g.ldb + k0, g.ldb, 1, pa, rs, 32, acc, rs, 1.f, 0.f, false,
                  k0 > 0);
  }
  if (g.alpha == 1.f && g.beta == 0.f) {
    transpose(acc, rs, cs, rs, C, g.ldc);
    return true;
  }
  float* cc = cc_s.get(rs * cs);
  transpose(acc, rs, cs, rs, cc, cs);
  finish(cc, cs, rs, cs, g.alpha, g.beta, C, g.ldc);
  return true;
}

#else

bool gemm_tile_avx512(const GemmJob<float>&, int64_t, int64_t, int64_t, int64_t) { return false; }

#endif

}  // namespace gripcu::kernels::cpu_detail
