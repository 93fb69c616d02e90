#include "engine/io/safetensors.h"

#include <cstring>
#include <set>

#include "engine/io/atomic_file.h"
#include "engine/json.h"

namespace gripcu::io {

namespace {
const char* st_dtype(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i32: return "I32";
    default: return "I64";
  }
}
bool parse_st_dtype(const std::string& s, DType* t) {
  if (s == "F32") *t = DType::f32;
  else if (s == "F64") *t = DType::f64;
  else if (s == "I32") *t = DType::i32;
  else if (s == "I64") *t = DType::i64;
  else return false;
  return true;
}
}  // namespace

const Tensor& SafeTensors::get(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  throw InputError(source, "no tensor named '" + name + "'");
}

bool SafeTensors::has(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return true;
  return false;
}

std::string safetensors_serialize(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  std::set<std::string> seen;
  JsonWriter j;
  j.begin_object();
  if (!metadata.empty()) {
    j.key("__metadata__").begin_object();
    for (const auto& [k, v] : metadata) j.kv(k, v);
    j.end_object();
  }
  size_t off = 0;
  for (const auto& [name, t] : tensors) {
    GRIPCU_CHECK(seen.insert(name).second, "safetensors: tensor name '", name, "' used twice");
    j.key(name).begin_object().kv("dtype", st_dtype(t.dtype()));
    j.key("shape").begin_array();
    for (auto d : t.shape()) j.value(static_cast<long long>(d));
    j.end_array();
    j.key("data_offsets").begin_array().value(static_cast<long long>(off)).value(static_cast<long long>(off + t.nbytes())).end_array();
    j.end_object();
    off += t.nbytes();
  }
  j.end_object();
  std::string header = j.str();
  while (header.size() % 8 != 0) header += ' ';
  std::string out(8, '\0');
  const uint64_t hl = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((hl >> (8 * i)) & 0xff);
  out += header;
  const size_t base = out.size();
  out.resize(base + off);
  size_t pos = base;
  for (const auto& [name, t] : tensors) {
    const Tensor host = t.device().is_cpu() ? t : t.to(Device::cpu());
    if (t.nbytes()) std::memcpy(&out[pos], host.raw(), t.nbytes());
    pos += t.nbytes();
  }
  return out;
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, safetensors_serialize(tensors, metadata));
}

SafeTensors load_safetensors(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 8) throw InputError(path, "not a safetensors file (shorter than 8 bytes)");
  uint64_t hl = 0;
  for (int i = 0; i < 8; ++i) hl |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[static_cast<size_t>(i)])) << (8 * i);
  if (hl > bytes.size() - 8) throw InputError(path, "safetensors header length " + std::to_string(hl) + " exceeds the file");
  const JsonValue h = json_parse(bytes.substr(8, hl), path + " (header)");
  if (!h.is_object()) throw InputError(path, "safetensors header is not a JSON object");
  SafeTensors st;
  st.source = path;
  const size_t base = 8 + hl, data_len = bytes.size() - base;
  for (const auto& [name, v] : h.obj) {
    if (name == "__metadata__") {
      for (const auto& [k, mv] : v.obj)
        if (mv.type == JsonValue::Type::string) st.metadata[k] = mv.s;
      continue;
    }
    DType dt;
    const JsonValue* d = v.find("dtype");
    if (!d || d->type != JsonValue::Type::string || !parse_st_dtype(d->s, &dt))
      throw InputError(path, "tensor '" + name + "': unsupported or missing dtype");
    Shape shape;
    for (const auto& e : v.at("shape").arr) shape.push_back(e.as_int());
    const auto& offs = v.at("data_offsets").arr;
    if (offs.size() != 2) throw InputError(path, "tensor '" + name + "': bad data_offsets");
    const uint64_t b = static_cast<uint64_t>(offs[0].as_int()), e = static_cast<uint64_t>(offs[1].as_int());
    const uint64_t want = static_cast<uint64_t>(shape_numel(shape)) * dtype_size(dt);
    if (e < b || e > data_len || e - b != want)
      throw InputError(path, "tensor '" + name + "': data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                                 ") do not match shape " + shape_str(shape) + " (" + std::to_string(want) + " bytes)");
    Tensor t = Tensor::empty(shape, dt, Device::cpu());
    if (want) std::memcpy(t.raw(), bytes.data() + base + b, want);
    st.tensors.emplace_back(name, std::move(t));
  }
  return st;
}

}  // namespace gripcu::io
