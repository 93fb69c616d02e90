#pragma once
// Differentiable ops on Var. Each op validates shapes, dtypes and devices (gripcu::Error naming
// the op and the shapes), runs the kernel twin for the device, and records its backward.
#include <cstdint>
#include <vector>

#include "autograd/var.h"
#include "kernels/elementwise.h"

namespace gripcu::ag {

using kernels::Act;

// y = act(x W^T + b): x [n, in], W [out, in] (PyTorch's layout), b [out] or undefined.
// identity and relu run as one GEMM with a fused epilogue.
Var linear(const Var& x, const Var& W, const Var& b, Act act = Act::identity, double slope = 0.01);
Var matmul(const Var& a, const Var& b);  // [m,k] x [k,n]

Var add(const Var& a, const Var& b);  // same shape
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var scale(const Var& a, double s);
Var add_rowvec(const Var& x, const Var& v);  // x [r,c] + v [c]
Var activation(const Var& x, Act act, double slope = 0.01);
inline Var relu(const Var& x) { return activation(x, Act::relu); }
inline Var leaky_relu(const Var& x, double slope) { return activation(x, Act::leaky_relu, slope); }
inline Var sigmoid(const Var& x) { return activation(x, Act::sigmoid); }
inline Var tanh(const Var& x) { return activation(x, Act::tanh); }

Var sum(const Var& x);   // all elements -> [1]
Var mean(const Var& x);  // all elements -> [1]

Var mse_loss(const Var& pred, const Var& target);
Var bce_with_logits(const Var& logits, const Var& target);
Var softmax_cross_entropy(const Var& logits, const Tensor& labels_i64);

// table [vocab, dim], idx i64 [n] -> [n, dim]
Var embedding(const Var& table, const Tensor& idx);
// Concatenate 2-d variables along columns; slice_cols takes columns [start, start + width).
Var concat_cols(const std::vector<Var>& parts);
Var slice_cols(const Var& x, int64_t start, int64_t width);

// y = h * (1 + gamma) + beta, all [n, f].
Var film(const Var& h, const Var& gamma, const Var& beta);
// Identity forward; backward multiplies by -lambda. lambda is a 1-element tensor on x's device
// (the caller may update it between steps, e.g. DADSP's lambda(p) schedule).
Var gradient_reversal(const Var& x, const Tensor& lambda);
// Inverted dropout with mask from Philox stream `stream` of `seed` (training only; p in [0,1)).
Var dropout(const Var& x, double p, uint64_t seed, uint64_t stream);

// ---- fused kernel families (autograd/ops_fused.cpp) ----
// The GRIP generator's FiLM + residual block in one op (kernels/film_residual.h):
//   h = h0 (1 + gamma) + beta;  y = h + relu(relu(h W1^T + b1) W2^T + b2)
// h0, gamma, beta [n, H]; W1 [F, H], b1 [F], W2 [H, F], b2 [H] (all required). Equals
// film -> linear(relu) -> linear(relu) -> add to rounding (bit for bit on the CPU).
Var film_residual(const Var& h0, const Var& gamma, const Var& beta, const Var& W1, const Var& b1, const Var& W2,
                  const Var& b2);
// One fused LeakyReLU layer (kernels/leaky_mlp.h): y = act(x W^T + b), act(z) = z > 0 ? z : slope z,
// slope >= 0 (0: ReLU, 1: identity); b may be undefined. Equals linear(x, W, b, leaky_relu, slope)
// to rounding (bit for bit on the CPU).
Var leaky_linear(const Var& x, const Var& W, const Var& b, double slope);
// The same layer over the column concatenation of `parts` (the discriminator's input [profile,
// cell embedding, drug embedding]): the forward is leaky_linear(concat_cols(parts), W, b, slope)
// bit for bit; the backward computes each part's gradient from that part's columns of W only
// (kernels/gemm.h, gemm_ld), so a part that needs none (the data in D's step, D's frozen
// embeddings in G's step) costs no GEMM.
Var leaky_linear_cat(const std::vector<Var>& parts, const Var& W, const Var& b, double slope);

}  // namespace gripcu::ag

// ---- DADSP-B: multi-bandwidth Gaussian MMD (autograd/ops_mmd.cpp, kernels/mmd.h) ----
#include "kernels/mmd.h"

namespace gripcu::ag {
// MMD^2 between x [n, d] and y [m, d] (biased estimator, kernels/mmd.h) as a [1] variable, with
// gradients to both. An adaptive bandwidth is a constant for the gradient; beta0 (optional, a
// [1] tensor on x's device) receives the one used.
Var mmd_loss(const Var& x, const Var& y, const kernels::MmdConfig& cfg, Tensor* beta0 = nullptr);
// Rows [start, start + count) of a 2-d variable (a view forward; the rest of dx is zero backward):
// DADSP splits the source and target halves of one extractor batch.
Var slice_rows(const Var& x, int64_t start, int64_t count);
}  // namespace gripcu::ag

// ---- GRIP architectures: conv1d, attention, layer norm, reshape (autograd/ops_conv.cpp,
// autograd/ops_attention.cpp; kernels/conv1d.h, kernels/attention.h, kernels/layernorm.h) ----
namespace gripcu::ag {
// x [n, cin, l], w [cout, cin, k], b [cout] or undefined -> [n, cout, lout] (torch.nn.Conv1d).
Var conv1d(const Var& x, const Var& w, const Var& b, int64_t stride, int64_t pad);
// The same values under another shape of the same element count (a view; gradients reshape back).
Var reshape(const Var& x, const Shape& shape);
// Scaled dot-product attention over `heads` heads: q, k, v [batch * seq, heads * dh] (rows of one
// sequence consecutive, head h in columns [h dh, (h + 1) dh)) -> [batch * seq, heads * dh],
// softmax(q_h k_h^T / sqrt(dh)) v_h per sequence and head (kernels/attention.h).
Var attention(const Var& q, const Var& k, const Var& v, int64_t batch, int64_t heads);
// Layer normalization over the last dimension of x [rows, d]: (x - mean) / sqrt(var + eps) * g + b,
// biased variance (torch.nn.LayerNorm); g, b [d].
Var layer_norm(const Var& x, const Var& g, const Var& b, double eps = 1e-5);
}  // namespace gripcu::ag
