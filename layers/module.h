#pragma once
// Parameters live in one value slab and one gradient slab per ParamStore (one Adam launch, one
// write per checkpoint). Layers declare parameters by name while the model is built; finalize()
// then allocates the slabs on the device and initialises every parameter from the engine's Philox
// streams in declaration order, so the same seed gives the same weights on CPU and GPU.
#include <memory>
#include <string>
#include <vector>

#include "autograd/var.h"
#include "engine/rng.h"

namespace gripcu::nn {

using ag::Var;

struct Init {
  enum class Kind { zeros, ones, uniform, normal } kind = Kind::zeros;
  double a = 0, b = 0;  // uniform: [a, b); normal: mean a, stddev b
  static Init zeros() { return {}; }
  static Init ones() { return {Kind::ones, 0, 0}; }
  static Init uniform(double lo, double hi) { return {Kind::uniform, lo, hi}; }
  static Init normal(double mean, double stddev) { return {Kind::normal, mean, stddev}; }
};

class ParamStore {
 public:
  struct Entry {
    std::string name;
    Shape shape;
    Init init;
    int64_t offset = 0;  // elements into the slabs
    std::shared_ptr<ag::VarImpl> var;
  };

  explicit ParamStore(DType dtype = DType::f32) : dtype_(dtype) {}
  ParamStore(const ParamStore&) = delete;
  ParamStore& operator=(const ParamStore&) = delete;

  // Before finalize(): returns the parameter's variable (its value appears at finalize()).
  Var declare(const std::string& name, const Shape& shape, Init init);
  // Allocates the slabs on `dev` and initialises parameters (one Philox stream each from rng).
  void finalize(const Device& dev, Rng& rng);
  bool finalized() const { return values_.defined(); }

  // Frozen parameters record no gradient (their layers skip the weight-gradient GEMMs).
  void set_trainable(bool on);
  // Starts a new gradient: no memset; each parameter's first contribution in the next backward
  // writes its gradient (autograd's write-then-add), and grads() zeroes any parameter that no
  // backward reached, so the slab always reads as if it had been zeroed.
  void zero_grad();
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry& entry(const std::string& name) const;  // throws naming the missing parameter
  Var param(const std::string& name) const;
  int64_t numel() const { return total_; }
  DType dtype() const { return dtype_; }
  Device device() const { return values_.device(); }
  Tensor& values() { return values_; }  // [numel] slab
  Tensor& grads() { settle_grads(); return grads_; }
  const Tensor& values() const { return values_; }
  const Tensor& grads() const { settle_grads(); return grads_; }

 private:
  void settle_grads() const;  // zero the gradients of parameters not written since zero_grad()
  DType dtype_;
  std::vector<Entry> entries_;
  int64_t total_ = 0;
  Tensor values_, grads_;
};

// Base of layers: a name prefix and the store its parameters go to.
class Module {
 public:
  Module(ParamStore& store, std::string prefix) : store_(&store), prefix_(std::move(prefix)) {}
  virtual ~Module() = default;
  const std::string& prefix() const { return prefix_; }
  ParamStore& store() const { return *store_; }
  std::string child_name(const std::string& local) const { return prefix_.empty() ? local : prefix_ + "." + local; }

 protected:
  Var param(const std::string& local, const Shape& shape, Init init) {
    return store_->declare(child_name(local), shape, init);
  }

 private:
  ParamStore* store_;
  std::string prefix_;
};

}  // namespace gripcu::nn
