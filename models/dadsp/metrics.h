#pragma once
// Regression metrics for drug response, defined once (DESIGN.md §4) and named exactly.
//   rmse       sqrt(mean (y - p)^2)                                    (paper eq. 10)
//   r2         1 - SS_res / SS_tot, SS_tot about the mean of y          (the usual R^2)
//   pearson    Pearson correlation of y and p
//   spearman   Pearson correlation of the ranks (ties get their average rank)
//   r2_origin_paper  the DADSP paper's eqs. 11-12 as printed: k = sum y p / sum y^2,
//              y0_i = k y_i, R2_origin = 1 - sum (y_i - y0_i)^2 / sum (y_i - mean y)^2.
//              The printed formula measures only how far the through-origin slope k of the
//              predictions on the labels is from 1; it is reported under this name only, never as R^2.
// All in float64. Fewer than two values, or a constant y (SS_tot = 0), give NaN where undefined.
#include <string>
#include <vector>

#include "engine/ranks.h"  // average_ranks

namespace gripcu::dadsp {

struct Metrics {
  size_t n = 0;
  double rmse = 0, r2 = 0, pearson = 0, spearman = 0, r2_origin_paper = 0;
};

Metrics regression_metrics(const std::vector<double>& y, const std::vector<double>& p);
double pearson(const std::vector<double>& a, const std::vector<double>& b);
double spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace gripcu::dadsp
