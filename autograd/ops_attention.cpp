// reshape, multi-head attention (kernels/attention.h) and layer norm (kernels/layernorm.h).
#include <cmath>

#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/attention.h"
#include "kernels/elementwise.h"
#include "kernels/layernorm.h"

namespace gripcu::ag {

Var reshape(const Var& x, const Shape& shape) {
  GRIPCU_CHECK(shape_numel(shape) == x.value().numel(), "reshape: ", x.value().describe(), " has ", x.value().numel(),
               " elements, the new shape ", shape_numel(shape));
  Tensor y = x.value().reshape(shape);
  auto o = make_output(y, {&x}, "reshape " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    tape().record(o, [xi](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      const Device dev = dy.device();
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::scale_cpu<T>(dy.numel(), T(1), dy.data<T>(), g.grad->data<T>(), g.accumulate),
          kernels::scale_cuda(dy.numel(), T(1), dy.data<T>(), g.grad->data<T>(), g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

Var attention(const Var& q, const Var& k, const Var& v, int64_t batch, int64_t heads) {
  const char* op = "attention";
  for (const Var* t : {&q, &k, &v}) {
    check_ndim(op, t->value(), 2);
    check_same_device(op, q.value(), t->value());
    check_dtype(op, t->value(), q.dtype());
    GRIPCU_CHECK(t->shape() == q.shape(), op, ": q ", q.value().describe(), ", k/v ", t->value().describe(), " differ");
  }
  GRIPCU_CHECK(batch > 0 && heads > 0 && q.dim(0) % batch == 0 && q.dim(1) % heads == 0, op, ": ", q.value().describe(),
               " is not [batch * seq, heads * dh] for batch ", batch, " and ", heads, " heads");
  kernels::AttentionShape s;
  s.batch = batch, s.seq = q.dim(0) / batch, s.heads = heads, s.dh = q.dim(1) / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(s.dh));
  const Device dev = q.device();
  Tensor o = Tensor::empty(q.shape(), q.dtype(), dev);
  Tensor p = Tensor::empty({s.probs()}, q.dtype(), dev);
  GRIPCU_FLOAT_TYPES(q.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::attention_forward_cpu<T>(s, T(scale), q.value().data<T>(), k.value().data<T>(), v.value().data<T>(),
                                        p.data<T>(), o.data<T>()),
      kernels::attention_forward_cuda(s, T(scale), q.value().data<T>(), k.value().data<T>(), v.value().data<T>(),
                                      p.data<T>(), o.data<T>(), stream)));
  auto out = make_output(o, {&q, &k, &v}, std::string(op) + " " + o.describe());
  if (out->requires_grad) {
    auto qi = q.impl(), ki = k.impl(), vi = v.impl();
    tape().record(out, [qi, ki, vi, p, s, scale, dev](const Tensor& dy) {
      // Slots in the order q, k, v (one variable passed twice: written once, then added).
      GradSlot gq = grad_slot(qi), gk = grad_slot(ki), gv = grad_slot(vi);
      if (!gq && !gk && !gv) return;
      // The same tensor as two of q, k, v would be written twice by one kernel call: not supported.
      GRIPCU_CHECK(qi != ki && qi != vi && ki != vi, "attention: q, k and v must be distinct variables for backward");
      Tensor work = Tensor::empty({s.probs()}, dy.dtype(), dev);
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        T* dq = gq ? gq.grad->data<T>() : nullptr;
        T* dk = gk ? gk.grad->data<T>() : nullptr;
        T* dv = gv ? gv.grad->data<T>() : nullptr;
        GRIPCU_DEVICE_CALL(dev,
            kernels::attention_backward_cpu<T>(s, T(scale), qi->value.data<T>(), ki->value.data<T>(), vi->value.data<T>(),
                                               p.data<T>(), dy.data<T>(), dq, dk, dv, gq.accumulate, gk.accumulate,
                                               gv.accumulate, work.data<T>()),
            kernels::attention_backward_cuda(s, T(scale), qi->value.data<T>(), ki->value.data<T>(), vi->value.data<T>(),
                                             p.data<T>(), dy.data<T>(), dq, dk, dv, gq.accumulate, gk.accumulate,
                                             gv.accumulate, work.data<T>(), stream));
      });
    });
  }
  return Var::from_impl(out);
}

Var layer_norm(const Var& x, const Var& g, const Var& b, double eps) {
  const char* op = "layer_norm";
  check_ndim(op, x.value(), 2);
  for (const Var* t : {&g, &b}) {
    check_ndim(op, t->value(), 1);
    GRIPCU_CHECK(t->dim(0) == x.dim(1), op, ": parameter ", t->value().describe(), " does not match ", x.value().describe());
    check_same_device(op, x.value(), t->value());
    check_dtype(op, t->value(), x.dtype());
  }
  GRIPCU_CHECK(eps > 0, op, ": eps must be positive");
  const int64_t rows = x.dim(0), d = x.dim(1);
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), dev);
  Tensor stats = Tensor::empty({2 * rows > 0 ? 2 * rows : 1}, x.dtype(), dev);  // mean, then rstd
  GRIPCU_FLOAT_TYPES(x.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::layernorm_forward_cpu<T>(rows, d, T(eps), x.value().data<T>(), g.value().data<T>(), b.value().data<T>(),
                                        y.data<T>(), stats.data<T>(), stats.data<T>() + rows),
      kernels::layernorm_forward_cuda(rows, d, T(eps), x.value().data<T>(), g.value().data<T>(), b.value().data<T>(),
                                      y.data<T>(), stats.data<T>(), stats.data<T>() + rows, stream)));
  auto o = make_output(y, {&x, &g, &b}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl(), gi = g.impl(), bi = b.impl();
    tape().record(o, [xi, gi, bi, stats, rows, d, dev](const Tensor& dy) {
      GRIPCU_CHECK(xi != gi && xi != bi && gi != bi, "layer_norm: x, g and b must be distinct variables for backward");
      GradSlot gx = grad_slot(xi), gg = grad_slot(gi), gb = grad_slot(bi);
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        T* dx = gx ? gx.grad->data<T>() : nullptr;
        T* dg = gg ? gg.grad->data<T>() : nullptr;
        T* db = gb ? gb.grad->data<T>() : nullptr;
        const T* mean = stats.data<T>();
        GRIPCU_DEVICE_CALL(dev,
            kernels::layernorm_backward_cpu<T>(rows, d, xi->value.data<T>(), gi->value.data<T>(), mean, mean + rows,
                                               dy.data<T>(), dx, dg, db, gx.accumulate, gg.accumulate, gb.accumulate),
            kernels::layernorm_backward_cuda(rows, d, xi->value.data<T>(), gi->value.data<T>(), mean, mean + rows,
                                             dy.data<T>(), dx, dg, db, gx.accumulate, gg.accumulate, gb.accumulate,
                                             stream));
      });
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
