#pragma once
// Multi-bandwidth Gaussian maximum mean discrepancy (DADSP-B, §4.4.2; DAN's multi-kernel MMD),
// forward and backward with respect to both feature sets, all bandwidths in one pass.
//
// Inputs: source features X [n, d] and target features Y [m, d] (row-major, n, m >= 1).
// Kernel: k(a, b) = sum_k exp(-||a - b||^2 / beta_k), beta_k = mult_k * beta0 (K <= kMmdMaxKernels).
// Estimator (the biased V-statistic, as DAN's code; >= 0 always):
//   MMD^2 = 1/n^2 sum_ij k(x_i, x_j) + 1/m^2 sum_ij k(y_i, y_j) - 2/(n m) sum_ij k(x_i, y_j)
// With Z = [X; Y] (N = n + m rows) and w_i = 1/n (i < n), -1/m (i >= n) this is
//   MMD^2 = sum_ij w_i w_j k(z_i, z_j)
// and its gradient (k symmetric, each pair appears twice):
//   dMMD^2/dz_i = -4 w_i sum_j w_j c_ij (z_i - z_j),   c_ij = sum_k exp(-D_ij / beta_k) / beta_k.
//
// Bandwidth: beta0 = cfg.beta0 (fixed), or with cfg.adaptive the mean squared distance over pairs
// i != j of Z (DAN's heuristic), in closed form 2/(N-1) sum_i ||z_i - mean(Z)||^2 (O(N d), exact).
// The adaptive beta0 is a constant for the gradient (DAN detaches it: `L2_distance.data`).
//
// Numerics (both twins): MMD is translation invariant, so both twins first centre Z on its column
// mean (computed in float64); pairwise squared distances are then D_ij = r_i + r_j - 2 <zc_i, zc_j>
// with r_i = ||zc_i||^2, clamped at 0 and exactly 0 on the diagonal. After centring the rounding
// error of D is O(eps * beta0), so the GEMM form loses nothing against direct differences.
// The gradient is -4 w_i (zc_i s_i - v_i) with s_i = sum_j w_j c_ij (float64) and
// v = C' Zc (C'_ij = w_j c_ij; a GEMM in T). The loss and s_i accumulate in float64 (the loss is a
// small difference of O(1) block means). When the multipliers are a geometric series with ratio 2
// (DAN's kernel_mul = 2, the default), one exp per pair serves every bandwidth: exp(-D/beta) =
// exp(-D/(2 beta))^2, squared down from the widest bandwidth.
// Memory: O(N d) plus an N x N matrix of C' on the GPU (a row block of it on the CPU); never an
// N x N x d or K x N x N intermediate. Deterministic: fixed summation orders, no atomics.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/device.h"

namespace gripcu::kernels {

constexpr int kMmdMaxKernels = 16;

struct MmdConfig {
  int kernels = 5;                 // K
  double mult[kMmdMaxKernels] = {0.25, 0.5, 1.0, 2.0, 4.0};  // beta_k = mult[k] * beta0
  bool adaptive = true;            // beta0 from the data (mean pairwise squared distance)
  double beta0 = 1.0;              // used when !adaptive
};
// DAN's family: K kernels with multipliers ratio^(k - K/2), k = 0..K-1 (ratio 2, K 5: 1/4 .. 4).
MmdConfig mmd_config_dan(int kernels = 5, double ratio = 2.0, bool adaptive = true, double beta0 = 1.0);
// Throws gripcu::Error for K outside [1, kMmdMaxKernels], non-positive multipliers or beta0.
void mmd_check_config(const MmdConfig& cfg);
// True when the sorted multipliers double from one to the next (one exp per pair).
bool mmd_doubling(const MmdConfig& cfg);

// loss[0] = MMD^2; with gx/gy non-null also the unscaled gradients dMMD^2/dX (written, n x d)
// and dMMD^2/dY (m x d). beta0_out (nullable, 1 element) receives the beta0 used.
template <typename T>
void mmd_forward_cpu(int64_t n, int64_t m, int64_t d, const T* X, const T* Y, const MmdConfig& cfg, T* loss,
                     T* gx, T* gy, T* beta0_out = nullptr);
// dx (+)= dloss[0] * g over n values (the backward of a saved gradient; dloss in device memory).
template <typename T>
void mmd_scale_grad_cpu(int64_t n, const T* dloss, const T* g, T* dx, bool accumulate);

// float64 reference: the direct O(N^2 d K) sums of the definition (direct differences, no
// centring, no GEMM, one exp per bandwidth), for the tests.
double mmd_reference(int64_t n, int64_t m, int64_t d, const double* X, const double* Y, const MmdConfig& cfg,
                     std::vector<double>* gx = nullptr, std::vector<double>* gy = nullptr, double* beta0 = nullptr);

// CUDA twin. `workspace` (device memory, mmd_cuda_workspace_bytes(n, m, d, sizeof(T), grads) bytes)
// holds the centred Z, norms, partial sums and, with gradients, C' (N x N) and v (N x d).
size_t mmd_cuda_workspace_bytes(int64_t n, int64_t m, int64_t d, size_t elem_size, bool with_grad);
void mmd_forward_cuda(int64_t n, int64_t m, int64_t d, const float* X, const float* Y, const MmdConfig& cfg,
                      float* loss, float* gx, float* gy, float* beta0_out, void* workspace, cudaStream_t s);
void mmd_forward_cuda(int64_t n, int64_t m, int64_t d, const double* X, const double* Y, const MmdConfig& cfg,
                      double* loss, double* gx, double* gy, double* beta0_out, void* workspace, cudaStream_t s);
void mmd_scale_grad_cuda(int64_t n, const float* dloss, const float* g, float* dx, bool accumulate, cudaStream_t s);
void mmd_scale_grad_cuda(int64_t n, const double* dloss, const double* g, double* dx, bool accumulate,
                         cudaStream_t s);

}  // namespace gripcu::kernels
