#pragma once
// One place for failures. gripcu::Error is a runtime failure (bad shapes, a CUDA call that failed,
// a device that is not there): the CLI exits 1 for it. gripcu::InputError is bad user input
// (a file, its line, what is wrong): the CLI exits 2 for it.
#include <sstream>
#include <stdexcept>
#include <string>

namespace gripcu {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad usage or bad input; `where` is "file:line" or "file:line:column" or a flag name.
class InputError : public Error {
 public:
  InputError(std::string where, const std::string& what)
      : Error(where.empty() ? what : where + ": " + what), where_(std::move(where)) {}
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

namespace detail {
[[noreturn]] void throw_error(const char* file, int line, const std::string& msg);
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail
}  // namespace gripcu

// GRIPCU_CHECK(cond, parts...) throws gripcu::Error "file:line: parts..." when cond is false.
#define GRIPCU_CHECK(cond, ...)                                                              \
  do {                                                                                       \
    if (!(cond))                                                                             \
      ::gripcu::detail::throw_error(__FILE__, __LINE__, ::gripcu::detail::concat(__VA_ARGS__)); \
  } while (0)

#define GRIPCU_FAIL(...) ::gripcu::detail::throw_error(__FILE__, __LINE__, ::gripcu::detail::concat(__VA_ARGS__))
