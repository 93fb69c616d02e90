#pragma once
// Evaluation charts as dependency-free SVG (GRIP-Lung Figs. 2-4): predicted-vs-true scatter,
// histogram with a marked value, grouped bars with error bars. Text is XML-escaped; non-finite
// inputs are skipped (and counted in the chart's note). Output depends only on the arguments.
#include <limits>
#include <string>
#include <vector>

namespace gripcu::io {

// Points (x[i], y[i]); `diagonal` draws y = x across the shared range. `note`: smaller lines under
// the title ('\n' separates them; e.g. how many points of how many are drawn). Every point is one
// <circle>. Axes carry ticks at 1, 2 or 5 x 10^k steps.
std::string svg_scatter(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                        const std::vector<double>& x, const std::vector<double>& y, bool diagonal = true,
                        const std::string& note = "");

// Histogram of `values` in `bins` equal bins over [lo, hi] (values outside are clamped into the end
// bins; lo >= hi: the range of the finite values). A vertical red line marks `marker` (if finite),
// labelled `marker_label`. Every bin is one <rect class="bin">.
std::string svg_histogram(const std::string& title, const std::string& xlabel, const std::vector<double>& values,
                          int bins, double lo, double hi, double marker = std::numeric_limits<double>::quiet_NaN(), const std::string& marker_label = "",
                          const std::string& note = "");

// Grouped bars: one group per `groups` entry, one bar per series within each group, with
// +-error whiskers (non-finite errors: none). y axis from `ymin` to `ymax` (ymin >= ymax: fitted).
// Every bar is one <rect class="bar">, every whisker one <line class="err">.
struct BarSeries {
  std::string label, color;
  std::vector<double> value, error;  // one per group
};
std::string svg_bar_chart(const std::string& title, const std::string& ylabel, const std::vector<std::string>& groups,
                          const std::vector<BarSeries>& series, double ymin = 0, double ymax = 0,
                          const std::string& note = "");

// A fixed categorical palette (10 colours, cycled).
const std::string& chart_color(size_t i);

}  // namespace gripcu::io
