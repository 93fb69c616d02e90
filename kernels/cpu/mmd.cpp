// CPU twin of kernels/mmd.h (the oracle for the CUDA kernel, and the fast path without a GPU).
// Rows of Z = [X; Y] are processed in fixed blocks of kRowBlock: per block one GEMM gives the Gram
// rows <zc_i, zc_j> (i in the block, all j), the kernel values replace them in place by
// C'_ij = w_j c_ij, and a second GEMM gives v = C' Zc for the gradient. Blocks run in parallel and
// each writes only its own rows and its own partial loss, summed in block order afterwards, so the
// bits do not depend on the thread count.
#include "kernels/mmd.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Core>

#include "engine/error.h"
#include "engine/parallel.h"

namespace gripcu::kernels {

namespace {
constexpr int64_t kRowBlock = 64;

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Bandwidths sorted widest first (for the squaring chain) and their reciprocals.
struct Bands {
  int K = 0;
  bool doubling = false;
  double beta[kMmdMaxKernels], inv[kMmdMaxKernels];
};
Bands make_bands(const MmdConfig& cfg, double beta0) {
  Bands b;
  b.K = cfg.kernels;
  std::vector<double> mult(cfg.mult, cfg.mult + cfg.kernels);
  std::sort(mult.begin(), mult.end(), [](double a, double c) { return a > c; });
  for (int k = 0; k < b.K; ++k) {
    b.beta[k] = mult[static_cast<size_t>(k)] * beta0;
    b.inv[k] = 1.0 / b.beta[k];
  }
  b.doubling = mmd_doubling(cfg);
  return b;
}
}  // namespace

MmdConfig mmd_config_dan(int kernels, double ratio, bool adaptive, double beta0) {
  GRIPCU_CHECK(kernels >= 1 && kernels <= kMmdMaxKernels, "MMD: kernel count ", kernels, " outside [1, ",
               kMmdMaxKernels, "]");
  GRIPCU_CHECK(ratio > 0, "MMD: bandwidth ratio must be positive, got ", ratio);
  MmdConfig c;
  c.kernels = kernels;
  for (int k = 0; k < kernels; ++k) c.mult[k] = std::pow(ratio, k - kernels / 2);
  c.adaptive = adaptive;
  c.beta0 = beta0;
  return c;
}

void mmd_check_config(const MmdConfig& cfg) {
  GRIPCU_CHECK(cfg.kernels >= 1 && cfg.kernels <= kMmdMaxKernels, "MMD: kernel count ", cfg.kernels, " outside [1, ",
               kMmdMaxKernels, "]");
  for (int k = 0; k < cfg.kernels; ++k)
    GRIPCU_CHECK(cfg.mult[k] > 0 && std::isfinite(cfg.mult[k]), "MMD: bandwidth multiplier ", k, " is ", cfg.mult[k]);
  GRIPCU_CHECK(cfg.adaptive || (cfg.beta0 > 0 && std::isfinite(cfg.beta0)), "MMD: fixed bandwidth must be positive, got ",
               cfg.beta0);
}

bool mmd_doubling(const MmdConfig& cfg) {
  std::vector<double> m(cfg.mult, cfg.mult + cfg.kernels);
  std::sort(m.begin(), m.end());
  for (size_t k = 1; k < m.size(); ++k)
    if (m[k] != 2.0 * m[k - 1]) return false;
  return true;
}

template <typename T>
void mmd_forward_cpu(int64_t n, int64_t m, int64_t d, const T* X, const T* Y, const MmdConfig& cfg, T* loss, T* gx,
                     T* gy, T* beta0_out) {
  GRIPCU_CHECK(n >= 1 && m >= 1 && d >= 1, "mmd: needs n, m, d >= 1, got n=", n, " m=", m, " d=", d);
  GRIPCU_CHECK((gx == nullptr) == (gy == nullptr), "mmd: give both gradients or neither");
  mmd_check_config(cfg);
  const int64_t N = n + m;
  const bool grad = gx != nullptr;
  auto row = [&](int64_t i) { return i < n ? X + i * d : Y + (i - n) * d; };
  const double wx = 1.0 / double(n), wy = -1.0 / double(m);
  auto w = [&](int64_t i) { return i < n ? wx : wy; };

  // Column means (float64, rows in order), centred copy, squared norms.
  std::vector<double> mean(static_cast<size_t>(d), 0.0);
  parallel_for(d, 256, [&](int64_t c0, int64_t c1) {
    for (int64_t i = 0; i < N; ++i) {
      const T* z = row(i);
      for (int64_t c = c0; c < c1; ++c) mean[c] += double(z[c]);
    }
    for (int64_t c = c0; c < c1; ++c) mean[c] /= double(N);
  });
  std::vector<T> zc(static_cast<size_t>(N * d));
  std::vector<double> r(static_cast<size_t>(N));
  std::vector<T> rt(static_cast<size_t>(N));
  parallel_for(N, 64, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T* z = row(i);
      T* o = zc.data() + i * d;
      double acc = 0;
      for (int64_t c = 0; c < d; ++c) {
        o[c] = static_cast<T>(double(z[c]) - mean[c]);
        acc += double(o[c]) * double(o[c]);
      }
      r[i] = acc;
      rt[i] = static_cast<T>(acc);
    }
  });
  double beta0 = cfg.beta0;
  if (cfg.adaptive) {
    double sr = 0;
    for (int64_t i = 0; i < N; ++i) sr += r[i];
    beta0 = 2.0 * sr / double(N - 1);
    if (!(beta0 > 0)) beta0 = 1.0;  // all points coincide: MMD and its gradient are 0 for any beta0
  }
  if (beta0_out) *beta0_out = static_cast<T>(beta0);
  const Bands B = make_bands(cfg, beta0);

  const int64_t blocks = (N + kRowBlock - 1) / kRowBlock;
  std::vector<double> part(static_cast<size_t>(blocks), 0.0);
  Eigen::Map<const RowMat<T>> Z(zc.data(), N, d);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    RowMat<T> G(kRowBlock, N), V;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i0 = b * kRowBlock, rows = std::min(kRowBlock, N - i0);
      auto Gb = G.topRows(rows);
      Gb.noalias() = Z.middleRows(i0, rows) * Z.transpose();
      double blk = 0;
      std::vector<double> s(static_cast<size_t>(rows));
      for (int64_t a = 0; a < rows; ++a) {
        const int64_t i = i0 + a;
        T* g = G.data() + a * N;
        double li_x = 0, li_y = 0, si_x = 0, si_y = 0;
        for (int64_t j = 0; j < N; ++j) {
          T D = rt[i] + rt[j] - T(2) * g[j];
          if (D < T(0) || j == i) D = T(0);
          T ks, cs;
          if (B.doubling) {
            T u = std::exp(-D * T(B.inv[0]));
            ks = u;
            cs = u * T(B.inv[0]);
            for (int k = 1; k < B.K; ++k) {
              u = u * u;
              ks += u;
              cs += u * T(B.inv[k]);
            }
          } else {
            ks = T(0);
            cs = T(0);
            for (int k = 0; k < B.K; ++k) {
              const T u = std::exp(-D * T(B.inv[k]));
              ks += u;
              cs += u * T(B.inv[k]);
            }
          }
          // Sum the x and y columns separately, weight once per row (fewer roundings).
          if (j < n) { li_x += double(ks); si_x += double(cs); }
          else { li_y += double(ks); si_y += double(cs); }
          g[j] = static_cast<T>(w(j) * double(cs));
        }
        blk += w(i) * (wx * li_x + wy * li_y);
        s[a] = wx * si_x + wy * si_y;
      }
      part[b] = blk;
      if (!grad) continue;
      V.noalias() = Gb * Z;
      for (int64_t a = 0; a < rows; ++a) {
        const int64_t i = i0 + a;
        const double f = -4.0 * w(i);
        const T* z = zc.data() + i * d;
        T* out = i < n ? gx + i * d : gy + (i - n) * d;
        for (int64_t c = 0; c < d; ++c) out[c] = static_cast<T>(f * (double(z[c]) * s[a] - double(V(a, c))));
      }
    }
  });
  double total = 0;
  for (double p : part) total += p;
  *loss = static_cast<T>(total);
}

template <typename T>
void mmd_scale_grad_cpu(int64_t n, const T* dloss, const T* g, T* dx, bool accumulate) {
  const T s = dloss[0];
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    if (accumulate) for (int64_t i = b; i < e; ++i) dx[i] += s * g[i];
    else for (int64_t i = b; i < e; ++i) dx[i] = s * g[i];
  });
}

double mmd_reference(int64_t n, int64_t m, int64_t d, const double* X, const double* Y, const MmdConfig& cfg,
                     std::vector<double>* gx, std::vector<double>* gy, double* beta0_out) {
  mmd_check_config(cfg);
  const int64_t N = n + m;
  auto row = [&](int64_t i) { return i < n ? X + i * d : Y + (i - n) * d; };
  auto w = [&](int64_t i) { return i < n ? 1.0 / double(n) : -1.0 / double(m); };
  auto dist = [&](int64_t i, int64_t j) {
    double s = 0;
    for (int64_t c = 0; c < d; ++c) {
      const double t = row(i)[c] - row(j)[c];
      s += t * t;
    }
    return s;
  };
  double beta0 = cfg.beta0;
  if (cfg.adaptive) {
    double s = 0;
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j) s += dist(i, j);
    beta0 = s / double(N * (N - 1));
    if (!(beta0 > 0)) beta0 = 1.0;
  }
  if (beta0_out) *beta0_out = beta0;
  if (gx) gx->assign(static_cast<size_t>(n * d), 0.0);
  if (gy) gy->assign(static_cast<size_t>(m * d), 0.0);
  double loss = 0;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < N; ++j) {
      const double D = dist(i, j);
      double k = 0, c = 0;
      for (int q = 0; q < cfg.kernels; ++q) {
        const double b = cfg.mult[q] * beta0, e = std::exp(-D / b);
        k += e;
        c += e / b;
      }
      loss += w(i) * w(j) * k;
      std::vector<double>* g = i < n ? gx : gy;
      if (!g) continue;
      double* gi = g->data() + (i < n ? i : i - n) * d;
      for (int64_t q = 0; q < d; ++q) gi[q] += -4.0 * w(i) * w(j) * c * (row(i)[q] - row(j)[q]);
    }
  return loss;
}

size_t mmd_cuda_workspace_bytes(int64_t n, int64_t m, int64_t d, size_t elem, bool with_grad) {
  // Layout documented in kernels/cuda/mmd.cu (mmd_layout); kept here so CPU-only builds link too.
  auto up = [](size_t b) { return (b + 255) / 256 * 256; };
  const size_t N = static_cast<size_t>(n + m), D = static_cast<size_t>(d);
  const size_t tiles = (N + 63) / 64;
  size_t b = up(D * 8) + up(N * 8) + up(N * D * elem) + up(tiles * tiles * 8) + up(4 * 8);
  if (with_grad) b += up(tiles * N * 8) + up(N * 8) + up(N * N * elem) + up(N * D * elem);
  return b;
}

template void mmd_forward_cpu<float>(int64_t, int64_t, int64_t, const float*, const float*, const MmdConfig&, float*,
                                     float*, float*, float*);
template void mmd_forward_cpu<double>(int64_t, int64_t, int64_t, const double*, const double*, const MmdConfig&,
                                      double*, double*, double*, double*);
template void mmd_scale_grad_cpu<float>(int64_t, const float*, const float*, float*, bool);
template void mmd_scale_grad_cpu<double>(int64_t, const double*, const double*, double*, bool);

}  // namespace gripcu::kernels
