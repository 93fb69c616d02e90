// LeakyReLU MLP forward + backward through the tape (the GRIP discriminator's shape: [G + 256] ->
// 256 -> 128 -> 1, batch 64), on the CPU and, when present, a CUDA device. Counter: GFLOP/s of the
// GEMMs (2 m n k per GEMM; backward = 2 GEMMs per layer): floor = flops / peak of the unit.
#include <benchmark/benchmark.h>

#include "autograd/ops.h"
#include "engine/device.h"
#include "layers/layers.h"

using namespace gripcu;

static void run_mlp(benchmark::State& state, const Device& dev) {
  const int64_t batch = state.range(0), genes = state.range(1);
  const std::vector<int64_t> sizes = {genes + 256, 256, 128, 1};
  nn::ParamStore store;
  nn::MLP mlp(store, "mlp", sizes, ag::Act::leaky_relu, 0.2);
  Rng rng(1);
  store.finalize(dev, rng);
  Rng data(2);
  std::vector<float> xv(static_cast<size_t>(batch * sizes[0]));
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = data.normal(0, i);
  ag::Var x(Tensor::from_vector(xv, {batch, sizes[0]}, dev));
  double flops = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) flops += 3.0 * 2.0 * double(batch) * double(sizes[l]) * double(sizes[l + 1]);
  for (auto _ : state) {
    store.zero_grad();
    ag::backward(ag::mean(mlp(x)));
    synchronize(dev);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

static void BM_LeakyMlpFwdBwd_CPU(benchmark::State& s) { run_mlp(s, Device::cpu()); }
BENCHMARK(BM_LeakyMlpFwdBwd_CPU)->Args({64, 978})->Args({64, 12000})->Unit(benchmark::kMicrosecond);

static void BM_LeakyMlpFwdBwd_CUDA(benchmark::State& s) {
  if (cuda_devices().empty()) {
    s.SkipWithError("no CUDA device");
    return;
  }
  run_mlp(s, Device::cuda(0));
}
BENCHMARK(BM_LeakyMlpFwdBwd_CUDA)->Args({64, 978})->Args({64, 12000})->Unit(benchmark::kMicrosecond);
