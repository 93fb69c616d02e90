#pragma once
// Small dependency-free SVG charts for the plots people would rather see than read.
#include <string>
#include <utility>
#include <vector>

namespace gripcu::io {

struct Series {
  std::string label, color;
  std::vector<double> y;  // x = 1..n
};
// Line chart of one or more series against their index (e.g. loss per epoch).
std::string svg_line_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                           const std::vector<Series>& series);

}  // namespace gripcu::io
