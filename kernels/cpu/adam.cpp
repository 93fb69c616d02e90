#include "kernels/adam.h"

#include <cmath>

#include "engine/parallel.h"

namespace gripcu::kernels {

namespace {
// MODE 0: Adam without weight decay; 1: AdamW (decoupled); 2: Adam with L2. One branch-free loop each.
template <typename T, int MODE>
inline void adam_range(int64_t b, int64_t e, T* param, const T* grad, T* m, T* v, T b1, T b2, T one_minus_b1,
                       T one_minus_b2, T wd, T decay, T step_size, T bc2_sqrt, T eps) {
  for (int64_t i = b; i < e; ++i) {
    T p = param[i], g = grad[i];
    if constexpr (MODE == 1) p *= decay;
    if constexpr (MODE == 2) g += wd * p;
    const T mi = b1 * m[i] + one_minus_b1 * g;
    const T vi = b2 * v[i] + one_minus_b2 * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - step_size * mi / (std::sqrt(vi) / bc2_sqrt + eps);
  }
}
}  // namespace

template <typename T>
void adam_step_cpu(int64_t n, T* param, const T* grad, T* m, T* v, const AdamHyper& h, int64_t step,
                   const int64_t* step_dev) {
  const int64_t t = step_dev ? *step_dev : step;
  // Scalars are formed in double and rounded once to T, as PyTorch does (Python floats): in float,
  // 1 - float(0.999) would be off by 1.3e-5 relative, and so would every second moment.
  const T b1 = static_cast<T>(h.beta1), b2 = static_cast<T>(h.beta2), eps = static_cast<T>(h.eps);
  const T one_minus_b1 = static_cast<T>(1.0 - h.beta1), one_minus_b2 = static_cast<T>(1.0 - h.beta2);
  const T wd = static_cast<T>(h.weight_decay), decay = static_cast<T>(1.0 - h.lr * h.weight_decay);
  const double bc1 = 1.0 - std::pow(h.beta1, static_cast<double>(t));
  const T bc2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(h.beta2, static_cast<double>(t))));
  const T step_size = static_cast<T>(h.lr / bc1);
  const bool decoupled = h.decoupled, l2 = !decoupled && wd != T(0);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    // Every operand a local of this call: the closure's address escapes to OpenMP, so values read
    // through it would be reloaded after each store and the loop would stay scalar (sqrt and a
    // division per element: 4x slower than the vectorized loop).
    if (decoupled)
      adam_range<T, 1>(b, e, param, grad, m, v, b1, b2, one_minus_b1, one_minus_b2, wd, decay, step_size, bc2_sqrt, eps);
    else if (l2)
      adam_range<T, 2>(b, e, param, grad, m, v, b1, b2, one_minus_b1, one_minus_b2, wd, decay, step_size, bc2_sqrt, eps);
    else
      adam_range<T, 0>(b, e, param, grad, m, v, b1, b2, one_minus_b1, one_minus_b2, wd, decay, step_size, bc2_sqrt, eps);
  });
}

template <typename T>
void sgd_step_cpu(int64_t n, T* param, const T* grad, T* buf, const SgdHyper& h, int64_t step) {
  const T lr = static_cast<T>(h.lr), mu = static_cast<T>(h.momentum), wd = static_cast<T>(h.weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      T g = grad[i] + wd * param[i];
      if (mu != T(0)) {
        const T bi = step <= 1 ? g : mu * buf[i] + g;
        buf[i] = bi;
        g = h.nesterov ? g + mu * bi : bi;
      }
      param[i] -= lr * g;
    }
  });
}

void adam_count_step_cpu(int64_t* step) { ++*step; }

template void adam_step_cpu<float>(int64_t, float*, const float*, float*, float*, const AdamHyper&, int64_t,
                                   const int64_t*);
template void adam_step_cpu<double>(int64_t, double*, const double*, double*, double*, const AdamHyper&, int64_t,
                                    const int64_t*);
template void sgd_step_cpu<float>(int64_t, float*, const float*, float*, const SgdHyper&, int64_t);
template void sgd_step_cpu<double>(int64_t, double*, const double*, double*, const SgdHyper&, int64_t);

}  // namespace gripcu::kernels
