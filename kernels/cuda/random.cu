// CUDA twin of kernels/random.h. Every value is philox(seed, stream, offset + i) through the same
// __host__ __device__ code as the CPU (engine/philox.h), and the final scale/shift uses explicitly
// rounded multiply and add (__fmul_rn / __fadd_rn ...) so nvcc cannot contract them into an FMA:
// the CPU and GPU give identical bits.
#include "kernels/random.h"

#include <cub/device/device_radix_sort.cuh>

#include "engine/memory.h"
#include "engine/philox.h"
#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

template <typename T>
struct Uniform {
  T* out;
  uint64_t seed, stream, offset;
  T lo, span;  // span = hi - lo, rounded in T on the host exactly as the CPU does
  __device__ void operator()(int64_t i) const {
    const T u = static_cast<T>(philox::u01(philox::word(seed, stream, offset + static_cast<uint64_t>(i))));
    out[i] = add_rn(lo, mul_rn(span, u));
  }
};
template <typename T>
struct Normal {
  T* out;
  uint64_t seed, stream, offset;
  T mean, stddev;
  __device__ void operator()(int64_t i) const {
    const T z = static_cast<T>(philox::normal(seed, stream, offset + static_cast<uint64_t>(i)));
    out[i] = add_rn(mean, mul_rn(stddev, z));
  }
};
template <typename T>
struct Dropout {
  const T* x;
  T *y, *mask;
  uint64_t seed, stream, offset;
  T p, keep_scale;
  __device__ void operator()(int64_t i) const {
    const T u = static_cast<T>(philox::u01(philox::word(seed, stream, offset + static_cast<uint64_t>(i))));
    const T mk = u >= p ? keep_scale : T(0);
    mask[i] = mk;
    y[i] = mul_rn(x[i], mk);
  }
};

template <typename T>
void fill_uniform_impl(int64_t n, T* out, uint64_t seed, uint64_t stream, uint64_t offset, T lo, T hi,
                       cudaStream_t s) {
  launch_map(n, Uniform<T>{out, seed, stream, offset, lo, static_cast<T>(hi - lo)}, s);
}
template <typename T>
void fill_normal_impl(int64_t n, T* out, uint64_t seed, uint64_t stream, uint64_t offset, T mean, T stddev,
                      cudaStream_t s) {
  launch_map(n, Normal<T>{out, seed, stream, offset, mean, stddev}, s);
}
template <typename T>
void dropout_impl(int64_t n, T p, uint64_t seed, uint64_t stream, uint64_t offset, const T* x, T* y, T* mask,
                  cudaStream_t s) {
  // Computed on the host with the CPU's expression: same IEEE division, same bits.
  const T keep_scale = p < T(1) ? T(1) / (T(1) - p) : T(0);
  launch_map(n, Dropout<T>{x, y, mask, seed, stream, offset, p, keep_scale}, s);
}

struct PermKeys {
  uint64_t* keys;
  int64_t* vals;
  uint64_t seed, stream;
  __device__ void operator()(int64_t i) const {
    keys[i] = philox::key64(seed, stream, static_cast<uint64_t>(i));
    vals[i] = i;
  }
};

}  // namespace

void fill_uniform_cuda(int64_t n, float* out, uint64_t seed, uint64_t stream, uint64_t offset, float lo, float hi,
                       cudaStream_t s) {
  fill_uniform_impl(n, out, seed, stream, offset, lo, hi, s);
}
void fill_uniform_cuda(int64_t n, double* out, uint64_t seed, uint64_t stream, uint64_t offset, double lo, double hi,
                       cudaStream_t s) {
  fill_uniform_impl(n, out, seed, stream, offset, lo, hi, s);
}
void fill_normal_cuda(int64_t n, float* out, uint64_t seed, uint64_t stream, uint64_t offset, float mean,
                      float stddev, cudaStream_t s) {
  fill_normal_impl(n, out, seed, stream, offset, mean, stddev, s);
}
void fill_normal_cuda(int64_t n, double* out, uint64_t seed, uint64_t stream, uint64_t offset, double mean,
                      double stddev, cudaStream_t s) {
  fill_normal_impl(n, out, seed, stream, offset, mean, stddev, s);
}
void dropout_forward_cuda(int64_t n, float p, uint64_t seed, uint64_t stream, uint64_t offset, const float* x,
                          float* y, float* mask, cudaStream_t s) {
  dropout_impl(n, p, seed, stream, offset, x, y, mask, s);
}
void dropout_forward_cuda(int64_t n, double p, uint64_t seed, uint64_t stream, uint64_t offset, const double* x,
                          double* y, double* mask, cudaStream_t s) {
  dropout_impl(n, p, seed, stream, offset, x, y, mask, s);
}

// Keys key64(i) with values i, radix-sorted on all 64 key bits. CUB's radix sort is stable, so
// equal keys keep increasing i: exactly the CPU's sort of (key, index) pairs.
void permutation_cuda(int64_t n, uint64_t seed, uint64_t stream, int64_t* out, cudaStream_t s) {
  if (n <= 0) return;
  const Device dev = Device::cuda(stream_device(s));
  const size_t nb = sizeof(uint64_t) * static_cast<size_t>(n);
  // Temporaries from the engine's caching allocator. Freeing right after enqueueing is safe for
  // work on the same stream (a later reuse of a block is ordered after this sort).
  auto* keys_in = static_cast<uint64_t*>(mem_alloc(dev, nb));
  auto* keys_out = static_cast<uint64_t*>(mem_alloc(dev, nb));
  auto* vals_in = static_cast<int64_t*>(mem_alloc(dev, nb));
  void* temp = nullptr;
  size_t temp_bytes = 0;
  try {
    launch_map(n, PermKeys{keys_in, vals_in, seed, stream}, s);
    GRIPCU_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in, keys_out, vals_in, out, n, 0,
                                                      64, s));
    temp = mem_alloc(dev, temp_bytes);
    GRIPCU_CUDA_CHECK(
        cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_in, keys_out, vals_in, out, n, 0, 64, s));
  } catch (...) {
    mem_free(dev, temp, temp_bytes);
    mem_free(dev, vals_in, nb);
    mem_free(dev, keys_out, nb);
    mem_free(dev, keys_in, nb);
    throw;
  }
  mem_free(dev, temp, temp_bytes);
  mem_free(dev, vals_in, nb);
  mem_free(dev, keys_out, nb);
  mem_free(dev, keys_in, nb);
}

}  // namespace gripcu::kernels
