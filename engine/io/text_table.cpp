#include "engine/io/text_table.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace gripcu::io::detail {

std::string Field::str() const {
  if (!escaped) return std::string(data, size);
  std::string s;
  s.reserve(size);
  for (size_t i = 0; i < size; ++i) {
    s.push_back(data[i]);
    if (data[i] == '"' && i + 1 < size && data[i + 1] == '"') ++i;
  }
  return s;
}

DelimitedText::DelimitedText(std::string path, std::string text, char delim)
    : path_(std::move(path)), buf_(std::move(text)), delim_(delim) {
  pos_ = buf_.data();
  end_ = pos_ + buf_.size();
  if (buf_.size() >= 3 && static_cast<unsigned char>(buf_[0]) == 0xEF &&
      static_cast<unsigned char>(buf_[1]) == 0xBB && static_cast<unsigned char>(buf_[2]) == 0xBF)
    pos_ += 3;
}

static inline const char* find_char(const char* p, const char* end, char c) {
  return static_cast<const char*>(std::memchr(p, c, static_cast<size_t>(end - p)));
}

// A quoted field starting at p (on '"'). On success: the field is appended, p is left on what
// follows the closing quote (delimiter, CR, LF or the end) and newlines inside are counted.
// Otherwise nothing changes and the caller reads the field literally.
bool DelimitedText::parse_quoted(const char*& p, std::vector<Field>& fields) {
  const char* s = p + 1;
  const char* q = s;
  bool escaped = false;
  for (;;) {
    const char* r = find_char(q, end_, '"');
    if (!r) return false;  // never closes
    if (r + 1 < end_ && r[1] == '"') {
      escaped = true;
      q = r + 2;
      continue;
    }
    const char* a = r + 1;
    const bool ok = a == end_ || *a == delim_ || *a == '\n' ||
                    (*a == '\r' && (a + 1 == end_ || a[1] == '\n'));
    if (!ok) return false;
    for (const char* c = s; c < r; ++c) next_line_ += (*c == '\n');
    fields.push_back(Field{s, static_cast<size_t>(r - s), escaped});
    p = a;
    return true;
  }
}

bool DelimitedText::next(std::vector<Field>& fields) {
  fields.clear();
  // Skip blank lines.
  const char* nl = nullptr;
  for (;;) {
    if (pos_ >= end_) return false;
    nl = find_char(pos_, end_, '\n');
    const char* le = nl ? nl : end_;
    const char* q = pos_;
    while (q < le && (*q == ' ' || *q == '\r')) ++q;
    if (q != le) break;
    pos_ = nl ? nl + 1 : end_;
    ++next_line_;
  }
  rec_line_ = next_line_;
  const char* p = pos_;
  const char* le = nl ? nl : end_;
  const char* ce = (le > p && le[-1] == '\r') ? le - 1 : le;

  if (!find_char(p, ce, '"')) {  // fast path: no quotes on this line
    const char delim = delim_;
    for (;;) {  // fields are short: a plain loop beats a memchr call per field
      const char* d = p;
      while (d < ce && *d != delim) ++d;
      fields.push_back(Field{p, static_cast<size_t>(d - p), false});
      if (d == ce) break;
      p = d + 1;
    }
    last_line_ = next_line_;
    pos_ = nl ? nl + 1 : end_;
    ++next_line_;
    return true;
  }

  // Slow path: quoted fields, possibly spanning lines.
  for (;;) {
    if (p < end_ && *p == '"' && parse_quoted(p, fields)) {
      // p is on the delimiter, CR, LF or the end
    } else {
      const char* s = p;
      while (p < end_ && *p != delim_ && *p != '\n') ++p;
      const char* e = p;
      if (e > s && e[-1] == '\r' && (p == end_ || *p == '\n')) --e;
      fields.push_back(Field{s, static_cast<size_t>(e - s), false});
    }
    if (p < end_ && *p == delim_) {
      ++p;
      continue;
    }
    if (p < end_ && *p == '\r') ++p;
    last_line_ = next_line_;
    if (p < end_ && *p == '\n') {
      ++p;
      ++next_line_;
    }
    break;
  }
  pos_ = p;
  return true;
}

size_t DelimitedText::count_remaining_lines() const {
  size_t n = 0;
  const char* p = pos_;
  while (p < end_) {
    const char* nl = find_char(p, end_, '\n');
    const char* le = nl ? nl : end_;
    const char* q = p;
    while (q < le && (*q == ' ' || *q == '\r')) ++q;
    n += (q != le);
    p = nl ? nl + 1 : end_;
  }
  return n;
}

std::string DelimitedText::where(size_t line) const { return path_ + ":" + std::to_string(line); }
std::string DelimitedText::where(size_t line, size_t column) const {
  return where(line) + ":" + std::to_string(column);
}
void DelimitedText::fail(size_t line, const std::string& what) const { throw InputError(where(line), what); }
void DelimitedText::fail(size_t line, size_t column, const std::string& what) const {
  throw InputError(where(line, column), what);
}

void advise_huge_pages(const void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (bytes < (size_t(8) << 20)) return;
  const uintptr_t page = 4096;
  const uintptr_t b = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
  if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);  // a hint; failure is harmless
#else
  (void)p;
  (void)bytes;
#endif
}

std::string read_text_file(const std::string& path) {
  struct stat st {};
  const int fd = open_input(path, &st);
  std::string buf;
  const bool sized = S_ISREG(st.st_mode) && st.st_size > 0;
  if (sized) {
    buf.reserve(static_cast<size_t>(st.st_size));
    advise_huge_pages(buf.data(), static_cast<size_t>(st.st_size));
    buf.resize(static_cast<size_t>(st.st_size));
  }
  size_t have = 0;
  for (;;) {
    if (have == buf.size()) {
      if (sized) break;  // read what stat() promised
      buf.resize(buf.size() < 65536 ? 65536 : buf.size() * 2);
    }
    const ssize_t r = ::read(fd, buf.data() + have, buf.size() - have);
    if (r < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      throw InputError(path, "read failed (" + err + ")");
    }
    if (r == 0) break;
    have += static_cast<size_t>(r);
  }
  ::close(fd);
  buf.resize(have);
  return buf;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string shorten(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

namespace {

// Clinger's fast path: a decimal with at most 19 digits whose integer mantissa m <= 2^53 and whose
// power of ten |k| <= 22 is m * 10^k or m / 10^-k with both operands exact, so one IEEE operation
// rounds it correctly (the same double from_chars gives). Anything else goes the slow way.
// Eight ASCII digits at once (the SWAR trick of fast_float / simdjson); p..p+8 must be readable.
inline bool eight_digits(const char* p, uint64_t& v) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  if ((((x & 0xF0F0F0F0F0F0F0F0ull) | (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) !=
       0x3333333333333333ull))
    return false;
  x = (x & 0x0F0F0F0F0F0F0F0Full) * 2561 >> 8;
  x = (x & 0x00FF00FF00FF00FFull) * 6553601 >> 16;
  v = static_cast<uint32_t>((x & 0x0000FFFF0000FFFFull) * 42949672960001ull >> 32);
  return true;
}

bool fast_decimal(const char* p, const char* e, double& out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  uint64_t mant = 0;
  int digits = 0, exp10 = 0;
  while (p < e && static_cast<unsigned>(*p - '0') < 10u) {
    mant = mant * 10 + static_cast<unsigned>(*p - '0');
    ++p;
    ++digits;
  }
  if (p < e && *p == '.') {
    ++p;
    uint64_t eight;
    if (e - p >= 8 && eight_digits(p, eight)) {
      mant = mant * 100000000u + eight;  // digits <= 19 is checked below; overflow only past that
      p += 8;
      digits += 8;
      exp10 -= 8;
    }
    while (p < e && static_cast<unsigned>(*p - '0') < 10u) {
      mant = mant * 10 + static_cast<unsigned>(*p - '0');
      ++p;
      ++digits;
      --exp10;
    }
  }
  if (digits == 0 || digits > 19) return false;
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    bool eneg = false;
    if (p < e && (*p == '-' || *p == '+')) eneg = *p++ == '-';
    int x = 0, xd = 0;
    while (p < e && static_cast<unsigned>(*p - '0') < 10u && xd < 4) {
      x = x * 10 + (*p - '0');
      ++p;
      ++xd;
    }
    if (xd == 0) return false;
    exp10 += eneg ? -x : x;
  }
  if (p != e || mant > (uint64_t(1) << 53) || exp10 < -22 || exp10 > 22) return false;
  double v = static_cast<double>(mant);
  v = exp10 < 0 ? v / kPow10[-exp10] : v * kPow10[exp10];
  out = neg ? -v : v;
  return true;
}

}  // namespace

NumberStatus parse_number(std::string_view s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  while (b < e && (*b == ' ' || *b == '\t')) ++b;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
  if (b == e) return NumberStatus::empty;
  const char* num = b;
  if (*num == '+') {
    ++num;
    if (num == e || *num == '-' || *num == '+') return NumberStatus::not_a_number;
  }
  if (fast_decimal(num, e, out)) return NumberStatus::ok;
  auto [ptr, ec] = std::from_chars(num, e, out, std::chars_format::general);
  if (ec == std::errc() && ptr == e) return std::isfinite(out) ? NumberStatus::ok : NumberStatus::not_finite;
  if (ec == std::errc::result_out_of_range && ptr == e) {
    // Underflow reads as 0 or a subnormal (as strtod gives it); overflow is an error.
    const std::string tmp(num, e);
    char* endp = nullptr;
    const double v = std::strtod(tmp.c_str(), &endp);
    if (endp == tmp.c_str() + tmp.size() && std::isfinite(v)) {
      out = v;
      return NumberStatus::ok;
    }
    return NumberStatus::out_of_range;
  }
  const std::string_view t(b, static_cast<size_t>(e - b));
  if (iequals(t, "NA") || iequals(t, "N/A") || iequals(t, "NULL") || iequals(t, "#N/A"))
    return NumberStatus::missing;
  std::string_view u = t;
  if (!u.empty() && (u[0] == '-' || u[0] == '+')) u.remove_prefix(1);
  if (iequals(u, "nan") || iequals(u, "inf") || iequals(u, "infinity")) return NumberStatus::not_finite;
  return NumberStatus::not_a_number;
}

void fail_number(const DelimitedText& t, size_t line, size_t column, NumberStatus st,
                 std::string_view cell, const std::string& context) {
  std::string c(1, '\'');
  c.append(shorten(cell)).push_back('\'');
  std::string what;
  switch (st) {
    case NumberStatus::empty: what = "empty value"; break;
    case NumberStatus::missing: what = "missing value " + c + " (a complete numeric matrix is needed)"; break;
    case NumberStatus::not_finite: what = c + " is not a finite number (NaN/Inf are not allowed)"; break;
    case NumberStatus::out_of_range: what = c + " is out of the range of a double"; break;
    default: what = c + " is not a number"; break;
  }
  if (!context.empty()) what += " (" + context + ")";
  t.fail(line, column, what);
}

void append_number(std::string& out, double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_field(std::string& out, std::string_view s, char delim) {
  bool quote = false;
  for (const char c : s)
    if (c == delim || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  if (!quote) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (const char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace gripcu::io::detail
