// Multi-bandwidth Gaussian MMD (kernels/mmd.h), DAN's 5 bandwidths (1/4 .. 4 x the adaptive
// beta0), source and target of n rows each (N = 2n), d features. Args: n, d, grad (0: loss only,
// 1: loss + both gradients). The headline case is n = 1024, d = 256; n = 128 is DADSP's
// batch per domain.
// Counters: GFLOP/s of the two N x N x d products (the Gram matrix, and v = C' Zc with gradients),
// 2 N^2 d flops each; exps are not counted (one expf per pair with the doubling chain).
// Floor, CPU: the products are compute-bound (N = 2048: 2.1 GFLOP each); the default build targets
// baseline x86-64 (SSE2, no FMA): ~22 GFLOP/s per core through Eigen, so ~50 ms per product on the
// shared 2-core VM. Floor, CUDA (H100 SXM, 67 TFLOP/s FP32 without tensor cores): ~32 us per
// product; the N x N C' matrix (16 MiB in float) is written once and read once (~10 us at 3.35 TB/s).
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/kernels/bench_common.h"
#include "kernels/mmd.h"

namespace {

using namespace gripcu;

template <typename T>
void BM_mmd_cpu(benchmark::State& st) {
  const int64_t n = st.range(0), d = st.range(1);
  const bool grad = st.range(2) != 0;
  const auto X = bench::random_vec<T>(n * d, 1), Y = bench::random_vec<T>(n * d, 2, -0.5, 1.5);
  std::vector<T> gx(static_cast<size_t>(n * d)), gy(gx.size());
  const kernels::MmdConfig cfg = kernels::mmd_config_dan();
  T loss = 0;
  for (auto _ : st) {
    kernels::mmd_forward_cpu<T>(n, n, d, X.data(), Y.data(), cfg, &loss, grad ? gx.data() : nullptr,
                                grad ? gy.data() : nullptr);
    benchmark::DoNotOptimize(loss);
    benchmark::ClobberMemory();
  }
  const double N = 2.0 * double(n);
  bench::set_rates(st, 2.0 * N * double(d) * sizeof(T) * (grad ? 2 : 1), (grad ? 2 : 1) * 2.0 * N * N * double(d));
  bench::set_cpu_info(st);
}

#ifdef GRIPCU_HAVE_CUDA
template <typename T>
void BM_mmd_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t n = st.range(0), d = st.range(1);
  const bool grad = st.range(2) != 0;
  bench::DevBuf<T> X(bench::random_vec<T>(n * d, 1)), Y(bench::random_vec<T>(n * d, 2, -0.5, 1.5));
  bench::DevBuf<T> gx(static_cast<size_t>(n * d)), gy(static_cast<size_t>(n * d)), loss(1);
  bench::DevBuf<char> ws(kernels::mmd_cuda_workspace_bytes(n, n, d, sizeof(T), grad));
  const kernels::MmdConfig cfg = kernels::mmd_config_dan();
  bench::time_cuda(st, [&](cudaStream_t s) {
    kernels::mmd_forward_cuda(n, n, d, X.p, Y.p, cfg, loss.p, grad ? gx.p : nullptr, grad ? gy.p : nullptr, nullptr,
                              ws.p, s);
  });
  const double N = 2.0 * double(n);
  bench::set_rates(st, 2.0 * N * double(d) * sizeof(T) * (grad ? 2 : 1), (grad ? 2 : 1) * 2.0 * N * N * double(d));
}
#endif

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "d", "grad"});
  for (int64_t n : {128, 1024})
    for (int64_t g : {0, 1}) b->Args({n, 256, g});
}

BENCHMARK_TEMPLATE(BM_mmd_cpu, float)->Apply(shapes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_mmd_cpu, double)->Args({1024, 256, 1})->ArgNames({"n", "d", "grad"})->Unit(benchmark::kMillisecond)->UseRealTime();
#ifdef GRIPCU_HAVE_CUDA
BENCHMARK_TEMPLATE(BM_mmd_cuda, float)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseManualTime();
BENCHMARK_TEMPLATE(BM_mmd_cuda, double)->Args({1024, 256, 1})->ArgNames({"n", "d", "grad"})->Unit(benchmark::kMicrosecond)->UseManualTime();
#endif

}  // namespace
