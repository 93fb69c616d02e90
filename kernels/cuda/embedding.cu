// CUDA twin of kernels/embedding.h.
//
// Backward is a sort-based segmented sum, with no atomics:
//   1. key[i] = idx[i] (an out-of-range index gets the sentinel key `vocab`), value[i] = i;
//   2. CUB stable radix sort of (key, value) on the low bits that can hold 0..vocab: the positions
//      i of each table row become contiguous and stay in increasing i (stability);
//   3. offsets[v] = first sorted slot whose key >= v (a binary search per table row);
//   4. one thread per (table row v, column d) adds dout[i, d] over its segment in increasing i,
//      starting from dtable[v, d] (accumulate) or 0.
// Step 4 is exactly the CPU's loop order for each element (the same additions in the same order),
// so the CUDA result is bit-identical to the CPU's, on every run and every GPU.
// Cost: one sort of n keys plus a read of dout; a row hit by many indices is summed serially by its
// `dim` threads (the price of the fixed order).
#include "kernels/embedding.h"

#include <cub/device/device_radix_sort.cuh>

#include "engine/memory.h"
#include "kernels/cuda/common.cuh"

namespace gripcu::kernels {
namespace {
using namespace cuda_detail;

template <typename T>
struct Gather {
  int64_t dim, vocab;
  const T* table;
  const int64_t* idx;
  T* out;
  __device__ void operator()(int64_t e) const {
    const int64_t i = e / dim, d = e - i * dim;
    const int64_t v = idx[i];
    // Out-of-range rows are zero-filled (no fault); embedding_index_check_cuda reports them.
    out[e] = (v >= 0 && v < vocab) ? table[v * dim + d] : T(0);
  }
};

struct SortKeys {
  int64_t vocab;
  const int64_t* idx;
  uint64_t* keys;
  int64_t* vals;
  __device__ void operator()(int64_t i) const {
    const int64_t v = idx[i];
    keys[i] = (v >= 0 && v < vocab) ? static_cast<uint64_t>(v) : static_cast<uint64_t>(vocab);  // invalid: skipped
    vals[i] = i;
  }
};

struct SegmentOffsets {
  int64_t n;
  const uint64_t* sorted_keys;
  int64_t* offsets;  // vocab + 1 entries
  __device__ void operator()(int64_t v) const {
    int64_t lo = 0, hi = n;  // lower_bound of v
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (sorted_keys[mid] < static_cast<uint64_t>(v)) lo = mid + 1;
      else hi = mid;
    }
    offsets[v] = lo;
  }
};

template <typename T, bool ACC>
struct SegmentSum {
  int64_t dim;
  const int64_t* offsets;
  const int64_t* rows;  // sorted positions i
  const T* dout;
  T* dtable;
  __device__ void operator()(int64_t e) const {
    const int64_t v = e / dim, d = e - v * dim;
    T acc = ACC ? dtable[e] : T(0);
    const int64_t end = offsets[v + 1];
    for (int64_t j = offsets[v]; j < end; ++j) acc += dout[rows[j] * dim + d];
    dtable[e] = acc;
  }
};

template <typename T>
void forward_impl(int64_t n, int64_t dim, int64_t vocab, const T* table, const int64_t* idx, T* out, cudaStream_t s) {
  if (n <= 0 || dim <= 0) return;
  launch_map(n * dim, Gather<T>{dim, vocab, table, idx, out}, s);
}

template <typename T>
void backward_impl(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const T* dout, T* dtable,
                   bool accumulate, cudaStream_t s) {
  if (vocab <= 0 || dim <= 0) return;
  if (n <= 0) {  // no contributions: dtable is 0 (or unchanged)
    if (!accumulate)
      GRIPCU_CUDA_CHECK(cudaMemsetAsync(dtable, 0, sizeof(T) * static_cast<size_t>(vocab * dim), s));
    return;
  }
  const Device dev = Device::cuda(stream_device(s));
  const size_t nb = sizeof(uint64_t) * static_cast<size_t>(n);
  const size_t ob = sizeof(int64_t) * static_cast<size_t>(vocab + 1);
  // Keys range over 0..vocab: sort only the bits that can be set (fewer radix passes).
  int end_bit = 0;
  while (end_bit < 64 && (static_cast<uint64_t>(vocab) >> end_bit) != 0) ++end_bit;
  // Temporaries from the engine's caching allocator, released after enqueueing: a block reused by
  // later work on the same stream is ordered after this kernel.
  auto* keys_in = static_cast<uint64_t*>(mem_alloc(dev, nb));
  auto* keys_out = static_cast<uint64_t*>(mem_alloc(dev, nb));
  auto* vals_in = static_cast<int64_t*>(mem_alloc(dev, nb));
  auto* vals_out = static_cast<int64_t*>(mem_alloc(dev, nb));
  auto* offsets = static_cast<int64_t*>(mem_alloc(dev, ob));
  void* temp = nullptr;
  size_t temp_bytes = 0;
  auto release = [&] {
    mem_free(dev, temp, temp_bytes);
    mem_free(dev, offsets, ob);
    mem_free(dev, vals_out, nb);
    mem_free(dev, vals_in, nb);
    mem_free(dev, keys_out, nb);
    mem_free(dev, keys_in, nb);
  };
  try {
    launch_map(n, SortKeys{vocab, idx, keys_in, vals_in}, s);
    GRIPCU_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in, keys_out, vals_in, vals_out, n, 0,
                                                      end_bit, s));
    temp = mem_alloc(dev, temp_bytes);
    GRIPCU_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_in, keys_out, vals_in, vals_out, n, 0,
                                                      end_bit, s));
    launch_map(vocab + 1, SegmentOffsets{n, keys_out, offsets}, s);
    if (accumulate) launch_map(vocab * dim, SegmentSum<T, true>{dim, offsets, vals_out, dout, dtable}, s);
    else launch_map(vocab * dim, SegmentSum<T, false>{dim, offsets, vals_out, dout, dtable}, s);
  } catch (...) {
    release();
    throw;
  }
  release();
}

__global__ void first_bad_kernel(int64_t n, int64_t vocab, const int64_t* __restrict__ idx,
                                 unsigned long long* first) {
  // Integer atomicMin: the minimum is order-independent, so this stays deterministic.
  for (int64_t i = global_tid(); i < n; i += grid_stride())
    if (idx[i] < 0 || idx[i] >= vocab) atomicMin(first, static_cast<unsigned long long>(i));
}

}  // namespace

void embedding_forward_cuda(int64_t n, int64_t dim, int64_t vocab, const float* table, const int64_t* idx, float* out,
                            cudaStream_t s) {
  forward_impl(n, dim, vocab, table, idx, out, s);
}
void embedding_forward_cuda(int64_t n, int64_t dim, int64_t vocab, const double* table, const int64_t* idx,
                            double* out, cudaStream_t s) {
  forward_impl(n, dim, vocab, table, idx, out, s);
}
void embedding_backward_cuda(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const float* dout,
                             float* dtable, bool accumulate, cudaStream_t s) {
  backward_impl(n, dim, vocab, idx, dout, dtable, accumulate, s);
}
void embedding_backward_cuda(int64_t n, int64_t dim, int64_t vocab, const int64_t* idx, const double* dout,
                             double* dtable, bool accumulate, cudaStream_t s) {
  backward_impl(n, dim, vocab, idx, dout, dtable, accumulate, s);
}

int64_t embedding_index_check_cuda(int64_t n, int64_t vocab, const int64_t* idx, cudaStream_t s) {
  if (n <= 0) return -1;
  // The per-stream scratch holds the result (ordered with this stream's other users of it).
  auto* first = static_cast<unsigned long long*>(stream_scratch(s));
  const unsigned long long none = static_cast<unsigned long long>(n);
  GRIPCU_CUDA_CHECK(cudaMemcpyAsync(first, &none, sizeof(none), cudaMemcpyHostToDevice, s));
  first_bad_kernel<<<grid_for(n), kBlock, 0, s>>>(n, vocab, idx, first);
  GRIPCU_CUDA_LAUNCH_CHECK();
  unsigned long long host = none;
  GRIPCU_CUDA_CHECK(cudaMemcpyAsync(&host, first, sizeof(host), cudaMemcpyDeviceToHost, s));
  GRIPCU_CUDA_CHECK(cudaStreamSynchronize(s));
  return host == none ? -1 : static_cast<int64_t>(host);
}

}  // namespace gripcu::kernels
