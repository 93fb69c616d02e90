#pragma once
// All outputs are written atomically: into "<path>.tmp.<pid>", fsync'd, then renamed over <path>,
// so a crash or a bad input never leaves a partial file behind.
#include <sys/stat.h>

#include <string>

namespace gripcu::io {

void write_file_atomic(const std::string& path, const std::string& bytes);
// The whole file as bytes (text or binary); InputError "path: cannot open ..." when it cannot be read.
std::string read_file(const std::string& path);
// Opens a file for reading and returns its descriptor (the caller closes it); an InputError naming
// the path when it is missing, unreadable or a directory. `st` receives its stat() when given.
int open_input(const std::string& path, struct stat* st = nullptr);
bool file_exists(const std::string& path);
void make_dirs(const std::string& dir);           // mkdir -p; InputError on failure
std::string sha256_file(const std::string& path);  // hex digest, for run manifests

}  // namespace gripcu::io
