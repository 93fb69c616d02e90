// Format names, detection and dispatch for expression matrices (the formats live in their own files).
#include "engine/io/expression.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression_formats.h"

namespace gripcu::io {

using detail::iequals;

const char* format_name(ExprFormat f) {
  switch (f) {
    case ExprFormat::auto_detect: return "auto";
    case ExprFormat::grip_csv: return "grip_csv";
    case ExprFormat::gct: return "gct";
    case ExprFormat::gctx: return "gctx";
    case ExprFormat::gsea_txt: return "gsea_txt";
    case ExprFormat::csv: return "csv";
    case ExprFormat::tsv: return "tsv";
  }
  return "?";
}

ExprFormat parse_format(const std::string& s, const std::string& flag) {
  struct Name {
    const char* name;
    ExprFormat f;
  };
  static const Name names[] = {
      {"auto", ExprFormat::auto_detect}, {"grip_csv", ExprFormat::grip_csv}, {"grip", ExprFormat::grip_csv},
      {"grip-csv", ExprFormat::grip_csv}, {"gct", ExprFormat::gct},          {"gctx", ExprFormat::gctx},
      {"gsea_txt", ExprFormat::gsea_txt}, {"gsea", ExprFormat::gsea_txt},    {"gsea-txt", ExprFormat::gsea_txt},
      {"csv", ExprFormat::csv},           {"tsv", ExprFormat::tsv},
  };
  for (const auto& n : names)
    if (iequals(s, n.name)) return n.f;
  throw InputError(flag, "unknown expression format '" + s + "' (one of auto, grip_csv, gct, gctx, gsea_txt, csv, tsv)");
}

namespace {

std::string lower_extension(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string e = path.substr(dot + 1);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

// The start of a file: at least its first `lines` lines (or all of it), at most `cap` bytes.
std::string read_head(const std::string& path, size_t lines, size_t cap = size_t(64) << 20) {
  const int fd = open_input(path);
  std::string head;
  size_t newlines = 0;
  char buf[65536];
  while (newlines < lines && head.size() < cap) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    newlines += static_cast<size_t>(std::count(buf, buf + r, '\n'));
    head.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return head;
}

bool is_grip_csv(const std::string& path, std::string head) {
  detail::DelimitedText t(path, std::move(head), ',');
  std::vector<detail::Field> f;
  if (!t.next(f) || !t.next(f) || !iequals(f[0].view(), "cell")) return false;
  return t.next(f) && iequals(f[0].view(), "drug");
}

}  // namespace

ExprFormat detect_format(const std::string& path) {
  const std::string ext = lower_extension(path);
  std::string head = read_head(path, 4);
  static const char hdf5_sig[] = "\x89HDF\r\n\x1a\n";
  if (head.compare(0, 8, hdf5_sig, 8) == 0) return ExprFormat::gctx;
  if (ext == "gctx" || ext == "h5" || ext == "hdf5") return ExprFormat::gctx;  // the reader says it is not HDF5
  if (ext == "gct") return ExprFormat::gct;
  const size_t bom = head.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  if (head.compare(bom, 4, "#1.2") == 0 || head.compare(bom, 4, "#1.3") == 0) return ExprFormat::gct;
  const size_t eol = head.find('\n', bom);
  const std::string first = head.substr(bom, eol == std::string::npos ? std::string::npos : eol - bom);
  {
    const size_t t1 = first.find('\t');
    const size_t t2 = t1 == std::string::npos ? t1 : first.find('\t', t1 + 1);
    if (t2 != std::string::npos && iequals(first.substr(0, t1), "NAME") &&
        iequals(first.substr(t1 + 1, t2 - t1 - 1), "DESCRIPTION"))
      return ExprFormat::gsea_txt;
  }
  if (ext == "csv") return is_grip_csv(path, std::move(head)) ? ExprFormat::grip_csv : ExprFormat::csv;
  if (ext == "tsv" || ext == "tab") return ExprFormat::tsv;
  if (first.find('\t') != std::string::npos) return ExprFormat::tsv;
  if (first.find(',') != std::string::npos)
    return is_grip_csv(path, std::move(head)) ? ExprFormat::grip_csv : ExprFormat::csv;
  if (head.find_first_not_of(" \r\n") == std::string::npos) throw InputError(path + ":1", "empty file");
  throw InputError(path, "cannot tell the expression format (no tab or comma on line 1); name it with --format");
}

ExprMatrix read_expression(const std::string& path, ExprFormat fmt) {
  if (fmt == ExprFormat::auto_detect) fmt = detect_format(path);
  ExprMatrix m;
  switch (fmt) {
    case ExprFormat::grip_csv: m = detail::read_grip_csv(path); break;
    case ExprFormat::gct: m = detail::read_gct(path); break;
    case ExprFormat::gctx: m = detail::read_gctx(path); break;
    case ExprFormat::gsea_txt: m = detail::read_gsea_txt(path); break;
    case ExprFormat::csv: m = detail::read_plain_table(path, ','); break;
    case ExprFormat::tsv: m = detail::read_plain_table(path, '\t'); break;
    case ExprFormat::auto_detect: break;
  }
  m.source = path;
  return m;
}

void write_expression(const ExprMatrix& m, const std::string& path, ExprFormat fmt) {
  if (fmt == ExprFormat::auto_detect) {
    const std::string ext = lower_extension(path);
    if (ext == "gct") fmt = ExprFormat::gct;
    else if (ext == "gctx") fmt = ExprFormat::gctx;
    else if (ext == "tsv" || ext == "tab") fmt = ExprFormat::tsv;
    else if (ext == "txt") fmt = ExprFormat::gsea_txt;
    else if (ext == "csv") fmt = (!m.cells.empty() && !m.drugs.empty()) ? ExprFormat::grip_csv : ExprFormat::csv;
    else throw InputError(path, "cannot tell the output format from the extension (.csv, .tsv, .gct, .txt)");
  }
  detail::check_writable(m, path);
  std::string bytes;
  switch (fmt) {
    case ExprFormat::grip_csv:
      if (m.cells.empty() || m.drugs.empty())
        throw InputError(path, "GRIP CSV needs a cell line and a drug per sample; this matrix has none");
      bytes = detail::write_grip_csv(m);
      break;
    case ExprFormat::gct: bytes = detail::write_gct(m); break;
    case ExprFormat::gsea_txt: bytes = detail::write_gsea_txt(m); break;
    case ExprFormat::csv: bytes = detail::write_plain_table(m, ','); break;
    case ExprFormat::tsv: bytes = detail::write_plain_table(m, '\t'); break;
    case ExprFormat::gctx: throw InputError(path, "writing GCTX is not supported (write .gct instead)");
    case ExprFormat::auto_detect: break;
  }
  write_file_atomic(path, bytes);
}

}  // namespace gripcu::io
