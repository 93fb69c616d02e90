// GCTX (CMap's HDF5 form of GCT 1.3), read through the HDF5 C library:
//   /0/DATA/0/matrix   2-D, stored [samples][genes] (samples are the slow dimension), any float/int type
//   /0/META/ROW/id     gene ids; other datasets under /0/META/ROW are row metadata
//   /0/META/COL/id     sample ids; other datasets under /0/META/COL are column metadata (cell_id, pert_iname, ...)
// Ids and metadata may be fixed- or variable-length strings, integers or floats; numbers become text
// (floats in their shortest round-trip form at the stored precision); trailing spaces of strings are
// padding (l1ktools' file pads "A549    ") and are dropped. Without HDF5 in the build,
// reading a .gctx is an InputError saying so.
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression_formats.h"

#ifdef GRIPCU_HAVE_HDF5
#include <hdf5.h>

#include <charconv>
#include <cmath>
#include <cstring>
#endif

namespace gripcu::io::detail {

#ifndef GRIPCU_HAVE_HDF5

ExprMatrix read_gctx(const std::string& path) {
  throw InputError(path, "cannot read GCTX: gripcu was built without HDF5 (install libhdf5-dev and rebuild)");
}

#else

namespace {

// Owns one HDF5 id.
class H5Handle {
 public:
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; our messages say what went wrong instead.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

struct Reader {
  std::string path;
  hid_t file;

  [[noreturn]] void fail(const std::string& what) const { throw InputError(path, "GCTX: " + what); }

  // Number of elements of a dataset that must be a vector (rank 1, or rank 2 with one side 1).
  static hsize_t vector_length(hid_t space, bool& ok) {
    const int rank = H5Sget_simple_extent_ndims(space);
    hsize_t dims[2] = {0, 0};
    ok = rank == 1 || rank == 2;
    if (!ok) return 0;
    H5Sget_simple_extent_dims(space, dims, nullptr);
    if (rank == 2 && dims[0] != 1 && dims[1] != 1) ok = false;
    return rank == 1 ? dims[0] : dims[0] * dims[1];
  }

  std::vector<std::string> read_text(const std::string& name) const {
    H5Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) fail("missing dataset " + name);
    H5Handle space(H5Dget_space(d.get()), H5Sclose);
    H5Handle type(H5Dget_type(d.get()), H5Tclose);
    bool ok = false;
    const size_t n = static_cast<size_t>(vector_length(space.get(), ok));
    if (!ok) fail(name + " is not a vector");
    std::vector<std::string> out;
    out.reserve(n);
    switch (H5Tget_class(type.get())) {
      case H5T_STRING: {
        if (H5Tis_variable_str(type.get()) > 0) {
          H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
          H5Tset_size(mem.get(), H5T_VARIABLE);
          H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
          std::vector<char*> buf(n, nullptr);
          if (H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) fail("cannot read " + name);
          for (char* s : buf) {
            std::string v = s ? s : "";
            while (!v.empty() && v.back() == ' ') v.pop_back();
            out.push_back(std::move(v));
          }
          H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, buf.data());
        } else {
          const size_t sz = H5Tget_size(type.get());
          H5Handle mem(H5Tcopy(type.get()), H5Tclose);
          std::vector<char> buf(n * sz + 1, '\0');
          if (H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) fail("cannot read " + name);
          for (size_t i = 0; i < n; ++i) {
            const char* p = buf.data() + i * sz;
            size_t len = strnlen(p, sz);
            while (len > 0 && p[len - 1] == ' ') --len;
            out.emplace_back(p, len);
          }
        }
        break;
      }
      case H5T_INTEGER: {
        std::vector<long long> buf(n);
        if (H5Dread(d.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
          fail("cannot read " + name);
        for (const long long v : buf) out.push_back(std::to_string(v));
        break;
      }
      case H5T_FLOAT: {
        const bool single = H5Tget_size(type.get()) <= 4;
        std::vector<double> buf(n);
        if (H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
          fail("cannot read " + name);
        for (const double v : buf) {
          char s[32];
          const auto r = single ? std::to_chars(s, s + sizeof s, static_cast<float>(v)) : std::to_chars(s, s + sizeof s, v);
          out.emplace_back(s, r.ptr);
        }
        break;
      }
      default:
        fail(name + " has an unsupported type (expected strings or numbers)");
    }
    return out;
  }

  // Every dataset under `group` except "id", each of `n` entries.
  std::map<std::string, std::vector<std::string>> read_meta(const std::string& group, size_t n) const {
    std::map<std::string, std::vector<std::string>> meta;
    H5Handle g(H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.ok()) fail("missing group " + group);
    H5G_info_t info{};
    if (H5Gget_info(g.get(), &info) < 0) fail("cannot list " + group);
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t len = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (len <= 0) continue;
      std::string name(static_cast<size_t>(len), '\0');
      H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), static_cast<size_t>(len) + 1,
                         H5P_DEFAULT);
      if (name == "id") continue;
      const std::string full = group + "/" + name;
      {
        H5Handle probe(H5Dopen2(file, full.c_str(), H5P_DEFAULT), H5Dclose);
        if (!probe.ok()) continue;  // a subgroup or something else: not metadata
      }
      auto v = read_text(full);
      if (v.size() != n)
        fail(full + " has " + std::to_string(v.size()) + " entries, expected " + std::to_string(n));
      meta.emplace(name, std::move(v));
    }
    return meta;
  }
};

}  // namespace

ExprMatrix read_gctx(const std::string& path) {
  if (!file_exists(path)) throw InputError(path, "cannot open file (No such file or directory)");
  QuietHdf5 quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(path, "not a GCTX file (not HDF5)");
  H5Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.ok()) throw InputError(path, "cannot open HDF5 file");
  const Reader rd{path, f.get()};

  ExprMatrix m;
  m.genes = rd.read_text("/0/META/ROW/id");
  m.samples = rd.read_text("/0/META/COL/id");
  const size_t ng = m.genes.size(), ns = m.samples.size();
  if (ng == 0) rd.fail("no genes (/0/META/ROW/id is empty)");
  if (ns == 0) rd.fail("no samples (/0/META/COL/id is empty)");
  size_t a = 0, b = 0;
  if (find_duplicate(m.genes, a, b))
    rd.fail("duplicate gene id '" + shorten(m.genes[b]) + "' (/0/META/ROW/id entries " + std::to_string(a + 1) +
            " and " + std::to_string(b + 1) + ")");
  if (find_duplicate(m.samples, a, b))
    rd.fail("duplicate sample id '" + shorten(m.samples[b]) + "' (/0/META/COL/id entries " + std::to_string(a + 1) +
            " and " + std::to_string(b + 1) + ")");

  const char* mname = "/0/DATA/0/matrix";
  H5Handle d(H5Dopen2(f.get(), mname, H5P_DEFAULT), H5Dclose);
  if (!d.ok()) rd.fail(std::string("missing dataset ") + mname);
  H5Handle space(H5Dget_space(d.get()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 2) rd.fail(std::string(mname) + " is not 2-D");
  hsize_t dims[2];
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  bool genes_fast = true;  // the GCTX layout: [samples][genes]
  if (dims[0] == ns && dims[1] == ng) {
    genes_fast = true;
  } else if (dims[0] == ng && dims[1] == ns) {
    genes_fast = false;  // tolerated: [genes][samples]
  } else {
    rd.fail(std::string(mname) + " is " + std::to_string(dims[0]) + " x " + std::to_string(dims[1]) + ", but there are " +
            std::to_string(ng) + " row ids and " + std::to_string(ns) + " column ids");
  }
  std::vector<double> buf(ng * ns);
  if (H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    rd.fail(std::string("cannot read ") + mname);
  if (genes_fast) {
    m.values.resize(ng * ns);
    for (size_t s = 0; s < ns; ++s)
      for (size_t g = 0; g < ng; ++g) m.values[g * ns + s] = buf[s * ng + g];
  } else {
    m.values = std::move(buf);
  }
  for (size_t i = 0; i < m.values.size(); ++i)
    if (!std::isfinite(m.values[i]))
      rd.fail("non-finite value at gene '" + shorten(m.genes[i / ns]) + "', sample '" + shorten(m.samples[i % ns]) +
              "' (NaN/Inf are not allowed)");

  m.row_meta = rd.read_meta("/0/META/ROW", ng);
  m.col_meta = rd.read_meta("/0/META/COL", ns);
  adopt_standard_meta(m);
  return m;
}

#endif

}  // namespace gripcu::io::detail
