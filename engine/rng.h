#pragma once
// The engine's random numbers: a seed plus stream ids handed out in a fixed order. Consumers
// (weight init, shuffles, dropout) take a fresh stream id per use, so a run's random numbers
// depend only on the seed and the order of requests, never on the device or thread count.
#include <cstdint>
#include <vector>

namespace gripcu {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t first_stream = 0) : seed_(seed), next_(first_stream) {}
  uint64_t seed() const { return seed_; }
  uint64_t next_stream() { return next_++; }
  uint64_t peek_stream() const { return next_; }
  void set_next_stream(uint64_t s) { next_ = s; }  // for resume

  // Host helpers (identical to the device kernels in kernels/random.h).
  float uniform(uint64_t stream, uint64_t i, float lo = 0.f, float hi = 1.f) const;
  float normal(uint64_t stream, uint64_t i) const;
  // A permutation of 0..n-1: indices sorted by their Philox key (ties by index).
  std::vector<int64_t> permutation(int64_t n, uint64_t stream) const;

 private:
  uint64_t seed_;
  uint64_t next_;
};

}  // namespace gripcu
