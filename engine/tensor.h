#pragma once
// An owning (shared), contiguous, row-major buffer with a shape, a dtype and a device. Views share
// the storage at an element offset (parameters are views into one slab). Copies between devices
// are explicit (to()); nothing synchronizes behind the caller's back except copies to the host.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/dtype.h"
#include "engine/error.h"

namespace gripcu {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

struct Storage {
  Device device;
  void* ptr = nullptr;
  size_t bytes = 0;
  Storage(Device d, size_t b);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

class Tensor {
 public:
  Tensor() = default;
  static Tensor empty(const Shape& shape, DType dt = DType::f32, Device dev = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dt = DType::f32, Device dev = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dt = DType::f32, Device dev = Device::cpu());
  template <typename T>
  static Tensor from_vector(const std::vector<T>& v, const Shape& shape, Device dev = Device::cpu());

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device : Device::cpu(); }
  std::string describe() const;  // "f32[3,4]@cpu"

  void* raw() { return static_cast<char*>(storage_->ptr) + offset_ * dtype_size(dtype_); }
  const void* raw() const { return static_cast<const char*>(storage_->ptr) + offset_ * dtype_size(dtype_); }
  template <typename T> T* data();
  template <typename T> const T* data() const;

  // Host copy of the values (waits for the device).
  template <typename T> std::vector<T> to_vector() const;
  Tensor to(const Device& d) const;          // a copy on d (a copy even when d is the same device)
  Tensor astype(DType dt) const;             // CPU only: converted copy
  Tensor clone() const { return to(device()); }
  void copy_(const Tensor& src);             // same shape and dtype; any devices
  void zero_();
  Tensor view(int64_t offset_elems, const Shape& shape) const;  // shares storage
  Tensor reshape(const Shape& shape) const;                     // shares storage
  bool same_storage(const Tensor& o) const { return storage_ == o.storage_; }

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  Shape shape_;
  DType dtype_ = DType::f32;
};

// Shape/dtype/device checks that name the op and the tensors in their message.
void check_same_shape(const char* op, const Tensor& a, const Tensor& b);
void check_dtype(const char* op, const Tensor& t, DType dt);
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_ndim(const char* op, const Tensor& t, int n);

template <typename T>
T* Tensor::data() {
  GRIPCU_CHECK(defined(), "data() of an undefined tensor");
  GRIPCU_CHECK(dtype_ == dtype_of<T>(), "tensor is ", dtype_name(dtype_), ", accessed as ", dtype_name(dtype_of<T>()));
  return static_cast<T*>(raw());
}
template <typename T>
const T* Tensor::data() const {
  return const_cast<Tensor*>(this)->data<T>();
}

}  // namespace gripcu
