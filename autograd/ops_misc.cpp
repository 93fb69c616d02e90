// embedding, concat/slice along columns, FiLM, gradient reversal, dropout.
#include "autograd/concat_values.h"
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/concat.h"
#include "kernels/embedding.h"
#include "kernels/film.h"
#include "kernels/grl.h"
#include "kernels/random.h"

namespace gripcu::ag {

Var embedding(const Var& table, const Tensor& idx) {
  const char* op = "embedding";
  check_ndim(op, table.value(), 2);
  check_dtype(op, idx, DType::i64);
  check_ndim(op, idx, 1);
  GRIPCU_CHECK(idx.device() == table.device(), op, ": indices on ", idx.device().str(), ", table on ", table.device().str());
  const Device dev = table.device();
  const int64_t n = idx.dim(0), vocab = table.dim(0), dim = table.dim(1);
  Tensor y = Tensor::empty({n, dim}, table.dtype(), dev);
  GRIPCU_FLOAT_TYPES(table.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::embedding_forward_cpu<T>(n, dim, vocab, table.value().data<T>(), idx.data<int64_t>(), y.data<T>()),
      kernels::embedding_forward_cuda(n, dim, vocab, table.value().data<T>(), idx.data<int64_t>(), y.data<T>(), stream)));
  auto o = make_output(y, {&table}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto ti = table.impl();
    tape().record(o, [ti, idx, n, dim, vocab, dev](const Tensor& dy) {
      GradSlot g = grad_slot(ti);
      if (!g) return;
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::embedding_backward_cpu<T>(n, dim, vocab, idx.data<int64_t>(), dy.data<T>(), g.grad->data<T>(), g.accumulate),
          kernels::embedding_backward_cuda(n, dim, vocab, idx.data<int64_t>(), dy.data<T>(), g.grad->data<T>(), g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

namespace {
template <typename T>
void copy_cols(const Device& dev, int64_t rows, int64_t width, const T* src, int64_t src_ld, T* dst, int64_t dst_ld,
               bool acc) {
  GRIPCU_DEVICE_CALL(dev, kernels::copy_cols_cpu<T>(rows, width, src, src_ld, dst, dst_ld, acc),
                     kernels::copy_cols_cuda(rows, width, src, src_ld, dst, dst_ld, acc, stream));
}
}  // namespace

Var concat_cols(const std::vector<Var>& parts) {
  const char* op = "concat_cols";
  GRIPCU_CHECK(!parts.empty(), op, ": no inputs");
  const int64_t rows = parts[0].dim(0);
  int64_t total = 0;
  for (const auto& p : parts) {
    check_ndim(op, p.value(), 2);
    GRIPCU_CHECK(p.dim(0) == rows, op, ": row counts differ: ", parts[0].value().describe(), " and ", p.value().describe());
    check_same_device(op, parts[0].value(), p.value());
    check_dtype(op, p.value(), parts[0].dtype());
    total += p.dim(1);
  }
  const Device dev = parts[0].device();
  Tensor y = Tensor::empty({rows, total}, parts[0].dtype(), dev);
  GRIPCU_FLOAT_TYPES(y.dtype(), T, detail::concat_values<T>(dev, rows, parts, y.data<T>(), total));
  auto o = make_output(y, {}, std::string(op) + " " + y.describe());
  if (grad_enabled())
    for (const auto& p : parts) o->requires_grad = o->requires_grad || p.requires_grad();
  if (o->requires_grad) {
    std::vector<std::shared_ptr<VarImpl>> ins;
    for (const auto& p : parts) ins.push_back(p.impl());
    tape().record(o, [ins, rows, total, dev](const Tensor& dy) {
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        int64_t off = 0;
        for (const auto& in : ins) {
          const int64_t w = in->value.dim(1);
          if (GradSlot g = grad_slot(in)) copy_cols<T>(dev, rows, w, dy.data<T>() + off, total, g.grad->data<T>(), w, g.accumulate);
          off += w;
        }
      });
    });
  }
  return Var::from_impl(o);
}

Var slice_cols(const Var& x, int64_t start, int64_t width) {
  const char* op = "slice_cols";
  check_ndim(op, x.value(), 2);
  const int64_t rows = x.dim(0), cols = x.dim(1);
  GRIPCU_CHECK(start >= 0 && width >= 0 && start + width <= cols, op, ": columns [", start, ", ", start + width,
               ") of ", x.value().describe());
  const Device dev = x.device();
  Tensor y = Tensor::empty({rows, width}, x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(y.dtype(), T, copy_cols<T>(dev, rows, width, x.value().data<T>() + start, cols, y.data<T>(), width, false));
  auto o = make_output(y, {&x}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    tape().record(o, [xi, rows, cols, start, width, dev](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      if (!g.accumulate) g.grad->zero_();  // columns outside the slice get zero
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, copy_cols<T>(dev, rows, width, dy.data<T>(), width, g.grad->data<T>() + start, cols, true));
    });
  }
  return Var::from_impl(o);
}

Var film(const Var& h, const Var& gamma, const Var& beta) {
  const char* op = "film";
  check_same_shape(op, h.value(), gamma.value());
  check_same_shape(op, h.value(), beta.value());
  check_same_device(op, h.value(), gamma.value());
  check_same_device(op, h.value(), beta.value());
  check_dtype(op, gamma.value(), h.dtype());
  check_dtype(op, beta.value(), h.dtype());
  const Device dev = h.device();
  const int64_t n = h.value().numel();
  Tensor y = Tensor::empty(h.shape(), h.dtype(), dev);
  GRIPCU_FLOAT_TYPES(h.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::film_forward_cpu<T>(n, h.value().data<T>(), gamma.value().data<T>(), beta.value().data<T>(), y.data<T>()),
      kernels::film_forward_cuda(n, h.value().data<T>(), gamma.value().data<T>(), beta.value().data<T>(), y.data<T>(), stream)));
  auto o = make_output(y, {&h, &gamma, &beta}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto hi = h.impl(), gi = gamma.impl(), bi = beta.impl();
    tape().record(o, [hi, gi, bi, n, dev](const Tensor& dy) {
      const GradSlot gh = grad_slot(hi), gg = grad_slot(gi), gb = grad_slot(bi);
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, {
        T* dh = gh ? gh.grad->data<T>() : nullptr;
        T* dg = gg ? gg.grad->data<T>() : nullptr;
        T* db = gb ? gb.grad->data<T>() : nullptr;
        // One fused pass when all three agree on write-vs-add (the common case); else per output.
        if ((!gh || !gg || gh.accumulate == gg.accumulate) && (!gb || !gh || gb.accumulate == gh.accumulate) &&
            (!gb || !gg || gb.accumulate == gg.accumulate)) {
          const bool acc = gh ? gh.accumulate : gg ? gg.accumulate : gb.accumulate;
          GRIPCU_DEVICE_CALL(dev,
              kernels::film_backward_cpu<T>(n, hi->value.data<T>(), gi->value.data<T>(), dy.data<T>(), dh, dg, db, acc),
              kernels::film_backward_cuda(n, hi->value.data<T>(), gi->value.data<T>(), dy.data<T>(), dh, dg, db, acc, stream));
        } else {
          for (int k = 0; k < 3; ++k) {
            const GradSlot& s = k == 0 ? gh : k == 1 ? gg : gb;
            if (!s) continue;
            GRIPCU_DEVICE_CALL(dev,
                kernels::film_backward_cpu<T>(n, hi->value.data<T>(), gi->value.data<T>(), dy.data<T>(), k == 0 ? dh : nullptr, k == 1 ? dg : nullptr, k == 2 ? db : nullptr, s.accumulate),
                kernels::film_backward_cuda(n, hi->value.data<T>(), gi->value.data<T>(), dy.data<T>(), k == 0 ? dh : nullptr, k == 1 ? dg : nullptr, k == 2 ? db : nullptr, s.accumulate, stream));
          }
        }
      });
    });
  }
  return Var::from_impl(o);
}

Var gradient_reversal(const Var& x, const Tensor& lambda) {
  const char* op = "gradient_reversal";
  GRIPCU_CHECK(lambda.numel() == 1, op, ": lambda must be one element, got ", lambda.describe());
  check_dtype(op, lambda, x.dtype());
  GRIPCU_CHECK(lambda.device() == x.device(), op, ": lambda on ", lambda.device().str(), ", input on ", x.device().str());
  const Device dev = x.device();
  const int64_t n = x.value().numel();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::grl_forward_cpu<T>(n, x.value().data<T>(), y.data<T>()),
      kernels::grl_forward_cuda(n, x.value().data<T>(), y.data<T>(), stream)));
  auto o = make_output(y, {&x}, std::string(op) + " " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    tape().record(o, [xi, lambda, n, dev](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::grl_backward_cpu<T>(n, lambda.data<T>(), dy.data<T>(), g.grad->data<T>(), g.accumulate),
          kernels::grl_backward_cuda(n, lambda.data<T>(), dy.data<T>(), g.grad->data<T>(), g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

Var dropout(const Var& x, double p, uint64_t seed, uint64_t stream_id) {
  GRIPCU_CHECK(p >= 0 && p < 1, "dropout: p must be in [0, 1), got ", p);
  const Device dev = x.device();
  const int64_t n = x.value().numel();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), dev);
  Tensor mask = Tensor::empty(x.shape(), x.dtype(), dev);
  GRIPCU_FLOAT_TYPES(x.dtype(), T, GRIPCU_DEVICE_CALL(dev,
      kernels::dropout_forward_cpu<T>(n, T(p), seed, stream_id, 0, x.value().data<T>(), y.data<T>(), mask.data<T>()),
      kernels::dropout_forward_cuda(n, T(p), seed, stream_id, 0, x.value().data<T>(), y.data<T>(), mask.data<T>(), stream)));
  auto o = make_output(y, {&x}, "dropout " + y.describe());
  if (o->requires_grad) {
    auto xi = x.impl();
    tape().record(o, [xi, mask, n, dev](const Tensor& dy) {
      GradSlot g = grad_slot(xi);
      if (!g) return;
      GRIPCU_FLOAT_TYPES(dy.dtype(), T, GRIPCU_DEVICE_CALL(dev,
          kernels::mul_backward_cpu<T>(n, mask.data<T>(), mask.data<T>(), dy.data<T>(), g.grad->data<T>(), nullptr, g.accumulate),
          kernels::mul_backward_cuda(n, mask.data<T>(), mask.data<T>(), dy.data<T>(), g.grad->data<T>(), nullptr, g.accumulate, stream)));
    });
  }
  return Var::from_impl(o);
}

}  // namespace gripcu::ag
