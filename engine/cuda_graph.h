#pragma once
// Capture-once, replay-many CUDA graphs over the engine's per-device stream.
//
// capture(body) records everything body() launches on stream_for(device) into a graph (nothing
// executes while recording) and instantiates it; replay() launches it on the same stream without
// any host wait. Allocations made inside body() come from a private memory pool (engine/memory.h)
// that lives as long as this object, so the addresses the graph baked in stay reserved. The body
// must not synchronize with the host (no copies to the host, no item()), and everything it reads
// that changes between replays must be updated in place, in buffers allocated before capture.
// A CPU device or a build without CUDA cannot capture: capture() throws gripcu::Error.
#include <functional>

#include "engine/device.h"

namespace gripcu {

class CudaGraph {
 public:
  explicit CudaGraph(Device d);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void capture(const std::function<void()>& body);
  void replay();
  bool captured() const { return exec_ != nullptr; }
  const Device& device() const { return dev_; }

 private:
  Device dev_;
  int64_t pool_ = 0;
  void* graph_ = nullptr;  // cudaGraph_t
  void* exec_ = nullptr;   // cudaGraphExec_t
};

}  // namespace gripcu
