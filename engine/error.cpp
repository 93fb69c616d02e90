#include "engine/error.h"

namespace gripcu::detail {

[[noreturn]] void throw_error(const char* file, int line, const std::string& msg) {
  std::string f = file;
  // Keep paths short: from the project's top folder on.
  for (const char* top : {"engine/", "kernels/", "autograd/", "layers/", "models/", "tools/", "tests/", "bench/"}) {
    auto p = f.rfind(top);
    if (p != std::string::npos) { f = f.substr(p); break; }
  }
  throw Error(msg + " [" + f + ":" + std::to_string(line) + "]");
}

}  // namespace gripcu::detail
