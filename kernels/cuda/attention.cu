// CUDA twin of kernels/attention.h: per head, cuBLAS strided-batched GEMMs over the sequences
// (column-major views of the row-major [seq, heads*dh] blocks: ld = heads*dh, batch stride
// seq*heads*dh), and warp-per-row softmax / softmax-backward kernels.
#include <cublas_v2.h>

#include <map>
#include <mutex>

#include "engine/error.h"
#include "kernels/attention.h"
#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

cublasHandle_t blas_handle() {
  static std::mutex mu;
  static std::map<int, cublasHandle_t> handles;  // never destroyed (teardown order at exit)
  int dev = 0;
  GRIPCU_CUDA_CHECK(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  auto it = handles.find(dev);
  if (it != handles.end()) return it->second;
  cublasHandle_t h = nullptr;
  GRIPCU_CUBLAS_CHECK(cublasCreate(&h));
  GRIPCU_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));  // FP32 stays FP32 (no TF32)
  handles[dev] = h;
  return h;
}

// Column-major strided-batched GEMM, C = alpha op(A) op(B) + beta C.
void gemm_sb(cublasHandle_t h, bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* A,
             int64_t lda, int64_t sa, const float* B, int64_t ldb, int64_t sb, float beta, float* C, int64_t ldc,
             int64_t sc, int64_t batch) {
  GRIPCU_CUBLAS_CHECK(cublasSgemmStridedBatched(h, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                                int(m), int(n), int(k), &alpha, A, int(lda), sa, B, int(ldb), sb, &beta,
                                                C, int(ldc), sc, int(batch)));
}
void gemm_sb(cublasHandle_t h, bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* A,
             int64_t lda, int64_t sa, const double* B, int64_t ldb, int64_t sb, double beta, double* C, int64_t ldc,
             int64_t sc, int64_t batch) {
  GRIPCU_CUBLAS_CHECK(cublasDgemmStridedBatched(h, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                                int(m), int(n), int(k), &alpha, A, int(lda), sa, B, int(ldb), sb, &beta,
                                                C, int(ldc), sc, int(batch)));
}

// One warp per row of length L: p = softmax(p) in place.
template <typename T>
__global__ void softmax_rows(int64_t rows, int64_t L, T* p) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= rows) return;
  T* r = p + warp * L;
  T mx = -INFINITY;
  for (int64_t j = lane; j < L; j += 32) mx = r[j] > mx ? r[j] : mx;
  mx = warp_max_all(mx);
  T sum = T(0);
  for (int64_t j = lane; j < L; j += 32) {
    const T e = dev_exp(r[j] - mx);
    r[j] = e;
    sum += e;
  }
  sum = warp_sum_all(sum);
  const T inv = T(1) / sum;
  for (int64_t j = lane; j < L; j += 32) r[j] *= inv;
}

// One warp per row: ds = p * (ds - sum_j p ds) in place (ds holds dP on entry).
template <typename T>
__global__ void softmax_backward_rows(int64_t rows, int64_t L, const T* p, T* ds) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (warp >= rows) return;
  const T* pr = p + warp * L;
  T* dr = ds + warp * L;
  T dot = T(0);
  for (int64_t j = lane; j < L; j += 32) dot += pr[j] * dr[j];
  dot = warp_sum_all(dot);
  for (int64_t j = lane; j < L; j += 32) dr[j] = pr[j] * (dr[j] - dot);
}

template <typename T>
void launch_rows(int64_t rows, int64_t L, const T* p, T* x, bool backward, cudaStream_t s) {
  if (rows <= 0) return;
  constexpr int kWarps = 8;
  const unsigned grid = static_cast<unsigned>((rows + kWarps - 1) / kWarps);
  if (backward) softmax_backward_rows<T><<<grid, kWarps * 32, 0, s>>>(rows, L, p, x);
  else softmax_rows<T><<<grid, kWarps * 32, 0, s>>>(rows, L, x);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

void check(const AttentionShape& s) {
  GRIPCU_CHECK(s.batch >= 0 && s.seq > 0 && s.heads > 0 && s.dh > 0, "attention (CUDA): bad shape batch=", s.batch,
               " seq=", s.seq, " heads=", s.heads, " dh=", s.dh);
}

template <typename T>
void forward_impl(const AttentionShape& s, T scale, const T* q, const T* k, const T* v, T* p, T* o, cudaStream_t st) {
  check(s);
  if (s.batch == 0) return;
  cublasHandle_t h = blas_handle();
  GRIPCU_CUBLAS_CHECK(cublasSetStream(h, st));
  const int64_t L = s.seq, D = s.width(), dh = s.dh, sx = L * D, sp = s.heads * L * L;
  for (int64_t hd = 0; hd < s.heads; ++hd) {
    const int64_t c = hd * dh;
    T* ph = p + hd * L * L;
    // S^T (col-major [L, L]) = K_h^T Q_h over the col-major [dh, L] views.
    gemm_sb(h, true, false, L, L, dh, scale, k + c, D, sx, q + c, D, sx, T(0), ph, L, sp, s.batch);
  }
  launch_rows<T>(s.batch * s.heads * L, L, nullptr, p, false, st);
  for (int64_t hd = 0; hd < s.heads; ++hd) {
    const int64_t c = hd * dh;
    // O_h (col-major [dh, L]) = V_h P^T-view.
    gemm_sb(h, false, false, dh, L, L, T(1), v + c, D, sx, p + hd * L * L, L, sp, T(0), o + c, D, sx, s.batch);
  }
}

template <typename T>
void backward_impl(const AttentionShape& s, T scale, const T* q, const T* k, const T* v, const T* p, const T* dout,
                   T* dq, T* dk, T* dv, bool acc_q, bool acc_k, bool acc_v, T* work, cudaStream_t st) {
  check(s);
  if (s.batch == 0) return;
  cublasHandle_t h = blas_handle();
  GRIPCU_CUBLAS_CHECK(cublasSetStream(h, st));
  const int64_t L = s.seq, D = s.width(), dh = s.dh, sx = L * D, sp = s.heads * L * L;
  for (int64_t hd = 0; hd < s.heads; ++hd) {
    const int64_t c = hd * dh;
    const T* ph = p + hd * L * L;
    if (dv)  // dV_h = dO_h P^T (col-major views)
      gemm_sb(h, false, true, dh, L, L, T(1), dout + c, D, sx, ph, L, sp, acc_v ? T(1) : T(0), dv + c, D, sx, s.batch);
    if (dq || dk)  // dP^T (col-major) = V_h^T dO_h
      gemm_sb(h, true, false, L, L, dh, T(1), v + c, D, sx, dout + c, D, sx, T(0), work + hd * L * L, L, sp, s.batch);
  }
  if (!dq && !dk) return;
  launch_rows<T>(s.batch * s.heads * L, L, p, work, true, st);
  for (int64_t hd = 0; hd < s.heads; ++hd) {
    const int64_t c = hd * dh;
    const T* dsh = work + hd * L * L;
    if (dq)  // dQ_h = scale K_h dS-view
      gemm_sb(h, false, false, dh, L, L, scale, k + c, D, sx, dsh, L, sp, acc_q ? T(1) : T(0), dq + c, D, sx, s.batch);
    if (dk)  // dK_h = scale Q_h dS-view^T
      gemm_sb(h, false, true, dh, L, L, scale, q + c, D, sx, dsh, L, sp, acc_k ? T(1) : T(0), dk + c, D, sx, s.batch);
  }
}

}  // namespace

void attention_forward_cuda(const AttentionShape& s, float scale, const float* q, const float* k, const float* v,
                            float* p, float* o, cudaStream_t stream) {
  forward_impl(s, scale, q, k, v, p, o, stream);
}
void attention_forward_cuda(const AttentionShape& s, double scale, const double* q, const double* k, const double* v,
                            double* p, double* o, cudaStream_t stream) {
  forward_impl(s, scale, q, k, v, p, o, stream);
}
void attention_backward_cuda(const AttentionShape& s, float scale, const float* q, const float* k, const float* v,
                             const float* p, const float* dout, float* dq, float* dk, float* dv, bool acc_q,
                             bool acc_k, bool acc_v, float* work, cudaStream_t stream) {
  backward_impl(s, scale, q, k, v, p, dout, dq, dk, dv, acc_q, acc_k, acc_v, work, stream);
}
void attention_backward_cuda(const AttentionShape& s, double scale, const double* q, const double* k, const double* v,
                             const double* p, const double* dout, double* dq, double* dk, double* dv, bool acc_q,
                             bool acc_k, bool acc_v, double* work, cudaStream_t stream) {
  backward_impl(s, scale, q, k, v, p, dout, dq, dk, dv, acc_q, acc_k, acc_v, work, stream);
}

}  // namespace gripcu::kernels
