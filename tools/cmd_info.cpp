// gripcu info [--json]: the build (version, revision, CUDA on/off, architectures, library versions)
// and the devices found at run time.
#include <cstdio>
#include <sstream>

#include "engine/device.h"
#include "engine/parallel.h"
#include "gripcu_build_info.h"
#include "tools/cli.h"
#include "engine/json.h"

using namespace gripcu;

static int run_info(const std::vector<std::string>& argv) {
  cli::Args a("info", argv, {}, {"json"});
  const auto devs = cuda_devices();
  const auto libs = cuda_library_versions();
  if (a.flag("json")) {
    JsonWriter j;
    j.begin_object();
    j.kv("version", GRIPCU_VERSION).kv("git_revision", GRIPCU_GIT_REV).kv("build_type", GRIPCU_BUILD_TYPE);
    j.kv("compiler", GRIPCU_CXX_COMPILER).kv("cuda", built_with_cuda());
    j.kv("cuda_architectures", GRIPCU_CUDA_ARCHS).kv("cuda_toolkit", GRIPCU_CUDA_TOOLKIT_VERSION);
    j.kv("cuda_runtime", libs.cuda_runtime).kv("cuda_driver", libs.cuda_driver);
    j.kv("cublas", libs.cublas).kv("cudnn", libs.cudnn).kv("cpu_threads", num_threads());
    j.key("devices").begin_array();
    for (const auto& d : devs) {
      j.begin_object();
      j.kv("index", d.index).kv("name", d.name).kv("memory_bytes", static_cast<double>(d.total_memory));
      j.kv("sm_count", d.sm_count).kv("compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor));
      j.end_object();
    }
    j.end_array();
    if (devs.empty()) j.kv("no_device_reason", cuda_unavailable_reason());
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("gripcu %s (git %s, %s, %s)\n", GRIPCU_VERSION, GRIPCU_GIT_REV, GRIPCU_BUILD_TYPE, GRIPCU_CXX_COMPILER);
  std::printf("CPU threads:   %d\n", num_threads());
  if (!built_with_cuda()) {
    std::printf("CUDA:          off (built without CUDA)\n");
  } else {
    std::printf("CUDA:          on, toolkit %s, architectures %s\n", GRIPCU_CUDA_TOOLKIT_VERSION, GRIPCU_CUDA_ARCHS);
    std::printf("CUDA runtime:  %s, driver %s\n", libs.cuda_runtime.c_str(), libs.cuda_driver.c_str());
    std::printf("cuBLAS(Lt):    %s\ncuDNN:         %s\n", libs.cublas.c_str(), libs.cudnn.c_str());
  }
  if (devs.empty()) {
    std::printf("devices:       no CUDA device (%s)\n", cuda_unavailable_reason().c_str());
  } else {
    for (const auto& d : devs)
      std::printf("device cuda:%d: %s, %.1f GiB, %d SMs, sm_%d%d\n", d.index, d.name.c_str(),
                  static_cast<double>(d.total_memory) / (1024.0 * 1024.0 * 1024.0), d.sm_count, d.cc_major, d.cc_minor);
  }
  return 0;
}

static cli::Register reg("info", "build configuration and devices found (--json)", run_info);
