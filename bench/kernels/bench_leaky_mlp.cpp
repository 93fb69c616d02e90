// Fused LeakyReLU MLP layer (kernels/leaky_mlp.h) on the GRIP discriminator's layers at batch 64
// (in -> out: 978 genes + 2 x 128 embeddings = 1234 -> 256, 256 -> 128, 128 -> 1 logit), against
// the generic chain it replaces (GEMM with bias epilogue, then LeakyReLU; backward: activation
// backward, dW GEMM, row sum, dx GEMM), and the whole 3-layer discriminator forward + backward.
// Flops: forward 2 n in out; backward 4 n in out (dW and dx). Counters: GFLOP/s and % of the
// compute peak (bench_peak.h). On the GPU the floor at batch 64 is launch latency: the fused
// layer is 1 launch each way, the plain chain 2 forward and 4 backward.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/kernels/bench_common.h"
#include "bench/kernels/bench_peak.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/leaky_mlp.h"
#include "kernels/reduce.h"

namespace {

using namespace gripcu;
using namespace gripcu::kernels;

struct Layer {
  int64_t n, in, out;
  float slope;
  std::vector<float> x, W, b, y, dy, dx, dW, db;
  std::vector<char> ws;
  Layer(int64_t n_, int64_t in_, int64_t out_, float slope_) : n(n_), in(in_), out(out_), slope(slope_) {
    x = bench::random_vec<float>(n * in, 1), W = bench::random_vec<float>(out * in, 2, -0.03, 0.03);
    b = bench::random_vec<float>(out, 3, -0.03, 0.03), dy = bench::random_vec<float>(n * out, 4);
    y.resize(size_t(n * out)), dx.resize(size_t(n * in)), dW.resize(size_t(out * in)), db.resize(size_t(out));
    ws.resize(leaky_linear_backward_workspace_bytes(n, out, sizeof(float)) + 256);
  }
  void* workspace() {
    auto p = reinterpret_cast<uintptr_t>(ws.data());
    return ws.data() + ((256 - p % 256) % 256);
  }
  void forward() { leaky_linear_forward_cpu<float>(n, in, out, x.data(), W.data(), b.data(), slope, y.data()); }
  void backward() {
    leaky_linear_backward_cpu<float>(n, in, out, x.data(), W.data(), y.data(), dy.data(), slope, {dx.data(), false},
                                     {dW.data(), true}, {db.data(), true}, workspace());
  }
};

float slope_of(int64_t out) { return out == 1 ? 1.0f : 0.2f; }  // the logit layer is linear

void BM_leaky_linear_fwd_cpu(benchmark::State& st) {
  Layer l(st.range(0), st.range(1), st.range(2), slope_of(st.range(2)));
  for (auto _ : st) {
    l.forward();
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 2.0 * double(l.n * l.in * l.out), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}
void BM_leaky_linear_bwd_cpu(benchmark::State& st) {
  Layer l(st.range(0), st.range(1), st.range(2), slope_of(st.range(2)));
  l.forward();
  for (auto _ : st) {
    l.backward();
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 4.0 * double(l.n * l.in * l.out), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}
void BM_leaky_linear_chain_fwd_cpu(benchmark::State& st) {
  Layer l(st.range(0), st.range(1), st.range(2), slope_of(st.range(2)));
  for (auto _ : st) {
    gemm_cpu<float>(false, true, l.n, l.out, l.in, 1.f, l.x.data(), l.W.data(), 0.f, l.y.data(), l.b.data(), Epilogue::bias);
    if (l.slope != 1.f) act_forward_cpu<float>(Act::leaky_relu, l.n * l.out, l.y.data(), l.y.data(), l.slope);
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 2.0 * double(l.n * l.in * l.out), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}
void BM_leaky_linear_chain_bwd_cpu(benchmark::State& st) {
  Layer l(st.range(0), st.range(1), st.range(2), slope_of(st.range(2)));
  l.forward();
  std::vector<float> dz(l.dy.size());
  for (auto _ : st) {
    const float* d = l.dy.data();
    if (l.slope != 1.f) {
      act_backward_cpu<float>(Act::leaky_relu, l.n * l.out, l.y.data(), l.y.data(), l.dy.data(), dz.data(), l.slope, false);
      d = dz.data();
    }
    gemm_cpu<float>(true, false, l.out, l.in, l.n, 1.f, d, l.x.data(), 1.f, l.dW.data());
    sum_rows_cpu<float>(l.n, l.out, d, l.db.data(), true);
    gemm_cpu<float>(false, false, l.n, l.in, l.out, 1.f, d, l.W.data(), 0.f, l.dx.data());
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 4.0 * double(l.n * l.in * l.out), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}

// The discriminator: 3 fused layers forward, then backward (dx of the first layer included: the
// generator's step needs it).
void BM_leaky_mlp_disc_fwd_bwd_cpu(benchmark::State& st) {
  const int64_t n = st.range(0), g = st.range(1);
  std::vector<Layer> ls;
  ls.emplace_back(n, g + 256, 256, 0.2f);
  ls.emplace_back(n, 256, 128, 0.2f);
  ls.emplace_back(n, 128, 1, 1.0f);
  double flops = 0;
  for (const auto& l : ls) flops += 6.0 * double(l.n * l.in * l.out);
  for (auto _ : st) {
    for (size_t i = 0; i < ls.size(); ++i) {
      if (i > 0) ls[i].x = ls[i - 1].y;  // a copy, as a fresh activation would be
      ls[i].forward();
    }
    for (size_t i = ls.size(); i-- > 0;) {
      ls[i].backward();
      if (i > 0) ls[i - 1].dy = ls[i].dx;
    }
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, flops, bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}

void layers(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "in", "out"});
  b->Args({64, 1234, 256});
  b->Args({64, 256, 128});
  b->Args({64, 128, 1});
}
BENCHMARK(BM_leaky_linear_fwd_cpu)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_leaky_linear_chain_fwd_cpu)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_leaky_linear_bwd_cpu)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_leaky_linear_chain_bwd_cpu)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_leaky_mlp_disc_fwd_bwd_cpu)->ArgNames({"batch", "genes"})->Args({64, 978})->Unit(benchmark::kMicrosecond)->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
// Args: batch, in, out, variant (1 plain, 2 fused).
struct DevLayer {
  int64_t n, in, out;
  float slope;
  bench::DevBuf<float> x, W, b, y, dy, dx, dW, db;
  bench::DevBuf<char> ws;
  explicit DevLayer(const Layer& l)
      : n(l.n), in(l.in), out(l.out), slope(l.slope), x(l.x), W(l.W), b(l.b), y(l.y), dy(l.dy), dx(l.dx), dW(l.dW),
        db(l.db), ws(leaky_linear_backward_workspace_bytes(l.n, l.out, sizeof(float))) {}
};
void BM_leaky_linear_fwd_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  DevLayer l(Layer(st.range(0), st.range(1), st.range(2), slope_of(st.range(2))));
  const auto v = static_cast<LeakyMlpVariant>(st.range(3));
  bench::time_cuda(st, [&](cudaStream_t s) { leaky_linear_forward_cuda(l.n, l.in, l.out, l.x.p, l.W.p, l.b.p, l.slope, l.y.p, v, s); });
  bench::set_flops(st, 2.0 * double(l.n * l.in * l.out), bench::kH100Fp32Flops);
  st.SetLabel(leaky_mlp_variant_name(v));
}
void BM_leaky_linear_bwd_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  DevLayer l(Layer(st.range(0), st.range(1), st.range(2), slope_of(st.range(2))));
  const auto v = static_cast<LeakyMlpVariant>(st.range(3));
  leaky_linear_forward_cuda(l.n, l.in, l.out, l.x.p, l.W.p, l.b.p, l.slope, l.y.p, v, stream_for(Device::cuda()));
  bench::time_cuda(st, [&](cudaStream_t s) {
    leaky_linear_backward_cuda(l.n, l.in, l.out, l.x.p, l.W.p, l.y.p, l.dy.p, l.slope, {l.dx.p, false}, {l.dW.p, true},
                               {l.db.p, true}, l.ws.p, v, s);
  });
  bench::set_flops(st, 4.0 * double(l.n * l.in * l.out), bench::kH100Fp32Flops);
  st.SetLabel(leaky_mlp_variant_name(v));
}
void cuda_layers(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "in", "out", "variant"});
  for (LeakyMlpVariant v : kLeakyMlpVariants) {
    b->Args({64, 1234, 256, static_cast<int64_t>(v)});
    b->Args({64, 256, 128, static_cast<int64_t>(v)});
    b->Args({4096, 1234, 256, static_cast<int64_t>(v)});
  }
}
BENCHMARK(BM_leaky_linear_fwd_cuda)->Apply(cuda_layers)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_leaky_linear_bwd_cuda)->Apply(cuda_layers)->UseManualTime()->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
