// Deterministic reductions (sum_rows, sum_cols, sum_all, pairwise_sum), float and double, vs float64
// references; plus the documented summation order (blocks of 8, then a halving tree) bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/reduce.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::eps_of;
using test::random_vec;

// Error bound of the pairwise sum (<= 8 sequential terms per leaf, then a tree of depth
// ceil(log2(n / 8))): (7 + depth) roundings of u = eps/2 on sum |x|. We allow
// (8 + log2(n + 1) + 2) * eps * sum|x|, about twice that.
double pairwise_tol(int64_t n, double e, double sum_abs) {
  return (10.0 + std::log2(static_cast<double>(n) + 1.0)) * e * sum_abs;
}

// The order the header documents, written independently: the kernel must match it bit for bit.
template <typename T> T ordered_sum(const T* x, int64_t n, int64_t stride) {
  if (n <= 8) {
    T s = T(0);
    for (int64_t i = 0; i < n; ++i) s += x[i * stride];
    return s;
  }
  const int64_t h = n / 2;
  return ordered_sum(x, h, stride) + ordered_sum(x + h * stride, n - h, stride);
}

template <typename T> class ReduceCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReduceCpu, Types);

const std::vector<std::pair<int64_t, int64_t>> kShapes = {{0, 0},  {0, 5},   {5, 0},    {1, 1},    {1, 33},
                                                          {33, 1}, {7, 129}, {64, 978}, {257, 65}, {3, 12000}};

TYPED_TEST(ReduceCpu, SumRowsAndCols) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (auto [rows, cols] : kShapes)
    for (bool acc : {false, true}) {
      SCOPED_TRACE(testing::Message() << rows << "x" << cols << " accumulate=" << acc);
      const auto x = random_vec<T>(rows * cols, 21, -2, 3);
      const auto o_rows0 = random_vec<T>(cols, 22), o_cols0 = random_vec<T>(rows, 23);
      // Reference sums in long double (64-bit mantissa): a plain double sum would itself be off by
      // more than the double kernel's pairwise bound.
      std::vector<long double> rr(static_cast<size_t>(cols)), rc(static_cast<size_t>(rows));
      std::vector<double> ra(rr.size()), ca(rc.size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const double v = x[r * cols + c];
          rr[c] += v;
          ra[c] += std::fabs(v);
          rc[r] += v;
          ca[r] += std::fabs(v);
        }
      auto o_rows = o_rows0, o_cols = o_cols0;
      for (int64_t c = 0; c < cols; ++c) if (acc) { rr[c] += o_rows0[c]; ra[c] += std::fabs(double(o_rows0[c])); }
      for (int64_t r = 0; r < rows; ++r) if (acc) { rc[r] += o_cols0[r]; ca[r] += std::fabs(double(o_cols0[r])); }
      sum_rows_cpu<T>(rows, cols, x.data(), o_rows.data(), acc);
      sum_cols_cpu<T>(rows, cols, x.data(), o_cols.data(), acc);
      const std::vector<double> rrd(rr.begin(), rr.end()), rcd(rc.begin(), rc.end());
      EXPECT_TRUE(all_close(o_rows, rrd, [&](size_t c) { return pairwise_tol(rows + 1, e, ra[c]); }, "sum_rows"));
      EXPECT_TRUE(all_close(o_cols, rcd, [&](size_t r) { return pairwise_tol(cols + 1, e, ca[r]); }, "sum_cols"));
      // And exactly the documented order.
      for (int64_t c = 0; c < cols; ++c) {
        const T s = ordered_sum(x.data() + c, rows, cols);
        ASSERT_EQ(o_rows[c], acc ? o_rows0[c] + s : s) << "column " << c;
      }
      for (int64_t r = 0; r < rows; ++r) {
        const T s = ordered_sum(x.data() + r * cols, cols, int64_t{1});
        ASSERT_EQ(o_cols[r], acc ? o_cols0[r] + s : s) << "row " << r;
      }
    }
}

TYPED_TEST(ReduceCpu, SumAllAndPairwise) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (int64_t n : {0, 1, 8, 9, 31, 1000, 70001, 1 << 20}) {
    SCOPED_TRACE(n);
    // Values with a large common offset make naive float summation visibly worse than pairwise.
    const auto x = random_vec<T>(n, 31, 10, 11);
    long double ref = 0;  // long double: see SumRowsAndCols
    double sa = 0;
    for (auto v : x) { ref += v; sa += std::fabs(double(v)); }
    for (double scale : {1.0, -0.5, 1.0 / 3.0}) {
      T out = T(-1);
      sum_all_cpu<T>(n, x.data(), static_cast<T>(scale), &out);
      const double r = static_cast<double>(static_cast<long double>(static_cast<T>(scale)) * ref);
      // pairwise bound, then one more rounding for the scale.
      EXPECT_NEAR(double(out), r, pairwise_tol(n, e, sa) * std::fabs(scale) + e * std::fabs(r));
      EXPECT_EQ(out, static_cast<T>(scale) * ordered_sum(x.data(), n, int64_t{1}));
    }
    // Strided access: every third element.
    const int64_t m = n / 3;
    long double rs = 0;
    double ras = 0;
    for (int64_t i = 0; i < m; ++i) { rs += x[3 * i]; ras += std::fabs(double(x[3 * i])); }
    const T ps = pairwise_sum<T>(x.data(), m, 3);
    EXPECT_NEAR(double(ps), static_cast<double>(rs), pairwise_tol(m, e, ras));
    EXPECT_EQ(ps, ordered_sum(x.data(), m, int64_t{3}));
  }
}

TEST(ReduceCpu, SumRowsIsEachColumnsPairwiseSumBitForBit) {
  // sum_rows walks blocks of columns with the columns as the inner loop; each column must still be
  // exactly pairwise_sum over its (strided) values, also for partial blocks and short columns.
  for (int64_t rows : {1, 7, 9, 64, 129, 300})
    for (int64_t cols : {1, 63, 64, 65, 978}) {
      const auto x = random_vec<float>(rows * cols, 51 + rows + cols);
      std::vector<float> got(static_cast<size_t>(cols), 0.5f), want(static_cast<size_t>(cols));
      for (int64_t c = 0; c < cols; ++c) want[static_cast<size_t>(c)] = 0.5f + pairwise_sum<float>(x.data() + c, rows, cols);
      sum_rows_cpu<float>(rows, cols, x.data(), got.data(), true);
      EXPECT_TRUE(test::bit_equal(got, want, "sum_rows " + std::to_string(rows) + " x " + std::to_string(cols)));
    }
}

TEST(ReduceCpuDeterminism, SameBitsWithOneAndTwoThreads) {
  const int64_t rows = 300, cols = 2000;
  const auto x = random_vec<float>(rows * cols, 41);
  std::vector<float> a1(cols), a2(cols), b1(rows), b2(rows);
  {
    test::ThreadScope one(1);
    sum_rows_cpu<float>(rows, cols, x.data(), a1.data(), false);
    sum_cols_cpu<float>(rows, cols, x.data(), b1.data(), false);
  }
  {
    test::ThreadScope two(2);
    sum_rows_cpu<float>(rows, cols, x.data(), a2.data(), false);
    sum_cols_cpu<float>(rows, cols, x.data(), b2.data(), false);
  }
  EXPECT_TRUE(test::bit_equal(a1, a2, "sum_rows"));
  EXPECT_TRUE(test::bit_equal(b1, b2, "sum_cols"));
}

}  // namespace
}  // namespace gripcu::kernels
