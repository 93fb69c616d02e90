// Fused FiLM y = h (1 + gamma) + beta and its backward (any of dh, dgamma, dbeta null, accumulate
// on/off), float and double, vs float64 references.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/film.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;
using test::random_vec;

// Empty, 1, odd sizes, the GRIP generator's hidden activations (64 x 256) and 64 x 978 genes, and
// sizes above the CPU grain (2^15) so the parallel path runs.
const std::vector<int64_t> kSizes = {0, 1, 31, 257, 64 * 256, 64 * 978, 100003};

template <typename T> class FilmCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(FilmCpu, Types);

TYPED_TEST(FilmCpu, Forward) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes) {
    SCOPED_TRACE(n);
    const auto h = random_vec<T>(n, 1, -4, 4), g = random_vec<T>(n, 2, -1.5, 1.5), b = random_vec<T>(n, 3);
    std::vector<double> ref(h.size()), mag(h.size());
    for (size_t i = 0; i < h.size(); ++i) {
      ref[i] = double(h[i]) * (1.0 + g[i]) + b[i];
      mag[i] = std::fabs(double(h[i])) * (1.0 + std::fabs(double(g[i]))) + std::fabs(double(b[i]));
    }
    std::vector<T> y(h.size());
    film_forward_cpu<T>(n, h.data(), g.data(), b.data(), y.data());
    // 1 + gamma, the product, the sum (or one fused multiply-add): 3 u on the terms' magnitude.
    EXPECT_TRUE(all_close(y, ref, [&](size_t i) { return 2 * e * mag[i]; }, "film forward"));
  }
}

TYPED_TEST(FilmCpu, Backward) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : kSizes)
    for (bool acc : {false, true}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " accumulate=" << acc);
      const auto h = random_vec<T>(n, 4, -4, 4), g = random_vec<T>(n, 5, -1.5, 1.5), dy = random_vec<T>(n, 6);
      const auto dh0 = random_vec<T>(n, 7), dg0 = random_vec<T>(n, 8), db0 = random_vec<T>(n, 9);
      std::vector<double> rh(h.size()), rg(h.size()), rb(h.size()), mh(h.size()), mg(h.size()), mb(h.size());
      for (size_t i = 0; i < h.size(); ++i) {
        const double a0 = acc ? dh0[i] : 0.0, b0 = acc ? dg0[i] : 0.0, c0 = acc ? db0[i] : 0.0;
        rh[i] = a0 + double(dy[i]) * (1.0 + g[i]);
        rg[i] = b0 + double(dy[i]) * h[i];
        rb[i] = c0 + double(dy[i]);
        mh[i] = std::fabs(a0) + std::fabs(double(dy[i])) * (1.0 + std::fabs(double(g[i])));
        mg[i] = std::fabs(b0) + std::fabs(double(dy[i]) * h[i]);
        mb[i] = std::fabs(c0) + std::fabs(double(dy[i]));
      }
      auto dh = dh0, dg = dg0, db = db0;
      film_backward_cpu<T>(n, h.data(), g.data(), dy.data(), dh.data(), dg.data(), db.data(), acc);
      // dh: 1 + gamma, product, accumulate (3 u); dgamma: product + accumulate (2 u); dbeta: the
      // accumulate (1 u); u = eps/2, each allowed with a margin of one more rounding.
      EXPECT_TRUE(all_close(dh, rh, [&](size_t i) { return 2 * e * mh[i]; }, "dh"));
      EXPECT_TRUE(all_close(dg, rg, [&](size_t i) { return 1.5 * e * mg[i]; }, "dgamma"));
      EXPECT_TRUE(all_close(db, rb, [&](size_t i) { return e * mb[i]; }, "dbeta"));
      // Null outputs are skipped and do not change the others.
      auto dh2 = dh0, db2 = db0;
      film_backward_cpu<T>(n, h.data(), g.data(), dy.data(), dh2.data(), nullptr, db2.data(), acc);
      EXPECT_TRUE(bit_equal(dh2, dh, "dh with dgamma null"));
      EXPECT_TRUE(bit_equal(db2, db, "dbeta with dgamma null"));
      auto dg2 = dg0;
      film_backward_cpu<T>(n, h.data(), g.data(), dy.data(), nullptr, dg2.data(), nullptr, acc);
      EXPECT_TRUE(bit_equal(dg2, dg, "dgamma alone"));
    }
}

}  // namespace
}  // namespace gripcu::kernels
