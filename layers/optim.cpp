#include "layers/optim.h"

#include "autograd/dispatch.h"

namespace gripcu::nn {

Adam::Adam(ParamStore& store, kernels::AdamHyper h) : store_(store), h_(h) {
  GRIPCU_CHECK(store.finalized(), "Adam: finalize the ParamStore first");
  m_ = Tensor::zeros({store.numel()}, store.dtype(), store.device());
  v_ = Tensor::zeros({store.numel()}, store.dtype(), store.device());
}

void Adam::set_steps(int64_t t) {
  t_ = t;
  if (t_dev_.defined()) t_dev_.copy_(Tensor::from_vector(std::vector<int64_t>{t_}, {1}));
}

void Adam::use_device_step() {
  if (t_dev_.defined()) return;
  t_dev_ = Tensor::from_vector(std::vector<int64_t>{t_}, {1}, store_.device());
}

void Adam::step() {
  ++t_;
  const Device dev = store_.device();
  const int64_t n = store_.numel();
  int64_t* tdev = t_dev_.defined() ? t_dev_.data<int64_t>() : nullptr;
  if (tdev) {
    GRIPCU_DEVICE_CALL(dev, kernels::adam_count_step_cpu(tdev), kernels::adam_count_step_cuda(tdev, stream));
  }
  GRIPCU_FLOAT_TYPES(store_.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::adam_step_cpu<T>(n, store_.values().data<T>(), store_.grads().data<T>(), m_.data<T>(), v_.data<T>(), h_, t_, tdev),
      kernels::adam_step_cuda(n, store_.values().data<T>(), store_.grads().data<T>(), m_.data<T>(), v_.data<T>(), h_, t_, tdev, stream)));
}

SGD::SGD(ParamStore& store, kernels::SgdHyper h) : store_(store), h_(h) {
  GRIPCU_CHECK(store.finalized(), "SGD: finalize the ParamStore first");
  buf_ = Tensor::zeros({store.numel()}, store.dtype(), store.device());
}

void SGD::step() {
  ++t_;
  const Device dev = store_.device();
  const int64_t n = store_.numel();
  GRIPCU_FLOAT_TYPES(store_.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::sgd_step_cpu<T>(n, store_.values().data<T>(), store_.grads().data<T>(), buf_.data<T>(), h_, t_),
      kernels::sgd_step_cuda(n, store_.values().data<T>(), store_.grads().data<T>(), buf_.data<T>(), h_, t_, stream)));
}

}  // namespace gripcu::nn
