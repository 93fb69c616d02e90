// Definitions for kernels/cuda/common.cuh.
#include "kernels/cuda/common.cuh"

#include <map>
#include <mutex>

#include "engine/memory.h"

namespace gripcu::kernels::cuda_detail {

int stream_device(cudaStream_t s) {
  int dev = 0;
  GRIPCU_CUDA_CHECK(cudaStreamGetDevice(s, &dev));
  return dev;
}

void* stream_scratch(cudaStream_t s) {
  static std::mutex mu;
  static std::map<cudaStream_t, void*> bufs;  // never freed: kernels may still reference them at exit
  std::lock_guard<std::mutex> lock(mu);
  auto it = bufs.find(s);
  if (it != bufs.end()) return it->second;
  void* p = mem_alloc(Device::cuda(stream_device(s)), kScratchBytes);
  bufs[s] = p;
  return p;
}

}  // namespace gripcu::kernels::cuda_detail
