// gripcu: the command line. Each subcommand lives in tools/cmd_<name>.cpp and registers itself.
// Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/error.h"
#include "gripcu_build_info.h"
#include "tools/cli.h"

using namespace gripcu;

static void usage() {
  std::printf("gripcu %s: CUDA/CPU engine for GRIP-Lung and DADSP\n\nusage: gripcu <command> [options]\n\ncommands:\n",
              GRIPCU_VERSION);
  for (const auto& c : cli::registry()) std::printf("  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::printf("\n  --version  print the version and git revision\n");
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("gripcu %s (git %s)\n", GRIPCU_VERSION, GRIPCU_GIT_REV);
    return 0;
  }
  for (const auto& c : cli::registry()) {
    if (c.name != args[0]) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const InputError& e) {
      std::fprintf(stderr, "gripcu %s: error: %s\n", c.name.c_str(), e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gripcu %s: error: %s\n", c.name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "gripcu: unknown command '%s' (see gripcu --help)\n", args[0].c_str());
  return 2;
}
