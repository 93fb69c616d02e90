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

struct AllocatorStats {
  uint64_t bytes_in_use = 0, bytes_cached = 0, device_mallocs = 0, cache_hits = 0;
};
AllocatorStats allocator_stats(const Device& d);
// Returns cached (unused) device blocks to the driver.
void allocator_release_cache(const Device& d);

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
