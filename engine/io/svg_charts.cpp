#include "engine/io/svg_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gripcu::io {

namespace {
std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default: o += c;
    }
  }
  return o;
}
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}
std::string px(double v) {  // coordinates: 2 decimals are plenty and keep files small
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

struct Frame {
  double W = 640, H = 440, L = 70, R = 30, T = 58, B = 56;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double sx(double v) const { return L + (v - x0) / (x1 - x0) * (W - L - R); }
  double sy(double v) const { return T + (y1 - v) / (y1 - y0) * (H - T - B); }
};

void widen(double& lo, double& hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
}

// Lines of a note ('\n'-separated).
std::vector<std::string> note_lines(const std::string& note) {
  std::vector<std::string> v;
  size_t a = 0;
  while (!note.empty() && a <= note.size()) {
    const size_t b = note.find('\n', a);
    v.push_back(note.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  return v;
}

// Title and note lines; f.T must leave room (40 + 14 per note line).
std::string header(const Frame& f, const std::string& title, const std::string& note) {
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(f.W) + "\" height=\"" + num(f.H) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + num(f.W / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + esc(title) + "</text>\n";
  double y = 40;
  for (const auto& line : note_lines(note)) {
    o += "<text x=\"" + num(f.W / 2) + "\" y=\"" + num(y) + "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">" + esc(line) + "</text>\n";
    y += 14;
  }
  return o;
}

double top_for(const std::string& note) { return 30.0 + 14.0 * double(std::max<size_t>(note_lines(note).size(), 1)) + 14.0; }

// Tick positions at a "nice" step (1, 2 or 5 x 10^k) giving about 4-6 ticks over [lo, hi].
std::vector<double> nice_ticks(double lo, double hi) {
  const double raw = (hi - lo) / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  const double step = (r < 1.5 ? 1.0 : r < 3.5 ? 2.0 : r < 7.5 ? 5.0 : 10.0) * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) t.push_back(std::fabs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}

// Axes with nice ticks (x ticks optional), grid lines, labels.
std::string axes(const Frame& f, const std::string& xlabel, const std::string& ylabel, bool xticks) {
  std::string o;
  o += "<line x1=\"" + px(f.L) + "\" y1=\"" + px(f.H - f.B) + "\" x2=\"" + px(f.W - f.R) + "\" y2=\"" + px(f.H - f.B) + "\" stroke=\"black\"/>\n";
  o += "<line x1=\"" + px(f.L) + "\" y1=\"" + px(f.T) + "\" x2=\"" + px(f.L) + "\" y2=\"" + px(f.H - f.B) + "\" stroke=\"black\"/>\n";
  for (double v : nice_ticks(f.y0, f.y1)) {
    o += "<line x1=\"" + px(f.L) + "\" y1=\"" + px(f.sy(v)) + "\" x2=\"" + px(f.W - f.R) + "\" y2=\"" + px(f.sy(v)) + "\" stroke=\"#e4e4e4\"/>\n";
    o += "<text x=\"" + px(f.L - 6) + "\" y=\"" + px(f.sy(v) + 4) + "\" text-anchor=\"end\">" + num(v) + "</text>\n";
  }
  if (xticks)
    for (double u : nice_ticks(f.x0, f.x1))
      o += "<text x=\"" + px(f.sx(u)) + "\" y=\"" + px(f.H - f.B + 16) + "\" text-anchor=\"middle\">" + num(u) + "</text>\n";
  o += "<text x=\"" + px((f.L + f.W - f.R) / 2) + "\" y=\"" + px(f.H - 14) + "\" text-anchor=\"middle\">" + esc(xlabel) + "</text>\n";
  const double my = (f.T + f.H - f.B) / 2;
  o += "<text x=\"16\" y=\"" + px(my) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " + px(my) + ")\">" + esc(ylabel) + "</text>\n";
  return o;
}
}  // namespace

const std::string& chart_color(size_t i) {
  static const std::vector<std::string> c = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return c[i % c.size()];
}

std::string svg_scatter(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                        const std::vector<double>& x, const std::vector<double>& y, bool diagonal, const std::string& note) {
  Frame f;
  f.W = 560;
  f.T = top_for(note);
  f.H = 500 + f.T;
  const size_t n = std::min(x.size(), y.size());
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) lo = std::min({lo, x[i], y[i]}), hi = std::max({hi, x[i], y[i]});
  widen(lo, hi);
  const double pad = 0.04 * (hi - lo);
  f.x0 = f.y0 = lo - pad;
  f.x1 = f.y1 = hi + pad;
  std::string o = header(f, title, note) + axes(f, xlabel, ylabel, true);
  o += "<g fill=\"#1f77b4\" fill-opacity=\"0.35\">\n";
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) o += "<circle cx=\"" + px(f.sx(x[i])) + "\" cy=\"" + px(f.sy(y[i])) + "\" r=\"1.6\"/>\n";
  o += "</g>\n";
  if (diagonal)
    o += "<line x1=\"" + px(f.sx(f.x0)) + "\" y1=\"" + px(f.sy(f.y0)) + "\" x2=\"" + px(f.sx(f.x1)) + "\" y2=\"" + px(f.sy(f.y1)) +
         "\" stroke=\"#d62728\" stroke-dasharray=\"5,4\"/>\n";
  return o + "</svg>\n";
}

std::string svg_histogram(const std::string& title, const std::string& xlabel, const std::vector<double>& values, int bins,
                          double lo, double hi, double marker, const std::string& marker_label, const std::string& note) {
  bins = std::max(1, bins);
  if (!(lo < hi)) {
    lo = INFINITY;
    hi = -INFINITY;
    for (double v : values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    widen(lo, hi);
  }
  std::vector<double> count(static_cast<size_t>(bins), 0.0);
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    const int b = std::clamp(static_cast<int>(std::floor((v - lo) / (hi - lo) * bins)), 0, bins - 1);
    ++count[static_cast<size_t>(b)];
  }
  Frame f;
  f.T = top_for(note);
  f.H = 382 + f.T;
  f.x0 = lo;
  f.x1 = hi;
  f.y0 = 0;
  f.y1 = std::max(1.0, *std::max_element(count.begin(), count.end()) * 1.08);
  std::string o = header(f, title, note) + axes(f, xlabel, "count", true);
  const double w = (hi - lo) / bins;
  for (int b = 0; b < bins; ++b) {
    const double c = count[static_cast<size_t>(b)];
    const double xa = f.sx(lo + b * w), xb = f.sx(lo + (b + 1) * w);
    o += "<rect class=\"bin\" x=\"" + px(xa) + "\" y=\"" + px(f.sy(c)) + "\" width=\"" + px(std::max(0.0, xb - xa - 0.5)) + "\" height=\"" +
         px(f.sy(0) - f.sy(c)) + "\" fill=\"#4c72b0\"><title>" + num(lo + b * w) + " to " + num(lo + (b + 1) * w) + ": " + num(c) +
         "</title></rect>\n";
  }
  if (std::isfinite(marker) && marker >= lo && marker <= hi) {
    o += "<line x1=\"" + px(f.sx(marker)) + "\" y1=\"" + px(f.T) + "\" x2=\"" + px(f.sx(marker)) + "\" y2=\"" + px(f.H - f.B) +
         "\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
    if (!marker_label.empty())
      o += "<text x=\"" + px(f.sx(marker) - 4) + "\" y=\"" + px(f.T + 12) + "\" text-anchor=\"end\" fill=\"#d62728\">" + esc(marker_label) + "</text>\n";
  }
  return o + "</svg>\n";
}

std::string svg_bar_chart(const std::string& title, const std::string& ylabel, const std::vector<std::string>& groups,
                          const std::vector<BarSeries>& series, double ymin, double ymax, const std::string& note) {
  Frame f;
  const double legend_h = 18.0 * double((series.size() + 1) / 2);
  f.W = std::max(640.0, 120.0 + 60.0 * double(groups.size() * std::max<size_t>(series.size(), 1)) / 2.0);
  f.B = 60 + legend_h;
  f.T = top_for(note);
  f.H = 382 + f.T + legend_h;
  if (!(ymin < ymax)) {
    double lo = 0, hi = -INFINITY;
    for (const auto& s : series)
      for (size_t g = 0; g < s.value.size(); ++g) {
        if (!std::isfinite(s.value[g])) continue;
        const double e = g < s.error.size() && std::isfinite(s.error[g]) ? s.error[g] : 0.0;
        lo = std::min(lo, s.value[g] - e);
        hi = std::max(hi, s.value[g] + e);
      }
    widen(lo, hi);
    ymin = lo;
    ymax = hi + 0.05 * (hi - lo);
  }
  f.y0 = ymin;
  f.y1 = ymax;
  std::string o = header(f, title, note) + axes(f, "", ylabel, false);
  const double gw = (f.W - f.L - f.R) / double(std::max<size_t>(groups.size(), 1));
  const double bw = 0.8 * gw / double(std::max<size_t>(series.size(), 1));
  auto clampy = [&](double v) { return std::clamp(v, f.y0, f.y1); };
  for (size_t g = 0; g < groups.size(); ++g) {
    const double gx = f.L + gw * double(g) + 0.1 * gw;
    o += "<text x=\"" + px(f.L + gw * (double(g) + 0.5)) + "\" y=\"" + px(f.H - f.B + 16) + "\" text-anchor=\"middle\">" + esc(groups[g]) + "</text>\n";
    for (size_t s = 0; s < series.size(); ++s) {
      if (g >= series[s].value.size() || !std::isfinite(series[s].value[g])) continue;
      const double v = series[s].value[g], x = gx + bw * double(s);
      const double ya = f.sy(clampy(std::max(v, 0.0 < f.y0 ? f.y0 : 0.0))), yb = f.sy(clampy(std::min(v, 0.0 < f.y0 ? f.y0 : 0.0)));
      o += "<rect class=\"bar\" x=\"" + px(x) + "\" y=\"" + px(std::min(ya, yb)) + "\" width=\"" + px(bw * 0.92) + "\" height=\"" +
           px(std::fabs(yb - ya)) + "\" fill=\"" + series[s].color + "\"><title>" + esc(series[s].label) + ", " + esc(groups[g]) + ": " +
           num(v) + "</title></rect>\n";
      if (g < series[s].error.size() && std::isfinite(series[s].error[g])) {
        const double e = series[s].error[g], cx = x + bw * 0.46;
        o += "<line class=\"err\" x1=\"" + px(cx) + "\" y1=\"" + px(f.sy(clampy(v - e))) + "\" x2=\"" + px(cx) + "\" y2=\"" +
             px(f.sy(clampy(v + e))) + "\" stroke=\"black\"/>\n";
        for (double yy : {v - e, v + e})
          o += "<line x1=\"" + px(cx - bw * 0.2) + "\" y1=\"" + px(f.sy(clampy(yy))) + "\" x2=\"" + px(cx + bw * 0.2) + "\" y2=\"" +
               px(f.sy(clampy(yy))) + "\" stroke=\"black\"/>\n";
      }
    }
  }
  // Legend under the axis, two columns.
  for (size_t s = 0; s < series.size(); ++s) {
    const double lx = f.L + (s % 2) * (f.W - f.L - f.R) / 2, ly = f.H - f.B + 36 + 18.0 * double(s / 2);
    o += "<rect x=\"" + px(lx) + "\" y=\"" + px(ly - 10) + "\" width=\"12\" height=\"12\" fill=\"" + series[s].color + "\"/>\n";
    o += "<text x=\"" + px(lx + 18) + "\" y=\"" + px(ly) + "\">" + esc(series[s].label) + "</text>\n";
  }
  return o + "</svg>\n";
}

}  // namespace gripcu::io
