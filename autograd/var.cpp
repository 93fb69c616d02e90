#include "autograd/var.h"

#include <cmath>

#include "engine/error.h"

namespace gripcu::ag {

namespace {
thread_local Tape g_tape;
thread_local bool g_grad_enabled = true;
}  // namespace

Tape& tape() { return g_tape; }
bool grad_enabled() { return g_grad_enabled; }
NoGrad::NoGrad() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGrad::~NoGrad() { g_grad_enabled = prev_; }

Var::Var(Tensor value, bool requires_grad) : p_(std::make_shared<VarImpl>()) {
  p_->value = std::move(value);
  p_->requires_grad = requires_grad;
  p_->origin = "input " + p_->value.describe();
}

double Var::item() const {
  GRIPCU_CHECK(defined(), "item() of an undefined variable");
  GRIPCU_CHECK(value().numel() == 1, "item() of ", value().describe(), " (", p_->origin, "): not one element");
  double v = 0;
  switch (value().dtype()) {
    case DType::f32: v = value().to_vector<float>()[0]; break;
    case DType::f64: v = value().to_vector<double>()[0]; break;
    default: GRIPCU_FAIL("item() of an integer tensor");
  }
  GRIPCU_CHECK(std::isfinite(v), p_->origin, ": non-finite value (", v, ")");
  return v;
}

void Tape::record(std::shared_ptr<VarImpl> out, std::function<void(const Tensor&)> backward) {
  nodes_.push_back({std::move(out), std::move(backward)});
}

std::shared_ptr<VarImpl> make_output(Tensor value, std::initializer_list<const Var*> inputs, std::string origin) {
  auto out = std::make_shared<VarImpl>();
  out->value = std::move(value);
  out->is_leaf = false;
  out->origin = std::move(origin);
  if (g_grad_enabled)
    for (const Var* in : inputs)
      if (in && in->requires_grad()) { out->requires_grad = true; break; }
  return out;
}

GradSlot grad_slot(const std::shared_ptr<VarImpl>& v) {
  if (!v || !v->requires_grad) return {};
  if (!v->grad.defined()) v->grad = Tensor::empty(v->value.shape(), v->value.dtype(), v->value.device());
  GradSlot s{&v->grad, v->grad_written};
  v->grad_written = true;
  return s;
}

void backward(const Var& loss, double seed) {
  GRIPCU_CHECK(loss.defined() && loss.value().numel() == 1, "backward: the loss must be one element, got ",
               loss.defined() ? loss.value().describe() : std::string("undefined"));
  GRIPCU_CHECK(loss.requires_grad(), "backward: ", loss.impl()->origin, " does not require grad");
  auto& lp = loss.impl();
  lp->grad = Tensor::full({1}, seed, loss.dtype(), loss.device()).reshape(loss.shape());
  lp->grad_written = true;
  auto& nodes = g_tape.nodes();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    VarImpl& out = *it->out;
    if (!out.grad_written) continue;  // not on a path to the loss
    it->backward(out.grad);
    // Intermediate gradients are not needed once consumed; free them early.
    if (!out.is_leaf) { out.grad = Tensor(); out.grad_written = false; }
  }
  g_tape.clear();
}

}  // namespace gripcu::ag
