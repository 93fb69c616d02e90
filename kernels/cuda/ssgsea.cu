// ssGSEA on the GPU (CUDA twin of kernels/cpu/ssgsea.cpp; the math is in kernels/ssgsea.h).
// Variant 1 (the only one so far), per chunk of C samples:
//   1. keys:  order-preserving descending 64-bit keys of the chunk's values, one segment of n
//             genes per sample, values = row index (a 32x32 tiled transpose for genes x samples).
//   2. sort:  cub::DeviceSegmentedRadixSort::SortPairs (radix sort is stable, so ties stay in row
//             order, exactly like the CPU's stable LSD sort and R's order()).
//   3. ranks: one block per sample; a forward max-scan finds each tie group's first position, a
//             backward min-scan its last; every position p of gene g then writes
//             q[g][c] = n - p and w[g][c] = pw[r] into gene-major tables (stride C).
//   4. walk:  one thread per (set, sample); a warp is 32 samples of one set, so member g is a
//             broadcast load and q[g][c..c+31], w[g][c..c+31] are coalesced. Sums run in member
//             order with explicit _rn intrinsics (no FMA contraction): the same operations, in the
//             same order, as the CPU, so the scores agree bit for bit.
// Blocks of the walk are ordered sets-fastest, so blocks resident together read the same sample
// tile of the tables (L2 reuse across sets).
// After all chunks, optional normalization: a two-pass min/max over the whole score matrix, then
// a divide (not a multiply by the reciprocal, as the CPU), with no host round trip.
//
// Floor (H100, 10,000 samples x 20,000 genes x 10,000 sets of ~100 genes): the input is 1.6 GB
// (f64) read once; the sort moves ~12 B x 2e8 keys x 2 (r/w) x ~9 passes ~ 45 GB; the walk touches
// sum(k) x S = 1e10 (q, w) pairs = 1.2e11 B, mostly L2 hits (the tables of a 32-sample tile are
// 7.7 MB); the output is 0.8 GB. Roughly 20 ms of HBM traffic + 25-40 ms of L2 traffic.
#include <cub/cub.cuh>

#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "engine/cuda_check.h"
#include "engine/memory.h"
#include "kernels/ssgsea.h"

namespace gripcu::kernels {

namespace {

constexpr int kRankThreads = 256;
constexpr int kRankItems = 4;
constexpr int kWalkSets = 8;      // sets per walk block (one warp each)
constexpr int kNormBlocks = 1024;  // partial min/max blocks
constexpr int kNormThreads = 256;

size_t align_up(size_t x) { return (x + 255) / 256 * 256; }

struct Carve {
  size_t keys0, keys1, vals0, vals1, q, w, offsets, pw, partial, cub, total;
};

size_t cub_sort_bytes(int64_t n, int64_t chunk) {
  size_t bytes = 0;
  cub::DoubleBuffer<uint64_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<int32_t> vals(nullptr, nullptr);
  const int* offsets = nullptr;
  GRIPCU_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(nullptr, bytes, keys, vals, static_cast<int>(n * chunk),
                                                             static_cast<int>(chunk), offsets, offsets, 0, 64));
  return bytes;
}

Carve carve(int64_t n, int64_t chunk, size_t cub_bytes) {
  const size_t N = static_cast<size_t>(n) * static_cast<size_t>(chunk);
  Carve c{};
  size_t at = 0;
  auto take = [&](size_t bytes) { const size_t here = at; at += align_up(bytes); return here; };
  c.keys0 = take(8 * N);
  c.keys1 = take(8 * N);
  c.vals0 = take(4 * N);
  c.vals1 = take(4 * N);
  c.q = take(4 * N);
  c.w = take(8 * N);
  c.offsets = take(4 * (static_cast<size_t>(chunk) + 1));
  c.pw = take(8 * (static_cast<size_t>(n) + 1));
  c.partial = take(8 * (2 * kNormBlocks + 1));
  c.cub = take(cub_bytes);
  c.total = at;
  return c;
}

void check_shape(int64_t n, int64_t chunk) {
  // (positions are int in the rank kernel, and a tile may reach 1,024 past the last one)
  GRIPCU_CHECK(n >= 2 && n < (int64_t{1} << 31) - 4096, "ssgsea_cuda: n_genes must be in [2, 2^31 - 4096), got ", n);
  GRIPCU_CHECK(chunk >= 1, "ssgsea_cuda: chunk_samples must be >= 1, got ", chunk);
  GRIPCU_CHECK(n * chunk < (int64_t{1} << 31), "ssgsea_cuda: chunk_samples x n_genes = ", n * chunk,
               " exceeds the 2^31 - 1 items one segmented sort takes; use a smaller chunk");
}

// ---- 1. keys --------------------------------------------------------------------------------
// expr genes x samples (row stride S): the chunk's columns s0..s0+C become segments c*n + g.
template <typename T>
__global__ void keys_gbs_kernel(int64_t n, int64_t S, int64_t s0, int64_t C, const T* __restrict__ expr,
                                uint64_t* __restrict__ keys, int32_t* __restrict__ vals) {
  __shared__ uint64_t tile[32][33];
  const int64_t g0 = static_cast<int64_t>(blockIdx.x) * 32, c0 = static_cast<int64_t>(blockIdx.y) * 32;
  const int tx = threadIdx.x, ty = threadIdx.y;  // 32 x 8
  for (int j = 0; j < 32; j += 8) {
    const int64_t g = g0 + ty + j, c = c0 + tx;
    if (g < n && c < C) tile[ty + j][tx] = ssgsea_desc_key(static_cast<double>(expr[g * S + s0 + c]));
  }
  __syncthreads();
  for (int j = 0; j < 32; j += 8) {
    const int64_t c = c0 + ty + j, g = g0 + tx;
    if (g < n && c < C) {
      keys[c * n + g] = tile[tx][ty + j];
      vals[c * n + g] = static_cast<int32_t>(g);
    }
  }
}

// expr samples x genes: already segment-major.
template <typename T>
__global__ void keys_sbg_kernel(int64_t n, int64_t s0, int64_t N, const T* __restrict__ expr,
                                uint64_t* __restrict__ keys, int32_t* __restrict__ vals) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    keys[i] = ssgsea_desc_key(static_cast<double>(expr[s0 * n + i]));
    vals[i] = static_cast<int32_t>(i % n);
  }
}

__global__ void offsets_kernel(int64_t n, int64_t C, int* __restrict__ offsets) {
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c <= C;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x)
    offsets[c] = static_cast<int>(c * n);
}

// ---- 3. tie groups -> q, w ------------------------------------------------------------------
struct MaxOp {
  __device__ int operator()(int a, int b) const { return a > b ? a : b; }
};
struct MinOp {
  __device__ int operator()(int a, int b) const { return a < b ? a : b; }
};
// min/max with the CPU's comparisons (std::min / std::max keep the first operand on ties).
struct MinD {
  __device__ double operator()(double a, double b) const { return b < a ? b : a; }
};
struct MaxD {
  __device__ double operator()(double a, double b) const { return a < b ? b : a; }
};

__global__ void __launch_bounds__(kRankThreads)
    rank_kernel(int64_t n, int64_t C, const uint64_t* __restrict__ sorted_keys, const int32_t* __restrict__ sorted_rows,
                int32_t* __restrict__ plo_scratch, const double* __restrict__ pw, int32_t* __restrict__ q,
                double* __restrict__ w) {
  using BlockScan = cub::BlockScan<int, kRankThreads>;
  __shared__ typename BlockScan::TempStorage scan_tmp;
  const int64_t c = blockIdx.x;
  const uint64_t* k = sorted_keys + c * n;
  const int32_t* rows = sorted_rows + c * n;
  int32_t* plo = plo_scratch + c * n;
  const int nn = static_cast<int>(n);
  constexpr int kTile = kRankThreads * kRankItems;

  // Forward: plo[p] = the last group start at or before p (max-scan of start positions).
  int running = 0;
  for (int base = 0; base < nn; base += kTile) {
    int items[kRankItems];
#pragma unroll
    for (int i = 0; i < kRankItems; ++i) {
      const int p = base + threadIdx.x * kRankItems + i;
      items[i] = (p < nn && (p == 0 || k[p] != k[p - 1])) ? p : -1;
    }
    int aggregate;
    BlockScan(scan_tmp).InclusiveScan(items, items, MaxOp{}, aggregate);
#pragma unroll
    for (int i = 0; i < kRankItems; ++i) {
      const int p = base + threadIdx.x * kRankItems + i;
      if (p < nn) plo[p] = items[i] > running ? items[i] : running;
    }
    running = aggregate > running ? aggregate : running;
    __syncthreads();  // scan_tmp is reused
  }
  __syncthreads();  // plo[] written by other threads is read below

  // Backward (over r = n - 1 - p): phi[p] = the first group end at or after p (min-scan).
  int running_min = INT_MAX;
  for (int base = 0; base < nn; base += kTile) {
    int items[kRankItems];
#pragma unroll
    for (int i = 0; i < kRankItems; ++i) {
      const int r = base + threadIdx.x * kRankItems + i;
      const int p = nn - 1 - r;
      items[i] = (r < nn && (p == nn - 1 || k[p] != k[p + 1])) ? p : INT_MAX;
    }
    int aggregate;
    BlockScan(scan_tmp).InclusiveScan(items, items, MinOp{}, aggregate);
#pragma unroll
    for (int i = 0; i < kRankItems; ++i) {
      const int r = base + threadIdx.x * kRankItems + i;
      if (r < nn) {
        const int p = nn - 1 - r;
        const int phi = items[i] < running_min ? items[i] : running_min;
        const int32_t rank = ssgsea_group_rank(n, plo[p], phi);
        const int64_t g = rows[p];
        q[g * C + c] = nn - p;
        w[g * C + c] = pw[rank];
      }
    }
    running_min = aggregate < running_min ? aggregate : running_min;
    __syncthreads();
  }
}

// ---- 4. the closed-form walk ----------------------------------------------------------------
__global__ void walk_kernel(int64_t n, int64_t S, int64_t s0, int64_t C, int64_t n_sets,
                            const int64_t* __restrict__ set_offsets, const int32_t* __restrict__ set_members,
                            const int32_t* __restrict__ q, const double* __restrict__ w, double* __restrict__ scores) {
  const int64_t set = static_cast<int64_t>(blockIdx.x) * kWalkSets + threadIdx.y;
  const int64_t c = static_cast<int64_t>(blockIdx.y) * 32 + threadIdx.x;
  if (set >= n_sets || c >= C) return;
  const int64_t mb = set_offsets[set], me = set_offsets[set + 1];
  double A = 0.0, W = 0.0;
  int64_t B = 0;
  for (int64_t m = mb; m < me; ++m) {
    const int64_t g = set_members[m];
    const double wg = w[g * C + c];
    const int32_t qg = q[g * C + c];
    A = __dadd_rn(A, __dmul_rn(wg, static_cast<double>(qg)));
    W = __dadd_rn(W, wg);
    B += qg;
  }
  scores[set * S + s0 + c] = ssgsea_es(n, me - mb, A, W, B);
}

// ---- 5. normalization -----------------------------------------------------------------------
__global__ void minmax_partial_kernel(int64_t N, const double* __restrict__ x, double* __restrict__ partial) {
  using BlockReduce = cub::BlockReduce<double, kNormThreads>;
  __shared__ typename BlockReduce::TempStorage tmp_lo, tmp_hi;
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double v = x[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  const double blo = BlockReduce(tmp_lo).Reduce(lo, MinD{});
  const double bhi = BlockReduce(tmp_hi).Reduce(hi, MaxD{});
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = blo;
    partial[2 * blockIdx.x + 1] = bhi;
  }
}

__global__ void minmax_final_kernel(int blocks, double* __restrict__ partial) {
  using BlockReduce = cub::BlockReduce<double, kNormThreads>;
  __shared__ typename BlockReduce::TempStorage tmp_lo, tmp_hi;
  double lo = INFINITY, hi = -INFINITY;
  for (int b = threadIdx.x; b < blocks; b += blockDim.x) {
    lo = partial[2 * b] < lo ? partial[2 * b] : lo;
    hi = partial[2 * b + 1] > hi ? partial[2 * b + 1] : hi;
  }
  const double blo = BlockReduce(tmp_lo).Reduce(lo, MinD{});
  const double bhi = BlockReduce(tmp_hi).Reduce(hi, MaxD{});
  if (threadIdx.x == 0) partial[2 * kNormBlocks] = bhi - blo;
}

__global__ void divide_kernel(int64_t N, double* __restrict__ x, const double* __restrict__ range) {
  const double r = *range;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    x[i] = x[i] / r;
}

unsigned blocks_for(int64_t n, int threads, int64_t cap = 65535) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(cap, (n + threads - 1) / threads)));
}

}  // namespace

size_t ssgsea_cuda_workspace_bytes(int64_t n_genes, int64_t chunk_samples) {
  check_shape(n_genes, chunk_samples);
  return carve(n_genes, chunk_samples, cub_sort_bytes(n_genes, chunk_samples)).total;
}

int64_t ssgsea_cuda_chunk_for_budget(int64_t n_genes, int64_t n_samples, size_t budget_bytes) {
  GRIPCU_CHECK(n_genes >= 2 && n_genes < (int64_t{1} << 31), "ssgsea_cuda: bad n_genes ", n_genes);
  int64_t lo = 1, hi = std::max<int64_t>(1, std::min<int64_t>(n_samples, ((int64_t{1} << 31) - 1) / n_genes));
  if (ssgsea_cuda_workspace_bytes(n_genes, hi) <= budget_bytes) return hi;
  while (lo < hi) {  // the largest chunk that fits (at least 1)
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (ssgsea_cuda_workspace_bytes(n_genes, mid) <= budget_bytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

namespace {

// The body of ssgsea_cuda and ssgsea_cuda_raw_into: scores of sample j go to
// d_scores[set * score_ld + score_col0 + j]; normalization (whole matrix) only when
// score_ld == n_samples and score_col0 == 0 (ssgsea_cuda).
template <typename T>
void ssgsea_cuda_impl(int64_t n_genes, int64_t n_samples, const T* d_expr, int64_t n_sets, const int64_t* d_set_offsets,
                      const int32_t* d_set_members, const SsgseaOptions& opt, bool normalize, double* d_scores,
                      int64_t score_ld, int64_t score_col0, int64_t chunk_samples, void* d_workspace,
                      size_t workspace_bytes, cudaStream_t stream) {
  const int64_t n = n_genes;
  GRIPCU_CHECK(score_col0 >= 0 && score_ld >= score_col0 + n_samples, "ssgsea_cuda: score columns ", score_col0, "..",
               score_col0 + n_samples, " do not fit a leading dimension of ", score_ld);
  GRIPCU_CHECK(!normalize || (score_ld == n_samples && score_col0 == 0), "ssgsea_cuda: normalization needs the whole matrix");
  check_shape(n, chunk_samples);
  GRIPCU_CHECK(n_samples >= 0 && n_sets >= 0, "ssgsea_cuda: negative sizes");
  GRIPCU_CHECK(std::isfinite(opt.alpha), "ssgsea_cuda: alpha must be finite");
  const size_t cub_bytes = cub_sort_bytes(n, chunk_samples);
  const Carve cv = carve(n, chunk_samples, cub_bytes);
  GRIPCU_CHECK(workspace_bytes >= cv.total, "ssgsea_cuda: workspace of ", workspace_bytes, " bytes, need ", cv.total,
               " (ssgsea_cuda_workspace_bytes)");
  if (n_samples == 0 || n_sets == 0) return;
  char* ws = static_cast<char*>(d_workspace);
  uint64_t* keys0 = reinterpret_cast<uint64_t*>(ws + cv.keys0);
  uint64_t* keys1 = reinterpret_cast<uint64_t*>(ws + cv.keys1);
  int32_t* vals0 = reinterpret_cast<int32_t*>(ws + cv.vals0);
  int32_t* vals1 = reinterpret_cast<int32_t*>(ws + cv.vals1);
  int32_t* q = reinterpret_cast<int32_t*>(ws + cv.q);
  double* w = reinterpret_cast<double*>(ws + cv.w);
  int* offsets = reinterpret_cast<int*>(ws + cv.offsets);
  double* pw = reinterpret_cast<double*>(ws + cv.pw);
  double* partial = reinterpret_cast<double*>(ws + cv.partial);
  void* cub_tmp = ws + cv.cub;

  // r^alpha for r = 1..n, computed on the host exactly as the CPU path does (std::pow), so both
  // paths use bit-identical weights. Pageable upload: returns once the bytes are staged.
  std::vector<double> pw_host(static_cast<size_t>(n) + 1);
  pw_host[0] = 0.0;
  for (int64_t r = 1; r <= n; ++r) pw_host[r] = std::pow(static_cast<double>(r), opt.alpha);
  GRIPCU_CUDA_CHECK(cudaMemcpyAsync(pw, pw_host.data(), pw_host.size() * sizeof(double), cudaMemcpyHostToDevice, stream));

  offsets_kernel<<<blocks_for(chunk_samples + 1, 256), 256, 0, stream>>>(n, chunk_samples, offsets);
  GRIPCU_CUDA_LAUNCH_CHECK();

  for (int64_t s0 = 0; s0 < n_samples; s0 += chunk_samples) {
    const int64_t C = std::min(chunk_samples, n_samples - s0);
    const int64_t N = C * n;
    if (opt.layout == SsgseaLayout::genes_by_samples) {
      const dim3 grid(static_cast<unsigned>((n + 31) / 32), static_cast<unsigned>((C + 31) / 32));
      keys_gbs_kernel<T><<<grid, dim3(32, 8), 0, stream>>>(n, n_samples, s0, C, d_expr, keys0, vals0);
    } else {
      keys_sbg_kernel<T><<<blocks_for(N, 256), 256, 0, stream>>>(n, s0, N, d_expr, keys0, vals0);
    }
    GRIPCU_CUDA_LAUNCH_CHECK();

    cub::DoubleBuffer<uint64_t> keys(keys0, keys1);
    cub::DoubleBuffer<int32_t> vals(vals0, vals1);
    size_t tmp_bytes = cub_bytes;
    const int* seg = offsets;  // the same iterator types as the size query in cub_sort_bytes
    GRIPCU_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairs(cub_tmp, tmp_bytes, keys, vals, static_cast<int>(N),
                                                               static_cast<int>(C), seg, seg + 1, 0, 64, stream));

    rank_kernel<<<static_cast<unsigned>(C), kRankThreads, 0, stream>>>(n, C, keys.Current(), vals.Current(),
                                                                       vals.Alternate(), pw, q, w);
    GRIPCU_CUDA_LAUNCH_CHECK();

    const dim3 wgrid(static_cast<unsigned>((n_sets + kWalkSets - 1) / kWalkSets), static_cast<unsigned>((C + 31) / 32));
    GRIPCU_CHECK(wgrid.y <= 65535u, "ssgsea_cuda: chunk too large for the walk grid");
    walk_kernel<<<wgrid, dim3(32, kWalkSets), 0, stream>>>(n, score_ld, score_col0 + s0, C, n_sets, d_set_offsets,
                                                           d_set_members, q, w, d_scores);
    GRIPCU_CUDA_LAUNCH_CHECK();
  }

  if (normalize) {
    const int64_t total = n_sets * n_samples;
    const unsigned nb = blocks_for(total, kNormThreads, kNormBlocks);
    minmax_partial_kernel<<<nb, kNormThreads, 0, stream>>>(total, d_scores, partial);
    GRIPCU_CUDA_LAUNCH_CHECK();
    minmax_final_kernel<<<1, kNormThreads, 0, stream>>>(static_cast<int>(nb), partial);
    GRIPCU_CUDA_LAUNCH_CHECK();
    divide_kernel<<<blocks_for(total, 256), 256, 0, stream>>>(total, d_scores, partial + 2 * kNormBlocks);
    GRIPCU_CUDA_LAUNCH_CHECK();
  }
}

// ---- model outputs back to input units (screening) ----------------------------------------------
__global__ void unnormalize_rows_kernel(int64_t N, int64_t cols, float* __restrict__ x, const float* __restrict__ scale,
                                        const float* __restrict__ shift, bool exp2m1) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < N;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t c = i % cols;
    float v = __fadd_rn(__fmul_rn(x[i], scale[c]), shift[c]);  // as the host: no FMA
    if (exp2m1) v = __fsub_rn(exp2f(v), 1.0f);
    x[i] = v;
  }
}

}  // namespace

template <typename T>
void ssgsea_cuda(int64_t n_genes, int64_t n_samples, const T* d_expr, int64_t n_sets, const int64_t* d_set_offsets,
                 const int32_t* d_set_members, const SsgseaOptions& opt, double* d_scores, int64_t chunk_samples,
                 void* d_workspace, size_t workspace_bytes, cudaStream_t stream) {
  ssgsea_cuda_impl(n_genes, n_samples, d_expr, n_sets, d_set_offsets, d_set_members, opt, opt.normalize, d_scores,
                   n_samples, 0, chunk_samples, d_workspace, workspace_bytes, stream);
}

template <typename T>
void ssgsea_cuda_raw_into(int64_t n_genes, int64_t n_samples, const T* d_expr, int64_t n_sets,
                          const int64_t* d_set_offsets, const int32_t* d_set_members, const SsgseaOptions& opt,
                          double* d_scores, int64_t score_ld, int64_t score_col0, int64_t chunk_samples,
                          void* d_workspace, size_t workspace_bytes, cudaStream_t stream) {
  ssgsea_cuda_impl(n_genes, n_samples, d_expr, n_sets, d_set_offsets, d_set_members, opt, false, d_scores, score_ld,
                   score_col0, chunk_samples, d_workspace, workspace_bytes, stream);
}

void ssgsea_unnormalize_rows_cuda(int64_t rows, int64_t cols, float* d_x, const float* d_scale, const float* d_shift,
                                  bool exp2m1, cudaStream_t stream) {
  GRIPCU_CHECK(rows >= 0 && cols >= 1, "ssgsea_unnormalize_rows_cuda: bad shape ", rows, " x ", cols);
  const int64_t N = rows * cols;
  if (N == 0) return;
  unnormalize_rows_kernel<<<blocks_for(N, 256), 256, 0, stream>>>(N, cols, d_x, d_scale, d_shift, exp2m1);
  GRIPCU_CUDA_LAUNCH_CHECK();
}

template <typename T>
void ssgsea_cuda_host(int device, int64_t n_genes, int64_t n_samples, const T* expr, int64_t n_sets,
                      const int64_t* set_offsets, const int32_t* set_members, const SsgseaOptions& opt,
                      double* scores, size_t workspace_budget) {
  const Device dev = Device::cuda(device);
  require_device(dev);
  ssgsea_check_sets(n_genes, n_sets, set_offsets, set_members);
  if (n_samples == 0 || n_sets == 0) return;
  // The CPU path rejects non-finite values; so does this one (the device kernels assume finite input).
  for (int64_t i = 0, N = n_genes * n_samples; i < N; ++i)
    if (!std::isfinite(static_cast<double>(expr[i]))) throw Error("ssgsea: the expression matrix has a NaN or infinite value");
  GRIPCU_CUDA_CHECK(cudaSetDevice(device));
  cudaStream_t stream = stream_for(dev);
  if (workspace_budget == 0) {
    size_t free_b = 0, total_b = 0;
    GRIPCU_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    workspace_budget = std::min<size_t>(free_b / 4, size_t{2} << 30);
  }
  const int64_t chunk = ssgsea_cuda_chunk_for_budget(n_genes, n_samples, workspace_budget);
  const size_t ws_bytes = ssgsea_cuda_workspace_bytes(n_genes, chunk);

  struct Buf {
    Device d;
    void* p = nullptr;
    size_t bytes = 0;
    Buf(Device dd, size_t b) : d(dd), p(mem_alloc(dd, b)), bytes(b) {}
    ~Buf() { mem_free(d, p, bytes); }
    Buf(const Buf&) = delete;
    Buf& operator=(const Buf&) = delete;
  };
  const size_t expr_bytes = static_cast<size_t>(n_genes) * static_cast<size_t>(n_samples) * sizeof(T);
  const size_t members = static_cast<size_t>(set_offsets[n_sets]);
  const size_t score_bytes = static_cast<size_t>(n_sets) * static_cast<size_t>(n_samples) * sizeof(double);
  Buf d_expr(dev, expr_bytes), d_off(dev, sizeof(int64_t) * (n_sets + 1)), d_mem(dev, sizeof(int32_t) * members),
      d_scores(dev, score_bytes), d_ws(dev, ws_bytes);
  const Device cpu = Device::cpu();
  mem_copy(dev, d_expr.p, cpu, expr, expr_bytes);
  mem_copy(dev, d_off.p, cpu, set_offsets, sizeof(int64_t) * (n_sets + 1));
  mem_copy(dev, d_mem.p, cpu, set_members, sizeof(int32_t) * members);
  ssgsea_cuda(n_genes, n_samples, static_cast<const T*>(d_expr.p), n_sets, static_cast<const int64_t*>(d_off.p),
              static_cast<const int32_t*>(d_mem.p), opt, static_cast<double*>(d_scores.p), chunk, d_ws.p, ws_bytes,
              stream);
  mem_copy(cpu, scores, dev, d_scores.p, score_bytes);  // waits for the stream
}

template void ssgsea_cuda<float>(int64_t, int64_t, const float*, int64_t, const int64_t*, const int32_t*,
                                 const SsgseaOptions&, double*, int64_t, void*, size_t, cudaStream_t);
template void ssgsea_cuda<double>(int64_t, int64_t, const double*, int64_t, const int64_t*, const int32_t*,
                                  const SsgseaOptions&, double*, int64_t, void*, size_t, cudaStream_t);
template void ssgsea_cuda_raw_into<float>(int64_t, int64_t, const float*, int64_t, const int64_t*, const int32_t*,
                                          const SsgseaOptions&, double*, int64_t, int64_t, int64_t, void*, size_t,
                                          cudaStream_t);
template void ssgsea_cuda_raw_into<double>(int64_t, int64_t, const double*, int64_t, const int64_t*, const int32_t*,
                                           const SsgseaOptions&, double*, int64_t, int64_t, int64_t, void*, size_t,
                                           cudaStream_t);
template void ssgsea_cuda_host<float>(int, int64_t, int64_t, const float*, int64_t, const int64_t*, const int32_t*,
                                      const SsgseaOptions&, double*, size_t);
template void ssgsea_cuda_host<double>(int, int64_t, int64_t, const double*, int64_t, const int64_t*, const int32_t*,
                                       const SsgseaOptions&, double*, size_t);

}  // namespace gripcu::kernels
