#include "models/grip/significance.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/error.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "models/grip/metrics.h"

namespace gripcu::grip {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction of I_x(a, b) (modified Lentz), valid for x < (a + 1) / (a + b + 2).
double beta_cf(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-15;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    // even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
    double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    // odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return h;
}

double normal_upper(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }
}  // namespace

double incomplete_beta(double a, double b, double x) {
  GRIPCU_CHECK(a > 0 && b > 0, "incomplete_beta: a = ", a, ", b = ", b);
  if (!(x > 0)) return 0.0;
  if (!(x < 1)) return 1.0;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_cf(a, b, x) / a;
  const double back = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  return 1.0 - back * beta_cf(b, a, 1.0 - x) / b;
}

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  if (std::isinf(t)) return 0.0;
  return incomplete_beta(0.5 * df, 0.5, df / (df + t * t));
}

WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& diffs) {
  std::vector<double> nz, absd;
  for (double d : diffs)
    if (d != 0 && std::isfinite(d)) { nz.push_back(d); absd.push_back(std::fabs(d)); }
  WilcoxonResult r;
  r.n_nonzero = static_cast<int64_t>(nz.size());
  if (nz.empty()) return r;  // no evidence either way: p = 1
  const std::vector<double> ranks = average_ranks(absd);
  for (size_t i = 0; i < nz.size(); ++i)
    if (nz[i] > 0) r.w_plus += ranks[i];
  const double m = double(nz.size()), total = m * (m + 1) / 2;
  if (nz.size() <= 200) {
    // Exact: doubled ranks are integers; count the sign patterns reaching each doubled sum.
    std::vector<int64_t> r2(nz.size());
    int64_t tot2 = 0;
    for (size_t i = 0; i < nz.size(); ++i) { r2[i] = std::llround(2 * ranks[i]); tot2 += r2[i]; }
    std::vector<double> count(static_cast<size_t>(tot2 + 1), 0.0);
    count[0] = 1;
    int64_t reach = 0;
    for (int64_t v : r2) {
      for (int64_t s = reach; s >= 0; --s)
        if (count[static_cast<size_t>(s)] != 0) count[static_cast<size_t>(s + v)] += count[static_cast<size_t>(s)];
      reach += v;
    }
    const double all = std::ldexp(1.0, static_cast<int>(nz.size()));
    const int64_t w2 = std::llround(2 * r.w_plus);
    double le = 0, ge = 0;
    for (int64_t s = 0; s <= tot2; ++s) {
      if (s <= w2) le += count[static_cast<size_t>(s)];
      if (s >= w2) ge += count[static_cast<size_t>(s)];
    }
    r.p = std::min(1.0, 2.0 * std::min(le, ge) / all);
    r.exact = true;
    return r;
  }
  // Normal approximation with the tie correction and a continuity correction (as R's wilcox.test).
  double ties = 0;
  std::vector<double> sorted(ranks);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const double t = double(j - i);
    ties += t * t * t - t;
    i = j;
  }
  const double mean = total / 2, var = m * (m + 1) * (2 * m + 1) / 24 - ties / 48;
  const double diff = r.w_plus - mean;
  const double z = (diff - (diff > 0 ? 0.5 : diff < 0 ? -0.5 : 0.0)) / std::sqrt(var);
  r.p = std::min(1.0, 2.0 * normal_upper(std::fabs(z)));
  r.exact = false;
  return r;
}

PairedComparison paired_comparison(const std::vector<double>& a, const std::vector<double>& b, double ratio) {
  GRIPCU_CHECK(a.size() == b.size(), "paired_comparison: ", a.size(), " and ", b.size(), " values");
  PairedComparison c;
  std::vector<double> d;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(a[i] - b[i]);
  c.n = static_cast<int64_t>(d.size());
  if (d.empty()) {
    c.mean_diff = c.sd_diff = c.t = c.p_t = c.t_corrected = c.p_t_corrected = kNaN;
    return c;
  }
  double mean = 0;
  for (double v : d) mean += v;
  mean /= double(d.size());
  double ss = 0;
  for (double v : d) ss += (v - mean) * (v - mean);
  c.mean_diff = mean;
  c.wilcoxon = wilcoxon_signed_rank(d);
  if (d.size() < 2) {
    c.sd_diff = c.t = c.p_t = c.t_corrected = c.p_t_corrected = kNaN;
    return c;
  }
  const double n = double(d.size()), df = n - 1;
  c.sd_diff = std::sqrt(ss / df);
  auto t_of = [&](double var_factor) {
    if (c.sd_diff == 0) return mean == 0 ? kNaN : std::copysign(std::numeric_limits<double>::infinity(), mean);
    return mean / std::sqrt(var_factor * c.sd_diff * c.sd_diff);
  };
  c.t = t_of(1.0 / n);
  c.t_corrected = t_of(1.0 / n + ratio);
  c.p_t = std::isnan(c.t) ? 1.0 : student_t_two_sided_p(c.t, df);
  c.p_t_corrected = std::isnan(c.t_corrected) ? 1.0 : student_t_two_sided_p(c.t_corrected, df);
  return c;
}

PermutationTest gene_label_permutation_test(const std::vector<float>& pred, const std::vector<float>& truth, size_t genes,
                                            int64_t permutations, uint64_t seed, uint64_t stream_base) {
  GRIPCU_CHECK(pred.size() == truth.size() && genes > 0 && truth.size() % genes == 0 && !truth.empty(),
               "permutation test: ", pred.size(), " predicted and ", truth.size(), " true values for ", genes, " genes");
  GRIPCU_CHECK(permutations > 0, "permutation test: needs at least one permutation");
  PermutationTest r;
  r.permutations = permutations;
  r.observed = mse(pred, truth);
  const size_t n = truth.size() / genes;
  const Rng rng(seed);
  std::vector<double> errs(static_cast<size_t>(permutations));
  parallel_for(permutations, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const auto perm = rng.permutation(static_cast<int64_t>(genes), stream_base + static_cast<uint64_t>(p));
      double s = 0;
      for (size_t i = 0; i < n; ++i) {
        const float* ps = pred.data() + i * genes;
        const float* ts = truth.data() + i * genes;
        for (size_t g = 0; g < genes; ++g) {
          const double e = double(ps[static_cast<size_t>(perm[g])]) - ts[g];
          s += e * e;
        }
      }
      errs[static_cast<size_t>(p)] = s / double(truth.size());
    }
  });
  r.perm_min = std::numeric_limits<double>::infinity();
  for (double e : errs) {
    r.perm_mean += e;
    r.perm_min = std::min(r.perm_min, e);
    r.at_least_as_good += e <= r.observed;
  }
  r.perm_mean /= double(permutations);
  r.p = double(1 + r.at_least_as_good) / double(1 + permutations);
  return r;
}

}  // namespace gripcu::grip
