// Fused FiLM (kernels/film.h): y = h (1 + gamma) + beta and its backward, over [batch 64, width]
// activations of the GRIP generator: width 256 (hidden) and 978 / 12000 (genes).
// Counters: GB/s of the arrays that must move: forward reads h, gamma, beta and writes y (4 n T);
// backward reads h, gamma, dy and writes dh, dgamma, dbeta (6 n T; + 3 n T read with accumulate).
// Floor: pure streaming, so the time is bytes / bandwidth. On the CPU the 64 x 256 and 64 x 978
// cases fit in L2 (4 MiB per core) and run at cache speed; 64 x 12000 (3 MB per array) streams from
// L3. On an H100 (3.35 TB/s) the largest forward moves 12 MB: ~4 us, so launch latency (~3-5 us)
// is of the same order.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/kernels/bench_common.h"
#include "kernels/film.h"

namespace {

using namespace gripcu;

template <typename T>
void BM_film_forward_cpu(benchmark::State& st) {
  const int64_t n = st.range(0) * st.range(1);
  const auto h = bench::random_vec<T>(n, 1), g = bench::random_vec<T>(n, 2), b = bench::random_vec<T>(n, 3);
  std::vector<T> y(static_cast<size_t>(n));
  for (auto _ : st) {
    kernels::film_forward_cpu<T>(n, h.data(), g.data(), b.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, 4.0 * double(n) * sizeof(T), 3.0 * double(n));
  bench::set_cpu_info(st);
}

template <typename T>
void BM_film_backward_cpu(benchmark::State& st) {
  const int64_t n = st.range(0) * st.range(1);
  const bool acc = st.range(2) != 0;
  const auto h = bench::random_vec<T>(n, 1), g = bench::random_vec<T>(n, 2), dy = bench::random_vec<T>(n, 3);
  std::vector<T> dh(static_cast<size_t>(n)), dg(dh.size()), db(dh.size());
  for (auto _ : st) {
    kernels::film_backward_cpu<T>(n, h.data(), g.data(), dy.data(), dh.data(), dg.data(), db.data(), acc);
    benchmark::DoNotOptimize(dh.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, (acc ? 9.0 : 6.0) * double(n) * sizeof(T));
  bench::set_cpu_info(st);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "width"});
  for (int64_t w : {256, 978, 12000}) b->Args({64, w});
}
void shapes_acc(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "width", "acc"});
  for (int64_t w : {256, 978, 12000})
    for (int64_t acc : {0, 1}) b->Args({64, w, acc});
}

BENCHMARK_TEMPLATE(BM_film_forward_cpu, float)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_backward_cpu, float)->Apply(shapes_acc)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_forward_cpu, double)->Args({64, 12000})->Unit(benchmark::kMicrosecond)->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
void BM_film_forward_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t n = st.range(0) * st.range(1);
  bench::DevBuf<float> h(bench::random_vec<float>(n, 1)), g(bench::random_vec<float>(n, 2)),
      b(bench::random_vec<float>(n, 3)), y(static_cast<size_t>(n));
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::film_forward_cuda(n, h.p, g.p, b.p, y.p, s); });
  bench::set_rates(st, 4.0 * double(n) * sizeof(float), 3.0 * double(n));
}
void BM_film_backward_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t n = st.range(0) * st.range(1);
  const bool acc = st.range(2) != 0;
  bench::DevBuf<float> h(bench::random_vec<float>(n, 1)), g(bench::random_vec<float>(n, 2)),
      dy(bench::random_vec<float>(n, 3)), dh(static_cast<size_t>(n)), dg(static_cast<size_t>(n)),
      db(static_cast<size_t>(n));
  bench::time_cuda(st, [&](cudaStream_t s) {
    kernels::film_backward_cuda(n, h.p, g.p, dy.p, dh.p, dg.p, db.p, acc, s);
  });
  bench::set_rates(st, (acc ? 9.0 : 6.0) * double(n) * sizeof(float));
}
BENCHMARK(BM_film_forward_cuda)->Apply(shapes)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_film_backward_cuda)->Apply(shapes_acc)->UseManualTime()->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
