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
  void set_steps(int64_t t) { t_ = t; }  // resume
  Tensor& m() { return m_; }
  Tensor& v() { return v_; }
  const kernels::AdamHyper& hyper() const { return h_; }

 private:
  ParamStore& store_;
  kernels::AdamHyper h_;
  Tensor m_, v_;
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
