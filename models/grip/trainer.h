#pragma once
// Adversarial training (§4.7-4.8). Per batch, the discriminator then the generator:
//   fake = G(x, c, d)                                   (one forward, reused by both steps)
//   L_D  = BCE(D(y), 1) + BCE(D(fake.detach()), 0)       -> Adam step on D
//   L_G  = MSE(fake, y) + lambda * BCE(D(fake), 1)       -> Adam step on G (D frozen)
// The generator's parameters do not change between the two steps, so reusing its forward graph is
// exactly the alternating update of the paper. Samples are shuffled each epoch by a Philox
// permutation of stream kShuffleStreamBase + epoch: resuming at (epoch, batch) replays the same
// order, which is what makes --resume bit-identical.
//
// On a CUDA device run() keeps the host out of the step: each epoch's order (rows, cells, drugs)
// is uploaded once; per batch, device-to-device copies stage the batch in fixed buffers, and the
// step itself (G forward, D step, G step, both Adam updates) is captured once per batch size as a
// CUDA graph and replayed (after one eager warm-up step that creates cuBLASLt plans and caches).
// Losses are copied on the device into a per-epoch table and read once at the end of the epoch,
// then summed in batch order in double, exactly as on the CPU. Graph and eager steps launch the
// same kernels, so m.cuda_graph = false gives the same bits (a GPU test checks it).
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "engine/cuda_graph.h"
#include "models/grip/model.h"

namespace gripcu::grip {

constexpr uint64_t kShuffleStreamBase = uint64_t{1} << 40;

struct StepLosses {
  ag::Var d_loss, g_loss, mse;
};

class GanTrainer {
 public:
  // x, y: normalized training profiles (n x G, row-major); cells/drugs: vocabulary indices.
  GanTrainer(GripModel& m, const std::vector<float>& x, const std::vector<float>& y, const std::vector<int64_t>& cells,
             const std::vector<int64_t>& drugs);
  ~GanTrainer();
  // One eager step on these rows (any device).
  StepLosses step(const std::vector<int64_t>& rows);
  // Trains from m.state to tcfg.epochs. on_epoch(epoch) runs after each epoch; should_stop() is
  // polled between batches. Returns false when stopped early (m.state says where).
  bool run(const std::function<void(int64_t)>& on_epoch, const std::function<bool()>& should_stop);
  int64_t n() const { return n_; }

 private:
  struct Staged;  // fixed batch buffers (and the graph) for one batch size on a CUDA device
  StepLosses body(const Tensor& rows, const Tensor& cells, const Tensor& drugs, const Tensor& ones, const Tensor& zeros);
  StepLosses device_step(const Tensor& rows_e, const Tensor& cells_e, const Tensor& drugs_e, int64_t lo, int64_t b);
  bool run_epoch_cpu(const std::vector<int64_t>& perm, const std::function<bool()>& should_stop);
  bool run_epoch_device(const std::vector<int64_t>& perm, const std::function<bool()>& should_stop);

  GripModel& m_;
  int64_t n_;
  Tensor x_, y_;  // on the model's device
  std::vector<int64_t> cells_, drugs_;
  Tensor ones_, zeros_;
  std::map<int64_t, std::unique_ptr<Staged>> staged_;
};

// A batch of rows as index tensors on `dev` (the rows themselves, and their cells and drugs).
struct BatchIndex {
  Tensor rows, cells, drugs;
};
BatchIndex make_batch(const std::vector<int64_t>& rows, const std::vector<int64_t>& cells,
                      const std::vector<int64_t>& drugs, const Device& dev);

}  // namespace gripcu::grip
