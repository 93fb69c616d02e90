#include "models/grip/trainer.h"

#include "autograd/ops.h"
#include "engine/log.h"

namespace gripcu::grip {

using ag::Var;

BatchIndex make_batch(const std::vector<int64_t>& rows, const std::vector<int64_t>& cells,
                      const std::vector<int64_t>& drugs, const Device& dev) {
  const int64_t b = static_cast<int64_t>(rows.size());
  std::vector<int64_t> c(rows.size()), d(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    c[i] = cells[static_cast<size_t>(rows[i])];
    d[i] = drugs[static_cast<size_t>(rows[i])];
  }
  return {Tensor::from_vector(rows, {b}, dev), Tensor::from_vector(c, {b}, dev), Tensor::from_vector(d, {b}, dev)};
}

GanTrainer::GanTrainer(GripModel& m, const std::vector<float>& x, const std::vector<float>& y,
                       const std::vector<int64_t>& cells, const std::vector<int64_t>& drugs)
    : m_(m), n_(static_cast<int64_t>(cells.size())), cells_(cells), drugs_(drugs) {
  const int64_t g = m.mcfg.genes;
  GRIPCU_CHECK(n_ > 0 && static_cast<int64_t>(x.size()) == n_ * g && y.size() == x.size(), "GanTrainer: ", n_,
               " samples but ", x.size(), " baseline and ", y.size(), " treated values for ", g, " genes");
  x_ = Tensor::from_vector(x, {n_, g}, m.device);
  y_ = Tensor::from_vector(y, {n_, g}, m.device);
}

StepLosses GanTrainer::step(const std::vector<int64_t>& rows) {
  const Device dev = m_.device;
  const int64_t b = static_cast<int64_t>(rows.size());
  const BatchIndex bi = make_batch(rows, cells_, drugs_, dev);
  if (!ones_.defined() || ones_.dim(0) != b) {
    ones_ = Tensor::full({b, 1}, 1.0, DType::f32, dev);
    zeros_ = Tensor::zeros({b, 1}, DType::f32, dev);
  }
  const Var ones(ones_), zeros(zeros_);
  Var x, y;
  {
    ag::NoGrad ng;  // the batch rows: a device-side gather (the embedding kernel over the data)
    x = ag::embedding(Var(x_), bi.rows);
    y = ag::embedding(Var(y_), bi.rows);
  }
  ag::tape().clear();
  const Var fake = (*m_.G)(x, bi.cells, bi.drugs);
  auto g_graph = ag::tape().take();

  StepLosses out;
  // Discriminator step on the detached fake.
  m_.dstore.zero_grad();
  const Var fake_detached(fake.value());
  out.d_loss = ag::add(ag::bce_with_logits((*m_.D)(y, bi.cells, bi.drugs), ones),
                       ag::bce_with_logits((*m_.D)(fake_detached, bi.cells, bi.drugs), zeros));
  ag::backward(out.d_loss);
  m_.opt_d->step();

  // Generator step through the updated, frozen discriminator.
  ag::tape().restore(std::move(g_graph));
  m_.gstore.zero_grad();
  m_.dstore.set_trainable(false);
  out.mse = ag::mse_loss(fake, y);
  out.g_loss = ag::add(out.mse, ag::scale(ag::bce_with_logits((*m_.D)(fake, bi.cells, bi.drugs), ones), m_.tcfg.lambda));
  ag::backward(out.g_loss);
  m_.dstore.set_trainable(true);
  m_.opt_g->step();
  return out;
}

bool GanTrainer::run(const std::function<void(int64_t)>& on_epoch, const std::function<bool()>& should_stop) {
  const int64_t batch = m_.tcfg.batch, nb = (n_ + batch - 1) / batch;
  const Rng rng(m_.tcfg.seed);
  Progress bar("train", m_.tcfg.epochs);
  while (m_.state.epoch < m_.tcfg.epochs) {
    const int64_t e = m_.state.epoch;
    const auto perm = rng.permutation(n_, kShuffleStreamBase + static_cast<uint64_t>(e));
    TrainState& st = m_.state;
    for (int64_t bidx = m_.state.batch; bidx < nb; ++bidx) {
      if (should_stop && should_stop()) return false;
      const int64_t lo = bidx * batch, hi = std::min(n_, lo + batch);
      const StepLosses l = step(std::vector<int64_t>(perm.begin() + lo, perm.begin() + hi));
      // Reading a loss waits for the device; on the CPU it is free, on a GPU once per epoch.
      if (m_.device.is_cpu() || bidx == nb - 1) {
        st.part_g += l.g_loss.item();
        st.part_d += l.d_loss.item();
        st.part_mse += l.mse.item();
        ++st.part_n;
      }
      st.batch = bidx + 1;
    }
    const double cnt = static_cast<double>(std::max<int64_t>(st.part_n, 1));
    st.g_loss.push_back(st.part_g / cnt);
    st.d_loss.push_back(st.part_d / cnt);
    st.mse.push_back(st.part_mse / cnt);
    st.part_g = st.part_d = st.part_mse = 0;
    st.part_n = 0;
    st.epoch = e + 1;
    st.batch = 0;
    bar.update(m_.state.epoch, "mse " + std::to_string(m_.state.mse.back()));
    if (on_epoch) on_epoch(m_.state.epoch);
  }
  bar.finish();
  return true;
}

}  // namespace gripcu::grip
