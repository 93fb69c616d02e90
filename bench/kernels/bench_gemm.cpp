// GEMM with fused epilogues (kernels/gemm.h) on the GRIP generator's shapes: batch 64, genes 978 or
// 12000, hidden 256. Args: m, n, k, ta, tb, epilogue (0 none, 1 bias, 2 bias+ReLU), beta (0/1).
//   forward  y = x W^T + b        gemm(false, true,  64, out, in)
//   dx       dx = dy W            gemm(false, false, 64, in, out)
//   dW       dW += dy^T x         gemm(true,  false, out, in, 64, beta = 1)
// Counters: GFLOP/s (2 m n k per call) and GB/s of the operands (A, B, C written, C read if beta).
// Floor, CPU: compute-bound for every shape here (arithmetic intensity >= 2 m n k / 4 (mk + kn + mn)
// ~ 25 flop/B for m = 64); the default build targets baseline x86-64 (SSE2, no FMA), so Eigen
// peaks at 8 float flops/cycle/core (~40 GFLOP/s on 2 cores at ~2.5 GHz); -march=native with
// AVX-512 FMA would allow 8x that.
// Floor, CUDA (H100 SXM: 67 TFLOP/s FP32, 495 TF32 dense; 3.35 TB/s): these GEMMs are small
// (64 x 256 x 978 = 32 MFLOP, 0.5 us at peak), so launch latency (~3-5 us) dominates.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/kernels/bench_common.h"
#include "kernels/gemm.h"

namespace {

using namespace gripcu;
using gripcu::kernels::Epilogue;

struct GemmProblem {
  int64_t m, n, k;
  bool ta, tb;
  Epilogue ep;
  bool beta1;
};

GemmProblem problem(const benchmark::State& st) {
  return {st.range(0), st.range(1), st.range(2), st.range(3) != 0, st.range(4) != 0,
          static_cast<Epilogue>(st.range(5)), st.range(6) != 0};
}

template <typename T>
void counters(benchmark::State& st, const GemmProblem& p) {
  const double flops = 2.0 * double(p.m) * double(p.n) * double(p.k);
  const double bytes =
      double(sizeof(T)) * (double(p.m * p.k + p.k * p.n) + double(p.m * p.n) * (p.beta1 ? 2.0 : 1.0) +
                           (p.ep != Epilogue::none ? double(p.n) : 0.0));
  bench::set_rates(st, bytes, flops);
}

template <typename T>
void BM_gemm_cpu(benchmark::State& st) {
  const GemmProblem p = problem(st);
  const auto A = bench::random_vec<T>(p.m * p.k, 1), B = bench::random_vec<T>(p.k * p.n, 2);
  const auto bias = bench::random_vec<T>(p.n, 3);
  auto C = bench::random_vec<T>(p.m * p.n, 4, -1e-3, 1e-3);
  for (auto _ : st) {
    kernels::gemm_cpu<T>(p.ta, p.tb, p.m, p.n, p.k, T(1), A.data(), B.data(), p.beta1 ? T(1) : T(0), C.data(),
                         p.ep == Epilogue::none ? nullptr : bias.data(), p.ep);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  counters<T>(st, p);
  bench::set_cpu_info(st);
}

// The GRIP generator's GEMMs. ArgNames: m n k ta tb ep beta.
void grip_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "ta", "tb", "ep", "beta"});
  b->Args({64, 256, 256, 0, 1, 2, 0});     // hidden layer forward: h[64, 256] W2[256, 256]^T + b, ReLU
  for (int64_t genes : {978, 12000}) {
    b->Args({64, 256, genes, 0, 1, 2, 0});   // layer 1 forward: x[64, genes] W1[256, genes]^T + b, ReLU
    b->Args({64, genes, 256, 0, 1, 1, 0});   // output layer forward: [64, 256] W3[genes, 256]^T + b
    b->Args({64, 256, genes, 0, 0, 0, 0});   // output layer dx = dy[64, genes] W3[genes, 256]
    b->Args({genes, 256, 64, 1, 0, 0, 1});   // output layer dW3 += dy^T[genes, 64] h[64, 256]
    b->Args({256, genes, 64, 1, 0, 0, 1});   // layer 1 dW1 += dy^T[256, 64] x[64, genes]
  }
}

BENCHMARK_TEMPLATE(BM_gemm_cpu, float)->Apply(grip_shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_gemm_cpu, double)
    ->ArgNames({"m", "n", "k", "ta", "tb", "ep", "beta"})
    ->Args({64, 256, 978, 0, 1, 2, 0})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

#ifdef GRIPCU_HAVE_CUDA
template <typename T>
void BM_gemm_cuda(benchmark::State& st, bool tf32) {
  if (bench::skip_without_cuda(st)) return;
  const GemmProblem p = problem(st);
  // cuBLASLt applies bias epilogues to the product only: beta must be 0 with a bias (kernels/gemm.h).
  const bool beta1 = p.beta1 && p.ep == Epilogue::none;
  bench::DevBuf<T> A(bench::random_vec<T>(p.m * p.k, 1)), B(bench::random_vec<T>(p.k * p.n, 2));
  bench::DevBuf<T> bias(bench::random_vec<T>(p.n, 3)), C(bench::random_vec<T>(p.m * p.n, 4, -1e-3, 1e-3));
  kernels::gemm_set_allow_tf32(tf32);
  bench::time_cuda(st, [&](cudaStream_t s) {
    kernels::gemm_cuda(p.ta, p.tb, p.m, p.n, p.k, T(1), A.p, B.p, beta1 ? T(1) : T(0), C.p,
                       p.ep == Epilogue::none ? nullptr : bias.p, p.ep, s);
  });
  kernels::gemm_set_allow_tf32(false);
  counters<T>(st, p);
}
void BM_gemm_cuda_fp32(benchmark::State& st) { BM_gemm_cuda<float>(st, false); }
void BM_gemm_cuda_tf32(benchmark::State& st) { BM_gemm_cuda<float>(st, true); }
void BM_gemm_cuda_fp64(benchmark::State& st) { BM_gemm_cuda<double>(st, false); }
BENCHMARK(BM_gemm_cuda_fp32)->Apply(grip_shapes)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gemm_cuda_tf32)->Apply(grip_shapes)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gemm_cuda_fp64)
    ->ArgNames({"m", "n", "k", "ta", "tb", "ep", "beta"})
    ->Args({64, 256, 978, 0, 1, 2, 0})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
