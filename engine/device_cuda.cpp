// Device queries and streams. Compiled in every build; the CUDA parts only with GRIPCU_HAVE_CUDA.
#include <map>
#include <mutex>

#include "engine/device.h"
#include "engine/error.h"

#ifdef GRIPCU_HAVE_CUDA
#include <cudnn.h>

#include "engine/cuda_check.h"
#endif

namespace gripcu {

#ifdef GRIPCU_HAVE_CUDA
bool built_with_cuda() { return true; }

static cudaError_t probe_count(int* n) {
  static cudaError_t err = cudaErrorUnknown;
  static int count = 0;
  static std::once_flag once;
  std::call_once(once, [] {
    err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) { count = 0; (void)cudaGetLastError(); }
  });
  *n = count;
  return err;
}

std::vector<CudaDeviceInfo> cuda_devices() {
  int n = 0;
  if (probe_count(&n) != cudaSuccess) return {};
  std::vector<CudaDeviceInfo> out;
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    out.push_back({i, p.name, static_cast<uint64_t>(p.totalGlobalMem), p.multiProcessorCount, p.major, p.minor});
  }
  return out;
}

std::string cuda_unavailable_reason() {
  int n = 0;
  cudaError_t e = probe_count(&n);
  if (e != cudaSuccess) return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
  if (n == 0) return "the CUDA driver reports no devices";
  return "";
}

cudaStream_t stream_for(const Device& d) {
  if (d.is_cpu()) return nullptr;
  static std::mutex mu;
  static std::map<int, cudaStream_t> streams;
  std::lock_guard<std::mutex> lock(mu);
  auto it = streams.find(d.index);
  if (it != streams.end()) return it->second;
  require_device(d);
  GRIPCU_CUDA_CHECK(cudaSetDevice(d.index));
  cudaStream_t s = nullptr;
  GRIPCU_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  streams[d.index] = s;
  return s;
}

void synchronize(const Device& d) {
  if (d.is_cpu()) return;
  GRIPCU_CUDA_CHECK(cudaStreamSynchronize(stream_for(d)));
}

LibraryVersions cuda_library_versions() {
  LibraryVersions v;
  auto fmt = [](int x) { return std::to_string(x / 1000) + "." + std::to_string((x % 1000) / 10); };
  int rt = 0, drv = 0;
  if (cudaRuntimeGetVersion(&rt) == cudaSuccess) v.cuda_runtime = fmt(rt);
  if (cudaDriverGetVersion(&drv) == cudaSuccess && drv > 0) v.cuda_driver = fmt(drv);
  else v.cuda_driver = "none";
  size_t cb = cublasLtGetVersion();
  v.cublas = std::to_string(cb / 10000) + "." + std::to_string((cb / 100) % 100) + "." + std::to_string(cb % 100);
  size_t cd = cudnnGetVersion();
  v.cudnn = std::to_string(cd / 10000) + "." + std::to_string((cd / 100) % 100) + "." + std::to_string(cd % 100);
  (void)cudaGetLastError();
  return v;
}

namespace detail {
const char* cublas_status_string(cublasStatus_t s) { return cublasGetStatusString(s); }
}  // namespace detail

#else
bool built_with_cuda() { return false; }
std::vector<CudaDeviceInfo> cuda_devices() { return {}; }
std::string cuda_unavailable_reason() { return "gripcu was built without CUDA (GRIPCU_CUDA=OFF or no nvcc)"; }
cudaStream_t stream_for(const Device& d) {
  if (d.is_cuda()) require_device(d);
  return nullptr;
}
void synchronize(const Device&) {}
LibraryVersions cuda_library_versions() { return {}; }
#endif

}  // namespace gripcu
