#pragma once
// Transformer encoder pieces over token rows: x [batch * seq, dim] (rows of one sequence
// consecutive). Names follow PyTorch where there is an equivalent (LayerNorm weight / bias).
//   LayerNorm          weight = 1, bias = 0 (torch's init), eps 1e-5
//   MultiHeadAttention qkv = Linear(dim, 3 dim) split into q | k | v, attention per head, out Linear
//   TransformerBlock   pre-norm: x = x + MHA(LN1(x)); x = x + W2 ReLU(W1 LN2(x))
#include "layers/layers.h"

namespace gripcu::nn {

class LayerNorm : public Module {
 public:
  LayerNorm(ParamStore& s, const std::string& name, int64_t dim, double eps = 1e-5);
  Var operator()(const Var& x) const { return ag::layer_norm(x, weight, bias, eps); }
  int64_t dim;
  double eps;
  Var weight, bias;
};

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(ParamStore& s, const std::string& name, int64_t dim, int64_t heads);
  Var operator()(const Var& x, int64_t batch) const;  // x [batch * seq, dim]
  int64_t dim, heads;
  Linear qkv, out;
};

class TransformerBlock : public Module {
 public:
  TransformerBlock(ParamStore& s, const std::string& name, int64_t dim, int64_t heads, int64_t ffn);
  Var operator()(const Var& x, int64_t batch) const;
  LayerNorm ln1;
  MultiHeadAttention attn;
  LayerNorm ln2;
  Linear ff1, ff2;
};

}  // namespace gripcu::nn
