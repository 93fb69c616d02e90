#pragma once
// GEMM with fused epilogues. Row-major throughout:
//   C[m,n] = alpha * op(A) * op(B) + beta * C   then, per epilogue, + bias[n] and ReLU.
// op(A) is m x k: A is stored [m,k] (ta = false) or [k,m] (ta = true);
// op(B) is k x n: B is stored [k,n] (tb = false) or [n,k] (tb = true).
// Linear layers use W [out,in]: y = x W^T + b is gemm(false, true, ...);
// dx = dy W is gemm(false, false, ...); dW += dy^T x is gemm(true, false, ..., beta = 1).
// On the CUDA path epilogues are fused into cuBLASLt when beta == 0; with beta != 0 (or when
// cuBLASLt has no fused algorithm) the bias / ReLU run as a separate pass with the same result.
// k == 0 gives C = beta*C (+ epilogue); m == 0 or n == 0 does nothing.
// CPU: Eigen (float64 for the oracle tests). CUDA: cuBLASLt (float: FP32 compute, no TF32 unless
// gemm_set_allow_tf32(true); double: FP64).
#include <cstdint>

#include "engine/device.h"

namespace gripcu::kernels {

enum class Epilogue { none, bias, bias_relu };

template <typename T>
void gemm_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
              const T* bias = nullptr, Epilogue ep = Epilogue::none);

void gemm_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* A, const float* B,
               float beta, float* C, const float* bias, Epilogue ep, cudaStream_t stream);
void gemm_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* A, const double* B,
               double beta, double* C, const double* bias, Epilogue ep, cudaStream_t stream);
// Independent products in one call: outputs disjoint, no output an input of another job. CPU: all
// their fixed tiles in one parallel loop (each tile as gemm() computes it: the same bits), so two
// small products keep the threads busy with one synchronization; CUDA: one cuBLASLt call per job,
// in order, on the stream. lda, ldb, ldc as in gemm_ld; 0 means contiguous.
template <typename T>
struct GemmJob {
  bool ta = false, tb = false;
  int64_t m = 0, n = 0, k = 0;
  T alpha = T(1);
  const T* A = nullptr;
  const T* B = nullptr;
  T beta = T(0);
  T* C = nullptr;
  int64_t lda = 0, ldb = 0, ldc = 0;
};
template <typename T>
void gemm_many_cpu(const GemmJob<T>* jobs, int count);
void gemm_many_cuda(const GemmJob<float>* jobs, int count, cudaStream_t stream);
void gemm_many_cuda(const GemmJob<double>* jobs, int count, cudaStream_t stream);

// The same product on sub-matrices: lda, ldb, ldc are the row strides (elements) of the stored A,
// B, C, each >= its stored row length. E.g. dx for the columns [c0, c0 + w) of a layer's input
// only: gemm_ld(false, false, n, w, out, 1, dz, out, W + c0, in, 0, dx, w). On the CPU a product
// gives the same bits as gemm() on contiguous copies of the same operands.
template <typename T>
void gemm_ld_cpu(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T beta, T* C, int64_t ldc);
void gemm_ld_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc, cudaStream_t stream);
void gemm_ld_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double beta, double* C, int64_t ldc, cudaStream_t stream);
// TF32 tensor-core math for float GEMMs on the GPU: off by default (numerics contract).
void gemm_set_allow_tf32(bool allow);

}  // namespace gripcu::kernels
