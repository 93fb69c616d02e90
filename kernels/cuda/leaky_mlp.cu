// CUDA twin of kernels/leaky_mlp.h: the plain chain of generic launches (variant 1) and the fused
// tiled kernels (variant 2: forward one launch, backward one launch).
#include "kernels/leaky_mlp.h"

#include "engine/error.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/fused_gemm.cuh"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

// y[n, out] = act(x[n, in] W[out, in]^T + b): A = x (k contiguous), B(k, c) = W[c, k] (k contiguous).
template <typename T>
__global__ void __launch_bounds__(kTileThreads)
    leaky_forward_kernel(int64_t n, int64_t in, int64_t out, const T* __restrict__ x, const T* __restrict__ W,
                         const T* __restrict__ b, T slope, T* __restrict__ y) {
  __shared__ TileSmem<T> sm;
  const auto la = [x, in](int64_t r, int64_t k) { return x[r * in + k]; };
  const auto lb = [W, in](int64_t k, int64_t c) { return W[c * in + k]; };
  const auto epi = [b, slope, y, out](int64_t r, int64_t c, T acc) {
    const T z = b ? acc + b[c] : acc;
    const T s = slope * z;
    y[r * out + c] = z > T(0) ? z : s;
  };
  gemm_tile<T, false, true>(sm, n, out, in, blockIdx.x, la, lb, epi);
}

template <typename T>
struct LeakyBackwardArgs {
  int64_t n, in, out;
  const T *x, *W, *y, *dy;
  T slope;
  GradOut<T> dx, dW, db;
  int64_t blocks_dx, blocks_dW;  // the grid: [dx tiles][dW tiles][db column blocks]
};

// One launch for the three gradients; dz = y > 0 ? dy : slope dy is formed as operands are loaded.
template <typename T>
__global__ void __launch_bounds__(kTileThreads) leaky_backward_kernel(LeakyBackwardArgs<T> a) {
  __shared__ TileSmem<T> sm;
  const T* __restrict__ y = a.y;
  const T* __restrict__ dy = a.dy;
  const int64_t out = a.out, in = a.in;
  const T slope = a.slope;
  const auto dz = [y, dy, out, slope](int64_t r, int64_t o) {
    const T g = dy[r * out + o], s = slope * g;
    return y[r * out + o] > T(0) ? g : s;
  };
  int64_t blk = blockIdx.x;
  if (blk < a.blocks_dx) {
    // dx[n, in] (+)= dz[n, out] W[out, in]: A = dz (k contiguous), B = W (c contiguous).
    const T* __restrict__ W = a.W;
    T* dx = a.dx.p;
    const bool acc = a.dx.accumulate;
    gemm_tile<T, false, false>(sm, a.n, in, out, blk, dz, [W, in](int64_t k, int64_t c) { return W[k * in + c]; },
                               [dx, in, acc](int64_t r, int64_t c, T v) {
                                 T* p = dx + r * in + c;
                                 *p = acc ? *p + v : v;
                               });
    return;
  }
  blk -= a.blocks_dx;
  if (blk < a.blocks_dW) {
    // dW[out, in] (+)= dz^T x: A(o, r) = dz(r, o) (contiguous in o), B = x (c contiguous).
    const T* __restrict__ x = a.x;
    T* dW = a.dW.p;
    const bool acc = a.dW.accumulate;
    gemm_tile<T, true, false>(sm, out, in, a.n, blk, [dz](int64_t o, int64_t r) { return dz(r, o); },
                              [x, in](int64_t r, int64_t c) { return x[r * in + c]; },
                              [dW, in, acc](int64_t o, int64_t c, T v) {
                                T* p = dW + o * in + c;
                                *p = acc ? *p + v : v;
                              });
    return;
  }
  blk -= a.blocks_dW;
  column_sum<T>(a.n, out, blk, dz, a.db.p, a.db.accumulate);
}

template <typename T>
void forward_impl(int64_t n, int64_t in, int64_t out, const T* x, const T* W, const T* b, T slope, T* y,
                  LeakyMlpVariant v, cudaStream_t s) {
  GRIPCU_CHECK(n >= 0 && in > 0 && out > 0, "leaky_linear: bad sizes n=", n, " in=", in, " out=", out);
  GRIPCU_CHECK(slope >= T(0), "leaky_linear: slope must be >= 0, got ", slope);
  if (n == 0) return;
  if (v == LeakyMlpVariant::plain) {
    gemm_cuda(false, true, n, out, in, T(1), x, W, T(0), y, b, b ? Epilogue::bias : Epilogue::none, s);
    if (slope != T(1)) act_forward_cuda(Act::leaky_relu, n * out, y, y, slope, s);
    return;
  }
  leaky_forward_kernel<T><<<tiles_for(n, out), kTileThreads, 0, s>>>(n, in, out, x, W, b, slope, y);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void backward_impl(int64_t n, int64_t in, int64_t out, const T* x, const T* W, const T* y, const T* dy, T slope,
                   const GradOut<T>& dx, const GradOut<T>& dW, const GradOut<T>& db, void* workspace,
                   LeakyMlpVariant v, cudaStream_t s) {
  GRIPCU_CHECK(n >= 0 && in > 0 && out > 0, "leaky_linear: bad sizes n=", n, " in=", in, " out=", out);
  GRIPCU_CHECK(slope >= T(0), "leaky_linear: slope must be >= 0, got ", slope);
  if (!dx && !dW && !db) return;
  // The fused launch writes its three gradients concurrently: if two are one buffer (one variable
  // passed twice), take the plain chain, which writes them in order.
  const bool aliased = (dx && (dx.p == dW.p || dx.p == db.p)) || (dW && dW.p == db.p);
  if (v == LeakyMlpVariant::plain || aliased) {
    const T* dz = dy;
    if (slope != T(1) && n > 0) {
      GRIPCU_CHECK(workspace != nullptr, "leaky_linear backward: no workspace");
      T* w = static_cast<T*>(workspace);
      act_backward_cuda(Act::leaky_relu, n * out, y, y, dy, w, slope, false, s);
      dz = w;
    }
    if (dW) gemm_cuda(true, false, out, in, n, T(1), dz, x, dW.accumulate ? T(1) : T(0), dW.p, nullptr, Epilogue::none, s);
    if (db) sum_rows_cuda(n, out, dz, db.p, db.accumulate, s);
    if (dx) gemm_cuda(false, false, n, in, out, T(1), dz, W, dx.accumulate ? T(1) : T(0), dx.p, nullptr, Epilogue::none, s);
    return;
  }
  LeakyBackwardArgs<T> a{n, in, out, x, W, y, dy, slope, dx, dW, db, 0, 0};
  a.blocks_dx = (dx && n > 0) ? tiles_for(n, in) : 0;
  a.blocks_dW = dW ? tiles_for(out, in) : 0;
  const int64_t blocks_db = db ? column_blocks(out) : 0;
  const int64_t grid = a.blocks_dx + a.blocks_dW + blocks_db;
  if (grid == 0) return;
  leaky_backward_kernel<T><<<static_cast<unsigned>(grid), kTileThreads, 0, s>>>(a);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

}  // namespace

void leaky_linear_forward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* W, const float* b,
                               float slope, float* y, LeakyMlpVariant v, cudaStream_t s) {
  forward_impl(n, in, out, x, W, b, slope, y, v, s);
}
void leaky_linear_forward_cuda(int64_t n, int64_t in, int64_t out, const double* x, const double* W, const double* b,
                               double slope, double* y, LeakyMlpVariant v, cudaStream_t s) {
  forward_impl(n, in, out, x, W, b, slope, y, v, s);
}
void leaky_linear_backward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* W, const float* y,
                                const float* dy, float slope, const GradOut<float>& dx, const GradOut<float>& dW,
                                const GradOut<float>& db, void* workspace, LeakyMlpVariant v, cudaStream_t s) {
  backward_impl(n, in, out, x, W, y, dy, slope, dx, dW, db, workspace, v, s);
}
void leaky_linear_backward_cuda(int64_t n, int64_t in, int64_t out, const double* x, const double* W, const double* y,
                                const double* dy, double slope, const GradOut<double>& dx, const GradOut<double>& dW,
                                const GradOut<double>& db, void* workspace, LeakyMlpVariant v, cudaStream_t s) {
  backward_impl(n, in, out, x, W, y, dy, slope, dx, dW, db, workspace, v, s);
}

}  // namespace gripcu::kernels
