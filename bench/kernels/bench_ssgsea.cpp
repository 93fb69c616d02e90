// ssGSEA kernels (kernels/ssgsea.h): CPU and CUDA, genes x samples input, sets of 100 genes.
// Args: genes, samples, sets (each of 100 random genes).
//
// Floor, CPU (per sample, n = 20,000 genes): the ranking is a stable LSD radix sort of 8-byte
// (top 32 key bits, row) words, 4 passes, each one counting read + one scatter (n x 8 B read,
// n x 8 B written): ~1.3 MB of L1/L2 traffic, ~0.1 ms at ~15 GB/s of scatter bandwidth; then one
// scatter of n (w, q) pairs (16 B) and sum(k) = 5,000 random walk reads. The input (n x 8 B) is
// read once from DRAM. So ~0.1-0.2 ms per sample per core: 100 samples x 20,000 genes x 50 sets on
// 2 cores ~ 5-10 ms (measured on the shared 2-core VM: ~0.45 ms per sample per thread; see
// bench/results/ssgsea.md). Counters: samples/s and input GB/s.
// Floor, CUDA (H100, 3.35 TB/s): see kernels/cuda/ssgsea.cu; for this size it is launch- and
// sort-bound (a few hundred us).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "engine/device.h"
#include "engine/memory.h"
#include "engine/parallel.h"
#include "kernels/ssgsea.h"

namespace {

using namespace gripcu;

struct Problem {
  int64_t n, S, n_sets;
  std::vector<double> X;
  std::vector<int64_t> off{0};
  std::vector<int32_t> mem;
};

Problem make_problem(int64_t n, int64_t S, int64_t n_sets, int64_t set_size = 100) {
  Problem p{n, S, n_sets, std::vector<double>(n * S), {0}, {}};
  uint64_t s = 12345;
  auto next = [&] {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (auto& x : p.X) x = static_cast<double>(next() >> 11) * 0x1.0p-53 * 10.0 - 5.0;
  std::vector<int32_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  for (int64_t k = 0; k < n_sets; ++k) {
    for (int64_t i = 0; i < set_size; ++i) std::swap(all[i], all[i + static_cast<int64_t>(next() % (n - i))]);
    p.mem.insert(p.mem.end(), all.begin(), all.begin() + set_size);
    p.off.push_back(static_cast<int64_t>(p.mem.size()));
  }
  return p;
}

void set_counters(benchmark::State& st, const Problem& p) {
  st.counters["samples/s"] = benchmark::Counter(static_cast<double>(p.S), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["input_GB/s"] = benchmark::Counter(static_cast<double>(p.n * p.S * 8) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ssgsea_cpu(benchmark::State& st) {
  const Problem p = make_problem(st.range(0), st.range(1), st.range(2));
  std::vector<double> out(p.n_sets * p.S);
  const kernels::SsgseaOptions opt;
  for (auto _ : st) {
    kernels::ssgsea_cpu(p.n, p.S, p.X.data(), p.n_sets, p.off.data(), p.mem.data(), opt, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["threads"] = num_threads();
  set_counters(st, p);
}
BENCHMARK(BM_ssgsea_cpu)->Args({20000, 100, 50})->Args({20000, 100, 1000})->Args({5000, 1000, 50})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// The same data laid out samples x genes (a model's batch output): no strided gather.
void BM_ssgsea_cpu_samples_by_genes(benchmark::State& st) {
  Problem p = make_problem(st.range(0), st.range(1), st.range(2));
  std::vector<double> xt(p.X.size());
  for (int64_t g = 0; g < p.n; ++g)
    for (int64_t s = 0; s < p.S; ++s) xt[s * p.n + g] = p.X[g * p.S + s];
  std::vector<double> out(p.n_sets * p.S);
  kernels::SsgseaOptions opt;
  opt.layout = kernels::SsgseaLayout::samples_by_genes;
  for (auto _ : st) {
    kernels::ssgsea_cpu(p.n, p.S, xt.data(), p.n_sets, p.off.data(), p.mem.data(), opt, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["threads"] = num_threads();
  set_counters(st, p);
}
BENCHMARK(BM_ssgsea_cpu_samples_by_genes)->Args({20000, 100, 50})->Unit(benchmark::kMillisecond)->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
void BM_ssgsea_cuda(benchmark::State& st) {
  if (cuda_devices().empty()) {
    st.SkipWithError(("no CUDA device: " + cuda_unavailable_reason()).c_str());
    for (auto _ : st) {}
    return;
  }
  const Problem p = make_problem(st.range(0), st.range(1), st.range(2));
  const Device dev = Device::cuda(0);
  cudaStream_t s = stream_for(dev);
  const size_t xb = p.X.size() * 8, ob = static_cast<size_t>(p.n_sets * p.S) * 8;
  void* dx = mem_alloc(dev, xb);
  void* doff = mem_alloc(dev, p.off.size() * 8);
  void* dmem = mem_alloc(dev, p.mem.size() * 4);
  void* dout = mem_alloc(dev, ob);
  mem_copy(dev, dx, Device::cpu(), p.X.data(), xb);
  mem_copy(dev, doff, Device::cpu(), p.off.data(), p.off.size() * 8);
  mem_copy(dev, dmem, Device::cpu(), p.mem.data(), p.mem.size() * 4);
  const int64_t chunk = kernels::ssgsea_cuda_chunk_for_budget(p.n, p.S, size_t{1} << 30);
  const size_t wb = kernels::ssgsea_cuda_workspace_bytes(p.n, chunk);
  void* ws = mem_alloc(dev, wb);
  const kernels::SsgseaOptions opt;
  for (auto _ : st) {
    kernels::ssgsea_cuda(p.n, p.S, static_cast<const double*>(dx), p.n_sets, static_cast<const int64_t*>(doff),
                         static_cast<const int32_t*>(dmem), opt, static_cast<double*>(dout), chunk, ws, wb, s);
    synchronize(dev);
  }
  st.counters["chunk"] = static_cast<double>(chunk);
  set_counters(st, p);
  for (auto [ptr, b] : {std::pair{dx, xb}, {doff, p.off.size() * 8}, {dmem, p.mem.size() * 4}, {dout, ob}, {ws, wb}})
    mem_free(dev, ptr, b);
}
BENCHMARK(BM_ssgsea_cuda)->Args({20000, 100, 50})->Args({20000, 1000, 1000})->Args({20000, 10000, 10000})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace
