#pragma once
// A Wengert tape. Each op that touches a variable requiring gradients appends a node: its output,
// and a backward closure that keeps only what the backward needs. backward(loss) walks the tape
// in reverse and accumulates into gradients (write on first contribution, += after).
// Parameters' gradients are views into their ParamStore's gradient slab (layers/module.h).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace gripcu::ag {

struct VarImpl {
  Tensor value;
  Tensor grad;              // allocated on first contribution (or a slab view for parameters)
  bool requires_grad = false;
  bool grad_written = false;  // has this backward (or an earlier one, for leaves) written grad?
  bool is_leaf = true;
  std::string origin;         // the op that made it, for error messages ("mse_loss f32[64,978]")
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);
  static Var from_impl(std::shared_ptr<VarImpl> p) { Var v; v.p_ = std::move(p); return v; }

  bool defined() const { return p_ && p_->value.defined(); }
  const Tensor& value() const { return p_->value; }
  Tensor& value_mut() { return p_->value; }  // in-place parameter updates (optimizers, loading)
  const Tensor& grad() const { return p_->grad; }
  bool has_grad() const { return p_ && p_->grad_written; }
  bool requires_grad() const { return p_ && p_->requires_grad; }
  const Shape& shape() const { return p_->value.shape(); }
  int64_t dim(int i) const { return p_->value.dim(i); }
  DType dtype() const { return p_->value.dtype(); }
  Device device() const { return p_->value.device(); }
  const std::shared_ptr<VarImpl>& impl() const { return p_; }
  // The value of a one-element variable as a double (waits for the device). A non-finite loss is
  // a gripcu::Error naming the op that produced it.
  double item() const;

 private:
  std::shared_ptr<VarImpl> p_;
};

// Gradient target for a backward closure: the tensor to write and whether to add into it.
struct GradSlot {
  Tensor* grad = nullptr;  // null: this input needs no gradient
  bool accumulate = false;
  explicit operator bool() const { return grad != nullptr; }
};
// Prepares v's gradient for a contribution (allocates it the first time) and says write or add.
GradSlot grad_slot(const std::shared_ptr<VarImpl>& v);

class Tape {
 public:
  struct Node {
    std::shared_ptr<VarImpl> out;
    std::function<void(const Tensor& dout)> backward;
  };
  void record(std::shared_ptr<VarImpl> out, std::function<void(const Tensor& dout)> backward);
  void clear() { nodes_.clear(); }
  // Set recorded nodes aside (e.g. the generator's graph while the discriminator takes its own
  // step) and put them back later: backward() only ever walks what is on the tape.
  std::vector<Node> take() { return std::move(nodes_); }
  void restore(std::vector<Node> nodes) { nodes_ = std::move(nodes); }
  size_t size() const { return nodes_.size(); }
  std::vector<Node>& nodes() { return nodes_; }

 private:
  std::vector<Node> nodes_;
};

Tape& tape();          // this thread's tape
bool grad_enabled();   // false inside a NoGrad scope

class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool prev_;
};

// Reverse pass from a one-element loss (seed gradient 1, or `seed` times 1). Clears the tape.
void backward(const Var& loss, double seed = 1.0);

// Builds the output variable of an op: requires grad iff any input does and grad is enabled.
std::shared_ptr<VarImpl> make_output(Tensor value, std::initializer_list<const Var*> inputs, std::string origin);

}  // namespace gripcu::ag
