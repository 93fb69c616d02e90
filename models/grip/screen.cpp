#include "models/grip/screen.h"

#include <algorithm>
#include <cmath>

#include "autograd/var.h"
#include "engine/error.h"
#include "engine/tensor.h"
#include "kernels/embedding.h"
#include "kernels/ssgsea.h"

namespace gripcu::grip {

namespace {
constexpr int64_t kCpuRowTile = 64;  // kernels/cpu/gemm.cpp's fixed output tile height
}  // namespace

std::vector<double> screen_raw_scores(const GripModel& m, const std::vector<float>& baselines,
                                      const std::vector<int64_t>& cells, const std::vector<int64_t>& drugs,
                                      const io::IndexedGeneSets& sets, const ScreenOptions& opt, int64_t* chunk_used) {
  const int64_t G = m.mcfg.genes, n = static_cast<int64_t>(cells.size()), D = static_cast<int64_t>(drugs.size());
  const int64_t P = n * D, K = sets.n_sets();
  GRIPCU_CHECK(static_cast<int64_t>(baselines.size()) == n * G, "screen: ", baselines.size(), " baseline values for ", n,
               " samples of ", G, " genes");
  GRIPCU_CHECK(opt.chunk_pairs >= 1, "screen: chunk_pairs must be >= 1");
  GRIPCU_CHECK(std::isfinite(opt.alpha), "screen: alpha must be finite");
  for (int64_t c : cells) GRIPCU_CHECK(c >= 0 && c < m.mcfg.cells, "screen: cell index ", c, " out of range");
  for (int64_t d : drugs) GRIPCU_CHECK(d >= 0 && d < m.mcfg.drugs, "screen: drug index ", d, " out of range");
  kernels::ssgsea_check_sets(G, K, sets.offsets.data(), sets.members.data());
  std::vector<double> out(static_cast<size_t>(K * P));
  if (P == 0 || K == 0) return out;
  const Device dev = m.device;
  const bool cpu = dev.is_cpu();
#ifndef GRIPCU_HAVE_CUDA
  GRIPCU_CHECK(cpu, "screen: device ", dev.str(), " requested in a build without CUDA");
#endif

  // 1. Normalized baselines (exactly grip::predict's host arithmetic) and the pair indices, uploaded once.
  std::vector<float> xb = baselines;
  if (m.log2) log2p1_inplace(xb, "baseline");
  m.z_baseline.apply(xb, static_cast<size_t>(G));
  const Tensor table = Tensor::from_vector(xb, {n, G}, dev);
  std::vector<int64_t> p_sample(static_cast<size_t>(P)), p_cell(static_cast<size_t>(P)), p_drug(static_cast<size_t>(P));
  for (int64_t s = 0; s < n; ++s)
    for (int64_t d = 0; d < D; ++d) {
      const auto p = static_cast<size_t>(s * D + d);
      p_sample[p] = s;
      p_cell[p] = cells[static_cast<size_t>(s)];
      p_drug[p] = drugs[static_cast<size_t>(d)];
    }
  const Tensor t_sample = Tensor::from_vector(p_sample, {P}, dev), t_cell = Tensor::from_vector(p_cell, {P}, dev),
               t_drug = Tensor::from_vector(p_drug, {P}, dev);
  const Tensor scale = Tensor::from_vector(m.z_treated.std, {G}, dev), shift = Tensor::from_vector(m.z_treated.mean, {G}, dev);

  kernels::SsgseaOptions so;
  so.alpha = opt.alpha;
  so.normalize = false;
  so.layout = kernels::SsgseaLayout::samples_by_genes;

  int64_t chunk = std::min(opt.chunk_pairs, P);
  if (cpu) chunk = (chunk + kCpuRowTile - 1) / kCpuRowTile * kCpuRowTile;  // tile-aligned: predict's bits

#ifdef GRIPCU_HAVE_CUDA
  Tensor d_off, d_mem, d_scores, d_ws;
  size_t ws_bytes = 0;
  if (!cpu) {
    size_t budget = opt.workspace_budget;
    if (budget == 0) budget = size_t{512} << 20;
    chunk = std::min(chunk, kernels::ssgsea_cuda_chunk_for_budget(G, chunk, budget));
    ws_bytes = kernels::ssgsea_cuda_workspace_bytes(G, chunk);
    d_ws = Tensor::empty({static_cast<int64_t>((ws_bytes + 7) / 8)}, DType::f64, dev);
    d_off = Tensor::from_vector(sets.offsets, {K + 1}, dev);
    d_mem = Tensor::from_vector(sets.members.empty() ? std::vector<int32_t>{0} : sets.members,
                                {std::max<int64_t>(1, static_cast<int64_t>(sets.members.size()))}, dev);
    d_scores = Tensor::empty({K, P}, DType::f64, dev);
  }
#endif
  if (chunk_used) *chunk_used = chunk;

  // 2. Per chunk: gather, generate, back to input units, score.
  ag::NoGrad no_grad;
  std::vector<double> chunk_scores;
  for (int64_t lo = 0; lo < P; lo += chunk) {
    const int64_t b = std::min(chunk, P - lo);
    Tensor x = Tensor::empty({b, G}, DType::f32, dev);
    const int64_t* idx = t_sample.data<int64_t>() + lo;
    if (cpu) kernels::embedding_forward_cpu<float>(b, G, n, table.data<float>(), idx, x.data<float>());
#ifdef GRIPCU_HAVE_CUDA
    else kernels::embedding_forward_cuda(b, G, n, table.data<float>(), idx, x.data<float>(), stream_for(dev));
#endif
    Tensor y = (*m.G)(ag::Var(x), t_cell.view(lo, {b}), t_drug.view(lo, {b})).value();
    float* yp = y.data<float>();
    if (cpu) {
      kernels::ssgsea_unnormalize_rows_cpu(b, G, yp, scale.data<float>(), shift.data<float>(), m.log2);
      chunk_scores.resize(static_cast<size_t>(K * b));
      kernels::ssgsea_cpu<float>(G, b, yp, K, sets.offsets.data(), sets.members.data(), so, chunk_scores.data());
      for (int64_t k = 0; k < K; ++k)
        std::copy(chunk_scores.begin() + k * b, chunk_scores.begin() + (k + 1) * b, out.begin() + k * P + lo);
    }
#ifdef GRIPCU_HAVE_CUDA
    else {
      cudaStream_t st = stream_for(dev);
      kernels::ssgsea_unnormalize_rows_cuda(b, G, yp, scale.data<float>(), shift.data<float>(), m.log2, st);
      kernels::ssgsea_cuda_raw_into<float>(G, b, yp, K, d_off.data<int64_t>(), d_mem.data<int32_t>(), so,
                                           d_scores.data<double>(), P, lo, chunk, d_ws.raw(), ws_bytes, st);
    }
#endif
  }
#ifdef GRIPCU_HAVE_CUDA
  // 3. One download (waits for the stream).
  if (!cpu) out = d_scores.to_vector<double>();
#endif
  return out;
}

ScreenResult screen(const GripModel& m, const std::vector<float>& baselines, const std::vector<int64_t>& cells,
                    const std::vector<int64_t>& drugs, const IndexedStates& states, const ScreenOptions& opt) {
  ScreenResult r;
  r.n_samples = static_cast<int64_t>(cells.size());
  r.n_drugs = static_cast<int64_t>(drugs.size());
  r.raw_scores = screen_raw_scores(m, baselines, cells, drugs, states.sets, opt, &r.chunk_pairs);
  const int64_t P = r.n_samples * r.n_drugs;
  r.chunks = r.chunk_pairs > 0 ? (P + r.chunk_pairs - 1) / r.chunk_pairs : 0;
  r.scores = r.raw_scores;
  if (opt.normalize && !r.scores.empty())
    r.norm_range = kernels::ssgsea_normalize_cpu(static_cast<int64_t>(r.scores.size()), r.scores.data());
  r.states = score_states(states.sets.names, states.klass, r.scores, P, "screen");
  return r;
}

}  // namespace gripcu::grip
