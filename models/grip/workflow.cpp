#include "models/grip/workflow.h"

#include <cmath>
#include <numeric>

#include "autograd/ops.h"
#include "models/grip/compat_public_code.h"
#include "models/grip/trainer.h"

namespace gripcu::grip {

std::vector<float> take_rows(const std::vector<float>& m, size_t g, const std::vector<size_t>& rows) {
  std::vector<float> out(rows.size() * g);
  for (size_t i = 0; i < rows.size(); ++i) std::copy(m.begin() + static_cast<std::ptrdiff_t>(rows[i] * g),
                                                      m.begin() + static_cast<std::ptrdiff_t>((rows[i] + 1) * g), out.begin() + static_cast<std::ptrdiff_t>(i * g));
  return out;
}

std::unique_ptr<GripModel> make_model(const PairedData& data, const std::vector<size_t>& train_rows,
                                      const TrainConfig& tc, const Device& dev, bool log2, ModelConfig mc,
                                      Variant variant) {
  GRIPCU_CHECK(!train_rows.empty(), "no training samples");
  // The rows everything is fitted on: the training rows (the paper, §4.1), or all rows for the
  // public code's compat mode, which fits its LabelEncoders and StandardScalers before the split.
  std::vector<size_t> all_rows(data.n());
  std::iota(all_rows.begin(), all_rows.end(), size_t{0});
  const std::vector<size_t>& fit_rows = variant == Variant::public_code ? all_rows : train_rows;
  if (variant == Variant::public_code) mc = public_code_model_config(mc);
  const Vocab cells = Vocab::build(data.cells, fit_rows), drugs = Vocab::build(data.drugs, fit_rows);
  mc.genes = static_cast<int64_t>(data.g());
  mc.cells = static_cast<int64_t>(cells.names.size());
  mc.drugs = static_cast<int64_t>(drugs.names.size());
  auto m = std::make_unique<GripModel>(mc, tc, dev, variant);
  m->genes = data.genes;
  m->cells = cells;
  m->drugs = drugs;
  m->log2 = log2;
  std::vector<float> b = data.baseline, t = data.treated;
  if (log2) {
    log2p1_inplace(b, "baseline");
    log2p1_inplace(t, "treated");
  }
  const size_t g = data.g();
  m->z_baseline = ZScore::fit(b, g, fit_rows);
  m->z_treated = ZScore::fit(t, g, fit_rows);
  m->cell_profiles.assign(cells.names.size() * g, 0.f);
  std::vector<int64_t> count(cells.names.size(), 0);
  for (size_t r : fit_rows) {
    const auto c = static_cast<size_t>(cells.index(data.cells[r]));
    ++count[c];
    for (size_t k = 0; k < g; ++k) m->cell_profiles[c * g + k] += data.baseline[r * g + k];
  }
  for (size_t c = 0; c < count.size(); ++c)
    for (size_t k = 0; k < g; ++k) m->cell_profiles[c * g + k] /= static_cast<float>(count[c]);
  return m;
}

bool train_model(GripModel& m, const PairedData& data, const std::vector<size_t>& train_rows,
                 const std::function<void(int64_t)>& on_epoch, const std::function<bool()>& should_stop) {
  const size_t g = data.g();
  std::vector<float> x = take_rows(data.baseline, g, train_rows), y = take_rows(data.treated, g, train_rows);
  if (m.log2) {
    log2p1_inplace(x, "baseline");
    log2p1_inplace(y, "treated");
  }
  m.z_baseline.apply(x, g);
  m.z_treated.apply(y, g);
  std::vector<int64_t> cells, drugs;
  for (size_t r : train_rows) {
    cells.push_back(m.cells.index(data.cells[r]));
    drugs.push_back(m.drugs.index(data.drugs[r]));
  }
  GanTrainer trainer(m, x, y, cells, drugs);
  return trainer.run(on_epoch, should_stop);
}

NearestCell nearest_cell(const GripModel& m, const float* x) {
  const auto g = static_cast<size_t>(m.mcfg.genes);
  auto pearson = [g](const float* a, const float* b) {
    double ma = 0, mb = 0;
    for (size_t k = 0; k < g; ++k) { ma += a[k]; mb += b[k]; }
    ma /= double(g);
    mb /= double(g);
    double sab = 0, saa = 0, sbb = 0;
    for (size_t k = 0; k < g; ++k) {
      const double da = a[k] - ma, db = b[k] - mb;
      sab += da * db; saa += da * da; sbb += db * db;
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
  };
  NearestCell best;
  for (int64_t c = 0; c < m.mcfg.cells; ++c) {
    const double r = pearson(x, m.cell_profiles.data() + static_cast<size_t>(c) * g);
    if (best.cell < 0 || r > best.correlation) best = {c, r};
  }
  return best;
}

std::vector<float> predict(const GripModel& m, const std::vector<float>& x_in, const std::vector<int64_t>& cells,
                           const std::vector<int64_t>& drugs) {
  const auto g = static_cast<size_t>(m.mcfg.genes);
  const auto n = static_cast<int64_t>(cells.size());
  GRIPCU_CHECK(x_in.size() == static_cast<size_t>(n) * g && drugs.size() == cells.size(), "predict: ", x_in.size(),
               " values for ", n, " samples of ", g, " genes");
  for (size_t i = 0; i < cells.size(); ++i)
    GRIPCU_CHECK(cells[i] >= 0 && cells[i] < m.mcfg.cells && drugs[i] >= 0 && drugs[i] < m.mcfg.drugs,
                 "predict: cell/drug index out of range at sample ", i);
  std::vector<float> x = x_in;
  if (m.log2) log2p1_inplace(x, "baseline");
  m.z_baseline.apply(x, g);
  ag::NoGrad ng;
  std::vector<float> out(x.size());
  constexpr int64_t kChunk = 1024;  // bounded device memory for large cohorts
  for (int64_t lo = 0; lo < n; lo += kChunk) {
    const int64_t hi = std::min(n, lo + kChunk), b = hi - lo;
    const std::vector<float> xs(x.begin() + lo * static_cast<int64_t>(g), x.begin() + hi * static_cast<int64_t>(g));
    const std::vector<int64_t> cs(cells.begin() + lo, cells.begin() + hi), ds(drugs.begin() + lo, drugs.begin() + hi);
    const ag::Var y = (*m.G)(ag::Var(Tensor::from_vector(xs, {b, static_cast<int64_t>(g)}, m.device)),
                             Tensor::from_vector(cs, {b}, m.device), Tensor::from_vector(ds, {b}, m.device));
    const auto yv = y.value().to_vector<float>();
    std::copy(yv.begin(), yv.end(), out.begin() + lo * static_cast<int64_t>(g));
  }
  m.z_treated.invert(out, g);
  if (m.log2)
    for (float& v : out) v = std::exp2(v) - 1.0f;
  return out;
}

}  // namespace gripcu::grip
