// Gradient reversal: identity forward (also in place), dx (+)= -lambda dy backward with lambda read
// from memory, float and double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/grl.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;
using test::random_vec;

const std::vector<int64_t> kSizes = {0, 1, 33, 257, 70001};

template <typename T> class GrlCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(GrlCpu, Types);

TYPED_TEST(GrlCpu, ForwardIsIdentity) {
  using T = TypeParam;
  for (int64_t n : kSizes) {
    const auto x = random_vec<T>(n, 1);
    std::vector<T> y(x.size(), T(5));
    grl_forward_cpu<T>(n, x.data(), y.data());
    EXPECT_TRUE(bit_equal(y, x, "grl forward"));
    auto z = x;
    grl_forward_cpu<T>(n, z.data(), z.data());  // in place
    EXPECT_TRUE(bit_equal(z, x, "grl forward in place"));
  }
}

TYPED_TEST(GrlCpu, BackwardReversesAndScales) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes)
    for (T lambda : {T(0), T(1), T(0.37), T(2.5)})
      for (bool acc : {false, true}) {
        SCOPED_TRACE(testing::Message() << "n=" << n << " lambda=" << lambda << " acc=" << acc);
        const auto dy = random_vec<T>(n, 2), dx0 = random_vec<T>(n, 3);
        std::vector<double> ref(dy.size()), mag(dy.size());
        for (size_t i = 0; i < dy.size(); ++i) {
          const double g = -double(lambda) * dy[i];
          ref[i] = acc ? dx0[i] + g : g;
          mag[i] = std::fabs(g) + (acc ? std::fabs(double(dx0[i])) : 0.0);
        }
        auto dx = dx0;
        grl_backward_cpu<T>(n, &lambda, dy.data(), dx.data(), acc);
        // One product and (accumulate) one sum: 2 u = eps on the terms' magnitude to first order;
        // 1.5 eps leaves room for the second-order terms.
        EXPECT_TRUE(all_close(dx, ref, [&](size_t i) { return 1.5 * e * mag[i]; }, "grl backward"));
        if (lambda == T(1) && !acc)
          for (size_t i = 0; i < dx.size(); ++i) ASSERT_EQ(dx[i], -dy[i]);  // exact negation
      }
}

}  // namespace
}  // namespace gripcu::kernels
