#include "layers/module.h"

#include "autograd/dispatch.h"
#include "kernels/elementwise.h"
#include "kernels/random.h"

namespace gripcu::nn {

Var ParamStore::declare(const std::string& name, const Shape& shape, Init init) {
  GRIPCU_CHECK(!finalized(), "parameter '", name, "' declared after the store was finalized");
  for (const auto& e : entries_) GRIPCU_CHECK(e.name != name, "parameter '", name, "' declared twice");
  Entry e;
  e.name = name;
  e.shape = shape;
  e.init = init;
  e.offset = total_;
  e.var = std::make_shared<ag::VarImpl>();
  e.var->requires_grad = true;
  e.var->origin = "parameter " + name;
  // Keep each parameter 16-element aligned inside the slab (vector loads on both devices).
  total_ += (shape_numel(shape) + 15) / 16 * 16;
  entries_.push_back(e);
  return Var::from_impl(e.var);
}

void ParamStore::finalize(const Device& dev, Rng& rng) {
  GRIPCU_CHECK(!finalized(), "ParamStore finalized twice");
  require_device(dev);
  values_ = Tensor::zeros({total_}, dtype_, dev);
  grads_ = Tensor::zeros({total_}, dtype_, dev);
  for (auto& e : entries_) {
    const int64_t n = shape_numel(e.shape);
    e.var->value = values_.view(e.offset, e.shape);
    e.var->grad = grads_.view(e.offset, e.shape);
    e.var->grad_written = true;  // the slab is zeroed: accumulate into it
    const uint64_t sid = rng.next_stream();
    GRIPCU_FLOAT_TYPES(dtype_, T, {
      T* p = e.var->value.data<T>();
      switch (e.init.kind) {
        case Init::Kind::zeros: break;
        case Init::Kind::ones:
          GRIPCU_DEVICE_CALL(dev, kernels::fill_cpu<T>(n, T(1), p), kernels::fill_cuda(n, T(1), p, stream));
          break;
        case Init::Kind::uniform:
          GRIPCU_DEVICE_CALL(dev, kernels::fill_uniform_cpu<T>(n, p, rng.seed(), sid, 0, T(e.init.a), T(e.init.b)),
                             kernels::fill_uniform_cuda(n, p, rng.seed(), sid, 0, T(e.init.a), T(e.init.b), stream));
          break;
        case Init::Kind::normal:
          GRIPCU_DEVICE_CALL(dev, kernels::fill_normal_cpu<T>(n, p, rng.seed(), sid, 0, T(e.init.a), T(e.init.b)),
                             kernels::fill_normal_cuda(n, p, rng.seed(), sid, 0, T(e.init.a), T(e.init.b), stream));
          break;
      }
    });
  }
}

void ParamStore::set_trainable(bool on) {
  for (auto& e : entries_) e.var->requires_grad = on;
}

void ParamStore::zero_grad() {
  for (auto& e : entries_) e.var->grad_written = false;
}

void ParamStore::settle_grads() const {
  for (const auto& e : entries_)
    if (!e.var->grad_written) {
      e.var->grad.zero_();
      e.var->grad_written = true;  // zero now: later contributions add
    }
}

const ParamStore::Entry& ParamStore::entry(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e;
  GRIPCU_FAIL("no parameter named '", name, "'");
}

Var ParamStore::param(const std::string& name) const { return Var::from_impl(entry(name).var); }

}  // namespace gripcu::nn
