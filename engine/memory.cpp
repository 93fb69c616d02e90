#include "engine/memory.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/error.h"
#include "engine/parallel.h"

#ifdef GRIPCU_HAVE_CUDA
#include "engine/cuda_check.h"
#endif

namespace gripcu {

namespace {
size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

#ifdef GRIPCU_HAVE_CUDA
// Block sizes are rounded (512 B below 1 MiB, 2 MiB above) so similar requests share blocks.
size_t cuda_block_size(size_t bytes) {
  if (bytes == 0) bytes = 1;
  return bytes < (1u << 20) ? round_up(bytes, 512) : round_up(bytes, 2u << 20);
}
struct CudaCache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;  // size -> block
  AllocatorStats stats;
  // Graph-capture pools: their free lists, which pool owns a block handed out under one, and the
  // pool allocations are routed to now (0: none, the shared cache).
  std::map<int64_t, std::multimap<size_t, void*>> pool_free;
  std::unordered_map<void*, int64_t> owner;
  int64_t active_pool = 0, next_pool = 1;
};
CudaCache& cache_for(int dev) {
  static std::mutex mu;
  static std::map<int, CudaCache*> caches;  // never destroyed: frees at exit would race the driver
  std::lock_guard<std::mutex> lock(mu);
  auto& c = caches[dev];
  if (!c) c = new CudaCache();
  return *c;
}
#endif
}  // namespace

void* mem_alloc(const Device& d, size_t bytes) {
  if (d.is_cpu()) {
    // 256-byte alignment (as cudaMalloc gives) so Workspace::take keeps its 256-byte promise on
    // the CPU too; a buffer is also aligned for any SIMD width.
    void* p = std::aligned_alloc(256, round_up(bytes == 0 ? 1 : bytes, 256));
    GRIPCU_CHECK(p != nullptr, "out of host memory allocating ", bytes, " bytes");
    return p;
  }
#ifdef GRIPCU_HAVE_CUDA
  require_device(d);
  const size_t sz = cuda_block_size(bytes);
  CudaCache& c = cache_for(d.index);
  std::lock_guard<std::mutex> lock(c.mu);
  const int64_t pool = c.active_pool;
  if (pool != 0) {  // a capture pool: its own free blocks first
    auto& pf = c.pool_free[pool];
    auto pit = pf.find(sz);
    if (pit != pf.end()) {
      void* p = pit->second;
      pf.erase(pit);
      c.stats.bytes_cached -= sz;
      c.stats.bytes_in_use += sz;
      c.stats.cache_hits++;
      return p;
    }
  }
  auto it = c.free_blocks.find(sz);
  if (it != c.free_blocks.end()) {  // a shared block (no pending work on it: frees are stream-ordered)
    void* p = it->second;
    c.free_blocks.erase(it);
    c.stats.bytes_cached -= sz;
    c.stats.bytes_in_use += sz;
    c.stats.cache_hits++;
    if (pool != 0) c.owner[p] = pool;
    return p;
  }
  GRIPCU_CUDA_CHECK(cudaSetDevice(d.index));
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, sz);
  if (e == cudaErrorMemoryAllocation && !c.free_blocks.empty()) {  // give the cache back, try once more
    (void)cudaGetLastError();
    for (auto& [s, b] : c.free_blocks) cudaFree(b);
    c.free_blocks.clear();
    c.stats.bytes_cached = 0;
    e = cudaMalloc(&p, sz);
  }
  GRIPCU_CUDA_CHECK(e);
  c.stats.bytes_in_use += sz;
  c.stats.device_mallocs++;
  if (pool != 0) c.owner[p] = pool;
  return p;
#else
  require_device(d);
  return nullptr;
#endif
}

void mem_free(const Device& d, void* p, size_t bytes) {
  if (!p) return;
  if (d.is_cpu()) { std::free(p); return; }
#ifdef GRIPCU_HAVE_CUDA
  const size_t sz = cuda_block_size(bytes);
  CudaCache& c = cache_for(d.index);
  std::lock_guard<std::mutex> lock(c.mu);
  auto own = c.owner.find(p);
  if (own != c.owner.end()) {
    c.pool_free[own->second].emplace(sz, p);
  } else {
    c.free_blocks.emplace(sz, p);
  }
  c.stats.bytes_in_use -= sz;
  c.stats.bytes_cached += sz;
#endif
}

int64_t capture_pool_create(const Device& d) {
  if (d.is_cpu()) return 0;
#ifdef GRIPCU_HAVE_CUDA
  CudaCache& c = cache_for(d.index);
  std::lock_guard<std::mutex> lock(c.mu);
  const int64_t id = c.next_pool++;
  c.pool_free[id];
  return id;
#else
  require_device(d);
  return 0;
#endif
}

void capture_pool_begin(const Device& d, int64_t pool) {
  if (d.is_cpu()) return;
#ifdef GRIPCU_HAVE_CUDA
  CudaCache& c = cache_for(d.index);
  std::lock_guard<std::mutex> lock(c.mu);
  GRIPCU_CHECK(c.active_pool == 0, "capture pool ", pool, ": pool ", c.active_pool, " is already active on ", d.str());
  GRIPCU_CHECK(c.pool_free.count(pool), "capture pool ", pool, " does not exist on ", d.str());
  c.active_pool = pool;
#endif
}

void capture_pool_end(const Device& d) {
  if (d.is_cpu()) return;
#ifdef GRIPCU_HAVE_CUDA
  CudaCache& c = cache_for(d.index);
  std::lock_guard<std::mutex> lock(c.mu);
  c.active_pool = 0;
#endif
}

void capture_pool_destroy(const Device& d, int64_t pool) {
  if (d.is_cpu() || pool == 0) return;
#ifdef GRIPCU_HAVE_CUDA
  GRIPCU_CUDA_CHECK(cudaStreamSynchronize(stream_for(d)));  // no replay may still use the blocks
  CudaCache& c = cache_for(d.index);
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.active_pool == pool) c.active_pool = 0;
  auto pf = c.pool_free.find(pool);
  if (pf == c.pool_free.end()) return;
  for (auto& [sz, p] : pf->second) {
    c.owner.erase(p);
    c.free_blocks.emplace(sz, p);
  }
  c.pool_free.erase(pf);
  for (auto it = c.owner.begin(); it != c.owner.end();) it = it->second == pool ? c.owner.erase(it) : std::next(it);
#endif
}

AllocatorStats allocator_stats(const Device& d) {
#ifdef GRIPCU_HAVE_CUDA
  if (d.is_cuda()) {
    CudaCache& c = cache_for(d.index);
    std::lock_guard<std::mutex> lock(c.mu);
    return c.stats;
  }
#endif
  return {};
}

void allocator_release_cache(const Device& d) {
#ifdef GRIPCU_HAVE_CUDA
  if (d.is_cuda()) {
    CudaCache& c = cache_for(d.index);
    std::lock_guard<std::mutex> lock(c.mu);
    GRIPCU_CUDA_CHECK(cudaStreamSynchronize(stream_for(d)));
    for (auto& [s, b] : c.free_blocks) GRIPCU_CUDA_CHECK(cudaFree(b));
    c.free_blocks.clear();
    c.stats.bytes_cached = 0;
  }
#endif
}

namespace {
// Large host copies (a batch of expression rows is 250 KB) in 64 KB pieces on all threads; below
// 256 KB in all, one thread.
void host_copy_many(const MemCopy* copies, int count) {
  constexpr size_t kPiece = size_t{1} << 16;
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += copies[i].bytes;
  if (total < 4 * kPiece) {
    for (int i = 0; i < count; ++i)
      if (copies[i].bytes) std::memcpy(copies[i].dst, copies[i].src, copies[i].bytes);
    return;
  }
  std::vector<int64_t> first(static_cast<size_t>(count) + 1, 0);  // each copy's first piece
  for (int i = 0; i < count; ++i)
    first[static_cast<size_t>(i) + 1] =
        first[static_cast<size_t>(i)] + static_cast<int64_t>((copies[i].bytes + kPiece - 1) / kPiece);
  parallel_for(first.back(), 1, [&](int64_t p0, int64_t p1) {
    int i = 0;
    for (int64_t p = p0; p < p1; ++p) {
      while (p >= first[static_cast<size_t>(i) + 1]) ++i;
      const MemCopy& c = copies[i];
      const size_t b = static_cast<size_t>(p - first[static_cast<size_t>(i)]) * kPiece, e = std::min(c.bytes, b + kPiece);
      std::memcpy(static_cast<char*>(c.dst) + b, static_cast<const char*>(c.src) + b, e - b);
    }
  });
}
}  // namespace

void mem_copy_many(const Device& d, const MemCopy* copies, int count) {
  if (d.is_cpu()) {
    host_copy_many(copies, count);
    return;
  }
  for (int i = 0; i < count; ++i) mem_copy(d, copies[i].dst, d, copies[i].src, copies[i].bytes);
}

void mem_copy(const Device& dst_dev, void* dst, const Device& src_dev, const void* src, size_t bytes) {
  if (bytes == 0) return;
  if (dst_dev.is_cpu() && src_dev.is_cpu()) {
    const MemCopy c{dst, src, bytes};
    host_copy_many(&c, 1);
    return;
  }
#ifdef GRIPCU_HAVE_CUDA
  const Device& gpu = dst_dev.is_cuda() ? dst_dev : src_dev;
  cudaStream_t s = stream_for(gpu);
  GRIPCU_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s));
  // The host may read (or free) host memory right after: wait only for copies that touch the host.
  if (dst_dev.is_cpu() || src_dev.is_cpu()) GRIPCU_CUDA_CHECK(cudaStreamSynchronize(s));
#else
  require_device(dst_dev.is_cuda() ? dst_dev : src_dev);
#endif
}

void mem_zero(const Device& d, void* p, size_t bytes) {
  if (bytes == 0) return;
  if (d.is_cpu()) { std::memset(p, 0, bytes); return; }
#ifdef GRIPCU_HAVE_CUDA
  GRIPCU_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, stream_for(d)));
#endif
}

Workspace::~Workspace() {
  if (base_) mem_free(dev_, base_, cap_);
}

void Workspace::reserve(size_t bytes) {
  if (bytes <= cap_) return;
  GRIPCU_CHECK(used_ == 0, "Workspace::reserve while ", used_, " bytes are taken; grow between steps");
  if (base_) mem_free(dev_, base_, cap_);
  cap_ = round_up(bytes, 256);
  base_ = mem_alloc(dev_, cap_);
}

void* Workspace::take(size_t bytes) {
  const size_t need = round_up(bytes, 256);
  GRIPCU_CHECK(used_ + need <= cap_, "workspace exhausted: need ", need, " bytes, ", cap_ - used_, " of ", cap_, " left");
  void* p = static_cast<char*>(base_) + used_;
  used_ += need;
  if (used_ > high_) high_ = used_;
  return p;
}

}  // namespace gripcu
