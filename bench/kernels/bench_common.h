#pragma once
// Shared pieces of the kernel benchmarks: deterministic inputs, rate counters, and (CUDA builds)
// device buffers plus a CUDA-event timer. CPU benchmarks use real time (OpenMP workers are not
// counted in the main thread's CPU time); CUDA benchmarks use manual time from events around the
// launches on the engine stream, so host-side synchronization is not timed.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/device.h"
#include "engine/memory.h"
#include "engine/parallel.h"

#ifdef GRIPCU_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace gripcu::bench {

// SplitMix64 uniforms in [lo, hi): the same inputs on every machine.
template <typename T>
std::vector<T> random_vec(int64_t n, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  std::vector<T> v(static_cast<size_t>(n));
  uint64_t s = seed;
  for (auto& x : v) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    x = static_cast<T>(lo + (hi - lo) * (static_cast<double>(z >> 11) * 0x1.0p-53));
  }
  return v;
}

// Per-iteration work as rates: bytes that must cross memory, and floating-point operations.
inline void set_rates(benchmark::State& st, double bytes, double flops = 0) {
  st.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if (flops > 0)
    st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

inline void set_cpu_info(benchmark::State& st) { st.counters["threads"] = num_threads(); }

#ifdef GRIPCU_HAVE_CUDA
// True (and the benchmark marked skipped) when no CUDA device is present.
inline bool skip_without_cuda(benchmark::State& st) {
  if (!cuda_devices().empty()) return false;
  st.SkipWithError("no CUDA device");
  return true;
}

// A device copy of a host vector (or an uninitialized device buffer of n elements).
template <typename T>
struct DevBuf {
  Device dev = Device::cuda();
  T* p = nullptr;
  size_t n = 0;
  explicit DevBuf(size_t count) : n(count) { p = static_cast<T*>(mem_alloc(dev, n * sizeof(T))); }
  explicit DevBuf(const std::vector<T>& h) : DevBuf(h.size()) { mem_copy(dev, p, Device::cpu(), h.data(), n * sizeof(T)); }
  ~DevBuf() { mem_free(dev, p, n * sizeof(T)); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
};

// Times `launch(stream)` with CUDA events on the engine stream (one warm-up launch first).
template <typename F>
void time_cuda(benchmark::State& st, F&& launch) {
  const Device dev = Device::cuda();
  cudaStream_t s = stream_for(dev);
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  launch(s);
  synchronize(dev);
  for (auto _ : st) {
    cudaEventRecord(a, s);
    launch(s);
    cudaEventRecord(b, s);
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    st.SetIterationTime(static_cast<double>(ms) * 1e-3);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) st.SkipWithError(cudaGetErrorString(err));
}
#endif

}  // namespace gripcu::bench
