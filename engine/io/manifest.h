#pragma once
// The run manifest written next to every run's outputs: what ran, on what, with which inputs.
#include <string>
#include <utility>
#include <vector>

namespace gripcu::io {

struct Manifest {
  std::string command;                                   // e.g. "train"
  std::vector<std::string> argv;                         // as given
  std::string config_json = "{}";                        // the resolved configuration
  std::string device;
  std::vector<std::pair<std::string, std::string>> inputs;  // path -> sha256
  std::string to_json(bool with_time) const;             // with_time=false: reproducible bytes
};

}  // namespace gripcu::io
