#pragma once
// The engine's layers. Parameter names follow PyTorch's (weight, bias) so a gripcu checkpoint
// loads into the equivalent torch.nn modules by name.
#include <vector>

#include "autograd/ops.h"
#include "layers/module.h"

namespace gripcu::nn {

// y = act(x W^T + b), W [out, in]; PyTorch's default init: U(-1/sqrt(in), 1/sqrt(in)) for both.
class Linear : public Module {
 public:
  Linear(ParamStore& s, const std::string& name, int64_t in, int64_t out, bool bias = true);
  Var operator()(const Var& x, ag::Act act = ag::Act::identity, double slope = 0.01) const {
    return ag::linear(x, weight, bias, act, slope);
  }
  int64_t in_features, out_features;
  Var weight, bias;
};

// Lookup table [vocab, dim], N(0, 1) init as torch.nn.Embedding.
class Embedding : public Module {
 public:
  Embedding(ParamStore& s, const std::string& name, int64_t vocab, int64_t dim);
  Var operator()(const Tensor& idx) const { return ag::embedding(weight, idx); }
  int64_t vocab, dim;
  Var weight;
};

// FiLM conditioning: a linear modulation network maps the condition c [n, cond_dim] to
// gamma and beta [n, features]; y = h * (1 + gamma) + beta.
class FiLM : public Module {
 public:
  FiLM(ParamStore& s, const std::string& name, int64_t cond_dim, int64_t features);
  Var operator()(const Var& h, const Var& cond) const;
  int64_t features;
  Linear to_gamma, to_beta;
};

// Gradient reversal with a settable lambda (kept on the device, read by the backward kernel).
class GradientReversal {
 public:
  GradientReversal(Device dev, DType dt, double lambda = 1.0);
  void set_lambda(double l);
  double lambda() const { return lambda_; }
  Var operator()(const Var& x) const { return ag::gradient_reversal(x, lambda_t_); }

 private:
  double lambda_;
  Tensor lambda_t_;
};

// A stack of Linear layers: hidden activations `act` (LeakyReLU slope `slope`), last layer
// linear (or `out_act`). sizes = {in, h1, ..., out}; layers are named "<name>.<i>".
class MLP : public Module {
 public:
  MLP(ParamStore& s, const std::string& name, const std::vector<int64_t>& sizes, ag::Act act = ag::Act::relu,
      double slope = 0.01, ag::Act out_act = ag::Act::identity);
  Var operator()(const Var& x) const;
  std::vector<Linear> layers;
  ag::Act act, out_act;
  double slope;
};

}  // namespace gripcu::nn
