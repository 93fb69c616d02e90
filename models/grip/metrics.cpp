#include "models/grip/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/error.h"

namespace gripcu::grip {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_same(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  GRIPCU_CHECK(a.size() == b.size() && !a.empty(), what, ": sizes ", a.size(), " and ", b.size());
}

// Confusion counts of the up (> 0) / down (<= 0) labelling, then accuracy and macro scores.
SignScores scores_from_counts(double tp, double fp, double fn, double tn) {
  // "up" as the positive class: tp = up/up, fp = predicted up but down, fn = predicted down but up.
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  auto f1 = [](double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; };
  const double p_up = ratio(tp, tp + fp), r_up = ratio(tp, tp + fn);
  const double p_dn = ratio(tn, tn + fn), r_dn = ratio(tn, tn + fp);
  SignScores s;
  s.acc = ratio(tp + tn, tp + fp + fn + tn);
  s.prec = 0.5 * (p_up + p_dn);
  s.rec = 0.5 * (r_up + r_dn);
  s.f1 = 0.5 * (f1(p_up, r_up) + f1(p_dn, r_dn));
  return s;
}
}  // namespace

double mse(const std::vector<float>& pred, const std::vector<float>& truth) {
  check_same(pred, truth, "mse");
  double s = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const double d = double(pred[i]) - truth[i];
    s += d * d;
  }
  return s / static_cast<double>(truth.size());
}

double r2_score(const std::vector<float>& pred, const std::vector<float>& truth) {
  check_same(pred, truth, "r2_score");
  double mean = 0;
  for (float v : truth) mean += v;
  mean /= static_cast<double>(truth.size());
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ss_res += (double(truth[i]) - pred[i]) * (double(truth[i]) - pred[i]);
    ss_tot += (double(truth[i]) - mean) * (double(truth[i]) - mean);
  }
  return ss_tot > 0 ? 1.0 - ss_res / ss_tot : 0.0;
}

SignScores sign_scores(const std::vector<float>& pred, const std::vector<float>& truth) {
  check_same(pred, truth, "sign_scores");
  double tp = 0, fp = 0, fn = 0, tn = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const bool p = pred[i] > 0, t = truth[i] > 0;
    if (p && t) ++tp;
    else if (p) ++fp;
    else if (t) ++fn;
    else ++tn;
  }
  return scores_from_counts(tp, fp, fn, tn);
}

SignScores delta_sign_scores(const std::vector<float>& pred, const std::vector<float>& truth,
                             const std::vector<float>& baseline) {
  check_same(pred, truth, "delta_sign_scores");
  check_same(baseline, truth, "delta_sign_scores");
  double tp = 0, fp = 0, fn = 0, tn = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    // Compared, not subtracted, so float rounding cannot turn an exact "no change" into a change.
    const bool p = pred[i] > baseline[i], t = truth[i] > baseline[i];
    if (p && t) ++tp;
    else if (p) ++fp;
    else if (t) ++fn;
    else ++tn;
  }
  return scores_from_counts(tp, fp, fn, tn);
}


double auc(const std::vector<double>& pos, const std::vector<double>& neg) {
  if (pos.empty() || neg.empty()) return kNaN;
  std::vector<double> all(pos);
  all.insert(all.end(), neg.begin(), neg.end());
  const std::vector<double> r = average_ranks(all);
  double rank_sum = 0;
  for (size_t i = 0; i < pos.size(); ++i) rank_sum += r[i];
  const double np = double(pos.size()), nn = double(neg.size());
  return (rank_sum - np * (np + 1) / 2) / (np * nn);
}

double binary_accuracy(const std::vector<double>& pos, const std::vector<double>& neg, double threshold) {
  if (pos.empty() && neg.empty()) return kNaN;
  double right = 0;
  for (double v : pos) right += v > threshold;
  for (double v : neg) right += v <= threshold;
  return right / double(pos.size() + neg.size());
}

double pearson(const float* a, const float* b, size_t n, size_t sa, size_t sb) {
  if (n < 2) return kNaN;
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) { ma += a[i * sa]; mb += b[i * sb]; }
  ma /= double(n);
  mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    const double da = a[i * sa] - ma, db = b[i * sb] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : kNaN;
}

double spearman(const float* a, const float* b, size_t n) {
  const std::vector<double> ra = average_ranks(std::vector<double>(a, a + n)), rb = average_ranks(std::vector<double>(b, b + n));
  const std::vector<float> fa(ra.begin(), ra.end()), fb(rb.begin(), rb.end());  // ranks <= 2^24 are exact in float
  return pearson(fa.data(), fb.data(), n);
}

double cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : kNaN;
}

std::vector<double> genewise_pearson(const std::vector<float>& pred, const std::vector<float>& truth, size_t genes) {
  check_same(pred, truth, "genewise_pearson");
  GRIPCU_CHECK(genes > 0 && truth.size() % genes == 0, "genewise_pearson: ", truth.size(), " values for ", genes, " genes");
  const size_t n = truth.size() / genes;
  std::vector<double> r(genes);
  for (size_t g = 0; g < genes; ++g) r[g] = pearson(pred.data() + g, truth.data() + g, n, genes, genes);
  return r;
}

double median_finite(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

DegScores deg_scores(const std::vector<float>& pred, const std::vector<float>& truth, const std::vector<float>& baseline,
                     size_t genes, size_t k) {
  check_same(pred, truth, "deg_scores");
  check_same(baseline, truth, "deg_scores");
  GRIPCU_CHECK(genes > 0 && truth.size() % genes == 0 && k > 0, "deg_scores: ", truth.size(), " values, ", genes, " genes, k = ", k);
  k = std::min(k, genes);
  const size_t n = truth.size() / genes;
  std::vector<size_t> idx(genes);
  std::vector<double> p, t;
  p.reserve(n * k);
  t.reserve(n * k);
  for (size_t s = 0; s < n; ++s) {
    const float* ts = truth.data() + s * genes;
    const float* bs = baseline.data() + s * genes;
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), [&](size_t a, size_t b) {
      const double da = std::fabs(double(ts[a]) - bs[a]), db = std::fabs(double(ts[b]) - bs[b]);
      return da != db ? da > db : a < b;
    });
    for (size_t j = 0; j < k; ++j) {
      p.push_back(pred[s * genes + idx[j]]);
      t.push_back(ts[idx[j]]);
    }
  }
  double se = 0, ae = 0, mean = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    se += (p[i] - t[i]) * (p[i] - t[i]);
    ae += std::fabs(p[i] - t[i]);
    mean += t[i];
  }
  mean /= double(t.size());
  double tot = 0;
  for (double v : t) tot += (v - mean) * (v - mean);
  DegScores d;
  d.rmse = std::sqrt(se / double(t.size()));
  d.mae = ae / double(t.size());
  d.r2 = tot > 0 ? 1.0 - se / tot : 0.0;
  return d;
}

const std::vector<std::string>& profile_metric_names() {
  static const std::vector<std::string> names = {
      "mse", "r2", "sign_acc", "sign_prec", "sign_rec", "sign_f1", "delta_sign_acc", "delta_sign_prec",
      "delta_sign_rec", "delta_sign_f1", "delta_r2", "genewise_pearson_median", "sample_pearson", "sample_spearman",
      "sample_cosine", "deg_rmse", "deg_mae", "deg_r2"};
  return names;
}

const std::vector<std::string>& all_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = profile_metric_names();
    v.push_back("disc_acc");
    v.push_back("disc_auc");
    return v;
  }();
  return names;
}

MetricSet profile_metrics(const std::vector<float>& pred, const std::vector<float>& truth,
                          const std::vector<float>& baseline, size_t genes, size_t deg_k) {
  check_same(pred, truth, "profile_metrics");
  check_same(baseline, truth, "profile_metrics");
  GRIPCU_CHECK(genes > 0 && truth.size() % genes == 0, "profile_metrics: ", truth.size(), " values for ", genes, " genes");
  const size_t n = truth.size() / genes;
  const SignScores s = sign_scores(pred, truth), ds = delta_sign_scores(pred, truth, baseline);
  std::vector<float> dp(truth.size()), dt(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    dp[i] = pred[i] - baseline[i];
    dt[i] = truth[i] - baseline[i];
  }
  // Per-sample similarities: the mean over samples where each is defined.
  double sp = 0, ss = 0, sc = 0;
  size_t np = 0, ns = 0, nc = 0;
  for (size_t i = 0; i < n; ++i) {
    const float* a = pred.data() + i * genes;
    const float* b = truth.data() + i * genes;
    const double p = pearson(a, b, genes), r = spearman(a, b, genes), c = cosine(a, b, genes);
    if (std::isfinite(p)) { sp += p; ++np; }
    if (std::isfinite(r)) { ss += r; ++ns; }
    if (std::isfinite(c)) { sc += c; ++nc; }
  }
  auto mean_or_nan = [](double s, size_t c) { return c ? s / double(c) : kNaN; };
  const DegScores deg = deg_scores(pred, truth, baseline, genes, deg_k);
  const std::vector<double> values = {mse(pred, truth), r2_score(pred, truth), s.acc, s.prec, s.rec, s.f1,
                                      ds.acc, ds.prec, ds.rec, ds.f1, r2_score(dp, dt),
                                      median_finite(genewise_pearson(pred, truth, genes)), mean_or_nan(sp, np),
                                      mean_or_nan(ss, ns), mean_or_nan(sc, nc), deg.rmse, deg.mae, deg.r2};
  MetricSet out;
  const auto& names = profile_metric_names();
  for (size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
  return out;
}

}  // namespace gripcu::grip
