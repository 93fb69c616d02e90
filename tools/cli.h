#pragma once
// Shared pieces of the gripcu command line: a small flag parser and the subcommand table.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gripcu::cli {

// Flags are --name value or --name=value; bare --flag sets "true". Unknown flags are an
// InputError naming the flag; every value is read through the typed getters, which name the flag
// in their errors.
class Args {
 public:
  Args(std::string command, const std::vector<std::string>& argv, const std::vector<std::string>& known_flags,
       const std::vector<std::string>& bool_flags = {});
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string str(const std::string& name, const std::string& def) const;
  std::string required(const std::string& name) const;
  long long integer(const std::string& name, long long def, long long lo, long long hi) const;
  double real(const std::string& name, double def) const;
  bool flag(const std::string& name) const { return has(name); }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::string command_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

using Handler = std::function<int(const std::vector<std::string>&)>;
struct Subcommand {
  std::string name, summary;
  Handler run;
};
// Each tools/cmd_*.cpp registers itself here at static-init time.
std::vector<Subcommand>& registry();
struct Register {
  Register(std::string name, std::string summary, Handler h);
};

// A flag taking on|off (an InputError naming the flag otherwise); `def` when absent.
bool on_off(const Args& a, const std::string& name, bool def);

// Runs another subcommand from the table (the demo chains them); its exit code.
int run_subcommand(const std::string& name, const std::vector<std::string>& argv);

// Applies --threads (default: all cores) for commands that compute.
void apply_threads(const Args& a);

}  // namespace gripcu::cli
