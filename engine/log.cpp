#include "engine/log.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace gripcu {

namespace {
LogLevel g_level = LogLevel::info;
std::mutex g_mu;
void emit(const char* tag, const std::string& msg) {
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%s%s\n", tag, msg.c_str());
}
}  // namespace

void set_log_level(LogLevel l) { g_level = l; }
LogLevel log_level() { return g_level; }
void log_info(const std::string& msg) { if (g_level >= LogLevel::info) emit("", msg); }
void log_warn(const std::string& msg) { emit("warning: ", msg); }
void log_debug(const std::string& msg) { if (g_level >= LogLevel::debug) emit("debug: ", msg); }
bool stderr_is_tty() { return isatty(fileno(stderr)) != 0; }

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), tty_(stderr_is_tty()), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (!finished_ && tty_ && g_level >= LogLevel::info) std::fprintf(stderr, "\n");
}

void Progress::update(int64_t done, const std::string& status) {
  if (g_level < LogLevel::info || total_ <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(now - start_).count();
  const int pct = static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total_));
  if (tty_) {
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const int width = 30, fill = width * pct / 100;
    std::lock_guard<std::mutex> lock(g_mu);
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lld/%lld %.1fs %s\x1b[K", label_.c_str(), fill,
                 "==============================", width - fill, "", pct, static_cast<long long>(done),
                 static_cast<long long>(total_), secs, status.c_str());
    std::fflush(stderr);
  } else {
    const int decile = pct / 10;
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::lock_guard<std::mutex> lock(g_mu);
    std::fprintf(stderr, "%s: %d%% (%lld/%lld, %.1fs) %s\n", label_.c_str(), pct, static_cast<long long>(done),
                 static_cast<long long>(total_), secs, status.c_str());
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  update(total_, status);
  if (tty_ && g_level >= LogLevel::info) std::fprintf(stderr, "\n");
  finished_ = true;
}

}  // namespace gripcu
