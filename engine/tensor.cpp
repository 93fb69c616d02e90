#include "engine/tensor.h"

#include <sstream>

#include "engine/memory.h"

namespace gripcu {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
  os << ']';
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

Storage::Storage(Device d, size_t b) : device(d), bytes(b) { ptr = mem_alloc(d, b); }
Storage::~Storage() { mem_free(device, ptr, bytes); }

Tensor Tensor::empty(const Shape& shape, DType dt, Device dev) {
  for (auto d : shape) GRIPCU_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dt;
  t.storage_ = std::make_shared<Storage>(dev, static_cast<size_t>(shape_numel(shape)) * dtype_size(dt));
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dt, Device dev) {
  Tensor t = empty(shape, dt, dev);
  t.zero_();
  return t;
}

template <typename T>
static Tensor full_as(const Shape& shape, double value, Device dev) {
  std::vector<T> v(static_cast<size_t>(shape_numel(shape)), static_cast<T>(value));
  return Tensor::from_vector(v, shape, dev);
}

Tensor Tensor::full(const Shape& shape, double value, DType dt, Device dev) {
  switch (dt) {
    case DType::f32: return full_as<float>(shape, value, dev);
    case DType::f64: return full_as<double>(shape, value, dev);
    case DType::i32: return full_as<int32_t>(shape, value, dev);
    default: return full_as<int64_t>(shape, value, dev);
  }
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& v, const Shape& shape, Device dev) {
  GRIPCU_CHECK(static_cast<int64_t>(v.size()) == shape_numel(shape), "from_vector: ", v.size(),
               " values for shape ", shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>(), dev);
  mem_copy(dev, t.raw(), Device::cpu(), v.data(), v.size() * sizeof(T));
  return t;
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  if (i < 0) i += n;
  GRIPCU_CHECK(i >= 0 && i < n, "dim ", i, " of a ", n, "-d tensor ", shape_str(shape_));
  return shape_[static_cast<size_t>(i)];
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined";
  return std::string(dtype_name(dtype_)) + shape_str(shape_) + "@" + device().str();
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  GRIPCU_CHECK(dtype_ == dtype_of<T>(), "to_vector: tensor is ", dtype_name(dtype_));
  std::vector<T> v(static_cast<size_t>(numel()));
  mem_copy(Device::cpu(), v.data(), device(), raw(), nbytes());
  return v;
}

Tensor Tensor::to(const Device& d) const {
  Tensor t = empty(shape_, dtype_, d);
  mem_copy(d, t.raw(), device(), raw(), nbytes());
  return t;
}

Tensor Tensor::astype(DType dt) const {
  GRIPCU_CHECK(device().is_cpu(), "astype on ", describe(), ": CPU tensors only");
  Tensor t = empty(shape_, dt, Device::cpu());
  const int64_t n = numel();
  auto get = [&](int64_t i) -> double {
    switch (dtype_) {
      case DType::f32: return data<float>()[i];
      case DType::f64: return data<double>()[i];
      case DType::i32: return data<int32_t>()[i];
      default: return static_cast<double>(data<int64_t>()[i]);
    }
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (dt) {
      case DType::f32: t.data<float>()[i] = static_cast<float>(get(i)); break;
      case DType::f64: t.data<double>()[i] = get(i); break;
      case DType::i32: t.data<int32_t>()[i] = static_cast<int32_t>(get(i)); break;
      default: t.data<int64_t>()[i] = static_cast<int64_t>(get(i)); break;
    }
  }
  return t;
}

void Tensor::copy_(const Tensor& src) {
  check_same_shape("copy_", *this, src);
  check_dtype("copy_", src, dtype_);
  mem_copy(device(), raw(), src.device(), src.raw(), nbytes());
}

void Tensor::zero_() {
  if (defined()) mem_zero(device(), raw(), nbytes());
}

Tensor Tensor::view(int64_t offset_elems, const Shape& shape) const {
  GRIPCU_CHECK(offset_elems >= 0 && static_cast<size_t>((offset_ + offset_elems + shape_numel(shape))) * dtype_size(dtype_) <= storage_->bytes,
               "view of ", shape_str(shape), " at offset ", offset_elems, " exceeds storage of ", describe());
  Tensor t = *this;
  t.offset_ = offset_ + offset_elems;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  GRIPCU_CHECK(shape_numel(shape) == numel(), "reshape ", describe(), " to ", shape_str(shape));
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  GRIPCU_CHECK(a.shape() == b.shape(), op, ": shape mismatch ", a.describe(), " vs ", b.describe());
}
void check_dtype(const char* op, const Tensor& t, DType dt) {
  GRIPCU_CHECK(t.dtype() == dt, op, ": expected ", dtype_name(dt), ", got ", t.describe());
}
void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  GRIPCU_CHECK(a.device() == b.device(), op, ": device mismatch ", a.describe(), " vs ", b.describe());
}
void check_ndim(const char* op, const Tensor& t, int n) {
  GRIPCU_CHECK(t.ndim() == n, op, ": expected a ", n, "-d tensor, got ", t.describe());
}

#define GRIPCU_INST(T)                                                                     \
  template Tensor Tensor::from_vector<T>(const std::vector<T>&, const Shape&, Device); \
  template std::vector<T> Tensor::to_vector<T>() const;
GRIPCU_INST(float)
GRIPCU_INST(double)
GRIPCU_INST(int32_t)
GRIPCU_INST(int64_t)
#undef GRIPCU_INST

}  // namespace gripcu
