// linear and matmul: GEMMs with fused bias / bias+ReLU epilogues; backward as three GEMM/reduce calls.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace gripcu::ag {

using kernels::Epilogue;

namespace {
template <typename T>
void gemm(const Device& dev, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const Tensor& A, const Tensor& B,
          T beta, Tensor& C, const Tensor* bias = nullptr, Epilogue ep = Epilogue::none) {
  const T* bp = bias ? bias->data<T>() : nullptr;
  GRIPCU_DEVICE_CALL(dev,
                     kernels::gemm_cpu<T>(ta, tb, m, n, k, T(1), A.data<T>(), B.data<T>(), beta, C.data<T>(), bp, ep),
                     kernels::gemm_cuda(ta, tb, m, n, k, T(1), A.data<T>(), B.data<T>(), beta, C.data<T>(), bp, ep, stream));
}
}  // namespace

Var linear(const Var& x, const Var& W, const Var& b, Act act, double slope) {
  const char* op = "linear";
  check_ndim(op, x.value(), 2);
  check_ndim(op, W.value(), 2);
  GRIPCU_CHECK(x.dim(1) == W.dim(1), op, ": input ", x.value().describe(), " does not match weight ", W.value().describe(),
               " (expects [n, ", W.dim(1), "])");
  check_same_device(op, x.value(), W.value());
  check_dtype(op, W.value(), x.dtype());
  const bool has_b = b.defined();
  if (has_b) {
    check_ndim(op, b.value(), 1);
    GRIPCU_CHECK(b.dim(0) == W.dim(0), op, ": bias ", b.value().describe(), " does not match weight ", W.value().describe());
    check_same_device(op, x.value(), b.value());
    check_dtype(op, b.value(), x.dtype());
  }
  GRIPCU_CHECK(act != Act::leaky_relu || slope >= 0, op, ": leaky_relu slope must be >= 0");
  const int64_t n = x.dim(0), in = x.dim(1), out = W.dim(0);
  const Device dev = x.device();
  Tensor y = Tensor::empty({n, out}, x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, {
    Epilogue ep = Epilogue::none;
    if (has_b) ep = act == Act::relu ? Epilogue::bias_relu : Epilogue::bias;
    gemm<T>(dev, false, true, n, out, in, x.value(), W.value(), T(0), y, has_b ? &b.value() : nullptr, ep);
    const bool fused = act == Act::identity || (act == Act::relu && has_b);
    if (!fused)
      GRIPCU_DEVICE_CALL(dev, kernels::act_forward_cpu<T>(act, y.numel(), y.data<T>(), y.data<T>(), T(slope)),
                         kernels::act_forward_cuda(act, y.numel(), y.data<T>(), y.data<T>(), T(slope), stream));
  });
  auto o = make_output(y, {&x, &W, &b}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl(), wi = W.impl(), bi = has_b ? b.impl() : nullptr;
    std::weak_ptr<VarImpl> ow = o;  // the node owns the output; a weak ref avoids a self-cycle
    tape().record(o, [xi, wi, bi, ow, act, slope, n, in, out, dev](const Tensor& dy) {
      auto op_ = ow.lock();
      const Tensor& yv = op_->value;
      GRIPCU_FLOAT_TYPES(yv.dtype(), T, {
        Tensor dpre = dy;
        if (act != Act::identity) {
          // For relu/leaky (slope >= 0) sign(y) == sign(x); sigmoid/tanh need y: y alone suffices.
          dpre = Tensor::empty(yv.shape(), yv.dtype(), dev);
          GRIPCU_DEVICE_CALL(dev,
              kernels::act_backward_cpu<T>(act, yv.numel(), yv.data<T>(), yv.data<T>(), dy.data<T>(), dpre.data<T>(), T(slope), false),
              kernels::act_backward_cuda(act, yv.numel(), yv.data<T>(), yv.data<T>(), dy.data<T>(), dpre.data<T>(), T(slope), false, stream));
        }
        // Slots in the write order dW, db, dx; dW and dx then run as one pair of products (one
        // parallel pass on the CPU) unless they share a buffer.
        const GradSlot gw = grad_slot(wi);
        const GradSlot gb = bi ? grad_slot(bi) : GradSlot{};
        const GradSlot gx = grad_slot(xi);
        if (gb)
          GRIPCU_DEVICE_CALL(dev, kernels::sum_rows_cpu<T>(n, out, dpre.data<T>(), gb.grad->data<T>(), gb.accumulate),
                             kernels::sum_rows_cuda(n, out, dpre.data<T>(), gb.grad->data<T>(), gb.accumulate, stream));
        kernels::GemmJob<T> jobs[2];
        int count = 0;
        if (gw) jobs[count++] = {true, false, out, in, n, T(1), dpre.data<T>(), xi->value.data<T>(),
                                 gw.accumulate ? T(1) : T(0), gw.grad->data<T>()};
        if (gx) jobs[count++] = {false, false, n, in, out, T(1), dpre.data<T>(), wi->value.data<T>(),
                                 gx.accumulate ? T(1) : T(0), gx.grad->data<T>()};
        const bool shared = count == 2 && jobs[0].C == jobs[1].C;
        for (int i = 0; i < (shared ? 2 : 1) && count > 0; ++i) {
          const kernels::GemmJob<T>* js = shared ? jobs + i : jobs;
          const int c = shared ? 1 : count;
          GRIPCU_DEVICE_CALL(dev, kernels::gemm_many_cpu<T>(js, c), kernels::gemm_many_cuda(js, c, stream));
        }
      });
    });
  }
  return Var::from_impl(o);
}

Var matmul(const Var& a, const Var& b) {
  const char* op = "matmul";
  check_ndim(op, a.value(), 2);
  check_ndim(op, b.value(), 2);
  GRIPCU_CHECK(a.dim(1) == b.dim(0), op, ": inner dimensions differ: ", a.value().describe(), " x ", b.value().describe());
  check_same_device(op, a.value(), b.value());
  check_dtype(op, b.value(), a.dtype());
  const int64_t m = a.dim(0), k = a.dim(1), n = b.dim(1);
  const Device dev = a.device();
  Tensor y = Tensor::empty({m, n}, a.dtype(), dev);
  GRIPCU_FLOAT_TYPES(a.dtype(), T, gemm<T>(dev, false, false, m, n, k, a.value(), b.value(), T(0), y));
  auto o = make_output(y, {&a, &b}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto ai = a.impl(), bi = b.impl();
    tape().record(o, [ai, bi, m, k, n, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        if (GradSlot g = grad_slot(ai)) gemm<T>(dev, false, true, m, k, n, dy, bi->value, g.accumulate ? T(1) : T(0), *g.grad);
        if (GradSlot g = grad_slot(bi)) gemm<T>(dev, true, false, k, n, m, ai->value, dy, g.accumulate ? T(1) : T(0), *g.grad);
      });
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
