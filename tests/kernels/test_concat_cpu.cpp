// copy_cols_cpu (concat / split along features), float and double: exact strided copies, accumulate
// as one addition per element, columns outside the block untouched, empty blocks; concat_cols_cpu
// (all parts in one pass) equals one copy_cols_cpu per part.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/concat.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::eps_of;
using test::random_vec;

template <typename T> class ConcatCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ConcatCpu, Types);

TYPED_TEST(ConcatCpu, ConcatThenSplitBack) {
  using T = TypeParam;
  const double e = eps_of<T>();
  // Parts of widths that are not multiples of 32 (e.g. gene block + drug + cell embeddings), rows
  // above the row grain (256) so the parallel path runs.
  for (int64_t rows : {0, 1, 7, 300}) {
    const std::vector<int64_t> widths = {978, 1, 33, 0, 64};
    int64_t total = 0;
    for (auto w : widths) total += w;
    SCOPED_TRACE(testing::Message() << "rows=" << rows);
    std::vector<std::vector<T>> parts;
    for (size_t p = 0; p < widths.size(); ++p) parts.push_back(random_vec<T>(rows * widths[p], 10 + p));
    std::vector<T> cat(static_cast<size_t>(rows * total), T(-9));
    int64_t off = 0;
    for (size_t p = 0; p < widths.size(); ++p) {
      copy_cols_cpu<T>(rows, widths[p], parts[p].data(), widths[p], cat.data() + off, total, false);
      off += widths[p];
    }
    off = 0;
    for (size_t p = 0; p < widths.size(); ++p) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < widths[p]; ++c)
          ASSERT_EQ(cat[r * total + off + c], parts[p][r * widths[p] + c]) << "part " << p;  // exact copy
      off += widths[p];
    }
    for (auto v : cat) ASSERT_NE(v, T(-9));  // every cell written once
    // Split backward: each part's gradient accumulates its columns of the concatenated gradient.
    const auto dcat = random_vec<T>(rows * total, 20);
    off = 0;
    for (size_t p = 0; p < widths.size(); ++p) {
      const int64_t w = widths[p];
      auto g = random_vec<T>(rows * w, 30 + p);
      std::vector<double> ref(g.size()), mag(g.size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < w; ++c) {
          ref[r * w + c] = double(g[r * w + c]) + dcat[r * total + off + c];
          mag[r * w + c] = std::fabs(double(g[r * w + c])) + std::fabs(double(dcat[r * total + off + c]));
        }
      copy_cols_cpu<T>(rows, w, dcat.data() + off, total, g.data(), w, true);
      // One addition: half an ulp of the result, <= eps/2 * (|a| + |b|); allowed twice that.
      EXPECT_TRUE(all_close(g, ref, [&](size_t i) { return e * mag[i]; }, "split accumulate"));
      off += w;
    }
  }
}

TYPED_TEST(ConcatCpu, ColumnsOutsideTheBlockAreUntouched) {
  using T = TypeParam;
  const int64_t rows = 5, ld = 10, width = 3, col0 = 4;
  const auto src = random_vec<T>(rows * width, 40);
  for (bool acc : {false, true}) {
    std::vector<T> dst(rows * ld, T(1));
    copy_cols_cpu<T>(rows, width, src.data(), width, dst.data() + col0, ld, acc);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < ld; ++c) {
        const T v = dst[r * ld + c];
        if (c < col0 || c >= col0 + width) ASSERT_EQ(v, T(1));
        else ASSERT_EQ(v, acc ? T(1) + src[r * width + c - col0] : src[r * width + c - col0]);
      }
  }
  // Empty blocks do nothing (null pointers allowed).
  copy_cols_cpu<T>(0, 3, nullptr, 3, nullptr, 3, false);
  std::vector<T> dst(4, T(2));
  copy_cols_cpu<T>(2, 0, src.data(), 0, dst.data(), 2, true);
  for (auto v : dst) EXPECT_EQ(v, T(2));
}

TYPED_TEST(ConcatCpu, ConcatColsEqualsOneCopyPerPart) {
  using T = TypeParam;
  // Widths as the discriminator's input (genes, cell and drug embeddings) plus odd and empty ones;
  // rows below and above the one-thread grain; a padded source and destination.
  const std::vector<int64_t> widths = {978, 128, 128, 0, 7};
  int64_t total = 0;
  for (auto w : widths) total += w;
  for (int64_t rows : {0, 1, 64, 128, 301}) {
    SCOPED_TRACE(testing::Message() << "rows=" << rows);
    const int64_t dst_ld = total + 5;
    std::vector<std::vector<T>> src;
    std::vector<ColPart<T>> parts;
    for (size_t p = 0; p < widths.size(); ++p) src.push_back(random_vec<T>(rows * (widths[p] + 2), 50 + p));
    for (size_t p = 0; p < widths.size(); ++p)  // the empty part without storage, as an empty tensor's
      parts.push_back({widths[p] == 0 ? nullptr : src[p].data(), widths[p], widths[p] + 2});
    std::vector<T> want(static_cast<size_t>(rows * dst_ld), T(-3)), got = want;
    int64_t off = 0;
    for (size_t p = 0; p < widths.size(); ++p) {
      copy_cols_cpu<T>(rows, widths[p], src[p].data(), widths[p] + 2, want.data() + off, dst_ld, false);
      off += widths[p];
    }
    concat_cols_cpu<T>(rows, static_cast<int>(parts.size()), parts.data(), got.data(), dst_ld);
    ASSERT_EQ(got, want);  // exact, and the padding columns untouched (still -3)
  }
}

}  // namespace
}  // namespace gripcu::kernels
