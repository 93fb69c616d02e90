// ssGSEA on the CPU: the oracle, and fast. See kernels/ssgsea.h for the definition and the closed
// form. Per sample: gather the sample's values as order-preserving 64-bit keys, a stable LSD radix
// sort (8-bit digits, constant digits skipped) of (key, row) pairs from row order, one pass over the
// sorted keys for tie groups -> q[g], w[g], then O(k) per set. Threads split the samples into
// contiguous blocks (a block gathers up to 8 columns of a genes x samples matrix per row read);
// every score is computed by exactly one thread, so results do not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/ssgsea.h"

namespace gripcu::kernels {

namespace {

// Stable ascending LSD radix sort of (key, row) pairs. On return *ka / *ia hold the result (the
// pointers may have been swapped with the scratch buffers kb / ib).
void radix_sort_pairs(int64_t n, uint64_t** ka, int32_t** ia, uint64_t** kb, int32_t** ib) {
  uint32_t hist[8][256];
  std::memset(hist, 0, sizeof hist);
  const uint64_t* k = *ka;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t u = k[i];
    for (int d = 0; d < 8; ++d) ++hist[d][(u >> (8 * d)) & 0xFF];
  }
  for (int d = 0; d < 8; ++d) {
    uint32_t* h = hist[d];
    const int shift = 8 * d;
    if (h[((*ka)[0] >> shift) & 0xFF] == static_cast<uint32_t>(n)) continue;  // every key has this digit
    uint32_t sum = 0;
    for (int b = 0; b < 256; ++b) { const uint32_t c = h[b]; h[b] = sum; sum += c; }
    const uint64_t* src_k = *ka;
    const int32_t* src_i = *ia;
    uint64_t* dst_k = *kb;
    int32_t* dst_i = *ib;
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t u = src_k[i];
      const uint32_t pos = h[(u >> shift) & 0xFF]++;
      dst_k[pos] = u;
      dst_i[pos] = src_i[i];
    }
    std::swap(*ka, *kb);
    std::swap(*ia, *ib);
  }
}

struct Scratch {
  std::vector<uint64_t> keys;  // block x n gathered keys
  std::vector<uint64_t> k1;
  std::vector<int32_t> i0, i1, q;
  std::vector<double> w;
  void resize(int64_t n, int64_t block) {
    if (static_cast<int64_t>(keys.size()) < n * block) keys.resize(n * block);
    if (static_cast<int64_t>(k1.size()) < n) {
      k1.resize(n); i0.resize(n); i1.resize(n); q.resize(n); w.resize(n);
    }
  }
};

// keys[0..n) -> per-gene q (= n - p + 1) and the tie-group rank, handed to emit(g, q, r).
template <typename Emit>
void rank_one(int64_t n, uint64_t* keys, Scratch& sc, Emit&& emit) {
  uint64_t* ka = keys;
  uint64_t* kb = sc.k1.data();
  int32_t* ia = sc.i0.data();
  int32_t* ib = sc.i1.data();
  for (int64_t g = 0; g < n; ++g) ia[g] = static_cast<int32_t>(g);
  radix_sort_pairs(n, &ka, &ia, &kb, &ib);
  int64_t p = 0;
  while (p < n) {
    int64_t e = p + 1;
    while (e < n && ka[e] == ka[p]) ++e;
    const int32_t r = ssgsea_group_rank(n, p, e - 1);
    for (int64_t j = p; j < e; ++j) emit(ia[j], static_cast<int32_t>(n - j), r);
    p = e;
  }
}

std::string set_label(int64_t s) { return "gene set #" + std::to_string(s); }

}  // namespace

// Throws gripcu::Error unless the sets are valid for n genes (see the preconditions in the header).
void ssgsea_check_sets(int64_t n_genes, int64_t n_sets, const int64_t* set_offsets, const int32_t* set_members) {
  GRIPCU_CHECK(n_genes >= 2, "ssgsea: need at least 2 genes, got ", n_genes);
  GRIPCU_CHECK(n_genes < (int64_t{1} << 31), "ssgsea: at most 2^31 - 1 genes, got ", n_genes);
  GRIPCU_CHECK(n_sets >= 0, "ssgsea: negative number of gene sets");
  if (n_sets == 0) return;
  GRIPCU_CHECK(set_offsets[0] == 0, "ssgsea: set_offsets[0] must be 0");
  std::vector<int64_t> stamp(n_genes, -1);
  for (int64_t s = 0; s < n_sets; ++s) {
    const int64_t b = set_offsets[s], e = set_offsets[s + 1], k = e - b;
    GRIPCU_CHECK(k >= 1, "ssgsea: ", set_label(s), " is empty");
    GRIPCU_CHECK(k < n_genes, "ssgsea: ", set_label(s), " has ", k, " genes but the matrix has ", n_genes,
                 ": a set must leave at least one gene outside it");
    for (int64_t m = b; m < e; ++m) {
      const int32_t g = set_members[m];
      GRIPCU_CHECK(g >= 0 && g < n_genes, "ssgsea: ", set_label(s), " has member row ", g, " outside [0, ", n_genes, ")");
      GRIPCU_CHECK(stamp[g] != s, "ssgsea: ", set_label(s), " lists row ", g, " twice");
      stamp[g] = s;
    }
  }
}

void ssgsea_rank_cpu(int64_t n_genes, const double* x, int64_t stride, int32_t* q, int32_t* r) {
  GRIPCU_CHECK(n_genes >= 1 && n_genes < (int64_t{1} << 31), "ssgsea_rank_cpu: bad n_genes ", n_genes);
  Scratch sc;
  sc.resize(n_genes, 1);
  for (int64_t g = 0; g < n_genes; ++g) {
    const double v = x[g * stride];
    GRIPCU_CHECK(std::isfinite(v), "ssgsea: expression value at row ", g, " is not finite");
    sc.keys[g] = ssgsea_desc_key(v);
  }
  rank_one(n_genes, sc.keys.data(), sc, [&](int32_t g, int32_t qq, int32_t rr) { q[g] = qq; r[g] = rr; });
}

double ssgsea_normalize_cpu(int64_t n, double* scores) {
  if (n <= 0) return 0.0;
  double lo = scores[0], hi = scores[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, scores[i]);
    hi = std::max(hi, scores[i]);
  }
  const double range = hi - lo;
  for (int64_t i = 0; i < n; ++i) scores[i] = scores[i] / range;
  return range;
}

template <typename T>
void ssgsea_cpu(int64_t n_genes, int64_t n_samples, const T* expr, int64_t n_sets, const int64_t* set_offsets,
                const int32_t* set_members, const SsgseaOptions& opt, double* scores) {
  ssgsea_check_sets(n_genes, n_sets, set_offsets, set_members);
  GRIPCU_CHECK(n_samples >= 0, "ssgsea: negative number of samples");
  GRIPCU_CHECK(std::isfinite(opt.alpha), "ssgsea: alpha must be finite");
  if (n_samples == 0 || n_sets == 0) return;
  const int64_t n = n_genes;

  std::vector<double> pw(n + 1);  // pw[r] = r^alpha for the integer ranks 1..n
  pw[0] = 0.0;
  for (int64_t r = 1; r <= n; ++r) pw[r] = std::pow(static_cast<double>(r), opt.alpha);

  // Blocks of up to 8 samples, as many as a multiple of the thread count (balanced static split).
  const int64_t threads = std::max(1, num_threads());
  int64_t n_blocks = (n_samples + 7) / 8;
  n_blocks = std::min(n_samples, (n_blocks + threads - 1) / threads * threads);
  const bool gbs = opt.layout == SsgseaLayout::genes_by_samples;
  std::atomic<int64_t> bad{-1};

  parallel_for(n_blocks, 1, [&](int64_t bb, int64_t be) {
    thread_local Scratch sc;
    for (int64_t blk = bb; blk < be; ++blk) {
      const int64_t s0 = blk * n_samples / n_blocks, s1 = (blk + 1) * n_samples / n_blocks, nb = s1 - s0;
      sc.resize(n, nb);
      uint64_t* keys = sc.keys.data();
      bool finite = true;
      if (gbs) {
        for (int64_t g = 0; g < n; ++g) {
          const T* row = expr + g * n_samples + s0;
          for (int64_t j = 0; j < nb; ++j) {
            const double v = static_cast<double>(row[j]);
            finite &= std::isfinite(v);
            keys[j * n + g] = ssgsea_desc_key(v);
          }
        }
      } else {
        for (int64_t j = 0; j < nb; ++j) {
          const T* col = expr + (s0 + j) * n;
          for (int64_t g = 0; g < n; ++g) {
            const double v = static_cast<double>(col[g]);
            finite &= std::isfinite(v);
            keys[j * n + g] = ssgsea_desc_key(v);
          }
        }
      }
      if (!finite) { bad.store(s0); continue; }
      int32_t* q = sc.q.data();
      double* w = sc.w.data();
      for (int64_t j = 0; j < nb; ++j) {
        rank_one(n, keys + j * n, sc, [&](int32_t g, int32_t qq, int32_t r) { q[g] = qq; w[g] = pw[r]; });
        const int64_t s = s0 + j;
        for (int64_t set = 0; set < n_sets; ++set) {
          const int64_t mb = set_offsets[set], me = set_offsets[set + 1];
          double A = 0.0, W = 0.0;
          int64_t B = 0;
          for (int64_t m = mb; m < me; ++m) {
            const int32_t g = set_members[m];
            const double wg = w[g];
            const int32_t qg = q[g];
            A += wg * static_cast<double>(qg);
            W += wg;
            B += qg;
          }
          scores[set * n_samples + s] = ssgsea_es(n, me - mb, A, W, B);
        }
      }
    }
  });
  if (bad.load() >= 0)
    throw Error("ssgsea: the expression matrix has a NaN or infinite value (in the samples from column " +
                std::to_string(bad.load()) + ")");
  if (opt.normalize) ssgsea_normalize_cpu(n_sets * n_samples, scores);
}

template <typename T>
void ssgsea(const Device& dev, int64_t n_genes, int64_t n_samples, const T* expr, int64_t n_sets,
            const int64_t* set_offsets, const int32_t* set_members, const SsgseaOptions& opt, double* scores) {
  if (dev.is_cpu()) {
    ssgsea_cpu(n_genes, n_samples, expr, n_sets, set_offsets, set_members, opt, scores);
    return;
  }
  require_device(dev);  // throws with the reason when there is no GPU or no CUDA build
  ssgsea_check_sets(n_genes, n_sets, set_offsets, set_members);
#ifdef GRIPCU_HAVE_CUDA
  ssgsea_cuda_host(dev.index, n_genes, n_samples, expr, n_sets, set_offsets, set_members, opt, scores);
#else
  throw Error("ssgsea: device " + dev.str() + " requested but " + cuda_unavailable_reason());
#endif
}

template void ssgsea_cpu<float>(int64_t, int64_t, const float*, int64_t, const int64_t*, const int32_t*,
                                const SsgseaOptions&, double*);
template void ssgsea_cpu<double>(int64_t, int64_t, const double*, int64_t, const int64_t*, const int32_t*,
                                 const SsgseaOptions&, double*);
template void ssgsea<float>(const Device&, int64_t, int64_t, const float*, int64_t, const int64_t*, const int32_t*,
                            const SsgseaOptions&, double*);
template void ssgsea<double>(const Device&, int64_t, int64_t, const double*, int64_t, const int64_t*, const int32_t*,
                             const SsgseaOptions&, double*);

}  // namespace gripcu::kernels
