// Fused optimizer steps over one parameter slab (kernels/adam.h): Adam, AdamW and SGD-momentum at
// 1M and 10M parameters (the GRIP generator with 978 genes has ~0.8M; with 12000 genes ~6.3M).
// Counters: GB/s of the slab traffic: Adam reads p, g, m, v and writes p, m, v (7 n T);
// SGD-momentum reads p, g, buf and writes p, buf (5 n T). Parameters/s as items.
// Floor: pure streaming. 1M float parameters = 28 MB per Adam step (L3-resident here, 105 MiB);
// 10M = 280 MB from DRAM. On an H100 (3.35 TB/s), 10M float Adam is ~84 us; 1M is ~8 us.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/kernels/bench_common.h"
#include "kernels/adam.h"

namespace {

using namespace gripcu;

kernels::AdamHyper hyper(bool decoupled) {
  kernels::AdamHyper h;
  h.lr = 1e-4;
  h.weight_decay = decoupled ? 1e-2 : 0.0;
  h.decoupled = decoupled;
  return h;
}

template <typename T>
void BM_adam_cpu(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto h = hyper(st.range(1) != 0);
  auto p = bench::random_vec<T>(n, 1);
  const auto g = bench::random_vec<T>(n, 2);
  std::vector<T> m(static_cast<size_t>(n), T(0)), v(static_cast<size_t>(n), T(0));
  int64_t step = 0;
  for (auto _ : st) {
    kernels::adam_step_cpu<T>(n, p.data(), g.data(), m.data(), v.data(), h, ++step);
    benchmark::DoNotOptimize(p.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, 7.0 * double(n) * sizeof(T));
  st.SetItemsProcessed(st.iterations() * n);
  bench::set_cpu_info(st);
}

template <typename T>
void BM_sgd_momentum_cpu(benchmark::State& st) {
  const int64_t n = st.range(0);
  kernels::SgdHyper h;
  h.lr = 1e-2;
  h.momentum = 0.9;
  auto p = bench::random_vec<T>(n, 1);
  const auto g = bench::random_vec<T>(n, 2);
  std::vector<T> buf(static_cast<size_t>(n), T(0));
  int64_t step = 0;
  for (auto _ : st) {
    kernels::sgd_step_cpu<T>(n, p.data(), g.data(), buf.data(), h, ++step);
    benchmark::DoNotOptimize(p.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, 5.0 * double(n) * sizeof(T));
  st.SetItemsProcessed(st.iterations() * n);
  bench::set_cpu_info(st);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "adamw"});
  for (int64_t n : {1'000'000, 10'000'000})
    for (int64_t w : {0, 1}) b->Args({n, w});
}

BENCHMARK_TEMPLATE(BM_adam_cpu, float)->Apply(sizes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_adam_cpu, double)->ArgNames({"n", "adamw"})->Args({1'000'000, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_sgd_momentum_cpu, float)->ArgName("n")->Arg(1'000'000)->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
void BM_adam_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t n = st.range(0);
  const auto h = hyper(st.range(1) != 0);
  bench::DevBuf<float> p(bench::random_vec<float>(n, 1)), g(bench::random_vec<float>(n, 2));
  bench::DevBuf<float> m(std::vector<float>(static_cast<size_t>(n), 0.f)), v(std::vector<float>(static_cast<size_t>(n), 0.f));
  int64_t step = 0;
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::adam_step_cuda(n, p.p, g.p, m.p, v.p, h, ++step, nullptr, s); });
  bench::set_rates(st, 7.0 * double(n) * sizeof(float));
  st.SetItemsProcessed(st.iterations() * n);
}
void BM_sgd_momentum_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t n = st.range(0);
  kernels::SgdHyper h;
  h.lr = 1e-2;
  h.momentum = 0.9;
  bench::DevBuf<float> p(bench::random_vec<float>(n, 1)), g(bench::random_vec<float>(n, 2));
  bench::DevBuf<float> buf(std::vector<float>(static_cast<size_t>(n), 0.f));
  int64_t step = 0;
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::sgd_step_cuda(n, p.p, g.p, buf.p, h, ++step, s); });
  bench::set_rates(st, 5.0 * double(n) * sizeof(float));
  st.SetItemsProcessed(st.iterations() * n);
}
BENCHMARK(BM_adam_cuda)->Apply(sizes)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sgd_momentum_cuda)->ArgName("n")->Arg(1'000'000)->Arg(10'000'000)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
