#pragma once
// The GRIP-Lung generator's FiLM + residual block, fused (forward one call, backward one call).
//
// Shapes: n rows; h0, gamma, beta, h, a2, y: [n, H]; a1: [n, F]; W1 [F, H], b1 [F], W2 [H, F], b2 [H]
// (PyTorch's Linear layout: weight [out, in]). In the generator H = F = hidden (256).
//
// Forward:
//   h  = h0 * (1 + gamma) + beta                  FiLM
//   a1 = relu(h W1^T + b1)                        res1
//   a2 = relu(a1 W2^T + b2)                       res2
//   y  = h + a2                                   residual
// h, a1 and a2 are outputs too: the backward reads them (relu(z) > 0 iff z > 0, so the
// post-activations carry the masks).
//
// Backward from dy [n, H]:
//   dz2 = dy * (a2 > 0)
//   dW2 (+)= dz2^T a1            db2 (+)= sum_rows dz2
//   dz1 = (dz2 W2) * (a1 > 0)
//   dW1 (+)= dz1^T h             db1 (+)= sum_rows dz1
//   dh  = dy + dz1 W1
//   dh0 (+)= dh * (1 + gamma)    dgamma (+)= dh * h0    dbeta (+)= dh
// Every gradient is a GradOut: null when not wanted (its GEMM or pass is skipped), and written or
// added into as the autograd tape asks (write on a variable's first contribution, += after).
// Scratch: film_residual_backward_workspace_bytes(n, H, F, sizeof(T)) bytes, 256-byte aligned
// (dz2, dz1, dh).
//
// The CPU twin is the same arithmetic as the chain of generic kernels (film, gemm with a fused
// bias+ReLU epilogue, add, activation backward, gemm, sum_rows), in the same order, so it equals
// that chain bit for bit; it fuses the elementwise passes (the mask is applied once and feeds both
// GEMMs, the residual add and the FiLM run in vectorized single passes). Bits do not depend on the
// thread count (fixed GEMM tiles, fixed-order reductions).
//
// CUDA variants (tests and benchmarks run all; kFilmResidualDefault is the default):
//   plain (1): the CPU sequence, one generic launch per step (film, two cuBLASLt GEMMs with
//              bias+ReLU epilogues, add; backward: masks, four GEMMs, two row sums, FiLM).
//   fused (2): forward in one launch: each block takes 4 rows and runs FiLM -> res1 -> res2 ->
//              residual with the rows in shared memory (W staged through shared memory in
//              coalesced chunks); backward in two launches: a row kernel (dz2, dz1 = (dz2 W2) *
//              mask, dh = dy + dz1 W1, the FiLM gradients) and one launch for all four weight/bias
//              gradients (64 x 64 tiles; every output summed over rows in a fixed order by one
//              thread: deterministic, no atomics). Shapes whose rows do not fit in shared memory,
//              and gradient outputs that share a buffer (one variable passed twice), run plain.
#include <cstddef>
#include <cstdint>

#include "engine/device.h"
#include "kernels/grad_out.h"

namespace gripcu::kernels {

template <typename T>
struct FilmResidualParams {
  const T *W1 = nullptr, *b1 = nullptr, *W2 = nullptr, *b2 = nullptr;
};

template <typename T>
struct FilmResidualGrads {
  GradOut<T> h0, gamma, beta, W1, b1, W2, b2;
};

enum class FilmResidualVariant { plain = 1, fused = 2 };
constexpr FilmResidualVariant kFilmResidualVariants[] = {FilmResidualVariant::plain, FilmResidualVariant::fused};
const char* film_residual_variant_name(FilmResidualVariant v);
// The CUDA default: the fused kernels (fewer dependent launches; not yet timed on a GPU, see
// bench/kernels/bench_film_residual.cpp).
constexpr FilmResidualVariant kFilmResidualDefault = FilmResidualVariant::fused;

size_t film_residual_backward_workspace_bytes(int64_t n, int64_t H, int64_t F, size_t elem_size);

template <typename T>
void film_residual_forward_cpu(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma, const T* beta,
                               const FilmResidualParams<T>& w, T* y, T* h, T* a1, T* a2);
template <typename T>
void film_residual_backward_cpu(int64_t n, int64_t H, int64_t F, const T* h0, const T* gamma,
                                const FilmResidualParams<T>& w, const T* h, const T* a1, const T* a2, const T* dy,
                                const FilmResidualGrads<T>& g, void* workspace);

void film_residual_forward_cuda(int64_t n, int64_t H, int64_t F, const float* h0, const float* gamma,
                                const float* beta, const FilmResidualParams<float>& w, float* y, float* h, float* a1,
                                float* a2, FilmResidualVariant v, cudaStream_t s);
void film_residual_forward_cuda(int64_t n, int64_t H, int64_t F, const double* h0, const double* gamma,
                                const double* beta, const FilmResidualParams<double>& w, double* y, double* h,
                                double* a1, double* a2, FilmResidualVariant v, cudaStream_t s);
void film_residual_backward_cuda(int64_t n, int64_t H, int64_t F, const float* h0, const float* gamma,
                                 const FilmResidualParams<float>& w, const float* h, const float* a1, const float* a2,
                                 const float* dy, const FilmResidualGrads<float>& g, void* workspace,
                                 FilmResidualVariant v, cudaStream_t s);
void film_residual_backward_cuda(int64_t n, int64_t H, int64_t F, const double* h0, const double* gamma,
                                 const FilmResidualParams<double>& w, const double* h, const double* a1,
                                 const double* a2, const double* dy, const FilmResidualGrads<double>& g,
                                 void* workspace, FilmResidualVariant v, cudaStream_t s);

}  // namespace gripcu::kernels
