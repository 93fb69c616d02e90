// Fused LeakyReLU MLP layer (kernels/leaky_mlp.h): the CPU kernel against a float64 reference (float
// and double, slopes 0.2 / 0 / 1, with and without bias, odd shapes, n = 1, the discriminator's
// layers), against the generic chain it replaces (bit for bit), thread-count independence, null and
// accumulated gradients; the CUDA twin against the CPU for every variant (skipped without a device).
//
// Tolerances: a sum of k products in T is within k u sum |terms| of the exact value (u = eps/2), so
// each output is checked against c eps M with M the same sum over absolute values and c = k + 4
// (eps, not u: a factor 2 of margin); k = in for y, out for dx, n for dW and db. The backward
// reference takes its mask from the tested forward's y (the kernel's contract).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/tensor.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/leaky_mlp.h"
#include "kernels/reduce.h"
#include "tests/kernels/cpu_test_util.h"
#include "tests/test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;
using test::random_vec;

struct Dims {
  int64_t n, in, out;
};
// n = 1, odd sizes, several 64-row / 64-column tiles, and the GRIP discriminator's three layers
// (978 genes + 2 x 128 embedding columns -> 256 -> 128 -> 1).
const Dims kDims[] = {{1, 1, 1},   {1, 9, 4},     {3, 17, 5},     {7, 70, 130},
                      {65, 33, 129}, {64, 1234, 256}, {64, 256, 128}, {64, 128, 1}};
const double kSlopes[] = {0.2, 0.0, 1.0};

std::string tag(const Dims& d, double slope, bool bias) {
  return "n=" + std::to_string(d.n) + " in=" + std::to_string(d.in) + " out=" + std::to_string(d.out) +
         " slope=" + std::to_string(slope) + (bias ? " bias" : " no bias");
}

template <typename T>
struct Problem {
  Dims d;
  std::vector<T> x, W, b, dy;
  Problem(const Dims& dd, uint64_t seed) : d(dd) {
    const double s = 1.0 / std::sqrt(double(d.in));
    x = random_vec<T>(d.n * d.in, seed + 1, -2, 2);
    W = random_vec<T>(d.out * d.in, seed + 2, -s, s);
    b = random_vec<T>(d.out, seed + 3, -s, s);
    dy = random_vec<T>(d.n * d.out, seed + 4);
  }
};

template <typename T>
void forward(const Problem<T>& p, double slope, bool bias, std::vector<T>& y) {
  y.assign(size_t(p.d.n * p.d.out), T(0));
  leaky_linear_forward_cpu<T>(p.d.n, p.d.in, p.d.out, p.x.data(), p.W.data(), bias ? p.b.data() : nullptr, T(slope),
                              y.data());
}

struct Ref {
  std::vector<double> v, m;  // values and magnitudes
};

template <typename T>
Ref ref_forward(const Problem<T>& p, double slope, bool bias) {
  const auto [n, in, out] = p.d;
  Ref r;
  r.v.resize(size_t(n * out));
  r.m.resize(r.v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t o = 0; o < out; ++o) {
      double s = bias ? double(p.b[size_t(o)]) : 0.0, m = std::fabs(s);
      for (int64_t k = 0; k < in; ++k) {
        s += double(p.x[size_t(i * in + k)]) * double(p.W[size_t(o * in + k)]);
        m += std::fabs(double(p.x[size_t(i * in + k)]) * double(p.W[size_t(o * in + k)]));
      }
      r.v[size_t(i * out + o)] = s > 0 ? s : slope * s;
      r.m[size_t(i * out + o)] = m;
    }
  return r;
}

template <typename T>
struct RefGrads {
  Ref dx, dW, db;
};
template <typename T>
RefGrads<T> ref_backward(const Problem<T>& p, const std::vector<T>& y, double slope) {
  const auto [n, in, out] = p.d;
  std::vector<double> dz(size_t(n * out)), dzm(dz.size());
  for (size_t i = 0; i < dz.size(); ++i) {
    dz[i] = y[i] > T(0) ? double(p.dy[i]) : slope * double(p.dy[i]);
    dzm[i] = std::fabs(dz[i]);
  }
  RefGrads<T> g;
  g.dx.v.assign(size_t(n * in), 0.0), g.dx.m.assign(size_t(n * in), 0.0);
  g.dW.v.assign(size_t(out * in), 0.0), g.dW.m.assign(size_t(out * in), 0.0);
  g.db.v.assign(size_t(out), 0.0), g.db.m.assign(size_t(out), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t o = 0; o < out; ++o) {
      const double d = dz[size_t(r * out + o)], dm = dzm[size_t(r * out + o)];
      g.db.v[size_t(o)] += d;
      g.db.m[size_t(o)] += dm;
      for (int64_t k = 0; k < in; ++k) {
        const double xv = double(p.x[size_t(r * in + k)]), wv = double(p.W[size_t(o * in + k)]);
        g.dW.v[size_t(o * in + k)] += d * xv;
        g.dW.m[size_t(o * in + k)] += dm * std::fabs(xv);
        g.dx.v[size_t(r * in + k)] += d * wv;
        g.dx.m[size_t(r * in + k)] += dm * std::fabs(wv);
      }
    }
  return g;
}

template <typename T>
struct Grads {
  std::vector<T> dx, dW, db;
  Grads(const Dims& d, uint64_t seed)
      : dx(random_vec<T>(d.n * d.in, seed + 1)), dW(random_vec<T>(d.out * d.in, seed + 2)),
        db(random_vec<T>(d.out, seed + 3)) {}
};

struct Ws {
  std::vector<char> buf;
  void* p;
  Ws(int64_t n, int64_t out, size_t elem) : buf(leaky_linear_backward_workspace_bytes(n, out, elem) + 256) {
    const auto a = reinterpret_cast<uintptr_t>(buf.data());
    p = buf.data() + ((256 - a % 256) % 256);
  }
};

template <typename T>
void backward(const Problem<T>& p, const std::vector<T>& y, double slope, Grads<T>& g, bool acc, bool want_dx = true,
              bool want_dW = true, bool want_db = true) {
  Ws ws(p.d.n, p.d.out, sizeof(T));
  leaky_linear_backward_cpu<T>(p.d.n, p.d.in, p.d.out, p.x.data(), p.W.data(), y.data(), p.dy.data(), T(slope),
                               want_dx ? GradOut<T>{g.dx.data(), acc} : GradOut<T>{},
                               want_dW ? GradOut<T>{g.dW.data(), acc} : GradOut<T>{},
                               want_db ? GradOut<T>{g.db.data(), acc} : GradOut<T>{}, ws.p);
}

template <typename T> class LeakyMlpCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LeakyMlpCpu, Types);

TYPED_TEST(LeakyMlpCpu, ForwardMatchesFloat64Reference) {
  using T = TypeParam;
  for (const Dims& d : kDims)
    for (double slope : kSlopes)
      for (bool bias : {true, false}) {
        SCOPED_TRACE(tag(d, slope, bias));
        const Problem<T> p(d, 10);
        std::vector<T> y;
        forward(p, slope, bias, y);
        const Ref r = ref_forward(p, slope, bias);
        const double c = double(d.in + 4) * eps_of<T>();
        EXPECT_TRUE(all_close(y, r.v, [&](size_t i) { return c * r.m[i]; }, "y"));
      }
}

TYPED_TEST(LeakyMlpCpu, BackwardMatchesFloat64Reference) {
  using T = TypeParam;
  for (const Dims& d : kDims)
    for (double slope : kSlopes)
      for (bool acc : {false, true}) {
        SCOPED_TRACE(tag(d, slope, true) + (acc ? " accumulate" : " write"));
        const Problem<T> p(d, 20);
        std::vector<T> y;
        forward(p, slope, true, y);
        Grads<T> g(d, 30);
        const Grads<T> prior = g;
        backward(p, y, slope, g, acc);
        const RefGrads<T> r = ref_backward(p, y, slope);
        auto check = [&](const std::vector<T>& got, const std::vector<T>& pri, const Ref& ref, int64_t k, const char* w) {
          std::vector<double> want = ref.v, m = ref.m;
          if (acc)
            for (size_t i = 0; i < want.size(); ++i) {
              want[i] += double(pri[i]);
              m[i] += std::fabs(double(pri[i]));
            }
          const double c = double(k + 4) * eps_of<T>();
          EXPECT_TRUE(all_close(got, want, [&](size_t i) { return c * m[i]; }, w));
        };
        check(g.dx, prior.dx, r.dx, d.out, "dx");
        check(g.dW, prior.dW, r.dW, d.n, "dW");
        check(g.db, prior.db, r.db, d.n, "db");
      }
}

TYPED_TEST(LeakyMlpCpu, EqualsTheGenericChainBitForBit) {
  // linear(x, W, b) with a bias epilogue, then the activation; backward: activation backward, dW,
  // db, dx, as autograd's linear op runs them.
  using T = TypeParam;
  for (const Dims& d : {Dims{3, 17, 5}, Dims{65, 33, 129}, Dims{64, 1234, 256}})
    for (double slope : kSlopes) {
      SCOPED_TRACE(tag(d, slope, true));
      const auto [n, in, out] = d;
      const Problem<T> p(d, 40);
      std::vector<T> y;
      forward(p, slope, true, y);
      std::vector<T> c(y.size());
      gemm_cpu<T>(false, true, n, out, in, T(1), p.x.data(), p.W.data(), T(0), c.data(), p.b.data(), Epilogue::bias);
      if (slope != 1.0) act_forward_cpu<T>(Act::leaky_relu, n * out, c.data(), c.data(), T(slope));
      EXPECT_TRUE(bit_equal(y, c, "y"));
      for (bool acc : {false, true}) {
        Grads<T> g(d, 50), w = g;
        backward(p, y, slope, g, acc);
        std::vector<T> dz = p.dy;
        if (slope != 1.0) act_backward_cpu<T>(Act::leaky_relu, n * out, c.data(), c.data(), p.dy.data(), dz.data(), T(slope), false);
        const T beta = acc ? T(1) : T(0);
        gemm_cpu<T>(true, false, out, in, n, T(1), dz.data(), p.x.data(), beta, w.dW.data());
        sum_rows_cpu<T>(n, out, dz.data(), w.db.data(), acc);
        gemm_cpu<T>(false, false, n, in, out, T(1), dz.data(), p.W.data(), beta, w.dx.data());
        EXPECT_TRUE(bit_equal(g.dW, w.dW, "dW"));
        EXPECT_TRUE(bit_equal(g.db, w.db, "db"));
        EXPECT_TRUE(bit_equal(g.dx, w.dx, "dx"));
      }
    }
}

TYPED_TEST(LeakyMlpCpu, NullGradientsAreSkipped) {
  using T = TypeParam;
  const Dims d{9, 40, 23};
  const Problem<T> p(d, 60);
  std::vector<T> y;
  forward(p, 0.2, true, y);
  Grads<T> full(d, 70);
  backward(p, y, 0.2, full, false);
  for (int which = 0; which < 3; ++which) {
    Grads<T> g(d, 80);
    const Grads<T> prior = g;
    backward(p, y, 0.2, g, false, which == 0, which == 1, which == 2);
    EXPECT_TRUE(bit_equal(g.dx, which == 0 ? full.dx : prior.dx, "dx"));
    EXPECT_TRUE(bit_equal(g.dW, which == 1 ? full.dW : prior.dW, "dW"));
    EXPECT_TRUE(bit_equal(g.db, which == 2 ? full.db : prior.db, "db"));
  }
}

TEST(LeakyMlpCpuDeterminism, SameBitsWithOneAndTwoThreads) {
  const Dims d{130, 300, 200};
  const Problem<float> p(d, 90);
  std::vector<float> y1, y2;
  Grads<float> g1(d, 91), g2 = g1;
  {
    test::ThreadScope one(1);
    forward(p, 0.2, true, y1);
    backward(p, y1, 0.2, g1, true);
  }
  {
    test::ThreadScope two(2);
    forward(p, 0.2, true, y2);
    backward(p, y2, 0.2, g2, true);
  }
  EXPECT_TRUE(bit_equal(y1, y2, "y"));
  EXPECT_TRUE(bit_equal(g1.dx, g2.dx, "dx"));
  EXPECT_TRUE(bit_equal(g1.dW, g2.dW, "dW"));
  EXPECT_TRUE(bit_equal(g1.db, g2.db, "db"));
}

TEST(LeakyMlpCpu, BadArgumentsThrow) {
  std::vector<float> v(8);
  EXPECT_THROW(leaky_linear_forward_cpu<float>(1, 2, 2, v.data(), v.data(), nullptr, -0.1f, v.data()), Error);
  EXPECT_THROW(leaky_linear_forward_cpu<float>(1, 0, 2, v.data(), v.data(), nullptr, 0.2f, v.data()), Error);
}

// ---- CUDA twin vs the CPU, every variant ----
#ifdef GRIPCU_HAVE_CUDA
template <typename T>
Tensor dev_copy(const std::vector<T>& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}, Device::cuda(0));
}

template <typename T>
void cuda_vs_cpu(LeakyMlpVariant v) {
  const Device gpu = Device::cuda(0);
  cudaStream_t s = stream_for(gpu);
  for (const Dims& d : kDims)
    for (double slope : kSlopes)
      for (bool acc : {false, true}) {
        const bool bias = !(acc && slope == 0.0);  // one no-bias case per shape
        SCOPED_TRACE(tag(d, slope, bias) + " " + leaky_mlp_variant_name(v) + (acc ? " accumulate" : " write"));
        const auto [n, in, out] = d;
        const Problem<T> p(d, 100);
        std::vector<T> y;
        forward(p, slope, bias, y);
        const Ref r = ref_forward(p, slope, bias);
        Tensor x = dev_copy(p.x), W = dev_copy(p.W), b = dev_copy(p.b), dy = dev_copy(p.dy);
        Tensor yd = Tensor::empty({n * out}, dtype_of<T>(), gpu);
        leaky_linear_forward_cuda(n, in, out, x.data<T>(), W.data<T>(), bias ? b.data<T>() : nullptr, T(slope),
                                  yd.data<T>(), v, s);
        // Two implementations each within the bound of the exact result: twice the bound apart.
        const double cy = 2.0 * double(in + 4) * eps_of<T>();
        EXPECT_TRUE(all_close(yd.to_vector<T>(), test::to_double(y), [&](size_t i) { return cy * r.m[i]; }, "y"));

        Grads<T> g(d, 110);
        const Grads<T> prior = g;
        backward(p, y, slope, g, acc);
        Tensor ys = dev_copy(y), gx = dev_copy(prior.dx), gW = dev_copy(prior.dW), gb = dev_copy(prior.db);
        const size_t wsb = leaky_linear_backward_workspace_bytes(n, out, sizeof(T));
        Tensor ws = Tensor::empty({static_cast<int64_t>(wsb / sizeof(T)) + 1}, dtype_of<T>(), gpu);
        leaky_linear_backward_cuda(n, in, out, x.data<T>(), W.data<T>(), ys.data<T>(), dy.data<T>(), T(slope),
                                   {gx.data<T>(), acc}, {gW.data<T>(), acc}, {gb.data<T>(), acc}, ws.raw(), v, s);
        const RefGrads<T> rg = ref_backward(p, y, slope);
        auto near = [&](const Tensor& got, const std::vector<T>& want, const std::vector<T>& pri, const Ref& ref,
                        int64_t k, const char* what) {
          const double c = 2.0 * double(k + 4) * eps_of<T>();
          EXPECT_TRUE(all_close(got.to_vector<T>(), test::to_double(want), [&](size_t i) {
            return c * (ref.m[i] + (acc ? std::fabs(double(pri[i])) : 0.0));
          }, what));
        };
        near(gx, g.dx, prior.dx, rg.dx, out, "dx");
        near(gW, g.dW, prior.dW, rg.dW, n, "dW");
        near(gb, g.db, prior.db, rg.db, n, "db");
      }
}
#endif

TEST(LeakyMlpCuda, EveryVariantMatchesCpuFloat) {
  GRIPCU_REQUIRE_CUDA();
#ifdef GRIPCU_HAVE_CUDA
  for (LeakyMlpVariant v : kLeakyMlpVariants) cuda_vs_cpu<float>(v);
#endif
}

TEST(LeakyMlpCuda, EveryVariantMatchesCpuDouble) {
  GRIPCU_REQUIRE_CUDA();
#ifdef GRIPCU_HAVE_CUDA
  for (LeakyMlpVariant v : kLeakyMlpVariants) cuda_vs_cpu<double>(v);
#endif
}

}  // namespace
}  // namespace gripcu::kernels
