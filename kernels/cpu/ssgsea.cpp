// ssGSEA on the CPU: the oracle, and fast. See kernels/ssgsea.h for the definition and the closed
// form. Per sample: gather the sample's values as order-preserving 64-bit keys, a stable sort of
// the rows by key (see rank_one), one pass over the sorted rows for tie groups -> q[g], w[g], then
// O(k) per set. Threads split the samples into
// contiguous blocks (a block gathers up to 8 columns of a genes x samples matrix per row read);
// every score is computed by exactly one thread, so results do not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/ssgsea.h"

namespace gripcu::kernels {

namespace {

// Ranking one sample. The full keys are 64-bit; sorting (key, row) pairs would move 16 bytes per
// item through 8 radix passes. Instead each item is one 64-bit word (top 32 key bits << 32 | row),
// sorted stably by its top half in 4 passes (rows start ascending, so equal halves stay in row
// order), and only runs whose top halves collide (values equal, or within ~1e-6 relative of each
// other) are ordered by the full key with a stable sort. Same order as a stable sort on the full
// key, at a quarter of the memory traffic.
constexpr uint64_t kLow32 = 0xFFFFFFFFull;

// Stable ascending LSD radix sort of words by bits 32..63 (8-bit digits; a digit every word shares
// is skipped). On return *a holds the result (the pointers may have been swapped with *b).
// The array is cut into kLanes contiguous lanes with their own counters, processed interleaved:
// expression keys share their top digits (sign, exponent), so with one counter array every item
// would wait for the previous item's counter store; four lanes make four independent chains.
// Lane l's items of a bucket go after lanes 0..l-1's, so the sort stays stable.
constexpr int kLanes = 4;

void radix_sort_high32(int64_t n, uint64_t** a, uint64_t** b) {
  int64_t lb[kLanes + 1];
  for (int l = 0; l <= kLanes; ++l) lb[l] = l * n / kLanes;
  const int64_t common = lb[1] - lb[0];  // every lane has at least this many items
  // Which digits vary at all (the items move between lanes from pass to pass, so the per-lane
  // counts are taken at the start of each pass).
  bool varies[4] = {false, false, false, false};
  {
    const uint64_t* src = *a;
    const uint64_t first = src[0] >> 32;
    uint64_t diff = 0;
    for (int64_t i = 1; i < n; ++i) diff |= (src[i] >> 32) ^ first;
    for (int d = 0; d < 4; ++d) varies[d] = ((diff >> (8 * d)) & 0xFF) != 0;
  }
  uint32_t cnt[kLanes][256];
  for (int d = 0; d < 4; ++d) {
    if (!varies[d]) continue;  // every word has this digit
    const int shift = 32 + 8 * d;
    const uint64_t* in = *a;
    uint64_t* out = *b;
    std::memset(cnt, 0, sizeof cnt);
    for (int64_t i = 0; i < common; ++i)
      for (int l = 0; l < kLanes; ++l) ++cnt[l][(in[lb[l] + i] >> shift) & 0xFF];
    for (int l = 0; l < kLanes; ++l)
      for (int64_t i = lb[l] + common; i < lb[l + 1]; ++i) ++cnt[l][(in[i] >> shift) & 0xFF];
    uint32_t sum = 0;
    for (int k = 0; k < 256; ++k)
      for (int l = 0; l < kLanes; ++l) { const uint32_t c = cnt[l][k]; cnt[l][k] = sum; sum += c; }
    for (int64_t i = 0; i < common; ++i)
      for (int l = 0; l < kLanes; ++l) {
        const uint64_t u = in[lb[l] + i];
        out[cnt[l][(u >> shift) & 0xFF]++] = u;
      }
    for (int l = 0; l < kLanes; ++l)
      for (int64_t i = lb[l] + common; i < lb[l + 1]; ++i) {
        const uint64_t u = in[i];
        out[cnt[l][(u >> shift) & 0xFF]++] = u;
      }
    std::swap(*a, *b);
  }
}

// Per gene of the sample being scored: its weight w = r^alpha and q = n - p + 1, side by side so
// a walk step touches one cache line.
struct GeneStat {
  double w;
  int64_t q;
};

struct Scratch {
  std::vector<uint64_t> words;  // block x n packed words (top 32 key bits << 32 | row)
  std::vector<uint64_t> tmp;
  std::vector<GeneStat> stat;
  std::vector<std::pair<uint64_t, uint64_t>> run;  // (full key, word) of one collision run
  void resize(int64_t n, int64_t block) {
    if (static_cast<int64_t>(words.size()) < n * block) words.resize(n * block);
    if (static_cast<int64_t>(tmp.size()) < n) { tmp.resize(n); stat.resize(n); }
  }
};

inline uint64_t pack(uint64_t key, int64_t row) { return (key & ~kLow32) | static_cast<uint64_t>(row); }

// words[0..n) (packed, rows ascending) -> for every row g its q (= n - p + 1) and tie-group rank r,
// handed to emit(g, q, r). full_key(g) gives row g's 64-bit key; it is asked only for rows whose
// top halves collide.
template <typename FullKey, typename Emit>
void rank_one(int64_t n, uint64_t* words, Scratch& sc, FullKey&& full_key, Emit&& emit) {
  uint64_t* a = words;
  uint64_t* b = sc.tmp.data();
  radix_sort_high32(n, &a, &b);
  int64_t p = 0;
  while (p < n) {
    const uint64_t hi = a[p] >> 32;
    int64_t e = p + 1;
    while (e < n && (a[e] >> 32) == hi) ++e;
    if (e - p == 1) {  // the common case: a unique top half
      emit(static_cast<int32_t>(a[p] & kLow32), static_cast<int32_t>(n - p), static_cast<int32_t>(n - p));
      p = e;
      continue;
    }
    // A collision run: fetch each row's full key once, then order the run by it (stably).
    auto& run = sc.run;
    run.resize(static_cast<size_t>(e - p));
    bool all_equal = true;
    for (int64_t t = p; t < e; ++t) {
      run[t - p] = {full_key(static_cast<int64_t>(a[t] & kLow32)), a[t]};
      all_equal = all_equal && run[t - p].first == run[0].first;
    }
    if (!all_equal)
      std::stable_sort(run.begin(), run.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i = 0; i < run.size();) {  // tie groups by the full key inside the run
      size_t j = i + 1;
      while (j < run.size() && run[j].first == run[i].first) ++j;
      const int32_t r = ssgsea_group_rank(n, p + static_cast<int64_t>(i), p + static_cast<int64_t>(j) - 1);
      for (size_t t = i; t < j; ++t)
        emit(static_cast<int32_t>(run[t].second & kLow32), static_cast<int32_t>(n - p - static_cast<int64_t>(t)), r);
      i = j;
    }
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
    sc.words[g] = pack(ssgsea_desc_key(v), g);
  }
  rank_one(
      n_genes, sc.words.data(), sc, [&](int64_t g) { return ssgsea_desc_key(x[g * stride]); },
      [&](int32_t g, int32_t qq, int32_t rr) { q[g] = qq; r[g] = rr; });
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
      uint64_t* words = sc.words.data();
      bool finite = true;
      if (gbs) {
        // Rows are n_samples apart: prefetch both ends of the row segment well ahead, or the
        // strided reads run at memory latency. (Locals, so nothing is reloaded after each store.)
        const int64_t nn = n, S = n_samples;
        const T* const x0 = expr + s0;
        constexpr int64_t kAhead = 48;
        for (int64_t g = 0; g < nn; ++g) {
          if (g + kAhead < nn) {
            __builtin_prefetch(x0 + (g + kAhead) * S);
            __builtin_prefetch(x0 + (g + kAhead) * S + nb - 1);
          }
          const T* row = x0 + g * S;
          uint64_t* out = words + g;
          for (int64_t j = 0; j < nb; ++j) {
            const double v = static_cast<double>(row[j]);
            finite &= std::isfinite(v);
            out[j * nn] = pack(ssgsea_desc_key(v), g);
          }
        }
      } else {
        for (int64_t j = 0; j < nb; ++j) {
          const T* col = expr + (s0 + j) * n;
          for (int64_t g = 0; g < n; ++g) {
            const double v = static_cast<double>(col[g]);
            finite &= std::isfinite(v);
            words[j * n + g] = pack(ssgsea_desc_key(v), g);
          }
        }
      }
      if (!finite) { bad.store(s0); continue; }
      GeneStat* st = sc.stat.data();
      for (int64_t j = 0; j < nb; ++j) {
        const int64_t s = s0 + j;
        const int64_t gstride = gbs ? n_samples : 1;
        const T* base = gbs ? expr + s : expr + s * n;
        rank_one(
            n, words + j * n, sc, [&](int64_t g) { return ssgsea_desc_key(static_cast<double>(base[g * gstride])); },
            [&](int32_t g, int32_t qq, int32_t r) { st[g] = {pw[r], qq}; });
        for (int64_t set = 0; set < n_sets; ++set) {
          const int64_t mb = set_offsets[set], me = set_offsets[set + 1];
          double A = 0.0, W = 0.0;
          int64_t B = 0;
          for (int64_t m = mb; m < me; ++m) {
            const GeneStat gs = st[set_members[m]];
            A += gs.w * static_cast<double>(gs.q);
            W += gs.w;
            B += gs.q;
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

void ssgsea_unnormalize_rows_cpu(int64_t rows, int64_t cols, float* x, const float* scale, const float* shift,
                                 bool exp2m1) {
  GRIPCU_CHECK(rows >= 0 && cols >= 1, "ssgsea_unnormalize_rows_cpu: bad shape ", rows, " x ", cols);
  // The same expressions as ZScore::invert and grip::predict (no -mfma: nothing is contracted).
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] = row[c] * scale[c] + shift[c];
    if (exp2m1)
      for (int64_t c = 0; c < cols; ++c) row[c] = std::exp2(row[c]) - 1.0f;
  }
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
