// CUDA twin of kernels/gemm.h on cuBLASLt.
//
// Row-major to column-major: a row-major [r, c] buffer is the column-major [c, r] matrix, its
// transpose. So the row-major C = op(A) op(B) is computed as the column-major
//   C^T (n x m) = op(B)^T (n x k) * op(A)^T (k x m),
// i.e. cuBLASLt's first operand is B's buffer and its second is A's, with the transpose flags
// as given (a stored [k,n] B read as column-major is already op(B)^T = n x k, etc.).
// The bias epilogue adds a vector along the rows of the column-major D (length n): exactly
// bias[n] broadcast over the rows of the row-major C.
//
// Epilogues are fused (CUBLASLT_EPILOGUE_BIAS / RELU_BIAS) when beta == 0 and the bias is 16-byte
// aligned. Otherwise, or when cuBLASLt has no algorithm for the epilogue (e.g. some FP64 cases),
// the product runs without it
// and a small elementwise kernel adds the bias / applies ReLU afterwards: same result, one more
// pass over C. k == 0 never calls cuBLASLt: C = beta*C (+ epilogue) in that kernel.
//
// One cuBLASLt handle per device (created on first use); a 32 MiB workspace per stream from the
// engine allocator (per stream so concurrent streams never share it); heuristic results cached by
// problem (shape, transposes, types, epilogue, pointer alignment). cuBLASLt's split-K reductions
// are sequential or separate-pass (no atomics), so results are run-to-run deterministic.
#include "kernels/gemm.h"

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

#include "engine/memory.h"
#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

std::atomic<bool> g_allow_tf32{false};

constexpr size_t kLtWorkspaceBytes = size_t{32} << 20;  // cuBLAS's recommendation for Hopper

cublasLtHandle_t lt_handle(int dev) {
  static std::mutex mu;
  static std::map<int, cublasLtHandle_t> handles;  // never destroyed (teardown order at exit)
  std::lock_guard<std::mutex> lock(mu);
  auto it = handles.find(dev);
  if (it != handles.end()) return it->second;
  int prev = 0;
  GRIPCU_CUDA_CHECK(cudaGetDevice(&prev));
  GRIPCU_CUDA_CHECK(cudaSetDevice(dev));
  cublasLtHandle_t h = nullptr;
  const cublasStatus_t st = cublasLtCreate(&h);
  GRIPCU_CUDA_CHECK(cudaSetDevice(prev));
  GRIPCU_CUBLAS_CHECK(st);
  handles[dev] = h;
  return h;
}

void* lt_workspace(cudaStream_t s, int dev) {
  static std::mutex mu;
  static std::map<cudaStream_t, void*> bufs;  // kept for the process: captured graphs may use them
  std::lock_guard<std::mutex> lock(mu);
  auto it = bufs.find(s);
  if (it != bufs.end()) return it->second;
  void* p = mem_alloc(Device::cuda(dev), kLtWorkspaceBytes);
  bufs[s] = p;
  return p;
}

// Largest power of two (<= 256) dividing the address: what the heuristic may assume.
uint32_t alignment_of(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  uint32_t al = 256;
  while (al > 1 && (a % al) != 0) al >>= 1;
  return al;
}

// RAII for the descriptor objects of one call.
struct LtDescs {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  ~LtDescs() {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

using AlgoKey = std::tuple<int /*dev*/, int /*compute*/, int /*data type*/, bool, bool, int64_t, int64_t, int64_t,
                           int /*epilogue*/, uint32_t, uint32_t, uint32_t, int64_t /*lda*/, int64_t /*ldb*/,
                           int64_t /*ldc*/>;
struct AlgoEntry {
  bool found = false;
  cublasLtMatmulAlgo_t algo{};
};

// Runs C = alpha op(A) op(B) + beta C (+ fused epilogue `ep`) with cuBLASLt. Returns false, having
// done nothing, when cuBLASLt offers no algorithm for this problem and epilogue. lda, ldb, ldc are
// the row strides of the stored row-major A, B, C (the column-major leading dimensions).
template <typename T>
bool lt_matmul(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
               int64_t ldb, T beta, T* C, int64_t ldc, const T* bias, Epilogue ep, cudaStream_t s) {
  constexpr bool is_f64 = std::is_same_v<T, double>;
  const cudaDataType_t dt = is_f64 ? CUDA_R_64F : CUDA_R_32F;
  const cublasComputeType_t ct =
      is_f64 ? CUBLAS_COMPUTE_64F : (g_allow_tf32.load() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
  const int dev = stream_device(s);
  cublasLtHandle_t handle = lt_handle(dev);
  void* ws = lt_workspace(s, dev);

  LtDescs d;
  GRIPCU_CUBLAS_CHECK(cublasLtMatmulDescCreate(&d.op, ct, dt));
  // First operand = B's buffer, second = A's (see the file comment).
  const cublasOperation_t op1 = tb ? CUBLAS_OP_T : CUBLAS_OP_N, op2 = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  GRIPCU_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &op1, sizeof(op1)));
  GRIPCU_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &op2, sizeof(op2)));
  if (ep != Epilogue::none) {
    const cublasLtEpilogue_t e = ep == Epilogue::bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_RELU_BIAS;
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &e, sizeof(e)));
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &dt, sizeof(dt)));
  }
  // Stored shapes in column-major terms (rows, cols, leading dimension).
  const uint64_t a_rows = tb ? k : n, a_cols = tb ? n : k;  // B's buffer
  const uint64_t b_rows = ta ? m : k, b_cols = ta ? k : m;  // A's buffer
  GRIPCU_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d.a, dt, a_rows, a_cols, ldb));
  GRIPCU_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d.b, dt, b_rows, b_cols, lda));
  GRIPCU_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d.c, dt, n, m, ldc));

  const uint32_t al_a = alignment_of(B), al_b = alignment_of(A), al_c = alignment_of(C);
  const AlgoKey key{dev, static_cast<int>(ct), static_cast<int>(dt), ta, tb, m, n, k, static_cast<int>(ep),
                    al_a, al_b, al_c, lda, ldb, ldc};
  static std::mutex cache_mu;
  static std::map<AlgoKey, AlgoEntry> cache;
  AlgoEntry entry;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache.find(key);
    if (it != cache.end()) { entry = it->second; cached = true; }
  }
  if (!cached) {
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&d.pref));
    const uint64_t ws_bytes = kLtWorkspaceBytes;
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(d.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                             &ws_bytes, sizeof(ws_bytes)));
    // Tell the heuristic how aligned the buffers really are (views into a slab may be offset);
    // the default assumes 256 bytes and could pick a kernel that faults on our pointers.
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(d.pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                                                             &al_a, sizeof(al_a)));
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(d.pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                                                             &al_b, sizeof(al_b)));
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(d.pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                                                             &al_c, sizeof(al_c)));
    GRIPCU_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(d.pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
                                                             &al_c, sizeof(al_c)));
    cublasLtMatmulHeuristicResult_t res{};
    int returned = 0;
    const cublasStatus_t st =
        cublasLtMatmulAlgoGetHeuristic(handle, d.op, d.a, d.b, d.c, d.c, d.pref, 1, &res, &returned);
    if (st != CUBLAS_STATUS_NOT_SUPPORTED) GRIPCU_CUBLAS_CHECK(st);
    entry.found = st == CUBLAS_STATUS_SUCCESS && returned > 0;
    if (entry.found) entry.algo = res.algo;
    std::lock_guard<std::mutex> lock(cache_mu);
    cache[key] = entry;
  }
  if (!entry.found) return false;
  GRIPCU_CUBLAS_CHECK(cublasLtMatmul(handle, d.op, &alpha, B, d.a, A, d.b, &beta, C, d.c, C, d.c, &entry.algo, ws,
                                     kLtWorkspaceBytes, s));
  return true;
}

// The unfused epilogue (and the k == 0 case): C = [beta C] + bias[c], then ReLU.
template <typename T, bool SCALE>
struct EpilogueMap {
  int64_t n;
  T beta;
  T* C;
  const T* bias;
  bool relu;
  __device__ void operator()(int64_t i) const {
    // beta == 0 writes without reading C (as BLAS and the CPU do), so NaN garbage in C vanishes.
    T c = SCALE ? (beta == T(0) ? T(0) : beta * C[i]) : C[i];
    if (bias) c += bias[i % n];
    if (relu) c = c > T(0) ? c : T(0);
    C[i] = c;
  }
};

template <typename T>
void gemm_impl(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, const T* B, T beta, T* C,
               const T* bias, Epilogue ep, cudaStream_t s) {
  GRIPCU_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=", m, " n=", n, " k=", k);
  if (m == 0 || n == 0) return;
  GRIPCU_CHECK(ep == Epilogue::none || bias != nullptr, "gemm: bias epilogue without a bias");
  const T* ep_bias = ep == Epilogue::none ? nullptr : bias;
  const bool relu = ep == Epilogue::bias_relu;
  if (k == 0) {  // empty product: C = beta C (+ epilogue), no cuBLASLt call
    if (ep == Epilogue::none && beta == T(1)) return;
    launch_map(m * n, EpilogueMap<T, true>{n, beta, C, ep_bias, relu}, s);
    return;
  }
  // Fuse only with a 16-byte aligned bias: the heuristic cannot be told the bias alignment, and a
  // vectorized epilogue load on an offset view would fault.
  const bool bias_aligned = reinterpret_cast<uintptr_t>(bias) % 16 == 0;
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
  if (ep != Epilogue::none && beta == T(0) && bias_aligned &&
      lt_matmul(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, n, bias, ep, s))
    return;
  // Plain product, then (if an epilogue was asked for) the separate bias/ReLU pass.
  GRIPCU_CHECK(lt_matmul(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, n, static_cast<const T*>(nullptr),
                         Epilogue::none, s),
               "gemm: cuBLASLt has no algorithm for m=", m, " n=", n, " k=", k, " ta=", ta, " tb=", tb);
  if (ep != Epilogue::none) launch_map(m * n, EpilogueMap<T, false>{n, T(1), C, ep_bias, relu}, s);
}

template <typename T>
void gemm_ld_impl(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, const T* B,
                  int64_t ldb, T beta, T* C, int64_t ldc, cudaStream_t s) {
  GRIPCU_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=", m, " n=", n, " k=", k);
  if (m == 0 || n == 0) return;
  GRIPCU_CHECK(lda >= (ta ? m : k) && ldb >= (tb ? k : n) && ldc >= n, "gemm: row strides lda=", lda, " ldb=", ldb,
               " ldc=", ldc, " too small for m=", m, " n=", n, " k=", k);
  if (k == 0) {  // C = beta C; the elementwise pass walks a contiguous C
    if (beta == T(1)) return;
    GRIPCU_CHECK(ldc == n, "gemm: k = 0 with a strided C (ldc=", ldc, ", n=", n, ") is not supported");
    launch_map(m * n, EpilogueMap<T, true>{n, beta, C, static_cast<const T*>(nullptr), false}, s);
    return;
  }
  GRIPCU_CHECK(lt_matmul(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, static_cast<const T*>(nullptr),
                         Epilogue::none, s),
               "gemm: cuBLASLt has no algorithm for m=", m, " n=", n, " k=", k, " ta=", ta, " tb=", tb, " lda=", lda,
               " ldb=", ldb, " ldc=", ldc);
}

}  // namespace

void gemm_many_cuda(const GemmJob<float>* jobs, int count, cudaStream_t stream) {
  for (int i = 0; i < count; ++i) {
    const GemmJob<float>& g = jobs[i];
    gemm_ld_impl(g.ta, g.tb, g.m, g.n, g.k, g.alpha, g.A, g.lda ? g.lda : (g.ta ? g.m : g.k), g.B,
                 g.ldb ? g.ldb : (g.tb ? g.k : g.n), g.beta, g.C, g.ldc ? g.ldc : g.n, stream);
  }
}
void gemm_many_cuda(const GemmJob<double>* jobs, int count, cudaStream_t stream) {
  for (int i = 0; i < count; ++i) {
    const GemmJob<double>& g = jobs[i];
    gemm_ld_impl(g.ta, g.tb, g.m, g.n, g.k, g.alpha, g.A, g.lda ? g.lda : (g.ta ? g.m : g.k), g.B,
                 g.ldb ? g.ldb : (g.tb ? g.k : g.n), g.beta, g.C, g.ldc ? g.ldc : g.n, stream);
  }
}

void gemm_ld_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc, cudaStream_t stream) {
  gemm_ld_impl(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, stream);
}
void gemm_ld_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double beta, double* C, int64_t ldc, cudaStream_t stream) {
  gemm_ld_impl(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, stream);
}

void gemm_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* A, const float* B,
               float beta, float* C, const float* bias, Epilogue ep, cudaStream_t stream) {
  gemm_impl(ta, tb, m, n, k, alpha, A, B, beta, C, bias, ep, stream);
}
void gemm_cuda(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* A, const double* B,
               double beta, double* C, const double* bias, Epilogue ep, cudaStream_t stream) {
  gemm_impl(ta, tb, m, n, k, alpha, A, B, beta, C, bias, ep, stream);
}
void gemm_set_allow_tf32(bool allow) { g_allow_tf32.store(allow); }

}  // namespace gripcu::kernels
