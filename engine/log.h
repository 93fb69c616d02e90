#pragma once
// Logging and progress on stderr. Progress redraws in place on a terminal and prints sparse plain
// lines otherwise (batch jobs, CI logs). Nothing below tools/ prints any other way.
#include <chrono>
#include <cstdint>
#include <string>

namespace gripcu {

enum class LogLevel { quiet = 0, info = 1, debug = 2 };
void set_log_level(LogLevel l);
LogLevel log_level();
void log_info(const std::string& msg);
void log_warn(const std::string& msg);
void log_debug(const std::string& msg);
bool stderr_is_tty();

class Progress {
 public:
  Progress(std::string label, int64_t total);
  ~Progress();
  void update(int64_t done, const std::string& status = "");
  void finish(const std::string& status = "");

 private:
  std::string label_;
  int64_t total_;
  bool tty_, finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace gripcu
