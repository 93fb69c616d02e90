// CPU conv1d (kernels/conv1d.h): im2col + GEMM, one GEMM over the whole batch. COL [n*lout, cin*k]
// holds one row per (sample, output position); Yt [cout, n*lout] is the output channel-major:
//   Yt = W COL^T (then y[i, o, t] = Yt[o, i*lout + t] + b[o])
//   dW (+)= dYt COL;  dCOL = dYt^T W, then col2im adds each sample's rows into dx_i
// gemm_cpu's fixed tiling keeps the bits independent of the thread count.
#include "kernels/conv1d.h"

#include "engine/error.h"
#include "engine/parallel.h"
#include "kernels/gemm.h"

namespace gripcu::kernels {

namespace {
void check_shape(const Conv1dShape& s) {
  GRIPCU_CHECK(s.n >= 0 && s.cin > 0 && s.cout > 0 && s.k > 0 && s.stride > 0 && s.pad >= 0,
               "conv1d: bad shape n=", s.n, " cin=", s.cin, " cout=", s.cout, " k=", s.k, " stride=", s.stride,
               " pad=", s.pad);
  GRIPCU_CHECK(s.l + 2 * s.pad >= s.k, "conv1d: length ", s.l, " + 2 * pad ", s.pad, " is shorter than the kernel ", s.k);
}

template <typename T>
void im2col(const Conv1dShape& s, const T* x, T* col) {  // x [cin, l] -> col [lout, cin*k]
  const int64_t lo = s.lout(), ck = s.cin * s.k;
  for (int64_t t = 0; t < lo; ++t) {
    T* row = col + t * ck;
    const int64_t u0 = t * s.stride - s.pad;
    for (int64_t c = 0; c < s.cin; ++c)
      for (int64_t j = 0; j < s.k; ++j) {
        const int64_t u = u0 + j;
        row[c * s.k + j] = (u >= 0 && u < s.l) ? x[c * s.l + u] : T(0);
      }
  }
}

template <typename T>
void col2im_add(const Conv1dShape& s, const T* col, T* dx) {  // dx [cin, l] += scatter of col
  const int64_t lo = s.lout(), ck = s.cin * s.k;
  for (int64_t t = 0; t < lo; ++t) {
    const T* row = col + t * ck;
    const int64_t u0 = t * s.stride - s.pad;
    for (int64_t c = 0; c < s.cin; ++c)
      for (int64_t j = 0; j < s.k; ++j) {
        const int64_t u = u0 + j;
        if (u >= 0 && u < s.l) dx[c * s.l + u] += row[c * s.k + j];
      }
  }
}
}  // namespace

size_t conv1d_workspace_elems_cpu(const Conv1dShape& s) {
  // COL [n*lout, cin*k] and the channel-major output / gradient Yt [cout, n*lout].
  return static_cast<size_t>(s.n * s.lout() * (s.cin * s.k + s.cout));
}

namespace {
// All samples' im2col rows, one sample per task.
template <typename T>
void im2col_all(const Conv1dShape& s, const T* x, T* col) {
  const int64_t lo = s.lout(), ck = s.cin * s.k;
  parallel_for(s.n, 4, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) im2col(s, x + i * s.cin * s.l, col + i * lo * ck);
  });
}
}  // namespace

// One GEMM over all samples: Yt [cout, n*lout] = W [cout, cin*k] COL^T, then y[i, o, t] = Yt[o, i*lout + t] + b[o].
template <typename T>
void conv1d_forward_cpu(const Conv1dShape& s, const T* x, const T* w, const T* b, T* y, T* work) {
  check_shape(s);
  if (s.n == 0) return;
  const int64_t lo = s.lout(), ck = s.cin * s.k, nl = s.n * lo;
  T* col = work;
  T* yt = work + nl * ck;
  im2col_all(s, x, col);
  gemm_cpu<T>(false, true, s.cout, nl, ck, T(1), w, col, T(0), yt);
  parallel_for(s.n, 4, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t o = 0; o < s.cout; ++o) {
        const T bo = b ? b[o] : T(0);
        const T* src = yt + o * nl + i * lo;
        T* dst = y + (i * s.cout + o) * lo;
        for (int64_t t = 0; t < lo; ++t) dst[t] = src[t] + bo;
      }
  });
}

// dYt [cout, n*lout] (dy channel-major); dW (+)= dYt COL; dCOL = dYt^T W, then col2im per sample.
template <typename T>
void conv1d_backward_cpu(const Conv1dShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw, T* db,
                         bool accumulate, T* work) {
  check_shape(s);
  const int64_t lo = s.lout(), ck = s.cin * s.k, nl = s.n * lo;
  if (db) {
    for (int64_t o = 0; o < s.cout; ++o) {
      T acc = accumulate ? db[o] : T(0);
      for (int64_t i = 0; i < s.n; ++i) {
        const T* r = dy + (i * s.cout + o) * lo;
        T part = T(0);
        for (int64_t t = 0; t < lo; ++t) part += r[t];
        acc += part;
      }
      db[o] = acc;
    }
  }
  if (s.n == 0 || (!dw && !dx)) {
    if (dw && !accumulate)
      for (int64_t e = 0; e < s.cout * ck; ++e) dw[e] = T(0);
    return;
  }
  T* col = work;
  T* dyt = work + nl * ck;
  parallel_for(s.cout, 1, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t i = 0; i < s.n; ++i) {
        const T* src = dy + (i * s.cout + o) * lo;
        T* dst = dyt + o * nl + i * lo;
        for (int64_t t = 0; t < lo; ++t) dst[t] = src[t];
      }
  });
  if (dw) {
    im2col_all(s, x, col);
    gemm_cpu<T>(false, false, s.cout, ck, nl, T(1), dyt, col, accumulate ? T(1) : T(0), dw);
  }
  if (dx) {
    gemm_cpu<T>(true, false, nl, ck, s.cout, T(1), dyt, w, T(0), col);
    parallel_for(s.n, 4, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        T* dxi = dx + i * s.cin * s.l;
        if (!accumulate)
          for (int64_t e = 0; e < s.cin * s.l; ++e) dxi[e] = T(0);
        col2im_add(s, col + i * lo * ck, dxi);
      }
    });
  }
}

template void conv1d_forward_cpu<float>(const Conv1dShape&, const float*, const float*, const float*, float*, float*);
template void conv1d_forward_cpu<double>(const Conv1dShape&, const double*, const double*, const double*, double*,
                                         double*);
template void conv1d_backward_cpu<float>(const Conv1dShape&, const float*, const float*, const float*, float*, float*,
                                         float*, bool, float*);
template void conv1d_backward_cpu<double>(const Conv1dShape&, const double*, const double*, const double*, double*,
                                          double*, double*, bool, double*);

}  // namespace gripcu::kernels
