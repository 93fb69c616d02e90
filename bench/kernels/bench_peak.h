#pragma once
// The compute floor of the fused-kernel benchmarks: peak float flops of the CPU as this binary was
// built, and of an H100, so a benchmark can report "% of peak" next to GFLOP/s.
// CPU: flops per cycle per core from the instruction set the compiler targeted (Eigen's GEMM kernel
// follows it): SSE2 4-wide mul + add = 8; AVX2 + FMA 2 x 8-wide FMA = 32; AVX-512 2 x 16-wide FMA = 64
// (assumes two FMA ports) at kCpuGHz, the all-core turbo clock of the development VM (its SSE2 GEMM
// reached 24 GFLOP/s on one core: 8 flop/cycle x 3.0 GHz).
#include <benchmark/benchmark.h>

#include "engine/parallel.h"

namespace gripcu::bench {

constexpr double kCpuGHz = 3.0;
constexpr double cpu_flops_per_cycle() {
#if defined(__AVX512F__)
  return 64;
#elif defined(__AVX2__) && defined(__FMA__)
  return 32;
#elif defined(__AVX__)
  return 16;
#else
  return 8;
#endif
}
inline double cpu_peak_flops() { return cpu_flops_per_cycle() * kCpuGHz * 1e9 * num_threads(); }
// H100 SXM FP32 (non-tensor) peak; FP64 is about half.
constexpr double kH100Fp32Flops = 67e12;

// GFLOP/s and % of `peak` for `flops` per iteration.
inline void set_flops(benchmark::State& st, double flops, double peak) {
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["%peak"] = benchmark::Counter(flops / peak * 100.0, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace gripcu::bench
