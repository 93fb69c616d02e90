#pragma once
// Raw memory per device. CPU: 256-byte aligned. CUDA: a caching allocator (freed blocks are kept in
// size-keyed free lists and reused, so a training step allocates nothing after its first run).
#include <cstddef>
#include <cstdint>

#include "engine/device.h"

namespace gripcu {

void* mem_alloc(const Device& d, size_t bytes);
void mem_free(const Device& d, void* p, size_t bytes);
// Stream-ordered on the device's engine stream; host-side waits happen only in copies to the host.
void mem_copy(const Device& dst_dev, void* dst, const Device& src_dev, const void* src, size_t bytes);
void mem_zero(const Device& d, void* p, size_t bytes);
// Several copies within one device: on the host all in one parallel pass (64 KB pieces), on a GPU
// one stream-ordered copy each.
struct MemCopy {
  void* dst;
  const void* src;
  size_t bytes;
};
void mem_copy_many(const Device& d, const MemCopy* copies, int count);

struct AllocatorStats {
  uint64_t bytes_in_use = 0, bytes_cached = 0, device_mallocs = 0, cache_hits = 0;
};
AllocatorStats allocator_stats(const Device& d);
// Returns cached (unused) device blocks to the driver.
void allocator_release_cache(const Device& d);

// Private pools for CUDA graph capture. While a pool is active on a device (between
// capture_pool_begin and capture_pool_end), CUDA allocations on it are served from that pool, and
// every block the pool hands out stays the pool's for as long as the pool lives: freed blocks go
// back to the pool, never to the shared cache, so the addresses baked into a captured graph are
// never given to anyone else while the graph can still be replayed. capture_pool_destroy returns
// the pool's free blocks to the shared cache (after waiting for the device's stream); blocks still
// held by live tensors go to the shared cache when those tensors free them.
// CPU devices have no pools (the calls are no-ops returning 0).
int64_t capture_pool_create(const Device& d);
void capture_pool_begin(const Device& d, int64_t pool);
void capture_pool_end(const Device& d);
void capture_pool_destroy(const Device& d, int64_t pool);

// A bump allocator over one buffer for per-step temporaries: reset() at the start of each step.
// Sized by the *_workspace_bytes() queries of the kernels a step uses; grows (reallocates) only
// between steps when a request does not fit.
class Workspace {
 public:
  explicit Workspace(Device d = Device::cpu()) : dev_(d) {}
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  void reserve(size_t bytes);
  void reset() { used_ = 0; }
  // 256-byte aligned; throws if it would exceed the reserved capacity.
  void* take(size_t bytes);
  size_t capacity() const { return cap_; }
  size_t used() const { return used_; }
  size_t high_water() const { return high_; }

 private:
  Device dev_;
  void* base_ = nullptr;
  size_t cap_ = 0, used_ = 0, high_ = 0;
};

}  // namespace gripcu
