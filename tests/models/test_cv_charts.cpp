// The evaluation charts gripcu cv writes (engine/io/svg_charts.h): one element per point, bin and
// bar, non-finite values skipped, bin counts that add up, escaped text, deterministic output.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>

#include "engine/io/svg_charts.h"

using namespace gripcu;

namespace {
size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST(SvgCharts, ScatterDrawsEveryFinitePointAndTheDiagonal) {
  const std::vector<double> x = {0, 1, 2, NAN, 4}, y = {0, 1.5, 2, 3, INFINITY};
  const std::string svg = io::svg_scatter("pred <vs> true & more", "true", "pred", x, y, true, "line one\nline two");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "<circle"), 3u);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);  // y = x
  EXPECT_NE(svg.find("pred &lt;vs&gt; true &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("<vs>"), std::string::npos);
  EXPECT_NE(svg.find(">line one<"), std::string::npos);
  EXPECT_NE(svg.find(">line two<"), std::string::npos);
  EXPECT_EQ(svg, io::svg_scatter("pred <vs> true & more", "true", "pred", x, y, true, "line one\nline two"));
}

TEST(SvgCharts, HistogramBinsAddUpAndMarkTheMedian) {
  std::vector<double> v;
  for (int i = 0; i < 100; ++i) v.push_back(-1.0 + 2.0 * i / 99.0);
  v.push_back(NAN);
  v.push_back(5.0);  // outside [lo, hi]: clamped into the last bin
  const std::string svg = io::svg_histogram("h", "r", v, 10, -1, 1, 0.0, "median 0");
  EXPECT_EQ(count(svg, "class=\"bin\""), 10u);
  // Each bin's tooltip ends with ": <count></title>"; the counts add up to the finite values.
  const std::regex re(": ([0-9]+)</title>");
  double total = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) total += std::stod((*it)[1]);
  EXPECT_EQ(total, 101);
  EXPECT_NE(svg.find("median 0"), std::string::npos);
  EXPECT_NE(svg.find(">0.5<"), std::string::npos);  // a nice x tick
}

TEST(SvgCharts, BarsWithErrorBars) {
  std::vector<io::BarSeries> s = {{"A", io::chart_color(0), {0.5, 0.7, NAN}, {0.05, NAN, 0.1}},
                                  {"B <b>", io::chart_color(1), {0.6, 0.2, 0.9}, {0.01, 0.02, 0.03}}};
  const std::string svg = io::svg_bar_chart("bars", "score", {"ACC", "F1", "x"}, s, 0, 1, "note");
  EXPECT_EQ(count(svg, "class=\"bar\""), 5u);  // the NaN value draws no bar
  EXPECT_EQ(count(svg, "class=\"err\""), 4u);  // NaN errors draw no whisker; neither does a missing bar
  EXPECT_NE(svg.find("B &lt;b&gt;"), std::string::npos);
  EXPECT_NE(io::chart_color(0), io::chart_color(1));
  EXPECT_EQ(io::chart_color(0), io::chart_color(10));
}
