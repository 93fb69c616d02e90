#include "models/dadsp/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/error.h"

namespace gripcu::dadsp {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / double(v.size());
}
}  // namespace

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  GRIPCU_CHECK(a.size() == b.size(), "pearson: sizes differ (", a.size(), " vs ", b.size(), ")");
  if (a.size() < 2) return kNaN;
  const double ma = mean(a), mb = mean(b);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa <= 0 || sbb <= 0) return kNaN;
  return sab / std::sqrt(saa * sbb);
}


double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  return pearson(average_ranks(a), average_ranks(b));
}

Metrics regression_metrics(const std::vector<double>& y, const std::vector<double>& p) {
  GRIPCU_CHECK(y.size() == p.size(), "metrics: ", y.size(), " labels vs ", p.size(), " predictions");
  Metrics m;
  m.n = y.size();
  if (y.empty()) {
    m.rmse = m.r2 = m.pearson = m.spearman = m.r2_origin_paper = kNaN;
    return m;
  }
  const double my = mean(y);
  double ssr = 0, sst = 0, syp = 0, syy = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    ssr += (y[i] - p[i]) * (y[i] - p[i]);
    sst += (y[i] - my) * (y[i] - my);
    syp += y[i] * p[i];
    syy += y[i] * y[i];
  }
  m.rmse = std::sqrt(ssr / double(y.size()));
  m.r2 = sst > 0 ? 1.0 - ssr / sst : kNaN;
  m.pearson = pearson(y, p);
  m.spearman = spearman(y, p);
  if (sst > 0 && syy > 0) {
    const double k = syp / syy;
    double s0 = 0;
    for (double v : y) s0 += (v - k * v) * (v - k * v);
    m.r2_origin_paper = 1.0 - s0 / sst;
  } else {
    m.r2_origin_paper = kNaN;
  }
  return m;
}

}  // namespace gripcu::dadsp
