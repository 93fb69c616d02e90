// Multi-head attention and layer norm (kernels/attention.h, kernels/layernorm.h, their autograd
// ops, layers/attention.h): the CPU kernels against float64 loops of the definitions, float64
// finite-difference gradient checks of the ops and of a whole TransformerBlock, and CUDA vs CPU
// through the ops in float and double (skips without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "kernels/attention.h"
#include "kernels/layernorm.h"
#include "layers/attention.h"
#include "tests/test_util.h"

using namespace gripcu;
using gripcu::test::random_tensor;

namespace {
// softmax(q_h k_h^T / sqrt(dh)) v_h, float64, no max subtraction (inputs are O(1)).
std::vector<double> ref_attention(int64_t B, int64_t L, int64_t H, int64_t dh, const std::vector<double>& q,
                                  const std::vector<double>& k, const std::vector<double>& v) {
  const int64_t D = H * dh;
  std::vector<double> o(q.size(), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> e(static_cast<size_t>(L));
        double z = 0;
        for (int64_t j = 0; j < L; ++j) {
          double s = 0;
          for (int64_t d = 0; d < dh; ++d) s += q[static_cast<size_t>((b * L + i) * D + h * dh + d)] * k[static_cast<size_t>((b * L + j) * D + h * dh + d)];
          e[static_cast<size_t>(j)] = std::exp(s / std::sqrt(double(dh)));
          z += e[static_cast<size_t>(j)];
        }
        for (int64_t d = 0; d < dh; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < L; ++j) acc += e[static_cast<size_t>(j)] / z * v[static_cast<size_t>((b * L + j) * D + h * dh + d)];
          o[static_cast<size_t>((b * L + i) * D + h * dh + d)] = acc;
        }
      }
  return o;
}
}  // namespace

// float64 kernel vs float64 definition: only the summation order differs (1e-12); float32 1e-5
// (sums of L and dh terms of O(1), ~1e-7 relative rounding each).
TEST(AttentionCpu, ForwardMatchesFloat64Definition) {
  const int64_t B = 3, L = 7, H = 2, dh = 5, D = H * dh;
  const auto q = random_tensor({B * L, D}, 1).to_vector<double>(), k = random_tensor({B * L, D}, 2).to_vector<double>(),
             v = random_tensor({B * L, D}, 3).to_vector<double>();
  const auto ref = ref_attention(B, L, H, dh, q, k, v);
  kernels::AttentionShape s;
  s.batch = B, s.seq = L, s.heads = H, s.dh = dh;
  std::vector<double> p(static_cast<size_t>(s.probs())), o(q.size());
  kernels::attention_forward_cpu<double>(s, 1.0 / std::sqrt(double(dh)), q.data(), k.data(), v.data(), p.data(), o.data());
  for (size_t i = 0; i < o.size(); ++i) ASSERT_NEAR(o[i], ref[i], 1e-12) << i;
  for (int64_t r = 0; r < B * H * L; ++r) {  // every probability row sums to 1
    double z = 0;
    for (int64_t j = 0; j < L; ++j) z += p[static_cast<size_t>(r * L + j)];
    ASSERT_NEAR(z, 1.0, 1e-12);
  }
  std::vector<float> qf(q.begin(), q.end()), kf(k.begin(), k.end()), vf(v.begin(), v.end()), pf(p.size()), of(o.size());
  kernels::attention_forward_cpu<float>(s, 1.0f / std::sqrt(float(dh)), qf.data(), kf.data(), vf.data(), pf.data(), of.data());
  for (size_t i = 0; i < o.size(); ++i) ASSERT_NEAR(of[i], ref[i], 1e-5) << i;
}

TEST(LayerNormCpu, ForwardMatchesFloat64Definition) {
  const int64_t R = 5, d = 13;
  const auto x = random_tensor({R, d}, 4, DType::f64, -3, 3).to_vector<double>(), g = random_tensor({d}, 5).to_vector<double>(),
             b = random_tensor({d}, 6).to_vector<double>();
  std::vector<double> y(x.size()), mean(R), rstd(R);
  kernels::layernorm_forward_cpu<double>(R, d, 1e-5, x.data(), g.data(), b.data(), y.data(), mean.data(), rstd.data());
  for (int64_t r = 0; r < R; ++r) {
    double mu = 0, var = 0;
    for (int64_t j = 0; j < d; ++j) mu += x[static_cast<size_t>(r * d + j)] / d;
    for (int64_t j = 0; j < d; ++j) var += std::pow(x[static_cast<size_t>(r * d + j)] - mu, 2) / d;
    for (int64_t j = 0; j < d; ++j)
      ASSERT_NEAR(y[static_cast<size_t>(r * d + j)], (x[static_cast<size_t>(r * d + j)] - mu) / std::sqrt(var + 1e-5) * g[static_cast<size_t>(j)] + b[static_cast<size_t>(j)], 1e-12);
  }
}

// Finite differences in float64, 1e-6 relative (as the other gradchecks).
TEST(AttentionGradcheck, MultiHead) {
  const std::vector<Tensor> in = {random_tensor({2 * 4, 6}, 1), random_tensor({2 * 4, 6}, 2), random_tensor({2 * 4, 6}, 3),
                                  random_tensor({2 * 4, 6}, 4)};
  const auto r = ag::gradcheck([](const std::vector<ag::Var>& v) {
    return ag::sum(ag::mul(ag::attention(v[0], v[1], v[2], 2, 3), v[3]));
  }, in);
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
}

TEST(LayerNormGradcheck, AllInputs) {
  const std::vector<Tensor> in = {random_tensor({4, 7}, 1, DType::f64, -2, 2), random_tensor({7}, 2), random_tensor({7}, 3),
                                  random_tensor({4, 7}, 4)};
  const auto r = ag::gradcheck([](const std::vector<ag::Var>& v) {
    return ag::sum(ag::mul(ag::layer_norm(v[0], v[1], v[2]), v[3]));
  }, in);
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
}

TEST(ReshapeGradcheck, ViewBackward) {
  const std::vector<Tensor> in = {random_tensor({3, 4}, 1), random_tensor({2, 6}, 2)};
  const auto r = ag::gradcheck([](const std::vector<ag::Var>& v) { return ag::sum(ag::mul(ag::reshape(v[0], {2, 6}), v[1])); }, in);
  EXPECT_TRUE(r.ok(1e-6)) << r.max_rel_err << " at " << r.worst;
}

// A whole pre-norm block (LN, QKV, attention, out projection, residual, LN, FFN) in float64: the
// parameters' gradients land in the float64 store slab; checked against central differences by hand.
TEST(TransformerBlockGradcheck, Parameters) {
  nn::ParamStore store(DType::f64);
  nn::TransformerBlock blk(store, "blk", 4, 2, 6);
  Rng rng(3);
  store.finalize(Device::cpu(), rng);
  const Tensor x = random_tensor({2 * 3, 4}, 7), w = random_tensor({2 * 3, 4}, 8);
  auto loss = [&] { return ag::sum(ag::mul(blk(ag::Var(x), 2), ag::Var(w))); };
  store.zero_grad();
  ag::backward(loss());
  const std::vector<double> analytic = store.grads().to_vector<double>();
  double* p = store.values().data<double>();
  double worst = 0;
  for (int64_t i = 0; i < store.numel(); ++i) {
    const double keep = p[i], h = 1e-6;
    double fp, fm;
    {
      ag::NoGrad ng;
      p[i] = keep + h;
      fp = loss().item();
      p[i] = keep - h;
      fm = loss().item();
    }
    p[i] = keep;
    const double num = (fp - fm) / (2 * h);
    worst = std::max(worst, std::abs(num - analytic[static_cast<size_t>(i)]) / std::max(1.0, std::abs(num)));
  }
  EXPECT_LT(worst, 1e-6);
}

// CUDA vs CPU through the ops: float64 1e-12 (cuBLAS vs loops: summation order only), float32 1e-4.
namespace {
template <typename T>
void attention_cuda_vs_cpu(DType dt, double tol) {
  std::vector<std::vector<double>> got[2];
  for (int di = 0; di < 2; ++di) {
    const Device dev = di == 0 ? Device::cpu() : Device::cuda(0);
    ag::Var q(random_tensor({3 * 18, 64}, 1, dt).to(dev), true), k(random_tensor({3 * 18, 64}, 2, dt).to(dev), true),
        v(random_tensor({3 * 18, 64}, 3, dt).to(dev), true), x(random_tensor({3 * 18, 64}, 4, dt).to(dev), true),
        g(random_tensor({64}, 5, dt).to(dev), true), b(random_tensor({64}, 6, dt).to(dev), true);
    const ag::Var dy(random_tensor({3 * 18, 64}, 7, dt).to(dev));
    const ag::Var o = ag::attention(q, k, v, 3, 4);
    const ag::Var y = ag::layer_norm(x, g, b);
    ag::backward(ag::add(ag::sum(ag::mul(o, dy)), ag::sum(ag::mul(y, dy))));
    for (const Tensor* t : {&o.value(), &y.value(), &q.grad(), &k.grad(), &v.grad(), &x.grad(), &g.grad(), &b.grad()}) {
      const auto vv = t->to(Device::cpu()).to_vector<T>();
      got[di].emplace_back(vv.begin(), vv.end());
    }
  }
  for (size_t t = 0; t < got[0].size(); ++t)
    for (size_t i = 0; i < got[0][t].size(); ++i)
      ASSERT_NEAR(got[1][t][i], got[0][t][i], tol * std::max(1.0, std::abs(got[0][t][i]))) << "tensor " << t << " element " << i;
}
}  // namespace
TEST(AttentionCudaVsCpu, Float) {
  GRIPCU_REQUIRE_CUDA();
  attention_cuda_vs_cpu<float>(DType::f32, 1e-4);
}
TEST(AttentionCudaVsCpu, Double) {
  GRIPCU_REQUIRE_CUDA();
  attention_cuda_vs_cpu<double>(DType::f64, 1e-12);
}
