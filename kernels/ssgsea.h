#pragma once
// ssGSEA: single-sample gene set enrichment, with the semantics of GSVA 1.46's
// gsva(method = "ssgsea") (Barbie et al. 2009; Hänzelmann et al. 2013). Batched over
// (samples x gene sets); CPU oracle + CUDA twin.
//
// ---- Definition (GSVA 1.46: ssgsea(), .rndWalk(), .fastRndWalk()) ----------------------------
// For one sample with expression x_1..x_n over n genes:
//   1. Ranks. r_g = rank of x_g among the n values, ascending, ties given the average rank
//      (colRanks(ties.method = "average")), then truncated to an integer (mode(R) <- "integer").
//      An average rank of a tie group that occupies ascending positions lo..hi (1-based) is
//      (lo + hi) / 2, so r_g = floor((lo + hi) / 2) in [lo, hi]: distinct groups keep distinct ranks.
//   2. Order. Genes sorted by r descending, ties (only genes with equal x) in the original row
//      order (R's order(decreasing = TRUE) is stable). p_g in 1..n is gene g's position in it.
//   3. Weights w_g = |r_g|^alpha (alpha = 0.25 by default; GSVA's `tau`).
//   4. For a gene set S of k distinct genes (1 <= k < n), the walk at position i is
//        P_in(i)  = sum_{g in S, p_g <= i} w_g / W,          W = sum_{g in S} w_g
//        P_out(i) = #{g not in S : p_g <= i} / (n - k)
//      and ES(S) = sum_{i = 1..n} (P_in(i) - P_out(i))      (the sum, not the max deviation).
//   5. Normalization (optional, GSVA's ssgsea.norm = TRUE): every score of the whole
//      (sets x samples) matrix is divided by (max - min) of that matrix.
//
// ---- Closed form (what both implementations compute) -----------------------------------------
// A gene at position p_g contributes its step to every i >= p_g, i.e. to n - p_g + 1 terms.
// Write q_g = n - p_g + 1 (so the first-ranked gene has q = n, the last q = 1). Then
//   sum_i P_in(i)  = sum_{g in S} w_g q_g / W                                 = A / W
//   sum_i P_out(i) = sum_{g not in S} q_g / (n - k)
//                  = (sum_{all g} q_g - sum_{g in S} q_g) / (n - k)          = (n(n+1)/2 - B) / (n - k)
// with A = sum_{g in S} w_g q_g and B = sum_{g in S} q_g, so
//   ES(S) = A / W - (n(n+1)/2 - B) / (n - k).
// Given per-gene tables q_g and w_g for a sample, a set costs O(k): one pass over its members.
// Per sample: the ranking (a stable sort of the rows by an order-preserving 64-bit key of their
// value: on the CPU a 4-pass radix sort of (top 32 key bits, row) words with a full-key stable
// sort of the rare runs whose top halves collide; on the GPU a segmented radix sort on the full
// key) + O(n) tables + O(sum of set sizes) walks. Memory per CPU thread: O(n) (8 x 8 n bytes of
// gathered words for a block of up to 8 samples, plus 40 n bytes of tables).
// Since r_g is an integer in 1..n, w_g = pw[r_g] with pw[r] = r^alpha tabulated once per call.
//
// ---- Numerics --------------------------------------------------------------------------------
// float64 throughout. B and n(n+1)/2 are exact integers (int64); A and W are summed in double in
// the member order of the set (GSVA sums in long double in position order: ~1e-16 relative).
// Both implementations compute the same operations in the same order (the CUDA twin uses
// explicit _rn intrinsics so nothing is contracted into an FMA), so CUDA and CPU agree to the
// last bits; the tests allow 1e-9. -0.0 and +0.0 are equal values (one tie group), as in R.
// Difference from GSVA 1.46, deliberately: GSVA computes n*(n+1)/2 in R integers, which overflow
// (NA scores) for n > 46340 genes; here it is exact.
//
// ---- Preconditions (checked on the host: ssgsea_cpu, ssgsea_cuda_host, io::index_gene_sets) ---
// expr finite (NaN/Inf is a gripcu::Error; ssgsea_cuda itself does not look); set members are unique row
// indices in [0, n_genes); every set has 1 <= k < n_genes (k = n would divide 0 by 0, and GSVA
// would return NaN for the whole normalized matrix). n_genes >= 2, n_genes < 2^31.
//
// ---- Layouts and shapes ----------------------------------------------------------------------
//   expr   : genes_by_samples: [n_genes, n_samples] row-major (how expression files and
//            io::ExprMatrix hold it); samples_by_genes: [n_samples, n_genes] (a model's batch output)
//   sets   : CSR: set s has members set_members[set_offsets[s] .. set_offsets[s+1])
//   scores : [n_sets, n_samples] row-major, float64 (one row per gene set, like GSVA's result)
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/device.h"

#if defined(__CUDACC__)
#define GRIPCU_SSGSEA_HD __host__ __device__
#else
#define GRIPCU_SSGSEA_HD
#endif

namespace gripcu::kernels {

enum class SsgseaLayout { genes_by_samples, samples_by_genes };

struct SsgseaOptions {
  double alpha = 0.25;     // GSVA's tau for method = "ssgsea"
  bool normalize = true;   // GSVA's ssgsea.norm: divide by the range of the whole score matrix
  SsgseaLayout layout = SsgseaLayout::genes_by_samples;
};

// Order-preserving key, reversed: a larger value gives a smaller key; -0.0 and +0.0 share a key.
// Sorting keys ascending with a stable sort from row order gives GSVA's descending gene order.
GRIPCU_SSGSEA_HD inline uint64_t ssgsea_desc_key(double x) {
  if (x == 0.0) x = 0.0;
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  const uint64_t sign = uint64_t{1} << 63;
  const uint64_t asc = (u & sign) ? ~u : (u | sign);
  return ~asc;
}

// The integer rank r of every gene of a tie group at descending 0-based positions plo..phi:
// ascending 1-based positions are lo = n - phi, hi = n - plo; r = floor((lo + hi) / 2).
GRIPCU_SSGSEA_HD inline int32_t ssgsea_group_rank(int64_t n, int64_t plo, int64_t phi) {
  return static_cast<int32_t>((2 * n - plo - phi) / 2);
}

// ES = A / W - (n(n+1)/2 - B) / (n - k), see the closed form above.
GRIPCU_SSGSEA_HD inline double ssgsea_es(int64_t n, int64_t k, double A, double W, int64_t B) {
  const int64_t out_sum = n * (n + 1) / 2 - B;
  return A / W - static_cast<double>(out_sum) / static_cast<double>(n - k);
}

// ---- CPU (the oracle; multi-threaded over samples, O(n_genes) memory per thread) -------------
// T = float or double (ranked as exact values; float values are widened exactly).
template <typename T>
void ssgsea_cpu(int64_t n_genes, int64_t n_samples, const T* expr, int64_t n_sets, const int64_t* set_offsets,
                const int32_t* set_members, const SsgseaOptions& opt, double* scores);

// Throws gripcu::Error unless the CSR sets satisfy the preconditions above (O(n_genes + members)).
void ssgsea_check_sets(int64_t n_genes, int64_t n_sets, const int64_t* set_offsets, const int32_t* set_members);

// Per-sample tables for one sample (exposed for tests): for every gene g, q[g] = n - p_g + 1 and
// r[g] = its truncated average rank. x[g * stride] is gene g's value.
void ssgsea_rank_cpu(int64_t n_genes, const double* x, int64_t stride, int32_t* q, int32_t* r);

// Divides scores[0..n) by (max - min) in place and returns that range (GSVA's normalization;
// a zero range gives Inf/NaN exactly as GSVA does; the caller may warn).
double ssgsea_normalize_cpu(int64_t n, double* scores);

// ---- CUDA ------------------------------------------------------------------------------------
// All pointers are device pointers; work is queued on `stream` (no host sync except a small
// pageable upload of the r^alpha table). Samples are processed in chunks of `chunk_samples`
// (ranking tables for one chunk live in the workspace), so memory beyond input and output is
// ssgsea_cuda_workspace_bytes(n_genes, chunk_samples) ~ 36 bytes x n_genes x chunk_samples.
// The workspace query needs a CUDA device (it asks CUB for its temporary storage size).
size_t ssgsea_cuda_workspace_bytes(int64_t n_genes, int64_t chunk_samples);
// The largest chunk whose workspace fits in budget_bytes (at least 1, at most n_samples).
int64_t ssgsea_cuda_chunk_for_budget(int64_t n_genes, int64_t n_samples, size_t budget_bytes);

template <typename T>
void ssgsea_cuda(int64_t n_genes, int64_t n_samples, const T* d_expr, int64_t n_sets, const int64_t* d_set_offsets,
                 const int32_t* d_set_members, const SsgseaOptions& opt, double* d_scores, int64_t chunk_samples,
                 void* d_workspace, size_t workspace_bytes, cudaStream_t stream);

// Host pointers in and out: copies to the device, chooses the chunk from a workspace budget
// (0: a quarter of the free device memory, at most 2 GiB), runs ssgsea_cuda, copies back, waits.
template <typename T>
void ssgsea_cuda_host(int device, int64_t n_genes, int64_t n_samples, const T* expr, int64_t n_sets,
                      const int64_t* set_offsets, const int32_t* set_members, const SsgseaOptions& opt,
                      double* scores, size_t workspace_budget = 0);

// Scores a larger matrix piece by piece without leaving the device (screening: predictions are
// produced chunk by chunk and scored where they lie): as ssgsea_cuda with opt.normalize ignored
// (raw scores; normalize the whole matrix afterwards), writing sample j of this call's n_samples to
// d_scores[set * score_ld + score_col0 + j]. Same preconditions and workspace as ssgsea_cuda.
template <typename T>
void ssgsea_cuda_raw_into(int64_t n_genes, int64_t n_samples, const T* d_expr, int64_t n_sets,
                          const int64_t* d_set_offsets, const int32_t* d_set_members, const SsgseaOptions& opt,
                          double* d_scores, int64_t score_ld, int64_t score_col0, int64_t chunk_samples,
                          void* d_workspace, size_t workspace_bytes, cudaStream_t stream);

// ---- Model outputs to scoring input (screening) -----------------------------------------------
// In place over a rows x cols float matrix (samples x genes):
//   x[r, c] = x[r, c] * scale[c] + shift[c]           (a multiply and an add, two roundings, no FMA)
//   then, when exp2m1:  x[r, c] = exp2(x[r, c]) - 1   (float)
// i.e. the inverse of a per-gene z-score and of log2(x + 1), in float, exactly as grip::predict
// applies them on the host (ZScore::invert, then std::exp2(v) - 1.0f), so a model's predictions can
// be brought back to input units and ranked without a host round trip. The CPU twin is bit-identical
// to those host loops; the CUDA twin differs at most by exp2f's last bits (CUDA: 2 ulp).
void ssgsea_unnormalize_rows_cpu(int64_t rows, int64_t cols, float* x, const float* scale, const float* shift,
                                 bool exp2m1);
void ssgsea_unnormalize_rows_cuda(int64_t rows, int64_t cols, float* d_x, const float* d_scale, const float* d_shift,
                                  bool exp2m1, cudaStream_t stream);

// ---- Dispatch --------------------------------------------------------------------------------
// Host pointers; runs on `dev` (CPU, or CUDA through ssgsea_cuda_host). Checks the preconditions
// above first (gripcu::Error naming the set). CUDA without a device, or in a build without CUDA,
// is a gripcu::Error with the reason; never a silent CPU fallback.
template <typename T>
void ssgsea(const Device& dev, int64_t n_genes, int64_t n_samples, const T* expr, int64_t n_sets,
            const int64_t* set_offsets, const int32_t* set_members, const SsgseaOptions& opt, double* scores);

}  // namespace gripcu::kernels
