#pragma once
// Random fills and dropout from the engine's Philox streams (engine/philox.h). Element i of a fill
// is value (offset + i) of stream `stream` under `seed`: the CPU and CUDA twins give identical bits.
//   dropout: mask[i] = u_i >= p ? 1 / (1 - p) : 0;  y = x * mask;  backward dx (+)= dy * mask
//   permutation: 0..n-1 sorted by philox::key64 (ties by index)
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

template <typename T>
void fill_uniform_cpu(int64_t n, T* out, uint64_t seed, uint64_t stream, uint64_t offset, T lo, T hi);
template <typename T>
void fill_normal_cpu(int64_t n, T* out, uint64_t seed, uint64_t stream, uint64_t offset, T mean, T stddev);
template <typename T>
void dropout_forward_cpu(int64_t n, T p, uint64_t seed, uint64_t stream, uint64_t offset, const T* x, T* y, T* mask);
void permutation_cpu(int64_t n, uint64_t seed, uint64_t stream, int64_t* out);

void fill_uniform_cuda(int64_t n, float* out, uint64_t seed, uint64_t stream, uint64_t offset, float lo, float hi,
                       cudaStream_t s);
void fill_uniform_cuda(int64_t n, double* out, uint64_t seed, uint64_t stream, uint64_t offset, double lo, double hi,
                       cudaStream_t s);
void fill_normal_cuda(int64_t n, float* out, uint64_t seed, uint64_t stream, uint64_t offset, float mean,
                      float stddev, cudaStream_t s);
void fill_normal_cuda(int64_t n, double* out, uint64_t seed, uint64_t stream, uint64_t offset, double mean,
                      double stddev, cudaStream_t s);
void dropout_forward_cuda(int64_t n, float p, uint64_t seed, uint64_t stream, uint64_t offset, const float* x,
                          float* y, float* mask, cudaStream_t s);
void dropout_forward_cuda(int64_t n, double p, uint64_t seed, uint64_t stream, uint64_t offset, const double* x,
                          double* y, double* mask, cudaStream_t s);
// Device-side permutation (CUB radix sort of the keys); writes n indices to out.
void permutation_cuda(int64_t n, uint64_t seed, uint64_t stream, int64_t* out, cudaStream_t s);

}  // namespace gripcu::kernels
