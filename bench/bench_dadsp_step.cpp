// One full DADSP-A training step (models/dadsp/train.h adversarial_step + Adam over the four
// networks): x = [x_s; x_t] (128 + 128 rows) through the gene extractor (SAE encoder
// G -> 2048 -> 1024 -> 512, sigmoid), the source half with the drug features (256 -> 128 -> 64,
// ReLU) through the regressor (576 -> 256 -> 128 -> 64 -> 1), all rows through GRL + discriminator
// (512 -> 256 -> 128 -> 2); MSE + cross-entropy; backward; Adam. Args: genes G.
// bench/dadsp_vs_torch.py runs the same step in PyTorch and prints the ratio.
// Floor, CPU: the GEMMs dominate; forward ~2 x 256 x (G x 2048 + 2048 x 1024 + 1024 x 512) flops,
// backward twice that: G = 2000 gives ~14 GFLOP per step, ~0.35 s at the SSE2 build's ~40 GFLOP/s
// on the 2-core VM.
#include <benchmark/benchmark.h>

#include <vector>

#include "autograd/ops.h"
#include "bench/kernels/bench_common.h"
#include "layers/optim.h"
#include "models/dadsp/train.h"

namespace {

using namespace gripcu;

void BM_dadsp_a_step(benchmark::State& st, Device dev) {
#ifdef GRIPCU_HAVE_CUDA
  if (dev.is_cuda() && bench::skip_without_cuda(st)) return;
#endif
  const int64_t G = st.range(0), B = 128;
  dadsp::ModelConfig mc;
  mc.genes = G;
  mc.drug_dim = 256;
  dadsp::TrainConfig tc;
  dadsp::DadspModel m(mc, tc, dev);
  for (auto* s : m.stores()) s->set_trainable(false);
  for (auto* s : {&m.gstore, &m.dstore, &m.rstore, &m.cstore}) s->set_trainable(true);
  auto to = [&](const std::vector<float>& v, int64_t r, int64_t c) { return dadsp::to_device(v, r, c, dev); };
  const ag::Var x(to(bench::random_vec<float>(2 * B * G, 1, 0, 1), 2 * B, G));
  const ag::Var fp(to(bench::random_vec<float>(B * 256, 2, 0, 1), B, 256));
  const Tensor y = to(bench::random_vec<float>(B, 3, 0, 1), B, 1);
  nn::GradientReversal grl(dev, DType::f32);
  kernels::AdamHyper h;
  h.lr = 1e-4;
  std::vector<std::unique_ptr<nn::Adam>> opt;
  for (auto* s : {&m.gstore, &m.dstore, &m.rstore, &m.cstore}) opt.push_back(std::make_unique<nn::Adam>(*s, h));
  auto step = [&] {
    for (auto* s : m.stores()) s->zero_grad();
    dadsp::adversarial_step(m, x, B, fp, y, grl, 0.5, true);
    for (auto& o : opt) o->step();
  };
  step();
  synchronize(dev);
  for (auto _ : st) {
    step();
    synchronize(dev);
  }
  const double fwd = 2.0 * 2 * B * (double(G) * 2048 + 2048.0 * 1024 + 1024.0 * 512);
  bench::set_rates(st, 0, 3 * fwd);
  bench::set_cpu_info(st);
}

BENCHMARK_CAPTURE(BM_dadsp_a_step, cpu, Device::cpu())->Arg(2000)->ArgName("genes")->Unit(benchmark::kMillisecond)->UseRealTime();
#ifdef GRIPCU_HAVE_CUDA
BENCHMARK_CAPTURE(BM_dadsp_a_step, cuda, Device::cuda())->Arg(2000)->ArgName("genes")->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace
