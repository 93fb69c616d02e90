// CPU attention (kernels/attention.h): one (sequence, head) per task; each task writes only its own
// rows of p and its own head's columns of o / dq / dk / dv, so the bits do not depend on threads.
#include "kernels/attention.h"

#include <cmath>
#include <vector>

#include "engine/error.h"
#include "engine/parallel.h"

namespace gripcu::kernels {

namespace {
void check(const AttentionShape& s) {
  GRIPCU_CHECK(s.batch >= 0 && s.seq > 0 && s.heads > 0 && s.dh > 0, "attention: bad shape batch=", s.batch,
               " seq=", s.seq, " heads=", s.heads, " dh=", s.dh);
}
}  // namespace

template <typename T>
void attention_forward_cpu(const AttentionShape& s, T scale, const T* q, const T* k, const T* v, T* p, T* o) {
  check(s);
  const int64_t L = s.seq, D = s.width(), dh = s.dh;
  parallel_for(s.batch * s.heads, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / s.heads, h = t % s.heads;
      const T* qb = q + b * L * D + h * dh;
      const T* kb = k + b * L * D + h * dh;
      const T* vb = v + b * L * D + h * dh;
      T* ob = o + b * L * D + h * dh;
      T* pb = p + t * L * L;
      for (int64_t i = 0; i < L; ++i) {
        T* row = pb + i * L;
        T mx = -INFINITY;
        for (int64_t j = 0; j < L; ++j) {
          T acc = T(0);
          for (int64_t d = 0; d < dh; ++d) acc += qb[i * D + d] * kb[j * D + d];
          row[j] = acc * scale;
          mx = row[j] > mx ? row[j] : mx;
        }
        T sum = T(0);
        for (int64_t j = 0; j < L; ++j) {
          row[j] = std::exp(row[j] - mx);
          sum += row[j];
        }
        const T inv = T(1) / sum;
        for (int64_t j = 0; j < L; ++j) row[j] *= inv;
        for (int64_t d = 0; d < dh; ++d) {
          T acc = T(0);
          for (int64_t j = 0; j < L; ++j) acc += row[j] * vb[j * D + d];
          ob[i * D + d] = acc;
        }
      }
    }
  });
}

template <typename T>
void attention_backward_cpu(const AttentionShape& s, T scale, const T* q, const T* k, const T* v, const T* p,
                            const T* dout, T* dq, T* dk, T* dv, bool acc_q, bool acc_k, bool acc_v, T* work) {
  check(s);
  const int64_t L = s.seq, D = s.width(), dh = s.dh;
  parallel_for(s.batch * s.heads, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / s.heads, h = t % s.heads;
      const int64_t off = b * L * D + h * dh;
      const T* qb = q + off;
      const T* kb = k + off;
      const T* vb = v + off;
      const T* db = dout + off;
      const T* pb = p + t * L * L;
      T* ds = work + t * L * L;
      if (dv)
        for (int64_t j = 0; j < L; ++j)
          for (int64_t d = 0; d < dh; ++d) {
            T acc = T(0);
            for (int64_t i = 0; i < L; ++i) acc += pb[i * L + j] * db[i * D + d];
            T& dst = dv[off + j * D + d];
            dst = acc_v ? dst + acc : acc;
          }
      if (!dq && !dk) continue;
      for (int64_t i = 0; i < L; ++i) {
        T dot = T(0);
        for (int64_t j = 0; j < L; ++j) {
          T acc = T(0);
          for (int64_t d = 0; d < dh; ++d) acc += db[i * D + d] * vb[j * D + d];
          ds[i * L + j] = acc;  // dP
          dot += pb[i * L + j] * acc;
        }
        for (int64_t j = 0; j < L; ++j) ds[i * L + j] = pb[i * L + j] * (ds[i * L + j] - dot);
      }
      if (dq)
        for (int64_t i = 0; i < L; ++i)
          for (int64_t d = 0; d < dh; ++d) {
            T acc = T(0);
            for (int64_t j = 0; j < L; ++j) acc += ds[i * L + j] * kb[j * D + d];
            T& dst = dq[off + i * D + d];
            dst = acc_q ? dst + scale * acc : scale * acc;
          }
      if (dk)
        for (int64_t j = 0; j < L; ++j)
          for (int64_t d = 0; d < dh; ++d) {
            T acc = T(0);
            for (int64_t i = 0; i < L; ++i) acc += ds[i * L + j] * qb[i * D + d];
            T& dst = dk[off + j * D + d];
            dst = acc_k ? dst + scale * acc : scale * acc;
          }
    }
  });
}

template void attention_forward_cpu<float>(const AttentionShape&, float, const float*, const float*, const float*,
                                           float*, float*);
template void attention_forward_cpu<double>(const AttentionShape&, double, const double*, const double*,
                                            const double*, double*, double*);
template void attention_backward_cpu<float>(const AttentionShape&, float, const float*, const float*, const float*,
                                            const float*, const float*, float*, float*, float*, bool, bool, bool,
                                            float*);
template void attention_backward_cpu<double>(const AttentionShape&, double, const double*, const double*,
                                             const double*, const double*, const double*, double*, double*, double*,
                                             bool, bool, bool, double*);

}  // namespace gripcu::kernels
