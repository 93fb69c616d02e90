// Autograd ops over the fused kernel families: film_residual (the generator's FiLM + residual
// block) and leaky_linear (one LeakyReLU MLP layer). Each runs one fused forward and records one
// fused backward; gradient slots are taken in the order the kernels write them, so a variable
// passed twice gets its two contributions written then added in that order.
#include "autograd/concat_values.h"
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/concat.h"
#include "kernels/elementwise.h"
#include "kernels/film_residual.h"
#include "kernels/gemm.h"
#include "kernels/leaky_mlp.h"
#include "kernels/reduce.h"

namespace gripcu::ag {

namespace {
template <typename T>
kernels::GradOut<T> grad_out(const std::shared_ptr<VarImpl>& v) {
  const GradSlot s = grad_slot(v);
  if (!s) return {};
  return {s.grad->data<T>(), s.accumulate};
}
// Scratch for a backward: a tensor of at least `bytes` (device allocations are 256-byte aligned).
Tensor scratch(size_t bytes, DType dt, const Device& dev) {
  const int64_t elems = static_cast<int64_t>((bytes + dtype_size(dt) - 1) / dtype_size(dt));
  return Tensor::empty({elems > 0 ? elems : 1}, dt, dev);
}
void check_param(const char* op, const char* what, const Var& p, const Var& x, const Shape& want) {
  GRIPCU_CHECK(p.defined(), op, ": ", what, " is undefined");
  GRIPCU_CHECK(p.shape() == want, op, ": ", what, " is ", p.value().describe(), ", expected ", shape_str(want));
  check_same_device(op, x.value(), p.value());
  check_dtype(op, p.value(), x.dtype());
}
}  // namespace

Var film_residual(const Var& h0, const Var& gamma, const Var& beta, const Var& W1, const Var& b1, const Var& W2,
                  const Var& b2) {
  const char* op = "film_residual";
  check_ndim(op, h0.value(), 2);
  check_ndim(op, W1.value(), 2);
  const int64_t n = h0.dim(0), H = h0.dim(1), F = W1.dim(0);
  check_param(op, "gamma", gamma, h0, {n, H});
  check_param(op, "beta", beta, h0, {n, H});
  check_param(op, "W1", W1, h0, {F, H});
  check_param(op, "b1", b1, h0, {F});
  check_param(op, "W2", W2, h0, {H, F});
  check_param(op, "b2", b2, h0, {H});
  const Device dev = h0.device();
  const DType dt = h0.dtype();
  Tensor y = Tensor::empty({n, H}, dt, dev), h = Tensor::empty({n, H}, dt, dev);
  Tensor a1 = Tensor::empty({n, F}, dt, dev), a2 = Tensor::empty({n, H}, dt, dev);
  GRIPCU_FLOAT_TYPES(dt, T, {
    const kernels::FilmResidualParams<T> w{W1.value().data<T>(), b1.value().data<T>(), W2.value().data<T>(),
                                           b2.value().data<T>()};
    GRIPCU_DEVICE_CALL(dev,
        kernels::film_residual_forward_cpu<T>(n, H, F, h0.value().data<T>(), gamma.value().data<T>(), beta.value().data<T>(),
                                              w, y.data<T>(), h.data<T>(), a1.data<T>(), a2.data<T>()),
        kernels::film_residual_forward_cuda(n, H, F, h0.value().data<T>(), gamma.value().data<T>(), beta.value().data<T>(),
                                            w, y.data<T>(), h.data<T>(), a1.data<T>(), a2.data<T>(),
                                            kernels::kFilmResidualDefault, stream));
  });
  auto o = make_output(y, {&h0, &gamma, &beta, &W1, &b1, &W2, &b2}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto h0i = h0.impl(), gi = gamma.impl(), bi = beta.impl(), w1i = W1.impl(), b1i = b1.impl(), w2i = W2.impl(),
         b2i = b2.impl();
    tape().record(o, [h0i, gi, bi, w1i, b1i, w2i, b2i, h, a1, a2, n, H, F, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        kernels::FilmResidualGrads<T> g;
        // The kernels' write order: W2, b2, W1, b1, then h0, gamma, beta.
        g.W2 = grad_out<T>(w2i);
        g.b2 = grad_out<T>(b2i);
        g.W1 = grad_out<T>(w1i);
        g.b1 = grad_out<T>(b1i);
        g.h0 = grad_out<T>(h0i);
        g.gamma = grad_out<T>(gi);
        g.beta = grad_out<T>(bi);
        const kernels::FilmResidualParams<T> w{w1i->value.data<T>(), b1i->value.data<T>(), w2i->value.data<T>(),
                                               b2i->value.data<T>()};
        Tensor ws = scratch(kernels::film_residual_backward_workspace_bytes(n, H, F, sizeof(T)), dy.dtype(), dev);
        GRIPCU_DEVICE_CALL(dev,
            kernels::film_residual_backward_cpu<T>(n, H, F, h0i->value.data<T>(), gi->value.data<T>(), w, h.data<T>(),
                                                   a1.data<T>(), a2.data<T>(), dy.data<T>(), g, ws.raw()),
            kernels::film_residual_backward_cuda(n, H, F, h0i->value.data<T>(), gi->value.data<T>(), w, h.data<T>(),
                                                 a1.data<T>(), a2.data<T>(), dy.data<T>(), g, ws.raw(),
                                                 kernels::kFilmResidualDefault, stream));
      });
    });
  }
  return Var::from_impl(o);
}

Var leaky_linear(const Var& x, const Var& W, const Var& b, double slope) {
  const char* op = "leaky_linear";
  check_ndim(op, x.value(), 2);
  check_ndim(op, W.value(), 2);
  GRIPCU_CHECK(x.dim(1) == W.dim(1), op, ": input ", x.value().describe(), " does not match weight ",
               W.value().describe(), " (expects [n, ", W.dim(1), "])");
  check_same_device(op, x.value(), W.value());
  check_dtype(op, W.value(), x.dtype());
  const bool has_b = b.defined();
  const int64_t n = x.dim(0), in = x.dim(1), out = W.dim(0);
  if (has_b) check_param(op, "bias", b, x, {out});
  GRIPCU_CHECK(slope >= 0, op, ": slope must be >= 0, got ", slope);
  const Device dev = x.device();
  Tensor y = Tensor::empty({n, out}, x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, {
    const T* bp = has_b ? b.value().data<T>() : nullptr;
    GRIPCU_DEVICE_CALL(dev,
        kernels::leaky_linear_forward_cpu<T>(n, in, out, x.value().data<T>(), W.value().data<T>(), bp, T(slope), y.data<T>()),
        kernels::leaky_linear_forward_cuda(n, in, out, x.value().data<T>(), W.value().data<T>(), bp, T(slope), y.data<T>(),
                                           kernels::kLeakyMlpDefault, stream));
  });
  auto o = make_output(y, {&x, &W, &b}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl(), wi = W.impl(), bi = has_b ? b.impl() : nullptr;
    std::weak_ptr<VarImpl> ow = o;  // the node owns the output; a weak ref avoids a self-cycle
    tape().record(o, [xi, wi, bi, ow, slope, n, in, out, dev](const Tensor& dy) {
      const Tensor& yv = ow.lock()->value;
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        // The kernels' write order: dW, db, dx.
        const kernels::GradOut<T> gW = grad_out<T>(wi);
        const kernels::GradOut<T> gb = bi ? grad_out<T>(bi) : kernels::GradOut<T>{};
        const kernels::GradOut<T> gx = grad_out<T>(xi);
        Tensor ws = scratch(kernels::leaky_linear_backward_workspace_bytes(n, out, sizeof(T)), dy.dtype(), dev);
        GRIPCU_DEVICE_CALL(dev,
            kernels::leaky_linear_backward_cpu<T>(n, in, out, xi->value.data<T>(), wi->value.data<T>(), yv.data<T>(),
                                                  dy.data<T>(), T(slope), gx, gW, gb, ws.raw()),
            kernels::leaky_linear_backward_cuda(n, in, out, xi->value.data<T>(), wi->value.data<T>(), yv.data<T>(),
                                                dy.data<T>(), T(slope), gx, gW, gb, ws.raw(), kernels::kLeakyMlpDefault,
                                                stream));
      });
    });
  }
  return Var::from_impl(o);
}

Var leaky_linear_cat(const std::vector<Var>& parts, const Var& W, const Var& b, double slope) {
  const char* op = "leaky_linear_cat";
  GRIPCU_CHECK(!parts.empty(), op, ": no inputs");
  const int64_t n = parts[0].dim(0);
  int64_t in = 0;
  for (const auto& p : parts) {
    check_ndim(op, p.value(), 2);
    GRIPCU_CHECK(p.dim(0) == n, op, ": row counts differ: ", parts[0].value().describe(), " and ", p.value().describe());
    check_same_device(op, parts[0].value(), p.value());
    check_dtype(op, p.value(), parts[0].dtype());
    in += p.dim(1);
  }
  check_ndim(op, W.value(), 2);
  GRIPCU_CHECK(W.dim(1) == in, op, ": the parts have ", in, " columns in all but the weight is ", W.value().describe());
  check_same_device(op, parts[0].value(), W.value());
  check_dtype(op, W.value(), parts[0].dtype());
  const bool has_b = b.defined();
  const int64_t out = W.dim(0);
  if (has_b) check_param(op, "bias", b, parts[0], {out});
  GRIPCU_CHECK(slope >= 0, op, ": slope must be >= 0, got ", slope);
  const Device dev = W.device();
  const DType dt = W.dtype();
  // The concatenated input (kept: dW needs it), then the fused layer, exactly as leaky_linear.
  Tensor x = Tensor::empty({n, in}, dt, dev), y = Tensor::empty({n, out}, dt, dev);
  GRIPCU_FLOAT_TYPES(dt, T, {
    detail::concat_values<T>(dev, n, parts, x.data<T>(), in);
    const T* bp = has_b ? b.value().data<T>() : nullptr;
    GRIPCU_DEVICE_CALL(dev,
        kernels::leaky_linear_forward_cpu<T>(n, in, out, x.data<T>(), W.value().data<T>(), bp, T(slope), y.data<T>()),
        kernels::leaky_linear_forward_cuda(n, in, out, x.data<T>(), W.value().data<T>(), bp, T(slope), y.data<T>(),
                                           kernels::kLeakyMlpDefault, stream));
  });
  auto o = make_output(y, {&W, &b}, std::string(op) + " " + y.describe());
  if (grad_enabled())
    for (const auto& p : parts) o->requires_grad = o->requires_grad || p.requires_grad();
  if (o->requires_grad) {
    std::vector<std::shared_ptr<VarImpl>> ins;
    for (const auto& p : parts) ins.push_back(p.impl());
    auto wi = W.impl(), bi = has_b ? b.impl() : nullptr;
    std::weak_ptr<VarImpl> ow = o;  // the node owns the output; a weak ref avoids a self-cycle
    tape().record(o, [ins, x, wi, bi, ow, slope, n, in, out, dev](const Tensor& dy) {
      const Tensor& yv = ow.lock()->value;
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        // Slots in the fused kernel's write order: dW, db, then the parts.
        const GradSlot gw = grad_slot(wi);
        const GradSlot gb = bi ? grad_slot(bi) : GradSlot{};
        std::vector<GradSlot> gp;
        for (const auto& p : ins) gp.push_back(grad_slot(p));
        // dz = the activation's derivative applied to dy, as the fused kernel computes it (y > 0 iff
        // z > 0); the identity (slope 1) is dy itself.
        const T* dz = dy.data<T>();
        Tensor dzt;
        if (slope != 1.0) {
          dzt = Tensor::empty({n, out}, dy.dtype(), dev);
          GRIPCU_DEVICE_CALL(dev,
              kernels::act_backward_cpu<T>(kernels::Act::leaky_relu, n * out, yv.data<T>(), yv.data<T>(), dy.data<T>(),
                                           dzt.data<T>(), T(slope), false),
              kernels::act_backward_cuda(kernels::Act::leaky_relu, n * out, yv.data<T>(), yv.data<T>(), dy.data<T>(),
                                         dzt.data<T>(), T(slope), false, stream));
          dz = dzt.data<T>();
        }
        if (gb)
          GRIPCU_DEVICE_CALL(dev, kernels::sum_rows_cpu<T>(n, out, dz, gb.grad->data<T>(), gb.accumulate),
                             kernels::sum_rows_cuda(n, out, dz, gb.grad->data<T>(), gb.accumulate, stream));
        // dW = dz^T x and each wanted part's d part = dz W[:, its columns]: independent products,
        // one parallel pass on the CPU (a part sharing W's buffer is impossible: shapes differ).
        std::vector<kernels::GemmJob<T>> jobs;
        if (gw) jobs.push_back({true, false, out, in, n, T(1), dz, x.data<T>(), gw.accumulate ? T(1) : T(0), gw.grad->data<T>()});
        const T* Wp = wi->value.data<T>();
        int64_t off = 0;
        for (size_t i = 0; i < ins.size(); ++i) {
          const int64_t w = ins[i]->value.dim(1);
          if (gp[i]) {
            kernels::GemmJob<T> j{false, false, n, w, out, T(1), dz, Wp + off, gp[i].accumulate ? T(1) : T(0),
                                  gp[i].grad->data<T>()};
            j.ldb = in;  // W's row stride: the part's column block
            jobs.push_back(j);
          }
          off += w;
        }
        // Parts passed twice share a buffer: then one product at a time, in order.
        bool shared = false;
        for (size_t i = 0; i < jobs.size(); ++i)
          for (size_t k = i + 1; k < jobs.size(); ++k) shared = shared || jobs[i].C == jobs[k].C;
        const int c = static_cast<int>(jobs.size());
        for (int i = 0; i < (shared ? c : (c > 0 ? 1 : 0)); ++i) {
          const kernels::GemmJob<T>* js = jobs.data() + i;
          const int cnt = shared ? 1 : c;
          GRIPCU_DEVICE_CALL(dev, kernels::gemm_many_cpu<T>(js, cnt), kernels::gemm_many_cuda(js, cnt, stream));
        }
      });
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
