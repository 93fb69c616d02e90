#include "engine/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/error.h"

namespace gripcu {

std::string JsonWriter::escape(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

void JsonWriter::sep() {
  if (after_key_) { after_key_ = false; return; }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() { sep(); out_ += '{'; first_.push_back(true); return *this; }
JsonWriter& JsonWriter::end_object() { out_ += '}'; first_.pop_back(); return *this; }
JsonWriter& JsonWriter::begin_array() { sep(); out_ += '['; first_.push_back(true); return *this; }
JsonWriter& JsonWriter::end_array() { out_ += ']'; first_.pop_back(); return *this; }
JsonWriter& JsonWriter::key(const std::string& k) { sep(); out_ += escape(k) + ':'; after_key_ = true; return *this; }
JsonWriter& JsonWriter::value(const std::string& v) { sep(); out_ += escape(v); return *this; }
JsonWriter& JsonWriter::value(double v) {
  sep();
  if (!std::isfinite(v)) { out_ += "null"; return *this; }
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  out_ += b;
  return *this;
}
JsonWriter& JsonWriter::value(long long v) { sep(); out_ += std::to_string(v); return *this; }
JsonWriter& JsonWriter::value(bool v) { sep(); out_ += v ? "true" : "false"; return *this; }
JsonWriter& JsonWriter::null() { sep(); out_ += "null"; return *this; }
JsonWriter& JsonWriter::raw(const std::string& json) { sep(); out_ += json; return *this; }

const JsonValue* JsonValue::find(const std::string& k) const {
  for (const auto& [key, v] : obj)
    if (key == k) return &v;
  return nullptr;
}
const JsonValue& JsonValue::at(const std::string& k) const {
  const JsonValue* v = find(k);
  GRIPCU_CHECK(v != nullptr, "JSON object has no key '", k, "'");
  return *v;
}
double JsonValue::as_number() const {
  GRIPCU_CHECK(type == Type::number, "JSON value is not a number");
  return num;
}
int64_t JsonValue::as_int() const {
  const double d = as_number();
  GRIPCU_CHECK(d == std::floor(d) && std::fabs(d) < 9.007199254740992e15, "JSON number ", d, " is not an integer");
  return static_cast<int64_t>(d);
}
const std::string& JsonValue::as_string() const {
  GRIPCU_CHECK(type == Type::string, "JSON value is not a string");
  return s;
}

std::string JsonValue::dump() const {
  JsonWriter w;
  struct Rec {
    static void go(JsonWriter& w, const JsonValue& v) {
      switch (v.type) {
        case Type::null: w.null(); break;
        case Type::boolean: w.value(v.b); break;
        case Type::number:
          if (v.num == std::floor(v.num) && std::fabs(v.num) < 9e15) w.value(static_cast<long long>(v.num));
          else w.value(v.num);
          break;
        case Type::string: w.value(v.s); break;
        case Type::array: w.begin_array(); for (const auto& e : v.arr) go(w, e); w.end_array(); break;
        case Type::object:
          w.begin_object();
          for (const auto& [k, e] : v.obj) { w.key(k); go(w, e); }
          w.end_object();
          break;
      }
    }
  };
  Rec::go(w, *this);
  return w.str();
}

namespace {
struct Parser {
  const std::string& t;
  const std::string& where;
  size_t i = 0;
  [[noreturn]] void fail(const std::string& what) { throw InputError(where + ":offset " + std::to_string(i), what); }
  void ws() { while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) ++i; }
  bool eat(char c) { ws(); if (i < t.size() && t[i] == c) { ++i; return true; } return false; }
  void expect(char c) { if (!eat(c)) fail(std::string("expected '") + c + "'"); }
  std::string str() {
    expect('"');
    std::string o;
    while (i < t.size() && t[i] != '"') {
      char c = t[i++];
      if (c == '\\') {
        if (i >= t.size()) fail("unterminated escape");
        char e = t[i++];
        switch (e) {
          case 'n': o += '\n'; break;
          case 't': o += '\t'; break;
          case 'r': o += '\r'; break;
          case 'b': o += '\b'; break;
          case 'f': o += '\f'; break;
          case 'u': {
            if (i + 4 > t.size()) fail("bad \\u escape");
            unsigned cp = static_cast<unsigned>(std::strtoul(t.substr(i, 4).c_str(), nullptr, 16));
            i += 4;
            if (cp < 0x80) o += static_cast<char>(cp);
            else if (cp < 0x800) { o += static_cast<char>(0xC0 | (cp >> 6)); o += static_cast<char>(0x80 | (cp & 0x3F)); }
            else { o += static_cast<char>(0xE0 | (cp >> 12)); o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); o += static_cast<char>(0x80 | (cp & 0x3F)); }
            break;
          }
          default: o += e;
        }
      } else {
        o += c;
      }
    }
    if (i >= t.size()) fail("unterminated string");
    ++i;
    return o;
  }
  JsonValue val(int depth) {
    if (depth > 64) fail("nesting too deep");
    ws();
    if (i >= t.size()) fail("unexpected end");
    JsonValue v;
    const char c = t[i];
    if (c == '{') {
      ++i;
      v.type = JsonValue::Type::object;
      if (eat('}')) return v;
      do {
        ws();
        std::string k = str();
        expect(':');
        v.obj.emplace_back(std::move(k), val(depth + 1));
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++i;
      v.type = JsonValue::Type::array;
      if (eat(']')) return v;
      do v.arr.push_back(val(depth + 1));
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.type = JsonValue::Type::string;
      v.s = str();
    } else if (t.compare(i, 4, "true") == 0) { v.type = JsonValue::Type::boolean; v.b = true; i += 4; }
    else if (t.compare(i, 5, "false") == 0) { v.type = JsonValue::Type::boolean; i += 5; }
    else if (t.compare(i, 4, "null") == 0) { i += 4; }
    else {
      const char* s = t.c_str() + i;
      char* end = nullptr;
      v.num = std::strtod(s, &end);
      if (end == s) fail("unexpected character");
      v.type = JsonValue::Type::number;
      i += static_cast<size_t>(end - s);
    }
    return v;
  }
};
}  // namespace

JsonValue json_parse(const std::string& text, const std::string& where) {
  Parser p{text, where};
  JsonValue v = p.val(0);
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters");
  return v;
}

std::string json_string_array(const std::vector<std::string>& v) {
  JsonWriter j;
  j.begin_array();
  for (const auto& s : v) j.value(s);
  j.end_array();
  return j.str();
}

std::vector<std::string> json_parse_string_array(const std::string& text, const std::string& where) {
  std::vector<std::string> out;
  for (const auto& e : json_parse(text, where).arr) out.push_back(e.as_string());
  return out;
}

}  // namespace gripcu
