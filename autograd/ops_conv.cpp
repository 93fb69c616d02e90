// conv1d over kernels/conv1d.h (im2col + GEMM on the CPU, cuDNN on the GPU). The workspace is a
// temporary tensor sized by the kernel's query. Each gradient is its own kernel call, so each
// follows its own write-or-add slot (a parameter's slab gradient adds, a fresh one is written).
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/conv1d.h"

namespace gripcu::ag {

namespace {
Tensor conv_workspace(const kernels::Conv1dShape& s, DType dt, const Device& dev) {
  size_t elems = 0;
  if (dev.is_cpu()) {
    elems = kernels::conv1d_workspace_elems_cpu(s);
  } else {
#ifdef GRIPCU_HAVE_CUDA
    const size_t bytes = kernels::conv1d_workspace_bytes_cuda(s, dt == DType::f64);
    elems = (bytes + dtype_size(dt) - 1) / dtype_size(dt);
#else
    require_device(dev);
#endif
  }
  return Tensor::empty({static_cast<int64_t>(elems > 0 ? elems : 1)}, dt, dev);
}
}  // namespace

Var conv1d(const Var& x, const Var& w, const Var& b, int64_t stride, int64_t pad) {
  const char* op = "conv1d";
  check_ndim(op, x.value(), 3);
  check_ndim(op, w.value(), 3);
  check_same_device(op, x.value(), w.value());
  check_dtype(op, w.value(), x.dtype());
  GRIPCU_CHECK(x.dim(1) == w.dim(1), op, ": input ", x.value().describe(), " has ", x.dim(1), " channels, weight ",
               w.value().describe(), " expects ", w.dim(1));
  GRIPCU_CHECK(stride >= 1 && pad >= 0, op, ": stride must be >= 1 and padding >= 0 (", stride, ", ", pad, ")");
  GRIPCU_CHECK(x.dim(2) + 2 * pad >= w.dim(2), op, ": input length ", x.dim(2), " with padding ", pad,
               " is shorter than the kernel ", w.dim(2));
  const bool has_b = b.defined();
  if (has_b) {
    check_ndim(op, b.value(), 1);
    GRIPCU_CHECK(b.dim(0) == w.dim(0), op, ": bias ", b.value().describe(), " does not match weight ", w.value().describe());
    check_same_device(op, x.value(), b.value());
    check_dtype(op, b.value(), x.dtype());
  }
  kernels::Conv1dShape s;
  s.n = x.dim(0), s.cin = x.dim(1), s.l = x.dim(2), s.cout = w.dim(0), s.k = w.dim(2), s.stride = stride, s.pad = pad;
  const Device dev = x.device();
  Tensor y = Tensor::empty({s.n, s.cout, s.lout()}, x.dtype(), dev);
  if (s.n > 0) {
    Tensor work = conv_workspace(s, x.dtype(), dev);
    GRIPCU_FLOAT_TYPES(x.dtype(), T, {
      const T* bp = has_b ? b.value().data<T>() : nullptr;
      GRIPCU_DEVICE_CALL(dev,
          kernels::conv1d_forward_cpu<T>(s, x.value().data<T>(), w.value().data<T>(), bp, y.data<T>(), work.data<T>()),
          kernels::conv1d_forward_cuda(s, x.value().data<T>(), w.value().data<T>(), bp, y.data<T>(), work.raw(),
                                       work.nbytes(), stream));
    });
  }
  auto o = make_output(y, {&x, &w, &b}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl(), wi = w.impl(), bi = has_b ? b.impl() : nullptr;
    tape().record(o, [xi, wi, bi, s, dev](const Tensor& dy) {
      if (s.n == 0) return;
      Tensor work = conv_workspace(s, dy.dtype(), dev);
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        const T* xv = xi->value.data<T>();
        const T* wv = wi->value.data<T>();
        auto call = [&](T* dx, T* dw, T* db, bool acc) {
          GRIPCU_DEVICE_CALL(dev, kernels::conv1d_backward_cpu<T>(s, xv, wv, dy.data<T>(), dx, dw, db, acc, work.data<T>()),
                             kernels::conv1d_backward_cuda(s, xv, wv, dy.data<T>(), dx, dw, db, acc, work.raw(),
                                                           work.nbytes(), stream));
        };
        if (bi)
          if (GradSlot g = grad_slot(bi)) call(nullptr, nullptr, g.grad->data<T>(), g.accumulate);
        if (GradSlot g = grad_slot(wi)) call(nullptr, g.grad->data<T>(), nullptr, g.accumulate);
        if (GradSlot g = grad_slot(xi)) call(g.grad->data<T>(), nullptr, nullptr, g.accumulate);
      });
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
