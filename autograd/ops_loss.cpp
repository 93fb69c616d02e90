// Losses: forward writes the mean to a 1-element device tensor; backward reads dloss from device
// memory. A non-finite loss on the CPU is an error at once (on CUDA at item(), to avoid a sync).
#include <cmath>

#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/loss.h"

namespace gripcu::ag {

namespace {
void check_finite_cpu(const Tensor& loss, const std::string& what) {
  if (!loss.device().is_cpu()) return;
  const double v = loss.dtype() == DType::f32 ? loss.data<float>()[0] : loss.data<double>()[0];
  GRIPCU_CHECK(std::isfinite(v), what, ": non-finite loss (", v, ")");
}

void check_pair(const char* op, const Var& p, const Var& t) {
  check_same_shape(op, p.value(), t.value());
  check_same_device(op, p.value(), t.value());
  check_dtype(op, t.value(), p.dtype());
  GRIPCU_CHECK(p.value().numel() > 0, op, ": empty input ", p.value().describe());
}
}  // namespace

Var mse_loss(const Var& pred, const Var& target) {
  check_pair("mse_loss", pred, target);
  const Device dev = pred.device();
  const int64_t n = pred.value().numel();
  Tensor loss = Tensor::empty({1}, pred.dtype(), dev);
  GRIPCU_FLOAT_TYPES(pred.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::mse_forward_cpu<T>(n, pred.value().data<T>(), target.value().data<T>(), loss.data<T>()),
      kernels::mse_forward_cuda(n, pred.value().data<T>(), target.value().data<T>(), loss.data<T>(), stream)));
  const std::string what = "mse_loss(" + pred.value().describe() + ", " + target.value().describe() + ")";
  check_finite_cpu(loss, what);
  auto o = make_output(loss, {&pred, &target}, what);
  if (o->requires_grad) {
    auto pi = pred.impl(), ti = target.impl();
    tape().record(o, [pi, ti, n, dev](const Tensor& dl) {
      GRIPCU_FLOAT_TYPES(dl.dtype(), T, {
        if (GradSlot g = grad_slot(pi))
          GRIPCU_DEVICE_CALL(dev,
              kernels::mse_backward_cpu<T>(n, pi->value.data<T>(), ti->value.data<T>(), dl.data<T>(), g.grad->data<T>(), g.accumulate),
              kernels::mse_backward_cuda(n, pi->value.data<T>(), ti->value.data<T>(), dl.data<T>(), g.grad->data<T>(), g.accumulate, stream));
        // d/dt of (p - t)^2 is the negative of d/dp: swap the roles of p and t.
        if (GradSlot g = grad_slot(ti))
          GRIPCU_DEVICE_CALL(dev,
              kernels::mse_backward_cpu<T>(n, ti->value.data<T>(), pi->value.data<T>(), dl.data<T>(), g.grad->data<T>(), g.accumulate),
              kernels::mse_backward_cuda(n, ti->value.data<T>(), pi->value.data<T>(), dl.data<T>(), g.grad->data<T>(), g.accumulate, stream));
      });
    });
  }
  return Var::from_impl(o);
}

Var bce_with_logits(const Var& logits, const Var& target) {
  check_pair("bce_with_logits", logits, target);
  const Device dev = logits.device();
  const int64_t n = logits.value().numel();
  Tensor loss = Tensor::empty({1}, logits.dtype(), dev);
  GRIPCU_FLOAT_TYPES(logits.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::bce_logits_forward_cpu<T>(n, logits.value().data<T>(), target.value().data<T>(), loss.data<T>()),
      kernels::bce_logits_forward_cuda(n, logits.value().data<T>(), target.value().data<T>(), loss.data<T>(), stream)));
  const std::string what = "bce_with_logits(" + logits.value().describe() + ", " + target.value().describe() + ")";
  check_finite_cpu(loss, what);
  GRIPCU_CHECK(!target.requires_grad(), what, ": gradients with respect to the target are not supported");
  auto o = make_output(loss, {&logits, &target}, what);
  if (o->requires_grad) {
    auto zi = logits.impl(), ti = target.impl();
    tape().record(o, [zi, ti, n, dev](const Tensor& dl) {
      GradSlot g = grad_slot(zi);
      if (!g) return;
      GRIPCU_FLOAT_TYPES(dl.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::bce_logits_backward_cpu<T>(n, zi->value.data<T>(), ti->value.data<T>(), dl.data<T>(), g.grad->data<T>(), g.accumulate),
          kernels::bce_logits_backward_cuda(n, zi->value.data<T>(), ti->value.data<T>(), dl.data<T>(), g.grad->data<T>(), g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

Var softmax_cross_entropy(const Var& logits, const Tensor& labels) {
  const char* op = "softmax_cross_entropy";
  check_ndim(op, logits.value(), 2);
  check_dtype(op, labels, DType::i64);
  GRIPCU_CHECK(labels.ndim() == 1 && labels.dim(0) == logits.dim(0), op, ": labels ", labels.describe(),
               " do not match logits ", logits.value().describe());
  GRIPCU_CHECK(labels.device() == logits.device(), op, ": labels on ", labels.device().str(), ", logits on ",
               logits.device().str());
  GRIPCU_CHECK(logits.dim(0) > 0 && logits.dim(1) > 0, op, ": empty logits ", logits.value().describe());
  const Device dev = logits.device();
  const int64_t rows = logits.dim(0), classes = logits.dim(1);
  Tensor loss = Tensor::empty({1}, logits.dtype(), dev);
  GRIPCU_FLOAT_TYPES(logits.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::softmax_xent_forward_cpu<T>(rows, classes, logits.value().data<T>(), labels.data<int64_t>(), loss.data<T>()),
      kernels::softmax_xent_forward_cuda(rows, classes, logits.value().data<T>(), labels.data<int64_t>(), loss.data<T>(), stream)));
  const std::string what = std::string(op) + "(" + logits.value().describe() + ")";
  check_finite_cpu(loss, what);
  auto o = make_output(loss, {&logits}, what);
  if (o->requires_grad) {
    auto zi = logits.impl();
    tape().record(o, [zi, labels, rows, classes, dev](const Tensor& dl) {
      GradSlot g = grad_slot(zi);
      if (!g) return;
      GRIPCU_FLOAT_TYPES(dl.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::softmax_xent_backward_cpu<T>(rows, classes, zi->value.data<T>(), labels.data<int64_t>(), dl.data<T>(), g.grad->data<T>(), g.accumulate),
          kernels::softmax_xent_backward_cuda(rows, classes, zi->value.data<T>(), labels.data<int64_t>(), dl.data<T>(), g.grad->data<T>(), g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
