#pragma once
// A fast delimited-text tokenizer for the expression readers (CSV, TSV, GCT, GSEA TXT) and the
// matching small helpers for writers.
//
// The whole file is held in memory and split in place: a record is a vector of views into the
// buffer, reused from record to record, so the hot path allocates nothing per cell.
//   - a UTF-8 byte-order mark at the start is skipped; LF and CRLF line endings are both accepted;
//   - blank lines (empty, or only spaces / CR) are skipped anywhere, trailing ones included;
//   - a field that starts with '"' is quoted (RFC 4180 / R's write.table): it may hold the delimiter,
//     newlines and doubled quotes ""; when a would-be quoted field does not close properly (no closing
//     quote, or text after it), the field is taken literally up to the next delimiter instead;
//   - line numbers are 1-based and count physical lines; a record reports the line it starts on;
//     columns in messages are 1-based field numbers.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gripcu::io::detail {

struct Field {
  const char* data = nullptr;
  size_t size = 0;
  bool escaped = false;  // quoted and holds doubled quotes: str() un-doubles them

  std::string_view view() const { return {data, size}; }  // raw content (quotes stripped)
  std::string str() const;                                 // content with "" -> "
  bool empty() const { return size == 0; }
};

class DelimitedText {
 public:
  // `text` is the whole file; `path` is used in messages only.
  DelimitedText(std::string path, std::string text, char delim);

  // The next non-blank record into `fields` (cleared first); false at the end of the input.
  bool next(std::vector<Field>& fields);
  size_t line() const { return rec_line_; }  // line the last record returned starts on
  size_t last_line() const { return last_line_; }  // last line holding any text (for "ends early")
  // Non-blank physical lines from the current position to the end (a cheap count, quote-unaware).
  size_t count_remaining_lines() const;
  char delim() const { return delim_; }

  // Look ahead and come back: reset(mark()) returns to where mark() was taken.
  struct Mark {
    const char* pos;
    size_t line;
  };
  Mark mark() const { return {pos_, next_line_}; }
  void reset(Mark m) {
    pos_ = m.pos;
    next_line_ = m.line;
  }
  const std::string& path() const { return path_; }

  std::string where(size_t line) const;
  std::string where(size_t line, size_t column) const;
  [[noreturn]] void fail(size_t line, const std::string& what) const;
  [[noreturn]] void fail(size_t line, size_t column, const std::string& what) const;

 private:
  bool parse_quoted(const char*& p, std::vector<Field>& fields);

  std::string path_;
  std::string buf_;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  size_t next_line_ = 1;  // line number at pos_
  size_t rec_line_ = 0;
  size_t last_line_ = 0;
  char delim_;
};

// The whole file as bytes; InputError "path: cannot open ..." when it cannot be read.
std::string read_text_file(const std::string& path);
// Asks the kernel for transparent huge pages over a large, not yet touched buffer (a hint: big
// inputs otherwise spend a third of their parse time in 4 KiB page faults).
void advise_huge_pages(const void* p, size_t bytes);

// Numbers: leading/trailing spaces and a leading '+' are allowed; NaN, Inf, empty cells, "NA" and
// anything else that is not a whole finite number are rejected.
enum class NumberStatus { ok, empty, missing, not_finite, out_of_range, not_a_number };
NumberStatus parse_number(std::string_view s, double& out);
// "path:line:column: <what>" for a bad cell; `context` says which gene/sample it belongs to.
[[noreturn]] void fail_number(const DelimitedText& t, size_t line, size_t column, NumberStatus st,
                              std::string_view cell, const std::string& context = "");

// Writers: shortest text that reads back to the same double (std::to_chars), so files round-trip
// exactly; and a field quoted R-style ("..." with "" for ") only when it needs it.
void append_number(std::string& out, double v);
void append_field(std::string& out, std::string_view s, char delim);

bool iequals(std::string_view a, std::string_view b);
std::string shorten(std::string_view s, size_t max = 40);  // for messages

}  // namespace gripcu::io::detail
