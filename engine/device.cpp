#include "engine/device.h"

#include <cstdlib>

#include "engine/error.h"

namespace gripcu {

Device Device::parse(const std::string& s, const std::string& what) {
  if (s == "cpu") return cpu();
  if (s == "cuda" || s == "gpu") return cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    const std::string n = s.substr(5);
    char* end = nullptr;
    long i = std::strtol(n.c_str(), &end, 10);
    if (!n.empty() && end && *end == '\0' && i >= 0 && i < 1024) return cuda(static_cast<int>(i));
  }
  throw InputError(what, "unknown device '" + s + "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

void require_device(const Device& d) {
  if (d.is_cpu()) return;
  auto devs = cuda_devices();
  if (devs.empty())
    throw Error("device " + d.str() + " requested but no CUDA device is available: " + cuda_unavailable_reason());
  if (d.index >= static_cast<int>(devs.size()))
    throw Error("device " + d.str() + " requested but only " + std::to_string(devs.size()) + " CUDA device(s) are present");
}

}  // namespace gripcu
