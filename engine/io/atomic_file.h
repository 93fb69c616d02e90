#pragma once
// All outputs are written atomically: into "<path>.tmp.<pid>", fsync'd, then renamed over <path>,
// so a crash or a bad input never leaves a partial file behind.
#include <string>

namespace gripcu::io {

void write_file_atomic(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);  // InputError "path: cannot open ..." if missing
bool file_exists(const std::string& path);
void make_dirs(const std::string& dir);           // mkdir -p; InputError on failure
std::string sha256_file(const std::string& path);  // hex digest, for run manifests

}  // namespace gripcu::io
