#pragma once
// One layer of a LeakyReLU MLP, fused: GEMM + bias + activation forward; activation backward fused
// with the GEMMs of the backward.
//
//   y = act(x W^T + b)        x [n, in], W [out, in] (PyTorch's Linear layout), b [out] or null,
//                             y [n, out];  act(z) = z > 0 ? z : slope * z,  slope >= 0
// slope = 0.2 is the GRIP discriminator's LeakyReLU, slope = 0 is ReLU, slope = 1 the identity (the
// logit layer: the select then returns z exactly, so it is a plain linear layer).
//
// Backward from dy [n, out], with y the forward's output (slope >= 0, so y > 0 iff z > 0):
//   dz = y > 0 ? dy : slope * dy
//   dW (+)= dz^T x      db (+)= sum_rows dz      dx (+)= dz W
// dx, dW, db are GradOuts (kernels/grad_out.h): null when not wanted, written or added into.
// Scratch: leaky_linear_backward_workspace_bytes(n, out, sizeof(T)) bytes (dz), 256-byte aligned;
// the fused CUDA variant needs none (it never materializes dz).
//
// CPU: the GEMM (kernels/cpu/gemm_tiles.h, fixed tiles: bits independent of the thread count) with
// bias and activation applied to each output tile as it finishes; backward computes dz once in one
// vectorized pass and feeds the three products from it. The arithmetic and its order are those of
// the generic chain (linear with a bias epilogue, activation, activation backward, gemm, sum_rows),
// so the results equal that chain bit for bit.
//
// CUDA variants (tests and benchmarks run all):
//   plain (1): the chain of generic launches (cuBLASLt GEMM with bias epilogue, activation;
//              backward: activation backward into the workspace, two cuBLASLt GEMMs, a row sum).
//   fused (2): forward: one tiled-GEMM launch with bias + LeakyReLU in its epilogue; backward: one
//              launch whose blocks compute the dx tiles, the dW tiles and db, each applying the
//              activation's derivative to dy as it loads it (dz never goes to memory). Every output
//              is summed in a fixed order by one thread: deterministic, no atomics. Gradient
//              outputs that share a buffer run the plain chain (it writes them in order).
#include <cstddef>
#include <cstdint>

#include "engine/device.h"
#include "kernels/grad_out.h"

namespace gripcu::kernels {

enum class LeakyMlpVariant { plain = 1, fused = 2 };
constexpr LeakyMlpVariant kLeakyMlpVariants[] = {LeakyMlpVariant::plain, LeakyMlpVariant::fused};
const char* leaky_mlp_variant_name(LeakyMlpVariant v);
// The CUDA default: the fused kernels (fewer launches; not yet timed on a GPU, see
// bench/kernels/bench_leaky_mlp.cpp).
constexpr LeakyMlpVariant kLeakyMlpDefault = LeakyMlpVariant::fused;

size_t leaky_linear_backward_workspace_bytes(int64_t n, int64_t out, size_t elem_size);

template <typename T>
void leaky_linear_forward_cpu(int64_t n, int64_t in, int64_t out, const T* x, const T* W, const T* b, T slope, T* y);
template <typename T>
void leaky_linear_backward_cpu(int64_t n, int64_t in, int64_t out, const T* x, const T* W, const T* y, const T* dy,
                               T slope, const GradOut<T>& dx, const GradOut<T>& dW, const GradOut<T>& db,
                               void* workspace);

void leaky_linear_forward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* W, const float* b,
                               float slope, float* y, LeakyMlpVariant v, cudaStream_t s);
void leaky_linear_forward_cuda(int64_t n, int64_t in, int64_t out, const double* x, const double* W, const double* b,
                               double slope, double* y, LeakyMlpVariant v, cudaStream_t s);
void leaky_linear_backward_cuda(int64_t n, int64_t in, int64_t out, const float* x, const float* W, const float* y,
                                const float* dy, float slope, const GradOut<float>& dx, const GradOut<float>& dW,
                                const GradOut<float>& db, void* workspace, LeakyMlpVariant v, cudaStream_t s);
void leaky_linear_backward_cuda(int64_t n, int64_t in, int64_t out, const double* x, const double* W, const double* y,
                                const double* dy, double slope, const GradOut<double>& dx, const GradOut<double>& dW,
                                const GradOut<double>& db, void* workspace, LeakyMlpVariant v, cudaStream_t s);

}  // namespace gripcu::kernels
