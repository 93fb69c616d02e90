// Embedding gather and its deterministic scatter-add backward, float and double: exact gathers,
// repeated indices summed in increasing i, out-of-range indices throw, bits independent of threads.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/error.h"
#include "kernels/embedding.h"
#include "tests/kernels/cpu_test_util.h"

namespace gripcu::kernels {
namespace {

using test::all_close;
using test::bit_equal;
using test::eps_of;
using test::random_vec;

std::vector<int64_t> random_idx(int64_t n, int64_t vocab, uint64_t seed) {
  test::SplitMix g(seed);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (auto& i : idx) i = g.below(vocab);
  return idx;
}

template <typename T> class EmbeddingCpu : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(EmbeddingCpu, Types);

struct Case { int64_t n, dim, vocab; };
// Dims around 32 (the CPU column grain) and not multiples of it; n above the row grain (64);
// few-word vocabularies force many repeated indices.
const std::vector<Case> kCases = {{0, 8, 5}, {1, 1, 1}, {5, 0, 3}, {7, 33, 3}, {200, 7, 7}, {129, 256, 50},
                                  {300, 65, 1000}};

TYPED_TEST(EmbeddingCpu, ForwardIsAnExactGather) {
  using T = TypeParam;
  for (auto c : kCases) {
    SCOPED_TRACE(testing::Message() << "n=" << c.n << " dim=" << c.dim << " vocab=" << c.vocab);
    const auto table = random_vec<T>(c.vocab * c.dim, 1);
    const auto idx = random_idx(c.n, c.vocab, 2);
    std::vector<T> out(static_cast<size_t>(c.n * c.dim), T(-7));
    embedding_forward_cpu<T>(c.n, c.dim, c.vocab, table.data(), idx.data(), out.data());
    for (int64_t i = 0; i < c.n; ++i)
      for (int64_t d = 0; d < c.dim; ++d) ASSERT_EQ(out[i * c.dim + d], table[idx[i] * c.dim + d]) << i << "," << d;
  }
}

TYPED_TEST(EmbeddingCpu, BackwardSumsRepeatedIndices) {
  using T = TypeParam;
  const double e = eps_of<T>();
  for (auto c : kCases)
    for (bool acc : {false, true}) {
      SCOPED_TRACE(testing::Message() << "n=" << c.n << " dim=" << c.dim << " vocab=" << c.vocab << " acc=" << acc);
      const auto idx = random_idx(c.n, c.vocab, 3);
      const auto dout = random_vec<T>(c.n * c.dim, 4);
      const auto dt0 = random_vec<T>(c.vocab * c.dim, 5);
      std::vector<double> ref(dt0.size(), 0.0), mag(dt0.size(), 0.0);
      std::vector<T> seq(dt0.size(), T(0));  // float sum in increasing i: the documented order
      std::vector<int64_t> count(static_cast<size_t>(c.vocab), 0);
      if (acc) for (size_t k = 0; k < dt0.size(); ++k) { ref[k] = dt0[k]; mag[k] = std::fabs(double(dt0[k])); seq[k] = dt0[k]; }
      for (int64_t i = 0; i < c.n; ++i) {
        ++count[idx[i]];
        for (int64_t d = 0; d < c.dim; ++d) {
          const size_t k = static_cast<size_t>(idx[i] * c.dim + d);
          ref[k] += dout[i * c.dim + d];
          mag[k] += std::fabs(double(dout[i * c.dim + d]));
          seq[k] += dout[i * c.dim + d];
        }
      }
      auto dt = dt0;
      embedding_backward_cpu<T>(c.n, c.dim, c.vocab, idx.data(), dout.data(), dt.data(), acc);
      // A row hit `count` times is a sequential sum of count (+1) terms: count * u * sum|terms|.
      EXPECT_TRUE(all_close(dt, ref,
                            [&](size_t k) {
                              return (static_cast<double>(count[k / static_cast<size_t>(c.dim)]) + 1) * e * mag[k];
                            },
                            "embedding backward"));
      // Deterministic contract: bit-identical to the sum in increasing i (rows never hit: 0 or untouched).
      EXPECT_TRUE(bit_equal(dt, seq, "embedding backward order"));
    }
}

TYPED_TEST(EmbeddingCpu, OutOfRangeIndexThrows) {
  using T = TypeParam;
  const int64_t dim = 100, vocab = 4;  // dim > the column grain, so backward runs on 2 threads
  test::ThreadScope two(2);
  const auto table = random_vec<T>(vocab * dim, 6);
  std::vector<T> out(3 * dim), dt(vocab * dim);
  for (int64_t bad : {int64_t{-1}, vocab, int64_t{1} << 40}) {
    const std::vector<int64_t> idx = {0, 3, bad};
    EXPECT_THROW(embedding_forward_cpu<T>(3, dim, vocab, table.data(), idx.data(), out.data()), Error) << bad;
    EXPECT_THROW(embedding_backward_cpu<T>(3, dim, vocab, idx.data(), out.data(), dt.data(), true), Error) << bad;
    EXPECT_THROW(embedding_backward_cpu<T>(3, dim, vocab, idx.data(), out.data(), dt.data(), false), Error) << bad;
  }
  try {
    const std::vector<int64_t> idx = {0, 9};
    embedding_forward_cpu<T>(2, dim, vocab, table.data(), idx.data(), out.data());
    FAIL() << "no throw";
  } catch (const Error& err) {
    const std::string msg = err.what();
    EXPECT_NE(msg.find("index 9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[0, 4)"), std::string::npos) << msg;
  }
  // A rejected backward leaves dtable untouched (validation happens before any write).
  const std::vector<int64_t> idx = {0, 9};
  std::vector<T> keep(vocab * dim, T(3));
  EXPECT_THROW(embedding_backward_cpu<T>(2, dim, vocab, idx.data(), out.data(), keep.data(), false), Error);
  for (auto v : keep) ASSERT_EQ(v, T(3));
}

TEST(EmbeddingCpuDeterminism, SameBitsWithOneAndTwoThreads) {
  const int64_t n = 500, dim = 300, vocab = 11;
  const auto idx = random_idx(n, vocab, 7);
  const auto dout = random_vec<float>(n * dim, 8);
  const auto table = random_vec<float>(vocab * dim, 9);
  std::vector<float> g1(vocab * dim), g2(vocab * dim), o1(n * dim), o2(n * dim);
  {
    test::ThreadScope one(1);
    embedding_backward_cpu<float>(n, dim, vocab, idx.data(), dout.data(), g1.data(), false);
    embedding_forward_cpu<float>(n, dim, vocab, table.data(), idx.data(), o1.data());
  }
  {
    test::ThreadScope two(2);
    embedding_backward_cpu<float>(n, dim, vocab, idx.data(), dout.data(), g2.data(), false);
    embedding_forward_cpu<float>(n, dim, vocab, table.data(), idx.data(), o2.data());
  }
  EXPECT_TRUE(bit_equal(g1, g2, "embedding backward 1 vs 2 threads"));
  EXPECT_TRUE(bit_equal(o1, o2, "embedding forward 1 vs 2 threads"));
}

}  // namespace
}  // namespace gripcu::kernels
