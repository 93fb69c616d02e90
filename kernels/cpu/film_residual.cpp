#include "kernels/film_residual.h"

#include <cstring>

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/cpu/gemm_tiles.h"
#include "kernels/film.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace gripcu::kernels {

const char* film_residual_variant_name(FilmResidualVariant v) {
  switch (v) {
    case FilmResidualVariant::plain: return "plain";
    case FilmResidualVariant::fused: return "fused";
  }
  return "?";
}

namespace {
size_t align256(size_t b) { return (b + 255) / 256 * 256; }
void check_shapes(int64_t n, int64_t H, int64_t F) {
  GRIPCU_CHECK(n >= 0 && H > 0 && F > 0, "film_residual: bad sizes n=", n, " H=", H, " F=", F);
}
}  // namespace

size_t film_residual_backward_workspace_bytes(int64_t n, int64_t H, int64_t F, size_t elem_size) {
  const size_t nh = static_cast<size_t>(n) * static_cast<size_t>(H) * elem_size;
  const size_t nf = static_cast<size_t>(n) * static_cast<size_t>(F) * elem_size;
  return 2 * align256(nh) + align256(nf);  // dz2 [n,H], dh [n,H], dz1 [n,F]
}

template <typename T>
void film_residual_forward_cpu(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma, const T* beta,
                               const FilmResidualParams<T>& w, T* y, T* h, T* a1, T* a2) {
  check_shapes(n, H, F);
  if (n == 0) return;
  film_forward_cpu<T>(n * H, h0, gamma, beta, h);
  gemm_cpu<T>(false, true, n, F, H, T(1), h, w.W1, T(0), a1, w.b1, Epilogue::bias_relu);
  // res2 with bias, ReLU and the residual add on each tile as it finishes.
  // (Epilogues and chunk lambdas copy their captures into locals: read through a closure whose
  // address escapes, they would be reloaded after every store and the loops would stay scalar.)
  const T* const b2 = w.b2;
  cpu_detail::gemm_tiled<T>(false, true, n, H, F, T(1), a1, w.W2, T(0), a2, [=](int64_t r0, int64_t c0, int64_t rs, int64_t cs) {
    const T* bv = b2 + c0;
    T* const a2p = a2;
    const T* const hp = h;
    T* const yp = y;
    const int64_t ld = H;
    for (int64_t r = r0; r < r0 + rs; ++r) {
      T* ar = a2p + r * ld + c0;
      const T* hr = hp + r * ld + c0;
      T* yr = yp + r * ld + c0;
      for (int64_t j = 0; j < cs; ++j) {
        const T v = ar[j] + bv[j];
        ar[j] = v > T(0) ? v : T(0);
      }
      for (int64_t j = 0; j < cs; ++j) yr[j] = hr[j] + ar[j];
    }
  });
}

namespace {
// out (+)= src over [cols] values: the FiLM gradient terms with the write/add choice outside the loop.
template <typename T>
void film_grads_tile(int64_t H, int64_t r0, int64_t c0, int64_t rs, int64_t cs, const T* dh, const T* h0,
                     const T* gamma, const FilmResidualGrads<T>& g) {
  for (int64_t r = r0; r < r0 + rs; ++r) {
    const int64_t o = r * H + c0;
    const T* d = dh + o;
    if (g.h0) {
      T* p = g.h0.p + o;
      const T* gm = gamma + o;
      if (g.h0.accumulate) for (int64_t j = 0; j < cs; ++j) p[j] += d[j] * (T(1) + gm[j]);
      else for (int64_t j = 0; j < cs; ++j) p[j] = T(0) + d[j] * (T(1) + gm[j]);
    }
    if (g.gamma) {
      T* p = g.gamma.p + o;
      const T* hv = h0 + o;
      if (g.gamma.accumulate) for (int64_t j = 0; j < cs; ++j) p[j] += d[j] * hv[j];
      else for (int64_t j = 0; j < cs; ++j) p[j] = T(0) + d[j] * hv[j];
    }
    if (g.beta) {
      T* p = g.beta.p + o;
      if (g.beta.accumulate) for (int64_t j = 0; j < cs; ++j) p[j] += d[j];
      else for (int64_t j = 0; j < cs; ++j) p[j] = T(0) + d[j];
    }
  }
}
}  // namespace

template <typename T>
void film_residual_backward_cpu(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma,
                                const FilmResidualParams<T>& w, const T* h, const T* a1, const T* a2, const T* dy,
                                const FilmResidualGrads<T>& g, void* workspace) {
  check_shapes(n, H, F);
  const bool need_dh = g.h0 || g.gamma || g.beta;
  const bool need_dz1 = need_dh || g.W1 || g.b1;
  if (!need_dz1 && !g.W2 && !g.b2) return;
  GRIPCU_CHECK(workspace != nullptr || n == 0, "film_residual backward: no workspace");
  char* ws = static_cast<char*>(workspace);
  T* dz2 = reinterpret_cast<T*>(ws);
  T* dh = reinterpret_cast<T*>(ws + align256(static_cast<size_t>(n * H) * sizeof(T)));
  T* dz1 = reinterpret_cast<T*>(ws + 2 * align256(static_cast<size_t>(n * H) * sizeof(T)));

  // dz2 = dy * (a2 > 0): a select over loaded operands (vectorizes), bits as relu backward.
  parallel_for(n * H, 1 << 15, [=](int64_t b0, int64_t b1) {
    const T* const d_ = dy;
    const T* const a_ = a2;
    T* const z_ = dz2;
    for (int64_t i = b0; i < b1; ++i) {
      const T d = d_[i];
      z_[i] = a_[i] > T(0) ? d : T(0);
    }
  });
  if (g.b2) sum_rows_cpu<T>(n, H, dz2, g.b2.p, g.b2.accumulate);
  // dW2 and dz1 = (dz2 W2) * (a1 > 0) in one parallel pass (independent products); the mask is
  // dz1's tile epilogue (da1 is never stored).
  auto mask1 = [=](int64_t r0, int64_t c0, int64_t rs, int64_t cs) {
    T* const z_ = dz1;
    const T* const a_ = a1;
    const int64_t ld = F;
    for (int64_t r = r0; r < r0 + rs; ++r) {
      T* d = z_ + r * ld + c0;
      const T* a = a_ + r * ld + c0;
      for (int64_t j = 0; j < cs; ++j) {
        const T v = d[j];
        d[j] = a[j] > T(0) ? v : T(0);
      }
    }
  };
  {
    cpu_detail::TiledJob<T> jobs[2];
    int count = 0;
    if (g.W2) jobs[count++] = cpu_detail::tiled_job<T>(true, false, H, F, n, T(1), dz2, a1, g.W2.accumulate ? T(1) : T(0), g.W2.p);
    if (need_dz1) jobs[count++] = cpu_detail::tiled_job<T>(false, false, n, F, H, T(1), dz2, w.W2, T(0), dz1, mask1);
    cpu_detail::gemm_tiled_many_cpu<T>(jobs, count);
  }
  if (!need_dz1) return;
  if (g.b1) sum_rows_cpu<T>(n, F, dz1, g.b1.p, g.b1.accumulate);
  // dW1 and dh = dy + dz1 W1 (the residual path's gradient plus res1's) in one pass, the FiLM
  // gradients on each finished tile of dh.
  const FilmResidualGrads<T> gl = g;
  auto film_tile = [=](int64_t r0, int64_t c0, int64_t rs, int64_t cs) { film_grads_tile<T>(H, r0, c0, rs, cs, dh, h0, gamma, gl); };
  cpu_detail::TiledJob<T> jobs[2];
  int count = 0;
  const bool w1_aliases = g.W1 && (g.W1.p == g.h0.p || g.W1.p == g.gamma.p || g.W1.p == g.beta.p);
  if (g.W1) jobs[count++] = cpu_detail::tiled_job<T>(true, false, F, H, n, T(1), dz1, h, g.W1.accumulate ? T(1) : T(0), g.W1.p);
  if (need_dh && n > 0) {
    std::memcpy(dh, dy, static_cast<size_t>(n * H) * sizeof(T));
    jobs[count++] = cpu_detail::tiled_job<T>(false, false, n, H, F, T(1), dz1, w.W1, T(1), dh, film_tile);
  }
  if (count == 2 && w1_aliases) {  // one variable for W1 and a FiLM input: keep the write order
    cpu_detail::gemm_tiled_many_cpu<T>(jobs, 1);
    cpu_detail::gemm_tiled_many_cpu<T>(jobs + 1, 1);
  } else {
    cpu_detail::gemm_tiled_many_cpu<T>(jobs, count);
  }
}

#define INST(T)                                                                                                     \
  template void film_residual_forward_cpu<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*,               \
                                             const FilmResidualParams<T>&, T*, T*, T*, T*);                        \
  template void film_residual_backward_cpu<T>(int64_t, int64_t, int64_t, const T*, const T*,                        \
                                              const FilmResidualParams<T>&, const T*, const T*, const T*, const T*, \
                                              const FilmResidualGrads<T>&, void*);
INST(float)
INST(double)
#undef INST

}  // namespace gripcu::kernels
