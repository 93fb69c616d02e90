#include "models/dadsp/analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <Eigen/Dense>

#include "autograd/ops.h"
#include "engine/error.h"
#include "kernels/mmd.h"

namespace gripcu::dadsp {

using ag::Var;

MissingPrediction predict_missing(const DadspModel& m, const CellExpression& cells,
                                  const std::set<std::pair<std::string, std::string>>& measured) {
  CellExpression e = cells;
  if (e.genes != m.genes) select_genes(e, m.genes);
  const auto X = m.scale_rows(e);
  MissingPrediction r;
  std::vector<int64_t> ci, di;
  for (size_t c = 0; c < e.cells.size(); ++c)
    for (size_t d = 0; d < m.drugs.names.size(); ++d) {
      if (measured.count({e.cells[c], m.drugs.names[d]})) continue;
      ci.push_back(static_cast<int64_t>(c));
      di.push_back(static_cast<int64_t>(d));
      r.cell.push_back(e.cells[c]);
      r.drug.push_back(m.drugs.names[d]);
    }
  r.pred = m.predict(X, ci, di);
  std::map<std::string, std::pair<double, size_t>> acc;
  for (size_t i = 0; i < r.pred.size(); ++i) {
    auto& a = acc[r.drug[i]];
    a.first += r.pred[i];
    ++a.second;
  }
  std::vector<std::pair<std::string, double>> means;
  std::map<std::string, size_t> counts;
  for (const auto& [d, a] : acc) {
    means.emplace_back(d, a.first / double(a.second));
    counts[d] = a.second;
  }
  std::stable_sort(means.begin(), means.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  r.drug_means = means;
  for (const auto& [d, v] : means) r.drug_counts.push_back(counts[d]);
  return r;
}

std::vector<double> integrated_gradients(const DadspModel& m, const std::vector<float>& x, int64_t d,
                                         const std::vector<float>& baseline, int steps, double* f_x, double* f_base) {
  const int64_t G = m.mcfg.genes;
  GRIPCU_CHECK(static_cast<int64_t>(x.size()) == G && static_cast<int64_t>(baseline.size()) == G,
               "integrated_gradients: input and baseline must have ", G, " values");
  GRIPCU_CHECK(steps >= 1, "integrated_gradients: steps must be >= 1");
  GRIPCU_CHECK(d >= 0 && d < static_cast<int64_t>(m.drugs.names.size()), "integrated_gradients: drug index ", d);
  std::vector<float> path(static_cast<size_t>(steps * G));
  for (int k = 0; k < steps; ++k) {
    const double a = (k + 0.5) / steps;
    for (int64_t g = 0; g < G; ++g)
      path[static_cast<size_t>(k * G + g)] = static_cast<float>(baseline[g] + a * (double(x[g]) - double(baseline[g])));
  }
  const Var F(to_device(m.drugs.features, static_cast<int64_t>(m.drugs.names.size()), m.drugs.dim, m.device));
  const Var fp = ag::embedding(F, index_tensor(std::vector<int64_t>(static_cast<size_t>(steps), d), m.device));
  Var xp(to_device(path, steps, G, m.device), true);
  const Var out = m.regress(m.features(xp), fp);
  ag::backward(ag::sum(out));
  const auto grad = xp.grad().to_vector<float>();
  std::vector<double> ig(static_cast<size_t>(G), 0.0);
  for (int64_t g = 0; g < G; ++g) {
    double s = 0;
    for (int k = 0; k < steps; ++k) s += grad[static_cast<size_t>(k * G + g)];
    ig[static_cast<size_t>(g)] = (double(x[g]) - double(baseline[g])) * s / steps * m.label_scale();
  }
  if (f_x || f_base) {
    const auto two = m.predict([&] {
      std::vector<float> v(x);
      v.insert(v.end(), baseline.begin(), baseline.end());
      return v;
    }(), {0, 1}, {d, d});
    if (f_x) *f_x = two[0];
    if (f_base) *f_base = two[1];
  }
  return ig;
}

std::vector<float> extract_features(DadspModel& m, const std::vector<float>& X, int64_t n, bool before) {
  const int64_t G = m.mcfg.genes;
  Tensor now;
  if (before) {
    now = m.gstore.values().clone();
    for (const auto& e : m.gstore.entries()) {
      const std::string key = "init." + e.name;
      for (const auto& [k, v] : m.init_gene)
        if (k == key) e.var->value.copy_(v);
    }
  }
  std::vector<float> out;
  {
    ag::NoGrad ng;
    out = m.features(Var(to_device(X, n, G, m.device))).value().to_vector<float>();
  }
  if (before) m.gstore.values().copy_(now);
  return out;
}

std::vector<double> pca2(const std::vector<float>& rows, int64_t n, int64_t d) {
  GRIPCU_CHECK(n >= 2 && d >= 1, "pca: needs at least 2 rows");
  Eigen::MatrixXd A(n, d);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) A(i, j) = rows[static_cast<size_t>(i * d + j)];
  const Eigen::RowVectorXd mu = A.colwise().mean();
  A.rowwise() -= mu;
  const Eigen::MatrixXd C = A.transpose() * A / double(n - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(C);
  std::vector<double> out(static_cast<size_t>(2 * n), 0.0);
  for (int c = 0; c < 2 && c < d; ++c) {
    Eigen::VectorXd v = es.eigenvectors().col(d - 1 - c);  // eigenvalues ascending
    // Fix the sign: the largest |loading| positive (deterministic output).
    Eigen::Index k = 0;
    v.cwiseAbs().maxCoeff(&k);
    if (v(k) < 0) v = -v;
    const Eigen::VectorXd s = A * v;
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(2 * i + c)] = s(i);
  }
  return out;
}

double feature_mmd(const std::vector<float>& a, int64_t na, const std::vector<float>& b, int64_t nb, int64_t d) {
  std::vector<double> x(a.begin(), a.end()), y(b.begin(), b.end());
  double loss = 0;
  kernels::mmd_forward_cpu<double>(na, nb, d, x.data(), y.data(), kernels::mmd_config_dan(), &loss, nullptr, nullptr);
  return loss;
}

std::string svg_group_scatter(const std::string& title, const std::vector<double>& xy, const std::vector<int>& group,
                              const std::vector<std::string>& names, const std::string& note) {
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
  auto esc = [](const std::string& s) {
    std::string o;
    for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return o;
  };
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v);
    return std::string(b);
  };
  const size_t n = group.size();
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (size_t i = 0; i < n; ++i) {
    x0 = std::min(x0, xy[2 * i]);
    x1 = std::max(x1, xy[2 * i]);
    y0 = std::min(y0, xy[2 * i + 1]);
    y1 = std::max(y1, xy[2 * i + 1]);
  }
  if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
  if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
  const double px_ = 0.04 * (x1 - x0), py_ = 0.04 * (y1 - y0);  // keep points off the frame
  x0 -= px_;
  x1 += px_;
  y0 -= py_;
  y1 += py_;
  const double W = 560, H = 460, L = 60, R = 130, T = 50, B = 50;
  auto px = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double v) { return T + (y1 - v) / (y1 - y0) * (H - T - B); };
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"460\" font-family=\"sans-serif\" font-size=\"12\">\n"
                  "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + num(W / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">" + esc(title) + "</text>\n";
  if (!note.empty()) o += "<text x=\"" + num(W / 2) + "\" y=\"38\" text-anchor=\"middle\">" + esc(note) + "</text>\n";
  o += "<rect x=\"" + num(L) + "\" y=\"" + num(T) + "\" width=\"" + num(W - L - R) + "\" height=\"" + num(H - T - B) +
       "\" fill=\"none\" stroke=\"black\"/>\n";
  o += "<text x=\"" + num((L + W - R) / 2) + "\" y=\"" + num(H - 15) + "\" text-anchor=\"middle\">PC1</text>\n";
  o += "<text x=\"18\" y=\"" + num((T + H - B) / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " +
       num((T + H - B) / 2) + ")\">PC2</text>\n";
  for (size_t i = 0; i < n; ++i)
    o += "<circle class=\"g" + std::to_string(group[i]) + "\" cx=\"" + num(px(xy[2 * i])) + "\" cy=\"" + num(py(xy[2 * i + 1])) +
         "\" r=\"3\" fill=\"" + colors[group[i] % 5] + "\" fill-opacity=\"0.6\"/>\n";
  for (size_t g = 0; g < names.size(); ++g) {
    const double ly = T + 15 + 20.0 * double(g);
    o += "<circle cx=\"" + num(W - R + 15) + "\" cy=\"" + num(ly - 4) + "\" r=\"5\" fill=\"" + colors[g % 5] + "\"/>\n";
    o += "<text x=\"" + num(W - R + 25) + "\" y=\"" + num(ly) + "\">" + esc(names[g]) + "</text>\n";
  }
  return o + "</svg>\n";
}

}  // namespace gripcu::dadsp
