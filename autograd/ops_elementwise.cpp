// add / sub / mul / scale / add_rowvec / activations / sum / mean.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/reduce.h"

namespace gripcu::ag {

namespace {
void check_binary(const char* op, const Var& a, const Var& b) {
  check_same_shape(op, a.value(), b.value());
  check_same_device(op, a.value(), b.value());
  check_dtype(op, b.value(), a.dtype());
}

// g (+)= s * src
template <typename T>
void scaled_into(const Device& dev, const Tensor& src, T s, const GradSlot& g) {
  GRIPCU_DEVICE_CALL(dev, kernels::scale_cpu<T>(src.numel(), s, src.data<T>(), g.grad->data<T>(), g.accumulate),
                     kernels::scale_cuda(src.numel(), s, src.data<T>(), g.grad->data<T>(), g.accumulate, stream));
}

Var axpby(const char* op, const Var& a, double alpha, const Var& b, double beta) {
  check_binary(op, a, b);
  const Device dev = a.device();
  Tensor y = Tensor::empty(a.shape(), a.dtype(), dev);
  GRIPCU_FLOAT_TYPES(a.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::axpby_cpu<T>(y.numel(), T(alpha), a.value().data<T>(), T(beta), b.value().data<T>(), y.data<T>()),
      kernels::axpby_cuda(y.numel(), T(alpha), a.value().data<T>(), T(beta), b.value().data<T>(), y.data<T>(), stream)));
  auto o = make_output(y, {&a, &b}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto ai = a.impl(), bi = b.impl();
    tape().record(o, [ai, bi, alpha, beta, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        if (GradSlot g = grad_slot(ai)) scaled_into<T>(dev, dy, T(alpha), g);
        if (GradSlot g = grad_slot(bi)) scaled_into<T>(dev, dy, T(beta), g);
      });
    });
  }
  return Var::from_impl(o);
}
}  // namespace

Var add(const Var& a, const Var& b) { return axpby("add", a, 1.0, b, 1.0); }
Var sub(const Var& a, const Var& b) { return axpby("sub", a, 1.0, b, -1.0); }

Var mul(const Var& a, const Var& b) {
  check_binary("mul", a, b);
  const Device dev = a.device();
  Tensor y = Tensor::empty(a.shape(), a.dtype(), dev);
  GRIPCU_FLOAT_TYPES(a.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::mul_cpu<T>(y.numel(), a.value().data<T>(), b.value().data<T>(), y.data<T>()),
      kernels::mul_cuda(y.numel(), a.value().data<T>(), b.value().data<T>(), y.data<T>(), stream)));
  auto o = make_output(y, {&a, &b}, "mul " + y.describe());
  if (o->requires_grad) {
    auto ai = a.impl(), bi = b.impl();
    tape().record(o, [ai, bi, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        for (int side = 0; side < 2; ++side) {
          GradSlot g = grad_slot(side == 0 ? ai : bi);
          if (!g) continue;
          const Tensor& other = side == 0 ? bi->value : ai->value;
          T* da = side == 0 ? g.grad->data<T>() : nullptr;
          T* db = side == 1 ? g.grad->data<T>() : nullptr;
          // mul_backward: da (+)= dy*b, db (+)= dy*a; we pass `other` in the matching slot.
          GRIPCU_DEVICE_CALL(dev,
              kernels::mul_backward_cpu<T>(dy.numel(), other.data<T>(), other.data<T>(), dy.data<T>(), da, db, g.accumulate),
              kernels::mul_backward_cuda(dy.numel(), other.data<T>(), other.data<T>(), dy.data<T>(), da, db, g.accumulate, stream));
        }
      });
    });
  }
  return Var::from_impl(o);
}

Var scale(const Var& a, double s) {
  const Device dev = a.device();
  Tensor y = Tensor::empty(a.shape(), a.dtype(), dev);
  GRIPCU_FLOAT_TYPES(a.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::scale_cpu<T>(y.numel(), T(s), a.value().data<T>(), y.data<T>(), false),
      kernels::scale_cuda(y.numel(), T(s), a.value().data<T>(), y.data<T>(), false, stream)));
  auto o = make_output(y, {&a}, "scale " + y.describe());
  if (o->requires_grad) {
    auto ai = a.impl();
    tape().record(o, [ai, s, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, if (GradSlot g = grad_slot(ai)) scaled_into<T>(dev, dy, T(s), g));
    });
  }
  return Var::from_impl(o);
}

Var add_rowvec(const Var& x, const Var& v) {
  const char* op = "add_rowvec";
  check_ndim(op, x.value(), 2);
  check_ndim(op, v.value(), 1);
  GRIPCU_CHECK(x.dim(1) == v.dim(0), op, ": ", x.value().describe(), " + ", v.value().describe());
  check_same_device(op, x.value(), v.value());
  check_dtype(op, v.value(), x.dtype());
  const Device dev = x.device();
  const int64_t r = x.dim(0), c = x.dim(1);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::add_rowvec_cpu<T>(r, c, x.value().data<T>(), v.value().data<T>(), y.data<T>()),
      kernels::add_rowvec_cuda(r, c, x.value().data<T>(), v.value().data<T>(), y.data<T>(), stream)));
  auto o = make_output(y, {&x, &v}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl(), vi = v.impl();
    tape().record(o, [xi, vi, r, c, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        if (GradSlot g = grad_slot(xi)) scaled_into<T>(dev, dy, T(1), g);
        if (GradSlot g = grad_slot(vi))
          GRIPCU_DEVICE_CALL(dev, kernels::sum_rows_cpu<T>(r, c, dy.data<T>(), g.grad->data<T>(), g.accumulate),
                             kernels::sum_rows_cuda(r, c, dy.data<T>(), g.grad->data<T>(), g.accumulate, stream));
      });
    });
  }
  return Var::from_impl(o);
}

Var activation(const Var& x, Act act, double slope) {
  GRIPCU_CHECK(act != Act::leaky_relu || slope >= 0, "leaky_relu: slope must be >= 0, got ", slope);
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::act_forward_cpu<T>(act, y.numel(), x.value().data<T>(), y.data<T>(), T(slope)),
      kernels::act_forward_cuda(act, y.numel(), x.value().data<T>(), y.data<T>(), T(slope), stream)));
  auto o = make_output(y, {&x}, std::string(kernels::act_name(act)) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    std::weak_ptr<VarImpl> ow = o;
    tape().record(o, [xi, ow, act, slope, dev](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      const Tensor& yv = ow.lock()->value;
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::act_backward_cpu<T>(act, dy.numel(), xi->value.data<T>(), yv.data<T>(), dy.data<T>(), g.grad->data<T>(), T(slope), g.accumulate),
          kernels::act_backward_cuda(act, dy.numel(), xi->value.data<T>(), yv.data<T>(), dy.data<T>(), g.grad->data<T>(), T(slope), g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

namespace {
Var reduce_all(const char* op, const Var& x, double s) {
  const Device dev = x.device();
  const int64_t n = x.value().numel();
  Tensor y = Tensor::empty({1}, x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::sum_all_cpu<T>(n, x.value().data<T>(), T(s), y.data<T>()),
      kernels::sum_all_cuda(n, x.value().data<T>(), T(s), y.data<T>(), stream)));
  auto o = make_output(y, {&x}, std::string(op) + " of " + x.value().describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    tape().record(o, [xi, s, n, dev](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      // dx (+)= s * dy[0] broadcast: a 1-column GEMM would do; a host read would sync. Use
      // add_rowvec over a [n, 1] view: x_grad = (acc ? x_grad : 0) + dy[0] * s.
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        Tensor scaled = Tensor::empty({1}, dy.dtype(), dev);
        GRIPCU_DEVICE_CALL(dev, kernels::scale_cpu<T>(1, T(s), dy.data<T>(), scaled.data<T>(), false),
                           kernels::scale_cuda(1, T(s), dy.data<T>(), scaled.data<T>(), false, stream));
        if (!g.accumulate) g.grad->zero_();
        T* gp = g.grad->data<T>();
        GRIPCU_DEVICE_CALL(dev, kernels::add_rowvec_cpu<T>(n, 1, gp, scaled.data<T>(), gp),
                           kernels::add_rowvec_cuda(n, 1, gp, scaled.data<T>(), gp, stream));
      });
    });
  }
  return Var::from_impl(o);
}
}  // namespace

Var sum(const Var& x) { return reduce_all("sum", x, 1.0); }
Var mean(const Var& x) {
  GRIPCU_CHECK(x.value().numel() > 0, "mean of an empty tensor ", x.value().describe());
  return reduce_all("mean", x, 1.0 / static_cast<double>(x.value().numel()));
}

}  // namespace gripcu::ag
