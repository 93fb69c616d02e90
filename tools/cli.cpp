#include "tools/cli.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/error.h"
#include "engine/parallel.h"

namespace gripcu::cli {

Args::Args(std::string command, const std::vector<std::string>& argv, const std::vector<std::string>& known,
           const std::vector<std::string>& bool_flags)
    : command_(std::move(command)) {
  auto is_known = [&](const std::string& n) {
    return std::find(known.begin(), known.end(), n) != known.end() ||
           std::find(bool_flags.begin(), bool_flags.end(), n) != bool_flags.end();
  };
  auto is_bool = [&](const std::string& n) { return std::find(bool_flags.begin(), bool_flags.end(), n) != bool_flags.end(); };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) { positional_.push_back(a); continue; }
    std::string name = a.substr(2), value;
    const auto eq = name.find('=');
    bool has_value = false;
    if (eq != std::string::npos) { value = name.substr(eq + 1); name = name.substr(0, eq); has_value = true; }
    if (!is_known(name)) throw InputError("gripcu " + command_, "unknown option --" + name);
    if (!has_value) {
      if (is_bool(name)) value = "true";
      else if (i + 1 < argv.size()) value = argv[++i];
      else throw InputError("gripcu " + command_, "option --" + name + " needs a value");
    }
    values_[name] = value;
  }
}

std::string Args::str(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() ? def : it->second;
}

std::string Args::required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) throw InputError("gripcu " + command_, "missing required option --" + name);
  return it->second;
}

long long Args::integer(const std::string& name, long long def, long long lo, long long hi) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0')
    throw InputError("--" + name, "expected an integer, got '" + it->second + "'");
  if (v < lo || v > hi)
    throw InputError("--" + name, std::to_string(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

double Args::real(const std::string& name, double def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !std::isfinite(v))
    throw InputError("--" + name, "expected a finite number, got '" + it->second + "'");
  return v;
}

std::vector<Subcommand>& registry() {
  static std::vector<Subcommand> r;
  return r;
}

Register::Register(std::string name, std::string summary, Handler h) {
  registry().push_back({std::move(name), std::move(summary), std::move(h)});
}

void apply_threads(const Args& a) { set_num_threads(static_cast<int>(a.integer("threads", 0, 0, 4096))); }

int run_subcommand(const std::string& name, const std::vector<std::string>& argv) {
  for (const auto& c : registry())
    if (c.name == name) return c.run(argv);
  GRIPCU_FAIL("no subcommand '", name, "' in the command table");
}

bool on_off(const Args& a, const std::string& name, bool def) {
  if (!a.has(name)) return def;
  const std::string v = a.str(name, "");
  if (v == "on") return true;
  if (v == "off") return false;
  throw InputError("--" + name, "expected on or off, got '" + v + "'");
}

}  // namespace gripcu::cli
