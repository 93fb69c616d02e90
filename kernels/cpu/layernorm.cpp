// CPU layer norm (kernels/layernorm.h).
#include "kernels/layernorm.h"

#include <cmath>

#include "engine/parallel.h"

namespace gripcu::kernels {

template <typename T>
void layernorm_forward_cpu(int64_t rows, int64_t d, T eps, const T* x, const T* g, const T* b, T* y, T* mean, T* rstd) {
  parallel_for(rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * d;
      T s = T(0);
      for (int64_t j = 0; j < d; ++j) s += xr[j];
      const T mu = s / T(d);
      T ss = T(0);
      for (int64_t j = 0; j < d; ++j) ss += (xr[j] - mu) * (xr[j] - mu);
      const T rs = T(1) / std::sqrt(ss / T(d) + eps);
      mean[r] = mu;
      rstd[r] = rs;
      for (int64_t j = 0; j < d; ++j) y[r * d + j] = (xr[j] - mu) * rs * g[j] + b[j];
    }
  });
}

template <typename T>
void layernorm_backward_cpu(int64_t rows, int64_t d, const T* x, const T* g, const T* mean, const T* rstd, const T* dy,
                            T* dx, T* dg, T* db, bool acc_x, bool acc_g, bool acc_b) {
  if (dx)
    parallel_for(rows, 64, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * d;
        const T* dr = dy + r * d;
        const T mu = mean[r], rs = rstd[r];
        T a = T(0), c = T(0);
        for (int64_t j = 0; j < d; ++j) {
          const T dyg = dr[j] * g[j];
          a += dyg;
          c += dyg * (xr[j] - mu) * rs;
        }
        a /= T(d);
        c /= T(d);
        for (int64_t j = 0; j < d; ++j) {
          const T v = rs * (dr[j] * g[j] - a - (xr[j] - mu) * rs * c);
          dx[r * d + j] = acc_x ? dx[r * d + j] + v : v;
        }
      }
    });
  if (dg || db)
    parallel_for(d, 16, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) {
        T sg = T(0), sb = T(0);
        for (int64_t r = 0; r < rows; ++r) {
          sg += dy[r * d + j] * (x[r * d + j] - mean[r]) * rstd[r];
          sb += dy[r * d + j];
        }
        if (dg) dg[j] = acc_g ? dg[j] + sg : sg;
        if (db) db[j] = acc_b ? db[j] + sb : sb;
      }
    });
}

template void layernorm_forward_cpu<float>(int64_t, int64_t, float, const float*, const float*, const float*, float*,
                                           float*, float*);
template void layernorm_forward_cpu<double>(int64_t, int64_t, double, const double*, const double*, const double*,
                                            double*, double*, double*);
template void layernorm_backward_cpu<float>(int64_t, int64_t, const float*, const float*, const float*, const float*,
                                            const float*, float*, float*, float*, bool, bool, bool);
template void layernorm_backward_cpu<double>(int64_t, int64_t, const double*, const double*, const double*,
                                             const double*, const double*, double*, double*, double*, bool, bool,
                                             bool);

}  // namespace gripcu::kernels
