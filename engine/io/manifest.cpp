#include "engine/io/manifest.h"

#include <ctime>

#include "engine/json.h"
#include "engine/parallel.h"
#include "gripcu_build_info.h"

namespace gripcu::io {

std::string Manifest::to_json(bool with_time) const {
  JsonWriter j;
  j.begin_object();
  j.kv("tool", "gripcu").kv("version", GRIPCU_VERSION).kv("git_revision", GRIPCU_GIT_REV).kv("command", command);
  j.key("argv").begin_array();
  for (const auto& a : argv) j.value(a);
  j.end_array();
  j.key("config").raw(config_json);
  j.kv("device", device);
  j.key("inputs").begin_array();
  for (const auto& [p, h] : inputs) j.begin_object().kv("path", p).kv("sha256", h).end_object();
  j.end_array();
  if (with_time) {
    char b[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    j.kv("finished_utc", b).kv("cpu_threads", num_threads());
  }
  j.end_object();
  return j.str();
}

}  // namespace gripcu::io
