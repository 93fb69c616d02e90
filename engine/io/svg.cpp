#include "engine/io/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/error.h"

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

std::string xml_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') o += ' ';
        else o += c;
    }
  }
  return o;
}

namespace {
// Blue (#2166ac) - white - red (#b2182b), t in [-1, 1]; grey for non-finite.
std::string diverging(double v, double lim) {
  if (!std::isfinite(v)) return "#bdbdbd";
  double t = lim > 0 ? v / lim : 0.0;
  t = std::max(-1.0, std::min(1.0, t));
  const double hi[3] = {t >= 0 ? 178.0 : 33.0, t >= 0 ? 24.0 : 102.0, t >= 0 ? 43.0 : 172.0};
  const double a = std::fabs(t);
  char b[8];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", static_cast<int>(std::lround(255 + (hi[0] - 255) * a)),
                static_cast<int>(std::lround(255 + (hi[1] - 255) * a)), static_cast<int>(std::lround(255 + (hi[2] - 255) * a)));
  return b;
}
double abs_limit(const std::vector<double>& v) {
  double m = 0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, std::fabs(x));
  return m > 0 ? m : 1.0;
}
std::string rect(double x, double y, double w, double h, const std::string& cls, const std::string& fill,
                 const std::string& tip) {
  return "<rect class=\"" + cls + "\" x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
         num(h) + "\" fill=\"" + fill + "\"><title>" + xml_escape(tip) + "</title></rect>\n";
}
}  // namespace

std::string svg_heatmap(const Heatmap& h) {
  const size_t R = h.row_labels.size(), C = h.col_labels.size();
  GRIPCU_CHECK(h.values.size() == R * C, "svg_heatmap: ", h.values.size(), " values for ", R, " rows x ", C, " columns");
  GRIPCU_CHECK(h.bar.empty() || h.bar.size() == C, "svg_heatmap: ", h.bar.size(), " bar values for ", C, " columns");
  const double lim = h.limit > 0 ? h.limit : abs_limit(h.values);
  const double bar_lim = abs_limit(h.bar);
  size_t row_chars = 4;
  for (const auto& l : h.row_labels) row_chars = std::max(row_chars, l.size());
  const bool col_text = C <= h.max_col_labels;
  size_t col_chars = 0;
  if (col_text)
    for (const auto& l : h.col_labels) col_chars = std::max(col_chars, l.size());
  const double cw = std::max(3.0, std::min(36.0, 900.0 / std::max<double>(1.0, double(C))));
  const double ch = 24, strip = 14, gap = 4;
  const double L = 14 + 7.0 * double(std::min<size_t>(row_chars, 40)), T = 44;
  const bool has_bar = !h.bar.empty(), has_sign = has_bar && !h.sign_label.empty();
  const double grid_top = T + (has_bar ? strip + gap : 0) + (has_sign ? strip + gap : 0);
  const double grid_w = cw * double(C), grid_h = ch * double(R);
  const double B = col_text ? 12 + 6.5 * double(std::min<size_t>(col_chars, 40)) : 24;
  const double legend_x = L + grid_w + 24;
  const double W = legend_x + 190, H = std::max(grid_top + grid_h + B, T + 230.0);

  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W) + "\" height=\"" + num(H) +
                  "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + num(L) + "\" y=\"22\" font-size=\"15\">" + xml_escape(h.title) + "</text>\n";
  double y = T;
  if (has_bar) {
    o += "<text x=\"" + num(L - 6) + "\" y=\"" + num(y + strip - 3) + "\" text-anchor=\"end\">" + xml_escape(h.bar_label) + "</text>\n";
    for (size_t c = 0; c < C; ++c)
      o += rect(L + cw * double(c), y, cw, strip, "bar", diverging(h.bar[c], bar_lim),
                h.col_labels[c] + ": " + h.bar_label + " = " + num(h.bar[c]));
    y += strip + gap;
  }
  if (has_sign) {
    o += "<text x=\"" + num(L - 6) + "\" y=\"" + num(y + strip - 3) + "\" text-anchor=\"end\">" + xml_escape(h.sign_label) + "</text>\n";
    for (size_t c = 0; c < C; ++c) {
      const bool pos = h.bar[c] > 0;
      o += rect(L + cw * double(c), y, cw, strip, "sign", pos ? "#b2182b" : "#2166ac",
                h.col_labels[c] + ": " + (pos ? h.positive_name : h.nonpositive_name));
    }
  }
  for (size_t r = 0; r < R; ++r) {
    const double ry = grid_top + ch * double(r);
    o += "<text x=\"" + num(L - 6) + "\" y=\"" + num(ry + ch / 2 + 4) + "\" text-anchor=\"end\">" + xml_escape(h.row_labels[r]) + "</text>\n";
    for (size_t c = 0; c < C; ++c) {
      const double v = h.values[r * C + c];
      o += rect(L + cw * double(c), ry, cw, ch, "cell", diverging(v, lim),
                h.row_labels[r] + " / " + h.col_labels[c] + ": " + num(v));
    }
  }
  if (col_text) {
    for (size_t c = 0; c < C; ++c) {
      const double x = L + cw * (double(c) + 0.5) + 4, yy = grid_top + grid_h + 6;
      o += "<text x=\"" + num(x) + "\" y=\"" + num(yy) + "\" text-anchor=\"end\" transform=\"rotate(-90 " + num(x) + " " +
           num(yy) + ")\">" + xml_escape(h.col_labels[c]) + "</text>\n";
    }
  } else {
    o += "<text x=\"" + num(L) + "\" y=\"" + num(grid_top + grid_h + 16) + "\">" + std::to_string(C) +
         " columns (labels left out above " + std::to_string(h.max_col_labels) + ")</text>\n";
  }
  // Legends: the grid's scale, then the bar's.
  auto legend = [&](double ly, const std::string& caption, double l) {
    std::string s = "<text x=\"" + num(legend_x) + "\" y=\"" + num(ly) + "\">" + xml_escape(caption) + "</text>\n";
    constexpr int kSteps = 11;
    for (int i = 0; i < kSteps; ++i) {
      const double v = l * (2.0 * i / (kSteps - 1) - 1.0);
      s += "<rect x=\"" + num(legend_x + 14.0 * i) + "\" y=\"" + num(ly + 6) + "\" width=\"14\" height=\"12\" fill=\"" +
           diverging(v, l) + "\"/>\n";
    }
    s += "<text x=\"" + num(legend_x) + "\" y=\"" + num(ly + 32) + "\">" + num(-l) + "</text>\n";
    s += "<text x=\"" + num(legend_x + 14.0 * kSteps) + "\" y=\"" + num(ly + 32) + "\" text-anchor=\"end\">" + num(l) + "</text>\n";
    return s;
  };
  o += legend(grid_top + 10, h.value_label, lim);
  if (has_bar) o += legend(grid_top + 60, h.bar_label, bar_lim);
  if (has_sign) {
    const double ly = grid_top + 110;
    o += "<text x=\"" + num(legend_x) + "\" y=\"" + num(ly) + "\">" + xml_escape(h.sign_label) + "</text>\n";
    o += "<rect x=\"" + num(legend_x) + "\" y=\"" + num(ly + 6) + "\" width=\"12\" height=\"12\" fill=\"#b2182b\"/>\n";
    o += "<text x=\"" + num(legend_x + 18) + "\" y=\"" + num(ly + 16) + "\">" + xml_escape(h.positive_name) + "</text>\n";
    o += "<rect x=\"" + num(legend_x) + "\" y=\"" + num(ly + 22) + "\" width=\"12\" height=\"12\" fill=\"#2166ac\"/>\n";
    o += "<text x=\"" + num(legend_x + 18) + "\" y=\"" + num(ly + 32) + "\">" + xml_escape(h.nonpositive_name) + "</text>\n";
  }
  return o + "</svg>\n";
}

}  // namespace gripcu::io
