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

// Heatmap (as GRIP-Lung Fig. 8): rows x columns of values on a diverging blue-white-red scale
// symmetric about 0 (limit: `limit` when > 0, else the largest |value|), row labels on the left,
// column labels below (rotated; left out above `max_col_labels` columns), an optional strip of
// per-column values above the grid on its own diverging scale (e.g. the resistance index), and an
// optional second strip coloured by that value's sign (red > 0, blue <= 0) with its two meanings.
// Every grid cell is one <rect class="cell"> (with a <title> tooltip), every strip cell one
// <rect class="bar"> / <rect class="sign">; non-finite values are grey. Labels are XML-escaped.
struct Heatmap {
  std::string title;
  std::vector<std::string> row_labels, col_labels;
  std::vector<double> values;  // rows x cols, row-major
  std::string value_label = "score";
  double limit = 0;
  std::vector<double> bar;  // empty, or one value per column
  std::string bar_label = "RI";
  std::string sign_label;  // non-empty: draw the sign strip under this name
  std::string positive_name = "RI > 0", nonpositive_name = "RI <= 0";
  size_t max_col_labels = 200;
};
std::string svg_heatmap(const Heatmap& h);
// Text made safe for SVG/XML content and attribute values (& < > " ').
std::string xml_escape(const std::string& s);

}  // namespace gripcu::io
