#include "engine/signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace gripcu {

namespace {
std::atomic<int> g_stop{0};
extern "C" void on_signal(int) {
  if (g_stop.fetch_add(1) >= 1) _exit(130);
  const char msg[] = "\ngripcu: stop requested; finishing the current step and writing a checkpoint (signal again to abort)\n";
  (void)!write(2, msg, sizeof msg - 1);
}
}  // namespace

void install_stop_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}
bool stop_requested() { return g_stop.load() > 0; }
void clear_stop_request() { g_stop.store(0); }
void request_stop() { g_stop.store(1); }

}  // namespace gripcu
