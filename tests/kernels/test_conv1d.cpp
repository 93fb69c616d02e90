// conv1d (kernels/conv1d.h, autograd conv1d, layers/conv1d.h): the CPU im2col + GEMM path against
// a direct float64 loop of the definition (forward and all three gradients, write and accumulate,
// stride and padding that do not divide the length), a float64 finite-difference gradient check of
// the op, and CUDA (cuDNN) vs CPU in float and double (skips without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "kernels/conv1d.h"
#include "layers/conv1d.h"
#include "tests/test_util.h"

using namespace gripcu;
using gripcu::test::random_tensor;

namespace {
struct Ref {
  std::vector<double> y, dx, dw, db;
};
// The definition in kernels/conv1d.h, in float64, as plain loops.
Ref reference(const kernels::Conv1dShape& s, const std::vector<double>& x, const std::vector<double>& w,
              const std::vector<double>& b, const std::vector<double>& dy) {
  const int64_t lo = s.lout();
  Ref r;
  r.y.assign(static_cast<size_t>(s.n * s.cout * lo), 0.0);
  r.dx.assign(x.size(), 0.0);
  r.dw.assign(w.size(), 0.0);
  r.db.assign(b.size(), 0.0);
  for (int64_t i = 0; i < s.n; ++i)
    for (int64_t o = 0; o < s.cout; ++o)
      for (int64_t t = 0; t < lo; ++t) {
        const size_t yi = static_cast<size_t>((i * s.cout + o) * lo + t);
        double acc = b[static_cast<size_t>(o)];
        r.db[static_cast<size_t>(o)] += dy[yi];
        for (int64_t c = 0; c < s.cin; ++c)
          for (int64_t j = 0; j < s.k; ++j) {
            const int64_t u = t * s.stride - s.pad + j;
            if (u < 0 || u >= s.l) continue;
            const size_t xi = static_cast<size_t>((i * s.cin + c) * s.l + u), wi = static_cast<size_t>((o * s.cin + c) * s.k + j);
            acc += w[wi] * x[xi];
            r.dx[xi] += w[wi] * dy[yi];
            r.dw[wi] += x[xi] * dy[yi];
          }
        r.y[yi] = acc;
      }
  return r;
}

template <typename T>
void check_cpu(const kernels::Conv1dShape& s, double tol) {
  const Tensor xt = random_tensor({s.n, s.cin, s.l}, 1), wt = random_tensor({s.cout, s.cin, s.k}, 2),
               bt = random_tensor({s.cout}, 3), dyt = random_tensor({s.n, s.cout, s.lout()}, 4);
  const auto x = xt.to_vector<double>(), w = wt.to_vector<double>(), b = bt.to_vector<double>(), dy = dyt.to_vector<double>();
  const Ref r = reference(s, x, w, b, dy);
  auto cast = [](const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); };
  const auto xv = cast(x), wv = cast(w), bv = cast(b), dyv = cast(dy);
  std::vector<T> y(r.y.size()), dx(x.size(), T(1)), dw(w.size(), T(1)), db(b.size(), T(1));
  std::vector<T> work(kernels::conv1d_workspace_elems_cpu(s));
  kernels::conv1d_forward_cpu<T>(s, xv.data(), wv.data(), bv.data(), y.data(), work.data());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], r.y[i], tol) << "y " << i;
  // accumulate = true: the gradients add to the ones already there (1 each).
  kernels::conv1d_backward_cpu<T>(s, xv.data(), wv.data(), dyv.data(), dx.data(), dw.data(), db.data(), true, work.data());
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], 1 + r.dx[i], tol) << "dx " << i;
  for (size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw[i], 1 + r.dw[i], tol) << "dw " << i;
  for (size_t i = 0; i < db.size(); ++i) ASSERT_NEAR(db[i], 1 + r.db[i], tol) << "db " << i;
  kernels::conv1d_backward_cpu<T>(s, xv.data(), wv.data(), dyv.data(), dx.data(), dw.data(), db.data(), false, work.data());
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], r.dx[i], tol) << "dx " << i;
  for (size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw[i], r.dw[i], tol) << "dw " << i;
  for (size_t i = 0; i < db.size(); ++i) ASSERT_NEAR(db[i], r.db[i], tol) << "db " << i;
}

kernels::Conv1dShape shape(int64_t n, int64_t cin, int64_t l, int64_t cout, int64_t k, int64_t stride, int64_t pad) {
  kernels::Conv1dShape s;
  s.n = n, s.cin = cin, s.l = l, s.cout = cout, s.k = k, s.stride = stride, s.pad = pad;
  return s;
}
const std::vector<kernels::Conv1dShape> kShapes = {shape(3, 1, 37, 4, 9, 4, 4), shape(2, 3, 20, 5, 3, 1, 1),
                                                   shape(1, 2, 7, 3, 7, 2, 0), shape(4, 5, 33, 2, 5, 3, 2)};
}  // namespace

// float64: the only differences from the reference are the order of the sums (~1e-15 relative on
// O(10) values); float32: O(k cin) terms of O(1), ~1e-6 relative rounding, 1e-4 absolute is a wide margin.
TEST(Conv1dCpu, MatchesFloat64DefinitionDouble) {
  for (const auto& s : kShapes) check_cpu<double>(s, 1e-12);
}
TEST(Conv1dCpu, MatchesFloat64DefinitionFloat) {
  for (const auto& s : kShapes) check_cpu<float>(s, 1e-4);
}

TEST(Conv1dCpu, OutputLength) {
  EXPECT_EQ(shape(1, 1, 978, 1, 9, 4, 4).lout(), 245);
  EXPECT_EQ(shape(1, 1, 245, 1, 9, 4, 4).lout(), 62);
}

// Finite differences in float64 (tolerance as the other gradchecks: 1e-6 relative; a wrong index
// is off by O(1)).
TEST(Conv1dGradcheck, StridedPadded) {
  const std::vector<Tensor> in = {random_tensor({2, 3, 11}, 5), random_tensor({4, 3, 5}, 6), random_tensor({4}, 7),
                                  random_tensor({2, 4, 4}, 8)};
  const auto r = ag::gradcheck([](const std::vector<ag::Var>& v) {
    return ag::sum(ag::mul(ag::conv1d(v[0], v[1], v[2], 3, 2), v[3]));
  }, in);
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
}

TEST(Conv1dGradcheck, NoBiasThroughLeakyReluAndReshape) {
  const std::vector<Tensor> in = {random_tensor({3, 13}, 9), random_tensor({2, 1, 4}, 10), random_tensor({3, 12}, 11)};
  const auto r = ag::gradcheck([](const std::vector<ag::Var>& v) {
    const ag::Var x = ag::reshape(v[0], {3, 1, 13});
    const ag::Var y = ag::leaky_relu(ag::conv1d(x, v[1], ag::Var(), 2, 1), 0.2);  // [3, 2, 6]
    return ag::sum(ag::mul(ag::reshape(y, {3, 12}), v[2]));
  }, in);
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
}

TEST(Conv1dOp, RejectsBadShapes) {
  const ag::Var x(random_tensor({2, 3, 5}, 1)), w(random_tensor({4, 2, 3}, 2)), w2(random_tensor({4, 3, 9}, 3));
  EXPECT_THROW(ag::conv1d(x, w, ag::Var(), 1, 0), Error);   // channels
  EXPECT_THROW(ag::conv1d(x, w2, ag::Var(), 1, 1), Error);  // kernel longer than the padded input
  EXPECT_THROW(ag::conv1d(x, ag::Var(random_tensor({4, 3, 3}, 4)), ag::Var(), 0, 0), Error);  // stride 0
}

// CUDA (cuDNN) vs CPU through the op, forward and backward. float64: deterministic algorithms in a
// different summation order, 1e-12; float32: 1e-4 relative (sums of up to cin*k*n*lout terms).
namespace {
template <typename T>
void cuda_vs_cpu(DType dt, double tol) {
  for (const auto& s : kShapes) {
    std::vector<std::vector<double>> got[2];
    for (int dev_i = 0; dev_i < 2; ++dev_i) {
      const Device dev = dev_i == 0 ? Device::cpu() : Device::cuda(0);
      ag::Var x(random_tensor({s.n, s.cin, s.l}, 1, dt).to(dev), true), w(random_tensor({s.cout, s.cin, s.k}, 2, dt).to(dev), true),
          b(random_tensor({s.cout}, 3, dt).to(dev), true);
      const ag::Var dy(random_tensor({s.n, s.cout, s.lout()}, 4, dt).to(dev));
      const ag::Var y = ag::conv1d(x, w, b, s.stride, s.pad);
      ag::backward(ag::sum(ag::mul(y, dy)));
      for (const Tensor* t : {&y.value(), &x.grad(), &w.grad(), &b.grad()}) {
        const auto v = t->to(Device::cpu()).to_vector<T>();
        got[dev_i].emplace_back(v.begin(), v.end());
      }
    }
    for (size_t k = 0; k < got[0].size(); ++k)
      for (size_t i = 0; i < got[0][k].size(); ++i)
        ASSERT_NEAR(got[1][k][i], got[0][k][i], tol * std::max(1.0, std::abs(got[0][k][i]))) << "tensor " << k << " element " << i;
  }
}
}  // namespace
TEST(Conv1dCudaVsCpu, Float) {
  GRIPCU_REQUIRE_CUDA();
  cuda_vs_cpu<float>(DType::f32, 1e-4);
}
TEST(Conv1dCudaVsCpu, Double) {
  GRIPCU_REQUIRE_CUDA();
  cuda_vs_cpu<double>(DType::f64, 1e-12);
}
