#pragma once
// Minimal JSON: a streaming writer (manifests, metrics, checkpoint headers) and a small DOM parser
// (safetensors headers, configs). Numbers are written with 17 significant digits so doubles
// round-trip exactly.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gripcu {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(const std::string& k);
  JsonWriter& value(const std::string& v);
  JsonWriter& value(const char* v) { return value(std::string(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(int v) { return value(static_cast<long long>(v)); }
  JsonWriter& value(long v) { return value(static_cast<long long>(v)); }
  JsonWriter& value(long long v);
  JsonWriter& value(unsigned long v) { return value(static_cast<long long>(v)); }
  JsonWriter& value(unsigned long long v) { return value(static_cast<long long>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  JsonWriter& raw(const std::string& json);  // an already-serialized value
  template <typename V> JsonWriter& kv(const std::string& k, const V& v) { key(k); return value(v); }
  const std::string& str() const { return out_; }
  static std::string escape(const std::string& s);

 private:
  void sep();
  std::string out_;
  std::vector<bool> first_;  // per open container: next element is the first
  bool after_key_ = false;
};

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object } type = Type::null;
  bool b = false;
  double num = 0;
  std::string s;
  std::vector<JsonValue> arr;
  std::vector<std::pair<std::string, JsonValue>> obj;  // insertion order kept

  const JsonValue* find(const std::string& k) const;
  const JsonValue& at(const std::string& k) const;  // throws gripcu::Error naming the key
  double as_number() const;
  int64_t as_int() const;
  const std::string& as_string() const;
  bool is_object() const { return type == Type::object; }
  bool is_array() const { return type == Type::array; }
  std::string dump() const;
};

// Throws gripcu::InputError("<where>:offset N", ...) on malformed text.
JsonValue json_parse(const std::string& text, const std::string& where = "json");

// A list of strings as a JSON array, and back (checkpoint metadata: genes, cells, drugs). The
// reader throws like json_parse, or when an element is not a string.
std::string json_string_array(const std::vector<std::string>& v);
std::vector<std::string> json_parse_string_array(const std::string& text, const std::string& where = "json");

}  // namespace gripcu
