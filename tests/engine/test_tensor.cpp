// Engine basics: Tensor construction, views, copies and conversions; host copies (mem_copy,
// mem_copy_many, serial and parallel paths); shape-check messages; Device parsing and the
// no-silent-fallback rule; the Workspace arena; JSON round trips; SHA-256.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/json.h"
#include "engine/memory.h"
#include "engine/tensor.h"

namespace gripcu {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ---------------------------------------------------------------- Tensor

TEST(Tensor, CreateZerosFull) {
  const Tensor e = Tensor::empty({2, 3}, DType::f64);
  EXPECT_TRUE(e.defined());
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(e.ndim(), 2);
  EXPECT_EQ(e.numel(), 6);
  EXPECT_EQ(e.nbytes(), 48u);
  EXPECT_EQ(e.dtype(), DType::f64);
  EXPECT_TRUE(e.device().is_cpu());
  EXPECT_EQ(e.dim(0), 2);
  EXPECT_EQ(e.dim(-1), 3);
  EXPECT_THROW(e.dim(2), Error);
  EXPECT_THROW(e.dim(-3), Error);
  EXPECT_EQ(e.describe(), "f64[2,3]@cpu");
  EXPECT_FALSE(Tensor().defined());
  EXPECT_EQ(Tensor().describe(), "undefined");

  EXPECT_EQ(Tensor::zeros({4}).to_vector<float>(), std::vector<float>(4, 0.f));
  EXPECT_EQ(Tensor::full({2, 2}, 2.5).to_vector<float>(), std::vector<float>(4, 2.5f));
  EXPECT_EQ(Tensor::full({3}, -1.25, DType::f64).to_vector<double>(), std::vector<double>(3, -1.25));
  EXPECT_EQ(Tensor::full({2}, 7, DType::i32).to_vector<int32_t>(), std::vector<int32_t>(2, 7));
  EXPECT_EQ(Tensor::full({2}, 9e12, DType::i64).to_vector<int64_t>(), std::vector<int64_t>(2, int64_t{9'000'000'000'000}));
  // Scalars (shape {}) have one element; a zero dimension has none.
  EXPECT_EQ(Tensor::full({}, 3.0).numel(), 1);
  const Tensor z = Tensor::zeros({0, 5});
  EXPECT_EQ(z.numel(), 0);
  EXPECT_TRUE(z.to_vector<float>().empty());
  EXPECT_THROW(Tensor::empty({2, -1}), Error);
}

TEST(Tensor, FromVectorToVectorAndTypedAccess) {
  const std::vector<float> v = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::from_vector(v, {2, 3});
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.to_vector<float>(), v);
  EXPECT_EQ(t.data<float>()[4], 5.f);
  EXPECT_THROW(t.data<double>(), Error);       // wrong element type
  EXPECT_THROW(t.to_vector<int32_t>(), Error);
  EXPECT_THROW(Tensor::from_vector(v, {4, 2}), Error);  // 6 values for 8 slots
  try {
    Tensor::from_vector(v, {4, 2});
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "6 values for shape [4,2]")) << e.what();
  }
  const std::vector<int64_t> iv = {-3, 1LL << 40};
  EXPECT_EQ(Tensor::from_vector(iv, {2}).to_vector<int64_t>(), iv);
}

TEST(Tensor, ViewReshapeShareStorageCloneDoesNot) {
  Tensor slab = Tensor::from_vector(std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10});
  Tensor w = slab.view(2, {2, 3});  // elements 2..7
  EXPECT_TRUE(w.same_storage(slab));
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{2, 3, 4, 5, 6, 7}));
  w.data<double>()[0] = -1;  // writes through to the slab
  EXPECT_EQ(slab.to_vector<double>()[2], -1);
  Tensor wv = w.view(3, {3});  // a view of a view: offsets add
  EXPECT_EQ(wv.to_vector<double>(), (std::vector<double>{5, 6, 7}));
  EXPECT_THROW(slab.view(8, {3}), Error);   // past the end
  EXPECT_THROW(slab.view(-1, {1}), Error);
  EXPECT_NO_THROW(w.view(5, {3}));          // 2 + 5 + 3 = 10 fits
  EXPECT_THROW(w.view(6, {3}), Error);      // 2 + 6 + 3 > 10

  Tensor r = slab.reshape({2, 5});
  EXPECT_TRUE(r.same_storage(slab));
  EXPECT_EQ(r.shape(), (Shape{2, 5}));
  try {
    slab.reshape({3, 4});
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "reshape f64[10]@cpu to [3,4]")) << e.what();
  }

  Tensor c = w.clone();
  EXPECT_FALSE(c.same_storage(slab));
  EXPECT_EQ(c.to_vector<double>(), w.to_vector<double>());
  c.data<double>()[0] = 100;
  EXPECT_EQ(w.to_vector<double>()[0], -1);  // the clone is independent

  Tensor d = Tensor::zeros({2, 3}, DType::f64);
  d.copy_(w);
  EXPECT_EQ(d.to_vector<double>(), w.to_vector<double>());
  EXPECT_THROW(d.copy_(slab), Error);                                   // shape
  EXPECT_THROW(d.copy_(Tensor::zeros({2, 3}, DType::f32)), Error);      // dtype
  d.zero_();
  EXPECT_EQ(d.to_vector<double>(), std::vector<double>(6, 0.0));
}

TEST(Memory, HostCopiesAreExactAtEverySizeAndSplit) {
  // Sizes around the one-thread limit (256 KB in all) and the 64 KB pieces, odd byte counts, and
  // several copies in one call whose pieces the threads share.
  const Device cpu = Device::cpu();
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{250368}, size_t{262144},
                       size_t{262145}, size_t{1000003}}) {
    SCOPED_TRACE(bytes);
    std::vector<unsigned char> src(bytes), dst(bytes + 1, 0xAB);
    for (size_t i = 0; i < bytes; ++i) src[i] = static_cast<unsigned char>((i * 131 + 7) % 251);
    mem_copy(cpu, dst.data(), cpu, src.data(), bytes);
    EXPECT_TRUE(std::equal(src.begin(), src.end(), dst.begin()));
    EXPECT_EQ(dst[bytes], 0xAB);  // nothing written past the end
  }
  // The discriminator step's copies: two halves of a batch and small index copies.
  std::vector<float> y(64 * 978), fake(64 * 978), both(2 * 64 * 978 + 1, -1.f);
  std::vector<int64_t> cells(64), cells2(128 + 1, -1);
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(i), fake[i] = -static_cast<float>(i) - 0.5f;
  for (size_t i = 0; i < cells.size(); ++i) cells[i] = static_cast<int64_t>(i * 3);
  const size_t half = y.size() * sizeof(float), ib = cells.size() * sizeof(int64_t);
  const MemCopy copies[] = {{both.data(), y.data(), half},
                            {both.data() + y.size(), fake.data(), half},
                            {cells2.data(), cells.data(), ib},
                            {cells2.data() + 64, cells.data(), ib},
                            {both.data(), y.data(), 0}};
  mem_copy_many(cpu, copies, 5);
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(both[i], y[i]);
    ASSERT_EQ(both[y.size() + i], fake[i]);
  }
  EXPECT_EQ(both.back(), -1.f);
  for (size_t i = 0; i < 128; ++i) ASSERT_EQ(cells2[i], cells[i % 64]);
  EXPECT_EQ(cells2.back(), -1);
}

TEST(Tensor, Astype) {
  const Tensor f = Tensor::from_vector(std::vector<float>{1.75f, -2.5f, 3.0f}, {3});
  EXPECT_EQ(f.astype(DType::f64).to_vector<double>(), (std::vector<double>{1.75, -2.5, 3.0}));
  EXPECT_EQ(f.astype(DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{1, -2, 3}));  // truncation
  EXPECT_EQ(f.astype(DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{1, -2, 3}));
  const Tensor i = Tensor::from_vector(std::vector<int64_t>{5, -7}, {2});
  EXPECT_EQ(i.astype(DType::f32).to_vector<float>(), (std::vector<float>{5.f, -7.f}));
  const Tensor d = Tensor::from_vector(std::vector<double>{0.1}, {1});
  EXPECT_EQ(d.astype(DType::f32).to_vector<float>()[0], 0.1f);  // round to nearest
  EXPECT_EQ(f.astype(DType::f32).to_vector<float>(), f.to_vector<float>());
  EXPECT_FALSE(f.astype(DType::f32).same_storage(f));
}

TEST(Tensor, ShapeCheckMessagesNameTheOpAndBothShapes) {
  const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2}), c = Tensor::zeros({2, 3}, DType::f64);
  EXPECT_NO_THROW(check_same_shape("add", a, c));  // shapes only
  try {
    check_same_shape("add", a, b);
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_TRUE(contains(m, "add")) << m;
    EXPECT_TRUE(contains(m, "[2,3]")) << m;
    EXPECT_TRUE(contains(m, "[3,2]")) << m;
    EXPECT_TRUE(contains(m, "add: shape mismatch f32[2,3]@cpu vs f32[3,2]@cpu")) << m;
  }
  try {
    check_dtype("matmul", a, DType::f64);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "matmul: expected f64, got f32[2,3]@cpu")) << e.what();
  }
  try {
    check_ndim("linear", a, 3);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "linear: expected a 3-d tensor, got f32[2,3]@cpu")) << e.what();
  }
  EXPECT_NO_THROW(check_same_device("add", a, b));
  EXPECT_NO_THROW(check_dtype("x", c, DType::f64));
  EXPECT_NO_THROW(check_ndim("x", c, 2));
  EXPECT_EQ(shape_str({}), "[]");
  EXPECT_EQ(shape_numel({}), 1);
  EXPECT_EQ(shape_numel({4, 0, 2}), 0);
}

// ---------------------------------------------------------------- Device

TEST(Device, Parse) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:0"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:1"), Device::cuda(1));
  EXPECT_EQ(Device::parse("cuda:1").index, 1);
  EXPECT_EQ(Device::parse("cuda:1").str(), "cuda:1");
  EXPECT_EQ(Device::cpu().str(), "cpu");
  EXPECT_NE(Device::cuda(0), Device::cuda(1));
  EXPECT_NE(Device::cpu(), Device::cuda(0));
  for (const char* bad : {"", "CPU", "cuda:", "cuda:x", "cuda:-1", "cuda:1x", "cuda:1.5", "tpu", " cpu", "cuda1"}) {
    EXPECT_THROW(Device::parse(bad), InputError) << "'" << bad << "'";
  }
  try {
    Device::parse("tpu", "--device");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "--device");
    EXPECT_TRUE(contains(e.what(), "--device")) << e.what();
    EXPECT_TRUE(contains(e.what(), "'tpu'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "cpu, cuda or cuda:N")) << e.what();
  }
  // InputError is an Error (the CLI distinguishes them by catching InputError first).
  EXPECT_THROW(Device::parse("nope"), Error);
}

TEST(Device, RequiringCudaWithoutAGpuIsAClearError) {
  EXPECT_NO_THROW(require_device(Device::cpu()));
  if (!cuda_devices().empty()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_FALSE(cuda_unavailable_reason().empty());
  for (const Device d : {Device::cuda(0), Device::cuda(1)}) {
    try {
      require_device(d);
      FAIL() << "no throw for " << d.str();
    } catch (const InputError&) {
      FAIL() << "a missing device is a runtime Error, not an input error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_TRUE(contains(m, d.str())) << m;
      EXPECT_TRUE(contains(m, "no CUDA device")) << m;
      EXPECT_TRUE(contains(m, cuda_unavailable_reason())) << m;
    }
  }
  // No silent fallback: allocating on CUDA throws too.
  EXPECT_THROW(Tensor::zeros({2}, DType::f32, Device::cuda()), Error);
}

// ---------------------------------------------------------------- Workspace

TEST(Workspace, TakeResetExhaustion) {
  Workspace ws;
  EXPECT_EQ(ws.capacity(), 0u);
  EXPECT_THROW(ws.take(1), Error);  // nothing reserved
  ws.reserve(1000);
  EXPECT_EQ(ws.capacity(), 1024u);  // rounded to 256
  char* a = static_cast<char*>(ws.take(1));
  char* b = static_cast<char*>(ws.take(300));
  char* c = static_cast<char*>(ws.take(256));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 256, 0u);  // 256-byte aligned, as documented
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 256, 0u);
  EXPECT_EQ(b - a, 256);
  EXPECT_EQ(c - b, 512);
  EXPECT_EQ(ws.used(), 1024u);
  try {
    ws.take(1);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "workspace exhausted")) << e.what();
  }
  EXPECT_EQ(ws.used(), 1024u);  // a failed take changes nothing
  EXPECT_THROW(ws.reserve(4096), Error);  // growing while taken is refused
  ws.reset();
  EXPECT_EQ(ws.used(), 0u);
  EXPECT_EQ(ws.high_water(), 1024u);
  EXPECT_EQ(ws.take(10), a);  // reuses the same memory after reset
  ws.reset();
  ws.reserve(500);            // smaller: no change
  EXPECT_EQ(ws.capacity(), 1024u);
  ws.reserve(5000);           // larger, between steps: grows
  EXPECT_EQ(ws.capacity(), 5120u);
  void* big = ws.take(5000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % 256, 0u);
  static_cast<char*>(big)[4999] = 1;  // the whole request is usable
  EXPECT_EQ(ws.take(0), static_cast<char*>(big) + 5120);  // zero bytes fit at the very end
}

// ---------------------------------------------------------------- JSON

TEST(Json, WriterParserRoundTrip) {
  const std::string nasty = std::string("quote\" back\\slash\nnewline\ttab\rcr \x01 ctl \x1f us / slash ") +
                            "\xc3\xa9t\xc3\xa9 \xe2\x82\xac";  // UTF-8 passes through
  const std::vector<double> doubles = {0.1,  1.0 / 3.0, -2.5e-300, 5e-324, DBL_MAX, -DBL_MIN, 123456789.123456789,
                                       1e22, 0.0,       -1.5,      M_PI,   1e-7,    9007199254740993.0};
  JsonWriter w;
  w.begin_object();
  w.kv("name", nasty);
  w.key("doubles").begin_array();
  for (double d : doubles) w.value(d);
  w.end_array();
  w.kv("int", 42).kv("neg", -7LL).kv("big", int64_t{1} << 52).kv("t", true).kv("f", false);
  w.key("nothing").null();
  w.key("nan").value(std::nan(""));  // not representable in JSON: written as null
  w.key("nested").begin_object().key("empty_arr").begin_array().end_array();
  w.key("empty_obj").begin_object().end_object().end_object();
  w.key("raw").raw("[1,2]");
  w.kv("k\"ey", "v");
  w.end_object();

  const JsonValue v = json_parse(w.str());
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("name").as_string(), nasty);
  const auto& arr = v.at("doubles").arr;
  ASSERT_EQ(arr.size(), doubles.size());
  for (size_t i = 0; i < doubles.size(); ++i) {
    // 17 significant digits round-trip every double exactly.
    EXPECT_EQ(arr[i].as_number(), doubles[i]) << i;
    EXPECT_EQ(std::signbit(arr[i].as_number()), std::signbit(doubles[i])) << i;
  }
  EXPECT_EQ(v.at("int").as_int(), 42);
  EXPECT_EQ(v.at("neg").as_int(), -7);
  EXPECT_EQ(v.at("big").as_int(), int64_t{1} << 52);
  EXPECT_TRUE(v.at("t").b);
  EXPECT_EQ(v.at("f").type, JsonValue::Type::boolean);
  EXPECT_FALSE(v.at("f").b);
  EXPECT_EQ(v.at("nothing").type, JsonValue::Type::null);
  EXPECT_EQ(v.at("nan").type, JsonValue::Type::null);
  EXPECT_TRUE(v.at("nested").at("empty_arr").is_array());
  EXPECT_TRUE(v.at("nested").at("empty_obj").is_object());
  EXPECT_EQ(v.at("raw").arr.size(), 2u);
  EXPECT_EQ(v.at("k\"ey").as_string(), "v");
  // Key order is kept.
  EXPECT_EQ(v.obj.front().first, "name");
  EXPECT_EQ(v.obj.back().first, "k\"ey");
  // dump() re-serializes to an equivalent document.
  const JsonValue v2 = json_parse(v.dump());
  EXPECT_EQ(v2.dump(), v.dump());
  EXPECT_EQ(v2.at("name").as_string(), nasty);
  EXPECT_EQ(v2.at("doubles").arr[1].as_number(), 1.0 / 3.0);
}

TEST(Json, ParserEscapesAndErrors) {
  const JsonValue v = json_parse(" { \"a\" : \"x\\u00e9\\u20ac\\b\\f\\/\\u0041\" , \"b\":[ 1 , -2.5e3 ,true] } ");
  EXPECT_EQ(v.at("a").as_string(), "x\xc3\xa9\xe2\x82\xac\b\f/A");
  EXPECT_EQ(v.at("b").arr[1].as_number(), -2500.0);
  EXPECT_EQ(v.find("zzz"), nullptr);
  try {
    v.at("zzz");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "'zzz'")) << e.what();
  }
  EXPECT_THROW(v.at("a").as_number(), Error);
  EXPECT_THROW(v.at("b").as_string(), Error);
  EXPECT_THROW(json_parse("1.5").as_int(), Error);
  EXPECT_EQ(JsonWriter::escape("a\"b"), "\"a\\\"b\"");
  for (const char* bad : {"", "{", "[1,2", "{\"a\" 1}", "{\"a\":1,}", "\"unterminated", "tru", "[1] x", "{1:2}"}) {
    EXPECT_THROW(json_parse(bad, "cfg.json"), InputError) << "'" << bad << "'";
  }
  try {
    json_parse("[1, @]", "cfg.json");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.where(), "cfg.json:offset")) << e.where();
  }
}

TEST(Json, StringArrayRoundTrip) {
  const std::vector<std::string> v = {"TP53", "a\"b", "", "x\u00e9"};
  EXPECT_EQ(json_parse_string_array(json_string_array(v)), v);
  EXPECT_EQ(json_string_array({}), "[]");
  EXPECT_THROW(json_parse_string_array("[\"a\", 1]", "meta"), Error);  // not a string
  EXPECT_THROW(json_parse_string_array("[\"a\"", "meta"), InputError);
}

// ---------------------------------------------------------------- SHA-256

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("gripcu_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(Sha256, KnownDigests) {
  // FIPS 180-2 examples (one block, two blocks, the empty message, one million 'a').
  struct Kat { std::string msg, hex; };
  const Kat kats[] = {
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1'000'000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  const std::string path = temp_path("sha.bin");
  for (const auto& k : kats) {
    io::write_file_atomic(path, k.msg);
    EXPECT_EQ(io::read_file(path), k.msg);
    EXPECT_EQ(io::sha256_file(path), k.hex) << k.msg.size() << " bytes";
  }
  std::filesystem::remove(path);
  EXPECT_THROW(io::sha256_file(temp_path("does_not_exist")), InputError);
}

}  // namespace
}  // namespace gripcu
