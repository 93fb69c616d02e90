// mmd_loss: the fused MMD kernel (kernels/mmd.h). When a gradient is needed the forward computes
// the loss and the unscaled gradients in the same pass over the pairs and saves them ([n, d] and
// [m, d], the inputs' size); the backward only scales them by the upstream gradient, read from
// device memory (no host round trip). Without gradients the forward computes the loss alone.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/concat.h"

namespace gripcu::ag {

Var mmd_loss(const Var& x, const Var& y, const kernels::MmdConfig& cfg, Tensor* beta0) {
  const char* op = "mmd_loss";
  check_ndim(op, x.value(), 2);
  check_ndim(op, y.value(), 2);
  GRIPCU_CHECK(x.dim(1) == y.dim(1), op, ": feature widths differ: ", x.value().describe(), " vs ", y.value().describe());
  GRIPCU_CHECK(x.dim(0) >= 1 && y.dim(0) >= 1 && x.dim(1) >= 1, op, ": empty input ", x.value().describe(), " / ",
               y.value().describe());
  check_same_device(op, x.value(), y.value());
  check_dtype(op, y.value(), x.dtype());
  kernels::mmd_check_config(cfg);
  const Device dev = x.device();
  const int64_t n = x.dim(0), m = y.dim(0), d = x.dim(1);
  const bool need_grad = grad_enabled() && (x.requires_grad() || y.requires_grad());
  Tensor loss = Tensor::empty({1}, x.dtype(), dev);
  Tensor b0 = Tensor::empty({1}, x.dtype(), dev);
  Tensor gx, gy;
  if (need_grad) {
    gx = Tensor::empty(x.shape(), x.dtype(), dev);
    gy = Tensor::empty(y.shape(), x.dtype(), dev);
  }
  GRIPCU_FLOAT_TYPES(x.dtype(), T, {
    T* pgx = need_grad ? gx.data<T>() : nullptr;
    T* pgy = need_grad ? gy.data<T>() : nullptr;
    GRIPCU_DEVICE_CALL(dev,
        kernels::mmd_forward_cpu<T>(n, m, d, x.value().data<T>(), y.value().data<T>(), cfg, loss.data<T>(), pgx, pgy,
                                    b0.data<T>()),
        {
          const size_t bytes = kernels::mmd_cuda_workspace_bytes(n, m, d, sizeof(T), need_grad);
          Tensor ws = Tensor::empty({static_cast<int64_t>((bytes + 7) / 8)}, DType::f64, dev);
          kernels::mmd_forward_cuda(n, m, d, x.value().data<T>(), y.value().data<T>(), cfg, loss.data<T>(), pgx, pgy,
                                    b0.data<T>(), ws.raw(), stream);
        });
  });
  if (beta0) *beta0 = b0;
  auto o = make_output(loss, {&x, &y}, std::string(op) + " " + x.value().describe() + " vs " + y.value().describe());
  if (o->requires_grad) {
    auto xi = x.impl(), yi = y.impl();
    tape().record(o, [xi, yi, gx, gy, dev](const Tensor& dl) {
      GRIPCU_FLOAT_TYPES(dl.dtype(), T, {
        if (GradSlot g = grad_slot(xi))
          GRIPCU_DEVICE_CALL(dev, kernels::mmd_scale_grad_cpu<T>(gx.numel(), dl.data<T>(), gx.data<T>(), g.grad->data<T>(), g.accumulate),
                             kernels::mmd_scale_grad_cuda(gx.numel(), dl.data<T>(), gx.data<T>(), g.grad->data<T>(), g.accumulate, stream));
        if (GradSlot g = grad_slot(yi))
          GRIPCU_DEVICE_CALL(dev, kernels::mmd_scale_grad_cpu<T>(gy.numel(), dl.data<T>(), gy.data<T>(), g.grad->data<T>(), g.accumulate),
                             kernels::mmd_scale_grad_cuda(gy.numel(), dl.data<T>(), gy.data<T>(), g.grad->data<T>(), g.accumulate, stream));
      });
    });
  }
  return Var::from_impl(o);
}

Var slice_rows(const Var& x, int64_t start, int64_t count) {
  const char* op = "slice_rows";
  check_ndim(op, x.value(), 2);
  const int64_t rows = x.dim(0), cols = x.dim(1);
  GRIPCU_CHECK(start >= 0 && count >= 0 && start + count <= rows, op, ": rows [", start, ", ", start + count, ") of ",
               x.value().describe());
  const Device dev = x.device();
  // Forward is a view of the contiguous row range (no copy); nothing writes into values in place.
  Tensor y = x.value().view(start * cols, {count, cols});
  auto o = make_output(y, {&x}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    tape().record(o, [xi, start, count, cols, dev](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      if (!g.accumulate) g.grad->zero_();  // rows outside the slice get zero
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        T* dst = g.grad->data<T>() + start * cols;
        GRIPCU_DEVICE_CALL(dev, kernels::copy_cols_cpu<T>(count, cols, dy.data<T>(), cols, dst, cols, true),
                           kernels::copy_cols_cuda(count, cols, dy.data<T>(), cols, dst, cols, true, stream));
      });
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
