// Fused FiLM + residual block (kernels/film_residual.h) on the GRIP generator's shape (hidden
// H = F = 256) at batch 64 and 512, against the chain of generic kernels it replaces.
// Flops: forward 2 GEMMs = 4 n H F; backward 4 GEMMs (dW2, da1, dW1, dh) = 8 n H F (the elementwise
// FiLM, masks and row sums are O(n H) and left out). Counters: GFLOP/s and % of the compute peak
// (bench_peak.h: the CPU's as built, times the threads; an H100's FP32 for CUDA). At batch 64 the
// forward is 16.8 MFLOP: 0.25 us at the H100's peak, so on the GPU the floor is launch latency
// (~2-4 us per dependent launch): 1 launch fused vs 4 plain forward, 2 vs 10 backward.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/kernels/bench_common.h"
#include "bench/kernels/bench_peak.h"
#include "kernels/elementwise.h"
#include "kernels/film.h"
#include "kernels/film_residual.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace {

using namespace gripcu;
using namespace gripcu::kernels;

template <typename T>
struct Problem {
  int64_t n, H, F;
  std::vector<T> h0, gamma, beta, W1, b1, W2, b2, dy, y, h, a1, a2, gh0, ggm, gbt, gW1, gb1, gW2, gb2;
  std::vector<char> ws;
  Problem(int64_t n_, int64_t H_, int64_t F_) : n(n_), H(H_), F(F_) {
    h0 = bench::random_vec<T>(n * H, 1), gamma = bench::random_vec<T>(n * H, 2, -0.5, 0.5);
    beta = bench::random_vec<T>(n * H, 3, -0.5, 0.5), W1 = bench::random_vec<T>(F * H, 4, -0.06, 0.06);
    b1 = bench::random_vec<T>(F, 5, -0.06, 0.06), W2 = bench::random_vec<T>(H * F, 6, -0.06, 0.06);
    b2 = bench::random_vec<T>(H, 7, -0.06, 0.06), dy = bench::random_vec<T>(n * H, 8);
    y.resize(size_t(n * H)), h = y, a2 = y, a1.resize(size_t(n * F));
    gh0 = y, ggm = y, gbt = y, gW1.resize(size_t(F * H)), gW2 = gW1, gb1.resize(size_t(F)), gb2.resize(size_t(H));
    ws.resize(film_residual_backward_workspace_bytes(n, H, F, sizeof(T)) + 256);
  }
  FilmResidualParams<T> params() const { return {W1.data(), b1.data(), W2.data(), b2.data()}; }
  FilmResidualGrads<T> grads() {
    FilmResidualGrads<T> g;
    g.h0 = {gh0.data(), false}, g.gamma = {ggm.data(), false}, g.beta = {gbt.data(), false};
    g.W1 = {gW1.data(), true}, g.b1 = {gb1.data(), true}, g.W2 = {gW2.data(), true}, g.b2 = {gb2.data(), true};
    return g;
  }
  void* workspace() {
    auto p = reinterpret_cast<uintptr_t>(ws.data());
    return ws.data() + ((256 - p % 256) % 256);
  }
  void forward() {
    film_residual_forward_cpu<T>(n, H, F, h0.data(), gamma.data(), beta.data(), params(), y.data(), h.data(),
                                 a1.data(), a2.data());
  }
};

template <typename T>
void BM_film_residual_fwd_cpu(benchmark::State& st) {
  Problem<T> p(st.range(0), st.range(1), st.range(1));
  for (auto _ : st) {
    p.forward();
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 4.0 * double(p.n * p.H * p.F), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}

template <typename T>
void BM_film_residual_bwd_cpu(benchmark::State& st) {
  Problem<T> p(st.range(0), st.range(1), st.range(1));
  p.forward();
  for (auto _ : st) {
    film_residual_backward_cpu<T>(p.n, p.H, p.F, p.h0.data(), p.gamma.data(), p.params(), p.h.data(), p.a1.data(),
                                  p.a2.data(), p.dy.data(), p.grads(), p.workspace());
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 8.0 * double(p.n * p.H * p.F), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}

// The generic chain the fused kernel replaces (what autograd ran before: film, two linear+ReLU, add;
// backward: relu backward, gemm dW2, sum_rows, gemm dx, relu backward, gemm dW1, sum_rows, copy,
// gemm dh, FiLM backward).
template <typename T>
void BM_film_residual_chain_fwd_cpu(benchmark::State& st) {
  Problem<T> p(st.range(0), st.range(1), st.range(1));
  const int64_t n = p.n, H = p.H, F = p.F;
  for (auto _ : st) {
    film_forward_cpu<T>(n * H, p.h0.data(), p.gamma.data(), p.beta.data(), p.h.data());
    gemm_cpu<T>(false, true, n, F, H, T(1), p.h.data(), p.W1.data(), T(0), p.a1.data(), p.b1.data(), Epilogue::bias_relu);
    gemm_cpu<T>(false, true, n, H, F, T(1), p.a1.data(), p.W2.data(), T(0), p.a2.data(), p.b2.data(), Epilogue::bias_relu);
    axpby_cpu<T>(n * H, T(1), p.h.data(), T(1), p.a2.data(), p.y.data());
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 4.0 * double(n * H * F), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}

template <typename T>
void BM_film_residual_chain_bwd_cpu(benchmark::State& st) {
  Problem<T> p(st.range(0), st.range(1), st.range(1));
  const int64_t n = p.n, H = p.H, F = p.F;
  p.forward();
  std::vector<T> dh(size_t(n * H)), dz2(dh.size()), da1(size_t(n * F)), dz1(da1.size());
  for (auto _ : st) {
    scale_cpu<T>(n * H, T(1), p.dy.data(), dh.data(), false);
    act_backward_cpu<T>(Act::relu, n * H, p.a2.data(), p.a2.data(), p.dy.data(), dz2.data(), T(0), false);
    gemm_cpu<T>(true, false, H, F, n, T(1), dz2.data(), p.a1.data(), T(1), p.gW2.data());
    sum_rows_cpu<T>(n, H, dz2.data(), p.gb2.data(), true);
    gemm_cpu<T>(false, false, n, F, H, T(1), dz2.data(), p.W2.data(), T(0), da1.data());
    act_backward_cpu<T>(Act::relu, n * F, p.a1.data(), p.a1.data(), da1.data(), dz1.data(), T(0), false);
    gemm_cpu<T>(true, false, F, H, n, T(1), dz1.data(), p.h.data(), T(1), p.gW1.data());
    sum_rows_cpu<T>(n, F, dz1.data(), p.gb1.data(), true);
    gemm_cpu<T>(false, false, n, H, F, T(1), dz1.data(), p.W1.data(), T(1), dh.data());
    film_backward_cpu<T>(n * H, p.h0.data(), p.gamma.data(), dh.data(), p.gh0.data(), p.ggm.data(), p.gbt.data(), false);
    benchmark::ClobberMemory();
  }
  bench::set_flops(st, 8.0 * double(n * H * F), bench::cpu_peak_flops());
  bench::set_cpu_info(st);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "hidden"});
  b->Args({64, 256});
  b->Args({512, 256});
}

BENCHMARK_TEMPLATE(BM_film_residual_fwd_cpu, float)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_residual_chain_fwd_cpu, float)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_residual_bwd_cpu, float)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_residual_chain_bwd_cpu, float)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_residual_fwd_cpu, double)->Args({64, 256})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_film_residual_bwd_cpu, double)->Args({64, 256})->Unit(benchmark::kMicrosecond)->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
// Args: batch, hidden, variant (1 plain, 2 fused).
template <typename T>
struct DevProblem {
  int64_t n, H, F;
  bench::DevBuf<T> h0, gamma, beta, W1, b1, W2, b2, dy, y, h, a1, a2, gh0, ggm, gbt, gW1, gb1, gW2, gb2;
  bench::DevBuf<char> ws;
  explicit DevProblem(const Problem<T>& p)
      : n(p.n), H(p.H), F(p.F), h0(p.h0), gamma(p.gamma), beta(p.beta), W1(p.W1), b1(p.b1), W2(p.W2), b2(p.b2),
        dy(p.dy), y(p.y), h(p.y), a1(p.a1), a2(p.y), gh0(p.y), ggm(p.y), gbt(p.y), gW1(p.gW1), gb1(p.gb1),
        gW2(p.gW2), gb2(p.gb2), ws(film_residual_backward_workspace_bytes(p.n, p.H, p.F, sizeof(T))) {}
  FilmResidualParams<T> params() const { return {W1.p, b1.p, W2.p, b2.p}; }
  FilmResidualGrads<T> grads() {
    FilmResidualGrads<T> g;
    g.h0 = {gh0.p, false}, g.gamma = {ggm.p, false}, g.beta = {gbt.p, false};
    g.W1 = {gW1.p, true}, g.b1 = {gb1.p, true}, g.W2 = {gW2.p, true}, g.b2 = {gb2.p, true};
    return g;
  }
  void forward(FilmResidualVariant v, cudaStream_t s) {
    film_residual_forward_cuda(n, H, F, h0.p, gamma.p, beta.p, params(), y.p, h.p, a1.p, a2.p, v, s);
  }
};

void BM_film_residual_fwd_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const Problem<float> hp(st.range(0), st.range(1), st.range(1));
  DevProblem<float> p(hp);
  const auto v = static_cast<FilmResidualVariant>(st.range(2));
  bench::time_cuda(st, [&](cudaStream_t s) { p.forward(v, s); });
  bench::set_flops(st, 4.0 * double(p.n * p.H * p.F), bench::kH100Fp32Flops);
  st.SetLabel(film_residual_variant_name(v));
}
void BM_film_residual_bwd_cuda(benchmark::State& st) {
  if (bench::skip_without_cuda(st)) return;
  const Problem<float> hp(st.range(0), st.range(1), st.range(1));
  DevProblem<float> p(hp);
  const auto v = static_cast<FilmResidualVariant>(st.range(2));
  p.forward(v, stream_for(Device::cuda()));
  bench::time_cuda(st, [&](cudaStream_t s) {
    film_residual_backward_cuda(p.n, p.H, p.F, p.h0.p, p.gamma.p, p.params(), p.h.p, p.a1.p, p.a2.p, p.dy.p, p.grads(),
                                p.ws.p, v, s);
  });
  bench::set_flops(st, 8.0 * double(p.n * p.H * p.F), bench::kH100Fp32Flops);
  st.SetLabel(film_residual_variant_name(v));
}
void cuda_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "hidden", "variant"});
  for (int64_t batch : {64, 512, 4096})
    for (FilmResidualVariant v : kFilmResidualVariants) b->Args({batch, 256, static_cast<int64_t>(v)});
}
BENCHMARK(BM_film_residual_fwd_cuda)->Apply(cuda_shapes)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_film_residual_bwd_cuda)->Apply(cuda_shapes)->UseManualTime()->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
