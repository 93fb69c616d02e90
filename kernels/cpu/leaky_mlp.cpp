#include "kernels/leaky_mlp.h"

#include <cstring>

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/cpu/gemm_tiles.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace gripcu::kernels {

const char* leaky_mlp_variant_name(LeakyMlpVariant v) {
  switch (v) {
    case LeakyMlpVariant::plain: return "plain";
    case LeakyMlpVariant::fused: return "fused";
  }
  return "?";
}

size_t leaky_linear_backward_workspace_bytes(int64_t n, int64_t out, size_t elem_size) {
  const size_t b = static_cast<size_t>(n) * static_cast<size_t>(out) * elem_size;
  return (b + 255) / 256 * 256;
}

namespace {
void check_shapes(int64_t n, int64_t in, int64_t out, double slope) {
  GRIPCU_CHECK(n >= 0 && in > 0 && out > 0, "leaky_linear: bad sizes n=", n, " in=", in, " out=", out);
  GRIPCU_CHECK(slope >= 0, "leaky_linear: slope must be >= 0, got ", slope);
}
}  // namespace

template <typename T>
void leaky_linear_forward_cpu(int64_t n, int64_t in, int64_t out, const T* x, const T* W, const T* b, T slope, T* y) {
  check_shapes(n, in, out, static_cast<double>(slope));
  // Each finished tile of z = x W^T gets its bias and activation while it is in cache. Both arms of
  // the select are computed, so the loop vectorizes; slope = 1 returns z itself.
  // (The epilogue copies its captures into locals: read through the closure, whose address escapes,
  // they would be reloaded after every store and the loops would stay scalar.)
  cpu_detail::gemm_tiled<T>(false, true, n, out, in, T(1), x, W, T(0), y, [=](int64_t r0, int64_t c0, int64_t rs, int64_t cs) {
    const T sl = slope;
    const T* const bias = b;
    T* const yy = y;
    const int64_t ld = out;
    for (int64_t r = r0; r < r0 + rs; ++r) {
      T* row = yy + r * ld + c0;
      if (bias) {
        const T* bv = bias + c0;
        for (int64_t j = 0; j < cs; ++j) {
          const T z = row[j] + bv[j], s = sl * z;
          row[j] = z > T(0) ? z : s;
        }
      } else {
        for (int64_t j = 0; j < cs; ++j) {
          const T z = row[j], s = sl * z;
          row[j] = z > T(0) ? z : s;
        }
      }
    }
  });
}

template <typename T>
void leaky_linear_backward_cpu(int64_t n, int64_t in, int64_t out, const T* x, const T* W, const T* y, const T* dy,
                               T slope, const GradOut<T>& dx, const GradOut<T>& dW, const GradOut<T>& db,
                               void* workspace) {
  check_shapes(n, in, out, static_cast<double>(slope));
  if (!dx && !dW && !db) return;
  // dz = y > 0 ? dy : slope * dy, once (one vectorized pass); the identity (slope 1) is dy itself.
  const T* dz = dy;
  if (slope != T(1) && n > 0) {
    GRIPCU_CHECK(workspace != nullptr, "leaky_linear backward: no workspace");
    T* w = static_cast<T*>(workspace);
    parallel_for(n * out, 1 << 15, [=](int64_t b0, int64_t b1) {
      const T* const d = dy;
      const T* const yy = y;
      T* const ww = w;
      const T sl = slope;
      for (int64_t i = b0; i < b1; ++i) {
        const T g = d[i], s = sl * g;
        ww[i] = yy[i] > T(0) ? g : s;
      }
    });
    dz = w;
  }
  if (db) sum_rows_cpu<T>(n, out, dz, db.p, db.accumulate);
  // dW and dx in one parallel pass (distinct buffers; the same one: in write order, dW first).
  cpu_detail::TiledJob<T> jobs[2];
  int count = 0;
  if (dW) jobs[count++] = cpu_detail::tiled_job<T>(true, false, out, in, n, T(1), dz, x, dW.accumulate ? T(1) : T(0), dW.p);
  if (dx) jobs[count++] = cpu_detail::tiled_job<T>(false, false, n, in, out, T(1), dz, W, dx.accumulate ? T(1) : T(0), dx.p);
  if (count == 2 && dW.p == dx.p) {
    cpu_detail::gemm_tiled_many_cpu<T>(jobs, 1);
    cpu_detail::gemm_tiled_many_cpu<T>(jobs + 1, 1);
  } else {
    cpu_detail::gemm_tiled_many_cpu<T>(jobs, count);
  }
}

#define INST(T)                                                                                                  \
  template void leaky_linear_forward_cpu<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, T, T*);     \
  template void leaky_linear_backward_cpu<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*, \
                                             T, const GradOut<T>&, const GradOut<T>&, const GradOut<T>&, void*);
INST(float)
INST(double)
#undef INST

}  // namespace gripcu::kernels
