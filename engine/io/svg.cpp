#include "engine/io/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace gripcu::io {

namespace {
std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}
}  // namespace

std::string svg_line_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                           const std::vector<Series>& series) {
  const double W = 640, H = 400, L = 70, R = 150, T = 40, B = 50;
  double ymin = std::numeric_limits<double>::infinity(), ymax = -ymin;
  size_t n = 1;
  for (const auto& s : series) {
    n = std::max(n, s.y.size());
    for (double v : s.y)
      if (std::isfinite(v)) { ymin = std::min(ymin, v); ymax = std::max(ymax, v); }
  }
  if (!std::isfinite(ymin)) { ymin = 0; ymax = 1; }
  if (ymax - ymin < 1e-12) { ymin -= 0.5; ymax += 0.5; }
  const double pad = 0.05 * (ymax - ymin);
  ymin -= pad;
  ymax += pad;
  auto px = [&](double i) { return L + (n > 1 ? i / double(n - 1) : 0.5) * (W - L - R); };
  auto py = [&](double v) { return T + (ymax - v) / (ymax - ymin) * (H - T - B); };
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W) + "\" height=\"" + num(H) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + num(W / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + esc(title) + "</text>\n";
  o += "<line x1=\"" + num(L) + "\" y1=\"" + num(H - B) + "\" x2=\"" + num(W - R) + "\" y2=\"" + num(H - B) + "\" stroke=\"black\"/>\n";
  o += "<line x1=\"" + num(L) + "\" y1=\"" + num(T) + "\" x2=\"" + num(L) + "\" y2=\"" + num(H - B) + "\" stroke=\"black\"/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double v = ymin + (ymax - ymin) * k / 4.0;
    o += "<text x=\"" + num(L - 6) + "\" y=\"" + num(py(v) + 4) + "\" text-anchor=\"end\">" + num(v) + "</text>\n";
    o += "<line x1=\"" + num(L) + "\" y1=\"" + num(py(v)) + "\" x2=\"" + num(W - R) + "\" y2=\"" + num(py(v)) + "\" stroke=\"#ddd\"/>\n";
    const double xi = (n - 1) * k / 4.0;
    o += "<text x=\"" + num(px(xi)) + "\" y=\"" + num(H - B + 16) + "\" text-anchor=\"middle\">" + num(std::round(xi) + 1) + "</text>\n";
  }
  o += "<text x=\"" + num((L + W - R) / 2) + "\" y=\"" + num(H - 12) + "\" text-anchor=\"middle\">" + esc(xlabel) + "</text>\n";
  o += "<text x=\"16\" y=\"" + num((T + H - B) / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " + num((T + H - B) / 2) + ")\">" + esc(ylabel) + "</text>\n";
  for (size_t s = 0; s < series.size(); ++s) {
    std::string pts;
    for (size_t i = 0; i < series[s].y.size(); ++i)
      if (std::isfinite(series[s].y[i])) pts += num(px(double(i))) + "," + num(py(series[s].y[i])) + " ";
    o += "<polyline fill=\"none\" stroke=\"" + series[s].color + "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    const double ly = T + 20 + 20.0 * double(s);
    o += "<line x1=\"" + num(W - R + 12) + "\" y1=\"" + num(ly - 4) + "\" x2=\"" + num(W - R + 32) + "\" y2=\"" + num(ly - 4) + "\" stroke=\"" + series[s].color + "\" stroke-width=\"2\"/>\n";
    o += "<text x=\"" + num(W - R + 38) + "\" y=\"" + num(ly) + "\">" + esc(series[s].label) + "</text>\n";
  }
  return o + "</svg>\n";
}

}  // namespace gripcu::io
