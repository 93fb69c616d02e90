#pragma once
// Where a tensor lives: the CPU or CUDA device N. Asking for CUDA where there is none is an error,
// never a silent CPU fallback.
#include <cstdint>
#include <string>
#include <vector>

// Same typedef as cuda_runtime.h, so headers can name streams without including CUDA.
struct CUstream_st;
typedef CUstream_st* cudaStream_t;

namespace gripcu {

struct Device {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int i = 0) { return {Kind::cuda, i}; }
  // "cpu", "cuda", "cuda:N"; anything else is an InputError naming `what` (e.g. "--device").
  static Device parse(const std::string& s, const std::string& what = "--device");

  bool is_cpu() const { return kind == Kind::cpu; }
  bool is_cuda() const { return kind == Kind::cuda; }
  std::string str() const;
  bool operator==(const Device& o) const { return kind == o.kind && (is_cpu() || index == o.index); }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  uint64_t total_memory = 0;
  int sm_count = 0;
  int cc_major = 0, cc_minor = 0;
};

bool built_with_cuda();
// Devices visible at run time; empty without a CUDA build or without a GPU (never throws).
std::vector<CudaDeviceInfo> cuda_devices();
// Why there is no device, when cuda_devices() is empty ("built without CUDA", the driver's words).
std::string cuda_unavailable_reason();
// Throws gripcu::Error with a clear message if `d` cannot be used here.
void require_device(const Device& d);
// The engine's stream for a CUDA device (created on first use, non-blocking). nullptr for the CPU.
cudaStream_t stream_for(const Device& d);
// Waits for all work queued on the device's engine stream.
void synchronize(const Device& d);

struct LibraryVersions {
  std::string cuda_runtime, cuda_driver, cublas, cudnn;
};
LibraryVersions cuda_library_versions();

}  // namespace gripcu
