#include "kernels/loss.h"

#include <cmath>
#include <memory>
#include <vector>

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/reduce.h"

namespace gripcu::kernels {

namespace {
constexpr int64_t kGrain = 1 << 15;
// Mean of f(i) over n terms, summed exactly as pairwise_sum over the terms (the same bits): the
// recursion's subtrees at a fixed depth (not a function of the thread count) are each summed in
// parallel from a private buffer of their terms, then combined in the tree's order.
template <typename T, typename F>
T mean_of(int64_t n, F&& f) {
  if (n == 0) return T(0);
  constexpr int kDepth = 2;  // up to 4 subtrees
  struct Sub {
    int64_t b, n;
    T sum;
  };
  std::vector<Sub> subs;
  // pairwise_sum splits n > 8 at h = n / 2; a part of 8 or fewer is summed in order (a leaf).
  auto collect = [&](auto&& self, int64_t b, int64_t len, int depth) -> void {
    if (depth == kDepth || len <= 8) { subs.push_back({b, len, T(0)}); return; }
    self(self, b, len / 2, depth + 1);
    self(self, b + len / 2, len - len / 2, depth + 1);
  };
  collect(collect, 0, n, 0);
  // Allocated here, not zero-filled (an exception must not leave the OpenMP region).
  const std::unique_ptr<T[]> terms(new T[static_cast<size_t>(n)]);
  parallel_for(static_cast<int64_t>(subs.size()), n >= kGrain ? 1 : 1 << 30, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      Sub& sub = subs[static_cast<size_t>(s)];
      T* t = terms.get() + sub.b;
      for (int64_t i = 0; i < sub.n; ++i) t[i] = f(sub.b + i);
      sub.sum = pairwise_sum(t, sub.n, int64_t{1});
    }
  });
  size_t next = 0;
  auto combine = [&](auto&& self, int64_t len, int depth) -> T {
    if (depth == kDepth || len <= 8) return subs[next++].sum;
    const T left = self(self, len / 2, depth + 1);
    return left + self(self, len - len / 2, depth + 1);
  };
  return combine(combine, n, 0) / static_cast<T>(n);
}
template <typename T, typename F>
void write_grad(int64_t n, T* d, bool accumulate, F&& g) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    if (accumulate) for (int64_t i = b; i < e; ++i) d[i] += g(i);
    else for (int64_t i = b; i < e; ++i) d[i] = g(i);
  });
}
template <typename T> inline T sigmoid(T x) {
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}
}  // namespace

template <typename T> void mse_forward_cpu(int64_t n, const T* p, const T* t, T* loss) {
  loss[0] = mean_of<T>(n, [&](int64_t i) { const T d = p[i] - t[i]; return d * d; });
}
template <typename T> void mse_backward_cpu(int64_t n, const T* p, const T* t, const T* dloss, T* dp, bool accumulate) {
  const T s = T(2) * dloss[0] / static_cast<T>(n);
  write_grad(n, dp, accumulate, [&](int64_t i) { return s * (p[i] - t[i]); });
}

template <typename T> void bce_logits_forward_cpu(int64_t n, const T* z, const T* t, T* loss) {
  loss[0] = mean_of<T>(n, [&](int64_t i) {
    const T x = z[i];
    return (x > T(0) ? x : T(0)) - x * t[i] + std::log1p(std::exp(-std::abs(x)));
  });
}
template <typename T>
void bce_logits_backward_cpu(int64_t n, const T* z, const T* t, const T* dloss, T* dz, bool accumulate) {
  const T s = dloss[0] / static_cast<T>(n);
  write_grad(n, dz, accumulate, [&](int64_t i) { return s * (sigmoid(z[i]) - t[i]); });
}

template <typename T>
void softmax_xent_forward_cpu(int64_t rows, int64_t classes, const T* z, const int64_t* labels, T* loss) {
  for (int64_t r = 0; r < rows; ++r)
    GRIPCU_CHECK(labels[r] >= 0 && labels[r] < classes, "softmax_xent: label ", labels[r], " at row ", r,
                 " outside [0, ", classes, ")");
  loss[0] = mean_of<T>(rows, [&](int64_t r) {
    const T* zr = z + r * classes;
    T mx = zr[0];
    for (int64_t c = 1; c < classes; ++c) mx = zr[c] > mx ? zr[c] : mx;
    T s = T(0);
    for (int64_t c = 0; c < classes; ++c) s += std::exp(zr[c] - mx);
    return mx + std::log(s) - zr[labels[r]];
  });
}
template <typename T>
void softmax_xent_backward_cpu(int64_t rows, int64_t classes, const T* z, const int64_t* labels, const T* dloss, T* dz,
                               bool accumulate) {
  for (int64_t r = 0; r < rows; ++r)
    GRIPCU_CHECK(labels[r] >= 0 && labels[r] < classes, "softmax_xent backward: label ", labels[r], " at row ", r,
                 " outside [0, ", classes, ")");
  const T scale = dloss[0] / static_cast<T>(rows);
  parallel_for(rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* zr = z + r * classes;
      T* dr = dz + r * classes;
      T mx = zr[0];
      for (int64_t c = 1; c < classes; ++c) mx = zr[c] > mx ? zr[c] : mx;
      T s = T(0);
      for (int64_t c = 0; c < classes; ++c) s += std::exp(zr[c] - mx);
      for (int64_t c = 0; c < classes; ++c) {
        const T g = scale * (std::exp(zr[c] - mx) / s - (c == labels[r] ? T(1) : T(0)));
        dr[c] = accumulate ? dr[c] + g : g;
      }
    }
  });
}

#define INST(T)                                                                                         \
  template void mse_forward_cpu<T>(int64_t, const T*, const T*, T*);                                     \
  template void mse_backward_cpu<T>(int64_t, const T*, const T*, const T*, T*, bool);                    \
  template void bce_logits_forward_cpu<T>(int64_t, const T*, const T*, T*);                              \
  template void bce_logits_backward_cpu<T>(int64_t, const T*, const T*, const T*, T*, bool);             \
  template void softmax_xent_forward_cpu<T>(int64_t, int64_t, const T*, const int64_t*, T*);             \
  template void softmax_xent_backward_cpu<T>(int64_t, int64_t, const T*, const int64_t*, const T*, T*, bool);
INST(float)
INST(double)
#undef INST

}  // namespace gripcu::kernels
