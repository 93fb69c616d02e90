#include "models/grip/trainer.h"

#include <cmath>

#include "autograd/ops.h"
#include "engine/log.h"
#include "engine/memory.h"

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

struct GanTrainer::Staged {
  Tensor rows, cells, drugs;  // fixed buffers the graph reads
  Tensor ones, zeros;
  std::unique_ptr<CudaGraph> graph;
  StepLosses losses;  // the captured step's loss scalars (rewritten by each replay)
  int64_t eager_steps = 0;
};

GanTrainer::GanTrainer(GripModel& m, const std::vector<float>& x, const std::vector<float>& y,
                       const std::vector<int64_t>& cells, const std::vector<int64_t>& drugs)
    : m_(m), n_(static_cast<int64_t>(cells.size())), cells_(cells), drugs_(drugs) {
  const int64_t g = m.mcfg.genes;
  GRIPCU_CHECK(n_ > 0 && static_cast<int64_t>(x.size()) == n_ * g && y.size() == x.size(), "GanTrainer: ", n_,
               " samples but ", x.size(), " baseline and ", y.size(), " treated values for ", g, " genes");
  x_ = Tensor::from_vector(x, {n_, g}, m.device);
  y_ = Tensor::from_vector(y, {n_, g}, m.device);
  if (m.device.is_cuda() && m.cuda_graph) {  // graphs read Adam's step count from the device
    m.opt_g->use_device_step();
    m.opt_d->use_device_step();
  }
}

GanTrainer::~GanTrainer() = default;

StepLosses GanTrainer::body(const Tensor& rows, const Tensor& cells, const Tensor& drugs, const Tensor& ones_t,
                            const Tensor& zeros_t) {
  const Var ones(ones_t), zeros(zeros_t);
  Var x, y;
  {
    ag::NoGrad ng;  // the batch rows: a device-side gather (the embedding kernel over the data)
    x = ag::embedding(Var(x_), rows);
    y = ag::embedding(Var(y_), rows);
  }
  ag::tape().clear();
  const Var fake = (*m_.G)(x, cells, drugs);
  auto g_graph = ag::tape().take();

  StepLosses out;
  // Discriminator step on the detached fake. D(y) and D(fake) run as one pass over the 2b rows
  // [y; fake] (one GEMM per layer, dW summed over both halves inside it); the loss is still
  // BCE(D(y), 1) + BCE(D(fake), 0), each a mean over its b rows.
  m_.dstore.zero_grad();
  const int64_t b = rows.dim(0), g = m_.mcfg.genes;
  const Device dev = m_.device;
  Tensor both = Tensor::empty({2 * b, g}, fake.dtype(), dev);
  Tensor cells2 = Tensor::empty({2 * b}, DType::i64, dev), drugs2 = Tensor::empty({2 * b}, DType::i64, dev);
  {  // one pass over all the copies (on the CPU: all threads, no per-copy synchronization)
    const size_t half = static_cast<size_t>(b * g) * dtype_size(fake.dtype()), ib = static_cast<size_t>(b) * sizeof(int64_t);
    auto* bp = static_cast<char*>(both.raw());
    auto* cp = static_cast<char*>(cells2.raw());
    auto* dp = static_cast<char*>(drugs2.raw());
    const MemCopy copies[] = {{bp, y.value().raw(), half}, {bp + half, fake.value().raw(), half},
                              {cp, cells.raw(), ib},       {cp + ib, cells.raw(), ib},
                              {dp, drugs.raw(), ib},       {dp + ib, drugs.raw(), ib}};
    mem_copy_many(dev, copies, 6);
  }
  const Var logits = (*m_.D)(Var(both), cells2, drugs2);
  out.d_loss = ag::add(ag::bce_with_logits(ag::slice_rows(logits, 0, b), ones),
                       ag::bce_with_logits(ag::slice_rows(logits, b, b), zeros));
  ag::backward(out.d_loss);
  m_.opt_d->step();

  // Generator step through the updated, frozen discriminator.
  ag::tape().restore(std::move(g_graph));
  m_.gstore.zero_grad();
  m_.dstore.set_trainable(false);
  out.mse = ag::mse_loss(fake, y);
  out.g_loss = ag::add(out.mse, ag::scale(ag::bce_with_logits((*m_.D)(fake, cells, drugs), ones), m_.tcfg.lambda));
  ag::backward(out.g_loss);
  m_.dstore.set_trainable(true);
  m_.opt_g->step();
  return out;
}

StepLosses GanTrainer::step(const std::vector<int64_t>& rows) {
  const Device dev = m_.device;
  const int64_t b = static_cast<int64_t>(rows.size());
  const BatchIndex bi = make_batch(rows, cells_, drugs_, dev);
  if (!ones_.defined() || ones_.dim(0) != b) {
    ones_ = Tensor::full({b, 1}, 1.0, DType::f32, dev);
    zeros_ = Tensor::zeros({b, 1}, DType::f32, dev);
  }
  return body(bi.rows, bi.cells, bi.drugs, ones_, zeros_);
}

StepLosses GanTrainer::device_step(const Tensor& rows_e, const Tensor& cells_e, const Tensor& drugs_e, int64_t lo,
                                   int64_t b) {
  const Device dev = m_.device;
  auto& slot = staged_[b];
  if (!slot) {
    slot = std::make_unique<Staged>();
    slot->rows = Tensor::empty({b}, DType::i64, dev);
    slot->cells = Tensor::empty({b}, DType::i64, dev);
    slot->drugs = Tensor::empty({b}, DType::i64, dev);
    slot->ones = Tensor::full({b, 1}, 1.0, DType::f32, dev);
    slot->zeros = Tensor::zeros({b, 1}, DType::f32, dev);
  }
  Staged& st = *slot;
  // Stage the batch: device-to-device, ordered after the previous step on the engine stream.
  const size_t bytes = static_cast<size_t>(b) * sizeof(int64_t);
  mem_copy(dev, st.rows.raw(), dev, rows_e.data<int64_t>() + lo, bytes);
  mem_copy(dev, st.cells.raw(), dev, cells_e.data<int64_t>() + lo, bytes);
  mem_copy(dev, st.drugs.raw(), dev, drugs_e.data<int64_t>() + lo, bytes);
  if (!m_.cuda_graph || st.eager_steps == 0) {  // eager (and the warm-up before capture)
    ++st.eager_steps;
    return body(st.rows, st.cells, st.drugs, st.ones, st.zeros);
  }
  if (!st.graph) {
    // Capturing records the step without running it, but step() counts on the host: undo that.
    const int64_t tg = m_.opt_g->steps(), td = m_.opt_d->steps();
    st.graph = std::make_unique<CudaGraph>(dev);
    st.graph->capture([&] { st.losses = body(st.rows, st.cells, st.drugs, st.ones, st.zeros); });
    m_.opt_g->set_host_steps(tg);
    m_.opt_d->set_host_steps(td);
  }
  st.graph->replay();
  m_.opt_g->note_replayed_step();
  m_.opt_d->note_replayed_step();
  return st.losses;
}

namespace {
void add_epoch_losses(TrainState& st, double g, double d, double mse, int64_t epoch) {
  GRIPCU_CHECK(std::isfinite(g) && std::isfinite(d) && std::isfinite(mse), "training diverged in epoch ", epoch + 1,
               ": non-finite loss (G ", g, ", D ", d, ", MSE ", mse, "); lower the learning rate or check the input");
  st.part_g += g;
  st.part_d += d;
  st.part_mse += mse;
  ++st.part_n;
}
}  // namespace

bool GanTrainer::run_epoch_cpu(const std::vector<int64_t>& perm, const std::function<bool()>& should_stop) {
  TrainState& st = m_.state;
  const int64_t batch = m_.tcfg.batch, nb = (n_ + batch - 1) / batch;
  for (int64_t bidx = st.batch; bidx < nb; ++bidx) {
    if (should_stop && should_stop()) return false;
    const int64_t lo = bidx * batch, hi = std::min(n_, lo + batch);
    const StepLosses l = step(std::vector<int64_t>(perm.begin() + lo, perm.begin() + hi));
    add_epoch_losses(st, l.g_loss.item(), l.d_loss.item(), l.mse.item(), st.epoch);
    st.batch = bidx + 1;
  }
  return true;
}

bool GanTrainer::run_epoch_device(const std::vector<int64_t>& perm, const std::function<bool()>& should_stop) {
  TrainState& st = m_.state;
  const Device dev = m_.device;
  const int64_t batch = m_.tcfg.batch, nb = (n_ + batch - 1) / batch;
  // The epoch's order, uploaded once.
  std::vector<int64_t> c(perm.size()), d(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    c[i] = cells_[static_cast<size_t>(perm[i])];
    d[i] = drugs_[static_cast<size_t>(perm[i])];
  }
  const Tensor rows_e = Tensor::from_vector(perm, {n_}, dev), cells_e = Tensor::from_vector(c, {n_}, dev),
               drugs_e = Tensor::from_vector(d, {n_}, dev);
  Tensor table = Tensor::zeros({nb, 3}, DType::f32, dev);  // per batch: G loss, D loss, MSE
  const int64_t first = st.batch;
  auto flush = [&](int64_t upto) {  // one device-to-host read for the batches [first, upto)
    const auto v = table.to_vector<float>();
    for (int64_t k = first; k < upto; ++k)
      add_epoch_losses(st, v[static_cast<size_t>(3 * k)], v[static_cast<size_t>(3 * k + 1)], v[static_cast<size_t>(3 * k + 2)],
                       st.epoch);
  };
  for (int64_t bidx = first; bidx < nb; ++bidx) {
    if (should_stop && should_stop()) {
      flush(bidx);
      return false;
    }
    const int64_t lo = bidx * batch, hi = std::min(n_, lo + batch);
    const StepLosses l = device_step(rows_e, cells_e, drugs_e, lo, hi - lo);
    float* row = table.data<float>() + 3 * bidx;
    mem_copy(dev, row, dev, l.g_loss.value().raw(), sizeof(float));
    mem_copy(dev, row + 1, dev, l.d_loss.value().raw(), sizeof(float));
    mem_copy(dev, row + 2, dev, l.mse.value().raw(), sizeof(float));
    st.batch = bidx + 1;
  }
  flush(nb);
  return true;
}

bool GanTrainer::run(const std::function<void(int64_t)>& on_epoch, const std::function<bool()>& should_stop) {
  const Rng rng(m_.tcfg.seed);
  Progress bar("train", m_.tcfg.epochs);
  while (m_.state.epoch < m_.tcfg.epochs) {
    TrainState& st = m_.state;
    const int64_t e = st.epoch;
    // The public code's loader does not shuffle (--compat public-code): rows in their given order.
    std::vector<int64_t> perm(static_cast<size_t>(n_));
    if (m_.variant == Variant::public_code) {
      for (int64_t i = 0; i < n_; ++i) perm[static_cast<size_t>(i)] = i;
    } else {
      perm = rng.permutation(n_, kShuffleStreamBase + static_cast<uint64_t>(e));
    }
    const bool done = m_.device.is_cpu() ? run_epoch_cpu(perm, should_stop) : run_epoch_device(perm, should_stop);
    if (!done) return false;
    const double cnt = static_cast<double>(std::max<int64_t>(st.part_n, 1));
    st.g_loss.push_back(st.part_g / cnt);
    st.d_loss.push_back(st.part_d / cnt);
    st.mse.push_back(st.part_mse / cnt);
    st.part_g = st.part_d = st.part_mse = 0;
    st.part_n = 0;
    st.epoch = e + 1;
    st.batch = 0;
    bar.update(st.epoch, "mse " + std::to_string(st.mse.back()));
    if (on_epoch) on_epoch(st.epoch);
  }
  bar.finish();
  return true;
}

}  // namespace gripcu::grip
