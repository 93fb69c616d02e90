// Elementwise arithmetic and activations (kernels/elementwise.h) at n = 64 x 256 (a hidden layer),
// 64 x 12000 (a 12000-gene output) and 10M (a slab-sized sweep), plus a memcpy baseline at the same
// sizes: the measured floor of a streaming kernel on this machine (GB/s of read + written bytes).
// Counters: GB/s of the arrays that must move (axpby 3 n T; act forward 2 n T; act backward 3 n T
// reading the one input the formula needs plus dy, writing dx; add_rowvec 2 n T + cols T).
// Floor: bytes / bandwidth everywhere (sigmoid/tanh are the only ones with real arithmetic: one
// exp/tanh per element, ~10-20 ns/element/core with libm, which makes them compute-bound on the CPU).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "bench/kernels/bench_common.h"
#include "kernels/elementwise.h"

namespace {

using namespace gripcu;
using kernels::Act;

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgName("n");
  for (int64_t n : {64 * 256, 64 * 12000, 10'000'000}) b->Arg(n);
}
void act_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"act", "n"});
  for (Act a : {Act::relu, Act::leaky_relu, Act::sigmoid, Act::tanh})
    for (int64_t n : {64 * 256, 64 * 12000, 10'000'000}) b->Args({static_cast<int64_t>(a), n});
}

// The floor: one read and one write stream (2 n bytes moved), single-threaded memcpy.
void BM_memcpy_baseline(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto a = bench::random_vec<float>(n, 1);
  std::vector<float> b(static_cast<size_t>(n));
  for (auto _ : st) {
    std::memcpy(b.data(), a.data(), static_cast<size_t>(n) * sizeof(float));
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, 2.0 * double(n) * sizeof(float));
}
BENCHMARK(BM_memcpy_baseline)->Apply(sizes)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_axpby_cpu(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto a = bench::random_vec<float>(n, 1), b = bench::random_vec<float>(n, 2);
  std::vector<float> out(static_cast<size_t>(n));
  for (auto _ : st) {
    kernels::axpby_cpu<float>(n, 1.f, a.data(), -0.5f, b.data(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, 3.0 * double(n) * sizeof(float), 3.0 * double(n));
  bench::set_cpu_info(st);
}
BENCHMARK(BM_axpby_cpu)->Apply(sizes)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_add_rowvec_cpu(benchmark::State& st) {
  const int64_t cols = st.range(0), rows = 64;
  const auto x = bench::random_vec<float>(rows * cols, 1), v = bench::random_vec<float>(cols, 2);
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (auto _ : st) {
    kernels::add_rowvec_cpu<float>(rows, cols, x.data(), v.data(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  bench::set_rates(st, (2.0 * double(rows * cols) + double(cols)) * sizeof(float), double(rows * cols));
  bench::set_cpu_info(st);
}
BENCHMARK(BM_add_rowvec_cpu)->ArgName("cols")->Arg(256)->Arg(978)->Arg(12000)->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_act_forward_cpu(benchmark::State& st) {
  const Act a = static_cast<Act>(st.range(0));
  const int64_t n = st.range(1);
  const auto x = bench::random_vec<float>(n, 1, -4, 4);
  std::vector<float> y(static_cast<size_t>(n));
  for (auto _ : st) {
    kernels::act_forward_cpu<float>(a, n, x.data(), y.data(), 0.2f);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  st.SetLabel(kernels::act_name(a));
  bench::set_rates(st, 2.0 * double(n) * sizeof(float));
  bench::set_cpu_info(st);
}
BENCHMARK(BM_act_forward_cpu)->Apply(act_sizes)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_act_backward_cpu(benchmark::State& st) {
  const Act a = static_cast<Act>(st.range(0));
  const int64_t n = st.range(1);
  const auto x = bench::random_vec<float>(n, 1, -4, 4), dy = bench::random_vec<float>(n, 2);
  std::vector<float> y(static_cast<size_t>(n)), dx(static_cast<size_t>(n));
  kernels::act_forward_cpu<float>(a, n, x.data(), y.data(), 0.2f);
  for (auto _ : st) {
    kernels::act_backward_cpu<float>(a, n, x.data(), y.data(), dy.data(), dx.data(), 0.2f, false);
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  st.SetLabel(kernels::act_name(a));
  bench::set_rates(st, 3.0 * double(n) * sizeof(float));
  bench::set_cpu_info(st);
}
BENCHMARK(BM_act_backward_cpu)->Apply(act_sizes)->Unit(benchmark::kMicrosecond)->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
void BM_axpby_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t n = st.range(0);
  bench::DevBuf<float> a(bench::random_vec<float>(n, 1)), b(bench::random_vec<float>(n, 2)), out(static_cast<size_t>(n));
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::axpby_cuda(n, 1.f, a.p, -0.5f, b.p, out.p, s); });
  bench::set_rates(st, 3.0 * double(n) * sizeof(float), 3.0 * double(n));
}
BENCHMARK(BM_axpby_cuda)->Apply(sizes)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_add_rowvec_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const int64_t cols = st.range(0), rows = 64;
  bench::DevBuf<float> x(bench::random_vec<float>(rows * cols, 1)), v(bench::random_vec<float>(cols, 2)),
      out(static_cast<size_t>(rows * cols));
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::add_rowvec_cuda(rows, cols, x.p, v.p, out.p, s); });
  bench::set_rates(st, (2.0 * double(rows * cols) + double(cols)) * sizeof(float), double(rows * cols));
}
BENCHMARK(BM_add_rowvec_cuda)->ArgName("cols")->Arg(256)->Arg(978)->Arg(12000)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_act_forward_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const Act a = static_cast<Act>(st.range(0));
  const int64_t n = st.range(1);
  bench::DevBuf<float> x(bench::random_vec<float>(n, 1, -4, 4)), y(static_cast<size_t>(n));
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::act_forward_cuda(a, n, x.p, y.p, 0.2f, s); });
  st.SetLabel(kernels::act_name(a));
  bench::set_rates(st, 2.0 * double(n) * sizeof(float));
}
BENCHMARK(BM_act_forward_cuda)->Apply(act_sizes)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_act_backward_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const Act a = static_cast<Act>(st.range(0));
  const int64_t n = st.range(1);
  bench::DevBuf<float> x(bench::random_vec<float>(n, 1, -4, 4)), y(static_cast<size_t>(n)),
      dy(bench::random_vec<float>(n, 2)), dx(static_cast<size_t>(n));
  kernels::act_forward_cuda(a, n, x.p, y.p, 0.2f, stream_for(Device::cuda()));
  bench::time_cuda(st, [&](cudaStream_t s) { kernels::act_backward_cuda(a, n, x.p, y.p, dy.p, dx.p, 0.2f, false, s); });
  st.SetLabel(kernels::act_name(a));
  bench::set_rates(st, 3.0 * double(n) * sizeof(float));
}
BENCHMARK(BM_act_backward_cuda)->Apply(act_sizes)->UseManualTime()->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
