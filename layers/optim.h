#pragma once
// Optimizers over a ParamStore's slabs: one fused kernel launch per step for all parameters.
#include "kernels/adam.h"
#include "layers/module.h"

namespace gripcu::nn {

class Adam {
 public:
  Adam(ParamStore& store, kernels::AdamHyper h);
  void step();  // uses the gradient slab; call store.zero_grad() before the next backward
  int64_t steps() const { return t_; }
  void set_steps(int64_t t);  // resume
  // From now on the step count also lives in device memory and each step() first increments it
  // there (a kernel), so a CUDA graph that captured step() replays with the right t. The host
  // count must then be kept in step with replays: note_replayed_step() after each one.
  void use_device_step();
  void note_replayed_step() { ++t_; }
  // Sets only the host count (capturing a graph runs step() on the host without executing it).
  void set_host_steps(int64_t t) { t_ = t; }
  Tensor& m() { return m_; }
  Tensor& v() { return v_; }
  const kernels::AdamHyper& hyper() const { return h_; }

 private:
  ParamStore& store_;
  kernels::AdamHyper h_;
  Tensor m_, v_;
  Tensor t_dev_;  // i64 [1] on the device, when use_device_step() was called
  int64_t t_ = 0;
};

class SGD {
 public:
  SGD(ParamStore& store, kernels::SgdHyper h);
  void step();
  int64_t steps() const { return t_; }

 private:
  ParamStore& store_;
  kernels::SgdHyper h_;
  Tensor buf_;
  int64_t t_ = 0;
};

}  // namespace gripcu::nn
