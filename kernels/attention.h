#pragma once
// Multi-head scaled dot-product attention, forward and backward (the Transformer generator).
//   q, k, v, o: [batch, seq, heads * dh] row-major (head h in columns [h dh, (h + 1) dh))
//   p:          [batch, heads, seq, seq] softmax probabilities, written by forward, read by backward
//   S = scale q_h k_h^T;  P = softmax over the last axis (max-subtracted);  o_h = P v_h
// Backward, per sequence and head (dS a [batch, heads, seq, seq] workspace on the GPU):
//   dv_h = P^T do_h;  dP = do_h v_h^T;  dS = P * (dP - rowsum(P * dP));
//   dq_h = scale dS k_h;  dk_h = scale dS^T q_h
// acc_q / acc_k / acc_v add into dq / dk / dv instead of writing them; a null output is skipped.
// CPU: one (sequence, head) per task, plain loops (the oracle). CUDA: cuBLAS strided-batched GEMMs
// (one call per head, batched over sequences; FP32 / FP64 math, no TF32) and warp-per-row softmax
// and softmax-backward kernels (fixed shuffle trees: deterministic).
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

struct AttentionShape {
  int64_t batch = 0, seq = 0, heads = 1, dh = 0;
  int64_t width() const { return heads * dh; }
  int64_t probs() const { return batch * heads * seq * seq; }  // elements of p (and of the workspace)
};

template <typename T>
void attention_forward_cpu(const AttentionShape& s, T scale, const T* q, const T* k, const T* v, T* p, T* o);
template <typename T>
void attention_backward_cpu(const AttentionShape& s, T scale, const T* q, const T* k, const T* v, const T* p,
                            const T* dout, T* dq, T* dk, T* dv, bool acc_q, bool acc_k, bool acc_v, T* work);

void attention_forward_cuda(const AttentionShape& s, float scale, const float* q, const float* k, const float* v,
                            float* p, float* o, cudaStream_t stream);
void attention_forward_cuda(const AttentionShape& s, double scale, const double* q, const double* k, const double* v,
                            double* p, double* o, cudaStream_t stream);
void attention_backward_cuda(const AttentionShape& s, float scale, const float* q, const float* k, const float* v,
                             const float* p, const float* dout, float* dq, float* dk, float* dv, bool acc_q,
                             bool acc_k, bool acc_v, float* work, cudaStream_t stream);
void attention_backward_cuda(const AttentionShape& s, double scale, const double* q, const double* k, const double* v,
                             const double* p, const double* dout, double* dq, double* dk, double* dv, bool acc_q,
                             bool acc_k, bool acc_v, double* work, cudaStream_t stream);

}  // namespace gripcu::kernels
