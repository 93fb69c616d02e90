#include "models/grip/baselines.h"

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <map>

#include "autograd/ops.h"
#include "engine/error.h"
#include "engine/json.h"
#include "engine/rng.h"
#include "layers/layers.h"
#include "layers/optim.h"
#include "models/grip/metrics.h"
#include "models/grip/workflow.h"

namespace gripcu::grip {

namespace {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// What the learned baselines share: the fold's z-scores and vocabularies, and the condition
// columns [one-hot(cell) - frequency, one-hot(drug) - frequency]. The columns of a block are
// centred; an unseen cell line or drug gets an all-zero block, which is exactly the
// frequency-weighted average of the known rows (so a linear model predicts the average).
struct FoldEncoding {
  size_t g = 0;
  ZScore zb, zt;
  Vocab cells, drugs;
  std::vector<double> cell_freq, drug_freq;

  void fit(const PairedData& d, const std::vector<size_t>& train) {
    GRIPCU_CHECK(!train.empty(), "a baseline fitted on no training rows");
    g = d.g();
    zb = ZScore::fit(d.baseline, g, train);
    zt = ZScore::fit(d.treated, g, train);
    cells = Vocab::build(d.cells, train);
    drugs = Vocab::build(d.drugs, train);
    cell_freq.assign(cells.names.size(), 0.0);
    drug_freq.assign(drugs.names.size(), 0.0);
    for (size_t r : train) {
      cell_freq[static_cast<size_t>(cells.index(d.cells[r]))] += 1.0 / double(train.size());
      drug_freq[static_cast<size_t>(drugs.index(d.drugs[r]))] += 1.0 / double(train.size());
    }
  }
  size_t n_cond() const { return cells.names.size() + drugs.names.size(); }
  size_t width() const { return g + n_cond(); }
  std::vector<float> x_z(const PairedData& d, const std::vector<size_t>& rows) const {
    std::vector<float> x = take_rows(d.baseline, g, rows);
    zb.apply(x, g);
    return x;
  }
  // Baseline and treated z-scored by the treated statistics (their difference: the change in
  // treated-sd units).
  std::vector<float> x_t(const PairedData& d, const std::vector<size_t>& rows) const {
    std::vector<float> x = take_rows(d.baseline, g, rows);
    zt.apply(x, g);
    return x;
  }
  std::vector<float> y_t(const PairedData& d, const std::vector<size_t>& rows) const {
    std::vector<float> y = take_rows(d.treated, g, rows);
    zt.apply(y, g);
    return y;
  }
  void conditions(const PairedData& d, size_t row, float* o) const {
    const size_t nc = cells.names.size(), nd = drugs.names.size();
    const int64_t c = cells.index(d.cells[row]), k = drugs.index(d.drugs[row]);
    for (size_t j = 0; j < nc; ++j) o[j] = c < 0 ? 0.0f : static_cast<float>((int64_t(j) == c ? 1.0 : 0.0) - cell_freq[j]);
    for (size_t j = 0; j < nd; ++j) o[nc + j] = k < 0 ? 0.0f : static_cast<float>((int64_t(j) == k ? 1.0 : 0.0) - drug_freq[j]);
  }
  // [x_z, conditions] per row.
  std::vector<float> design(const PairedData& d, const std::vector<size_t>& rows) const {
    const std::vector<float> x = x_z(d, rows);
    const size_t w = width();
    std::vector<float> out(rows.size() * w);
    for (size_t i = 0; i < rows.size(); ++i) {
      float* o = out.data() + i * w;
      std::copy(x.begin() + static_cast<std::ptrdiff_t>(i * g), x.begin() + static_cast<std::ptrdiff_t>((i + 1) * g), o);
      conditions(d, rows[i], o + g);
    }
    return out;
  }
};

class Identity : public FoldPredictor {
 public:
  void fit(const PairedData&, const std::vector<size_t>&) override {}
  std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
    return take_rows(d.baseline, d.g(), rows);
  }
};

class DrugMean : public FoldPredictor {
 public:
  void fit(const PairedData& d, const std::vector<size_t>& train) override {
    const size_t g = d.g();
    GRIPCU_CHECK(!train.empty(), "drug_mean fitted on no rows");
    std::map<std::string, std::pair<std::vector<double>, size_t>> acc;
    std::vector<double> all(g, 0.0);
    for (size_t r : train) {
      auto& [sum, count] = acc[d.drugs[r]];
      sum.resize(g, 0.0);
      ++count;
      for (size_t k = 0; k < g; ++k) {
        const double dv = double(d.treated[r * g + k]) - d.baseline[r * g + k];
        sum[k] += dv;
        all[k] += dv;
      }
    }
    delta_.clear();
    for (auto& [drug, sc] : acc) {
      std::vector<float> m(g);
      for (size_t k = 0; k < g; ++k) m[k] = static_cast<float>(sc.first[k] / double(sc.second));
      delta_[drug] = std::move(m);
    }
    overall_.assign(g, 0.f);
    for (size_t k = 0; k < g; ++k) overall_[k] = static_cast<float>(all[k] / double(train.size()));
  }
  std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
    const size_t g = d.g();
    std::vector<float> out = take_rows(d.baseline, g, rows);
    unseen_ = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      auto it = delta_.find(d.drugs[rows[i]]);
      const std::vector<float>& dv = it != delta_.end() ? it->second : overall_;
      unseen_ += it == delta_.end();
      for (size_t k = 0; k < g; ++k) out[i * g + k] += dv[k];
    }
    return out;
  }
  std::string fit_json() const override {
    JsonWriter j;
    j.begin_object().kv("drugs", static_cast<long long>(delta_.size())).kv("rows_with_unseen_drug", static_cast<long long>(unseen_)).end_object();
    return j.str();
  }

 private:
  std::map<std::string, std::vector<float>> delta_;
  std::vector<float> overall_;
  size_t unseen_ = 0;
};

std::vector<double> ridge_grid() {
  std::vector<double> v;
  for (int e = -12; e <= 4; ++e) v.push_back(std::pow(10.0, 0.5 * e));
  return v;
}

constexpr uint64_t kRidgeInnerStream = uint64_t{1} << 45;

class Ridge : public FoldPredictor {
 public:
  explicit Ridge(const BaselineOptions& o) : opt_(o) {}
  void fit(const PairedData& d, const std::vector<size_t>& train) override {
    enc_.fit(d, train);
    const size_t n = train.size(), g = enc_.g, m = 1 + enc_.n_cond();
    const std::vector<float> xz = enc_.x_z(d, train), xt = enc_.x_t(d, train), yt = enc_.y_t(d, train);
    std::vector<double> X(xz.begin(), xz.end()), Y(n * g), Z = conditions(d, train);
    for (size_t i = 0; i < n * g; ++i) Y[i] = double(yt[i]) - xt[i];
    // Inner folds over the groups of the training rows (replicates of a group stay together).
    std::map<std::string, int> group;
    std::vector<std::string> key(n);
    for (size_t i = 0; i < n; ++i) {
      const size_t r = train[i];
      key[i] = opt_.inner_groups == "drug" ? d.drugs[r] : opt_.inner_groups == "cell" ? d.cells[r] : d.cells[r] + "|" + d.drugs[r];
      group.emplace(key[i], 0);
    }
    inner_k_ = static_cast<int>(std::min<size_t>(5, group.size()));
    std::vector<int> fold;
    if (inner_k_ >= 2) {
      const auto perm = Rng(opt_.seed).permutation(static_cast<int64_t>(group.size()), kRidgeInnerStream);
      int i = 0;
      for (auto& [name, f] : group) f = i++;
      std::vector<int> fold_of_group(group.size());
      for (size_t j = 0; j < group.size(); ++j) fold_of_group[static_cast<size_t>(perm[j])] = static_cast<int>(j) % inner_k_;
      fold.resize(n);
      for (size_t j = 0; j < n; ++j) fold[j] = fold_of_group[static_cast<size_t>(group[key[j]])];
    }
    fit_ = ridge_select(X, Z, Y, n, g, m, g, ridge_grid(), fold, inner_k_ >= 2 ? inner_k_ : 0);
  }
  std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
    const size_t n = rows.size(), g = enc_.g, m = 1 + enc_.n_cond();
    const std::vector<float> xz = enc_.x_z(d, rows), xt = enc_.x_t(d, rows);
    const std::vector<double> Zv = conditions(d, rows);
    const Eigen::Map<const RowMat> W(fit_.W.data(), static_cast<Eigen::Index>(g), static_cast<Eigen::Index>(g));
    const Eigen::Map<const RowMat> Gm(fit_.Gamma.data(), static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(g));
    const Eigen::Map<const RowMat> Z(Zv.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(m));
    RowMat X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(g));
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < g; ++j) X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = xz[i * g + j];
    const RowMat F = X * W + Z * Gm;
    std::vector<float> out(n * g);
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < g; ++k)
        out[i * g + k] = static_cast<float>(xt[i * g + k] + F(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)));
    enc_.zt.invert(out, g);
    return out;
  }
  std::string fit_json() const override {
    JsonWriter j;
    const auto grid = ridge_grid();
    j.begin_object().kv("lambda", fit_.lambda).kv("lambda_relative", grid[fit_.grid_index]);
    j.kv("selection", inner_k_ >= 2 ? "grouped inner " + std::to_string(inner_k_) + "-fold CV (" + opt_.inner_groups + ")" : std::string("GCV"));
    j.kv("criterion", fit_.score);
    j.kv("at_grid_edge", fit_.grid_index == 0 || fit_.grid_index + 1 == grid.size()).end_object();
    return j.str();
  }

 private:
  // [1, centred cell one-hot, centred drug one-hot] per row (unpenalized).
  std::vector<double> conditions(const PairedData& d, const std::vector<size_t>& rows) const {
    const size_t m = 1 + enc_.n_cond();
    std::vector<float> c(enc_.n_cond());
    std::vector<double> Z(rows.size() * m);
    for (size_t i = 0; i < rows.size(); ++i) {
      Z[i * m] = 1.0;
      enc_.conditions(d, rows[i], c.data());
      for (size_t j = 0; j < c.size(); ++j) Z[i * m + 1 + j] = c[j];
    }
    return Z;
  }
  BaselineOptions opt_;
  FoldEncoding enc_;
  RidgeFit fit_;
  int inner_k_ = 0;
};

constexpr uint64_t kAeShuffleStreamBase = uint64_t{1} << 41;

class Autoencoder : public FoldPredictor {
 public:
  explicit Autoencoder(const BaselineOptions& o) : opt_(o) {}
  void fit(const PairedData& d, const std::vector<size_t>& train) override {
    enc_.fit(d, train);
    const auto n = static_cast<int64_t>(train.size()), p = static_cast<int64_t>(enc_.width()), g = static_cast<int64_t>(enc_.g);
    store_ = std::make_unique<nn::ParamStore>(DType::f32);
    mlp_ = std::make_unique<nn::MLP>(*store_, "autoencoder",
                                     std::vector<int64_t>{p, opt_.ae_hidden, opt_.ae_bottleneck, opt_.ae_hidden, g}, ag::Act::relu);
    Rng rng(opt_.seed);
    store_->finalize(opt_.device, rng);
    kernels::AdamHyper h;
    h.lr = opt_.ae_lr;
    nn::Adam adam(*store_, h);
    std::vector<float> y = take_rows(d.treated, enc_.g, train);
    enc_.zt.apply(y, enc_.g);
    const Tensor X = Tensor::from_vector(enc_.design(d, train), {n, p}, opt_.device);
    const Tensor Y = Tensor::from_vector(y, {n, g}, opt_.device);
    const int64_t batch = std::max<int64_t>(1, opt_.ae_batch);
    for (int64_t e = 0; e < opt_.ae_epochs; ++e) {
      const auto perm = rng.permutation(n, kAeShuffleStreamBase + static_cast<uint64_t>(e));
      for (int64_t lo = 0; lo < n; lo += batch) {
        const int64_t hi = std::min(n, lo + batch);
        const Tensor idx = Tensor::from_vector(std::vector<int64_t>(perm.begin() + lo, perm.begin() + hi), {hi - lo}, opt_.device);
        ag::Var xb, yb;
        {
          ag::NoGrad ng;
          xb = ag::embedding(ag::Var(X), idx);
          yb = ag::embedding(ag::Var(Y), idx);
        }
        store_->zero_grad();
        const ag::Var loss = ag::mse_loss((*mlp_)(xb), yb);
        ag::backward(loss);
        adam.step();
      }
    }
    final_loss_ = 0;
    ag::NoGrad ng;
    final_loss_ = ag::mse_loss((*mlp_)(ag::Var(X)), ag::Var(Y)).item();
  }
  std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
    const auto n = static_cast<int64_t>(rows.size()), p = static_cast<int64_t>(enc_.width());
    ag::NoGrad ng;
    std::vector<float> out = (*mlp_)(ag::Var(Tensor::from_vector(enc_.design(d, rows), {n, p}, opt_.device))).value().to_vector<float>();
    enc_.zt.invert(out, enc_.g);
    return out;
  }
  std::string fit_json() const override {
    JsonWriter j;
    j.begin_object().kv("epochs", opt_.ae_epochs).kv("train_mse_z", final_loss_).end_object();
    return j.str();
  }

 private:
  BaselineOptions opt_;
  FoldEncoding enc_;
  std::unique_ptr<nn::ParamStore> store_;
  std::unique_ptr<nn::MLP> mlp_;
  double final_loss_ = 0;
};

class NearestNeighbourTransfer : public FoldPredictor {
 public:
  void fit(const PairedData& d, const std::vector<size_t>& train) override {
    g_ = d.g();
    zb_ = ZScore::fit(d.baseline, g_, train);
    cells_ = Vocab::build(d.cells, train);
    drugs_ = Vocab::build(d.drugs, train);
    const size_t nc = cells_.names.size(), nd = drugs_.names.size();
    profile_.assign(nc * g_, 0.0f);
    std::vector<double> prof(nc * g_, 0.0), delta(nc * nd * g_, 0.0);
    std::vector<size_t> ccount(nc, 0), pcount(nc * nd, 0);
    std::vector<float> xz = take_rows(d.baseline, g_, train);
    zb_.apply(xz, g_);
    for (size_t i = 0; i < train.size(); ++i) {
      const size_t r = train[i], c = static_cast<size_t>(cells_.index(d.cells[r])), k = static_cast<size_t>(drugs_.index(d.drugs[r]));
      ++ccount[c];
      ++pcount[c * nd + k];
      for (size_t j = 0; j < g_; ++j) {
        prof[c * g_ + j] += xz[i * g_ + j];
        delta[(c * nd + k) * g_ + j] += double(d.treated[r * g_ + j]) - d.baseline[r * g_ + j];
      }
    }
    has_.assign(nc * nd, 0);
    delta_.assign(nc * nd * g_, 0.0f);
    cell_delta_.assign(nc * g_, 0.0f);
    for (size_t c = 0; c < nc; ++c) {
      for (size_t j = 0; j < g_; ++j) profile_[c * g_ + j] = static_cast<float>(prof[c * g_ + j] / double(ccount[c]));
      std::vector<double> avg(g_, 0.0);
      size_t pairs = 0;
      for (size_t k = 0; k < nd; ++k) {
        if (!pcount[c * nd + k]) continue;
        has_[c * nd + k] = 1;
        ++pairs;
        for (size_t j = 0; j < g_; ++j) {
          const double m = delta[(c * nd + k) * g_ + j] / double(pcount[c * nd + k]);
          delta_[(c * nd + k) * g_ + j] = static_cast<float>(m);
          avg[j] += m;
        }
      }
      for (size_t j = 0; j < g_; ++j) cell_delta_[c * g_ + j] = static_cast<float>(avg[j] / double(pairs));
    }
  }
  std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
    const size_t nc = cells_.names.size(), nd = drugs_.names.size();
    std::vector<float> out = take_rows(d.baseline, g_, rows), xz = out;
    zb_.apply(xz, g_);
    fallback_ = 0;
    same_cell_ = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const int64_t k = drugs_.index(d.drugs[rows[i]]);
      int64_t best = -1;
      double best_r = -std::numeric_limits<double>::infinity();
      for (size_t c = 0; c < nc; ++c) {
        if (k >= 0 && !has_[c * nd + static_cast<size_t>(k)]) continue;
        const double r = pearson(xz.data() + i * g_, profile_.data() + c * g_, g_);
        if (best < 0 || (std::isfinite(r) && r > best_r)) {
          best = static_cast<int64_t>(c);
          best_r = std::isfinite(r) ? r : best_r;
        }
      }
      GRIPCU_CHECK(best >= 0, "nn_transfer: no training cell line for drug ", d.drugs[rows[i]]);
      const auto c = static_cast<size_t>(best);
      same_cell_ += cells_.names[c] == d.cells[rows[i]];
      const float* dv = k >= 0 ? delta_.data() + (c * nd + static_cast<size_t>(k)) * g_ : cell_delta_.data() + c * g_;
      fallback_ += k < 0;
      for (size_t j = 0; j < g_; ++j) out[i * g_ + j] += dv[j];
    }
    return out;
  }
  std::string fit_json() const override {
    JsonWriter j;
    j.begin_object().kv("rows_with_unseen_drug", static_cast<long long>(fallback_));
    j.kv("rows_matched_to_own_cell_line", static_cast<long long>(same_cell_)).end_object();
    return j.str();
  }

 private:
  size_t g_ = 0;
  ZScore zb_;
  Vocab cells_, drugs_;
  std::vector<float> profile_, delta_, cell_delta_;
  std::vector<char> has_;
  size_t fallback_ = 0, same_cell_ = 0;
};

}  // namespace

namespace {
// Thin SVD of a centred design and the pieces every lambda needs.
struct RidgeSvd {
  Eigen::VectorXd s;
  Eigen::MatrixXd V, UtY;
  RidgeSvd(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) {
    Eigen::BDCSVD<Eigen::MatrixXd> svd(X, Eigen::ComputeThinU | Eigen::ComputeThinV);
    s = svd.singularValues();
    V = svd.matrixV();
    UtY = svd.matrixU().transpose() * Y;
  }
  double s_max2() const { return s.size() && s(0) > 0 ? s(0) * s(0) : 1.0; }
  Eigen::VectorXd shrink(double lam) const {
    Eigen::VectorXd f(s.size());
    for (Eigen::Index i = 0; i < s.size(); ++i) f(i) = s(i) / (s(i) * s(i) + lam);
    return f;
  }
  std::vector<double> W(double lam, size_t p, size_t q) const {
    const Eigen::MatrixXd w = V * (shrink(lam).asDiagonal() * UtY);
    std::vector<double> out(p * q);
    for (size_t i = 0; i < p; ++i)
      for (size_t k = 0; k < q; ++k) out[i * q + k] = w(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k));
    return out;
  }
};

Eigen::MatrixXd rows_of(const std::vector<double>& v, size_t cols, const std::vector<size_t>& rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols));
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < cols; ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[rows[i] * cols + j];
  return m;
}

void pick_min(RidgeFit& f, const std::vector<double>& grid, double s_max2) {
  f.score = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < f.curve.size(); ++i)
    if (f.curve[i] < f.score) {
      f.score = f.curve[i];
      f.grid_index = i;
    }
  f.lambda = grid[f.grid_index] * s_max2;
}
}  // namespace

namespace {
// Z's column space projected out of X and Y (Frisch-Waugh-Lovell: ridge on the residuals gives the
// penalized coefficients; the unpenalized ones follow as B_y - B_x W).
struct Partial {
  Eigen::MatrixXd Bx, By;  // Z^+ X, Z^+ Y (m x p, m x q); empty when Z has no columns
  Partial(const Eigen::MatrixXd& Z, Eigen::MatrixXd& X, Eigen::MatrixXd& Y) {
    if (Z.cols() == 0) return;
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(Z);
    Bx = cod.solve(X);
    By = cod.solve(Y);
    X -= Z * Bx;
    Y -= Z * By;
  }
  void apply(const Eigen::MatrixXd& Z, Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const {
    if (Z.cols() == 0) return;
    X -= Z * Bx;
    Y -= Z * By;
  }
};
}  // namespace

RidgeFit ridge_select(const std::vector<double>& Xv, const std::vector<double>& Zv, const std::vector<double>& Yv, size_t n,
                      size_t p, size_t m, size_t q, const std::vector<double>& grid, const std::vector<int>& fold, int k) {
  GRIPCU_CHECK(Xv.size() == n * p && Zv.size() == n * m && Yv.size() == n * q && n > 1 && !grid.empty(),
               "ridge_select: bad sizes");
  GRIPCU_CHECK(fold.empty() || (fold.size() == n && k >= 2), "ridge_select: ", fold.size(), " fold ids for ", n, " rows, k = ", k);
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  const Eigen::MatrixXd Zall = rows_of(Zv, m, all);
  Eigen::MatrixXd X = rows_of(Xv, p, all), Y = rows_of(Yv, q, all);
  const Partial part(Zall, X, Y);
  const RidgeSvd full(X, Y);
  RidgeFit f;
  if (fold.empty()) {
    // GCV on the residuals; Z's columns count as rank(Z) degrees of freedom.
    const double rank_z = m ? double(Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(Zall).rank()) : 0.0;
    const double y2 = Y.squaredNorm();
    const Eigen::VectorXd row2 = full.UtY.rowwise().squaredNorm();
    const double nd = double(n);
    for (double rel : grid) {
      const double lam = rel * full.s_max2();
      double rss = y2 - row2.sum(), df = rank_z;
      for (Eigen::Index i = 0; i < full.s.size(); ++i) {
        const double s2 = full.s(i) * full.s(i), shrink = lam / (s2 + lam);
        rss += shrink * shrink * row2(i);
        df += s2 / (s2 + lam);
      }
      const double denom = 1.0 - df / nd;
      f.curve.push_back(denom > 1e-12 ? (std::max(rss, 0.0) / nd) / (denom * denom) : std::numeric_limits<double>::infinity());
    }
  } else {
    f.curve.assign(grid.size(), 0.0);
    size_t counted = 0;
    for (int v = 0; v < k; ++v) {
      std::vector<size_t> tr, va;
      for (size_t i = 0; i < n; ++i) (fold[i] == v ? va : tr).push_back(i);
      if (tr.size() < 2 || va.empty()) continue;
      const Eigen::MatrixXd Zt = rows_of(Zv, m, tr), Za = rows_of(Zv, m, va);
      Eigen::MatrixXd Xt = rows_of(Xv, p, tr), Yt = rows_of(Yv, q, tr), Xa = rows_of(Xv, p, va), Ya = rows_of(Yv, q, va);
      const Partial pt(Zt, Xt, Yt);  // fitted on the inner training rows only
      pt.apply(Za, Xa, Ya);
      const RidgeSvd svd(Xt, Yt);
      // ||Ya - A diag(f) B||^2 = ||Ya||^2 - 2 sum_i f_i c_i + sum_ij f_i f_j (A'A)_ij (B B')_ij with
      // A = Xa V, B = U'Yt, c_i = row i of (A'Ya) . row i of B: each lambda then costs O(r^2).
      const Eigen::MatrixXd A = Xa * svd.V;
      const Eigen::MatrixXd M = (A.transpose() * A).cwiseProduct(svd.UtY * svd.UtY.transpose());
      const Eigen::VectorXd c = (A.transpose() * Ya).cwiseProduct(svd.UtY).rowwise().sum();
      const double ya2 = Ya.squaredNorm();
      for (size_t gi = 0; gi < grid.size(); ++gi) {
        // lambda on the scale of the full design, so every inner fold tries the same penalties.
        const Eigen::VectorXd fs = svd.shrink(grid[gi] * full.s_max2());
        f.curve[gi] += ya2 - 2.0 * fs.dot(c) + fs.dot(M * fs);
      }
      counted += va.size() * q;
    }
    GRIPCU_CHECK(counted > 0, "ridge_select: no inner fold had both training and validation rows");
    for (double& v : f.curve) v /= double(counted);
  }
  pick_min(f, grid, full.s_max2());
  f.W = full.W(f.lambda, p, q);
  f.Gamma.assign(m * q, 0.0);
  if (m) {
    const Eigen::Map<const RowMat> W(f.W.data(), static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(q));
    const Eigen::MatrixXd G = part.By - part.Bx * W;
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < q; ++j) f.Gamma[i * q + j] = G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  }
  return f;
}

const std::vector<std::string>& baseline_names() {
  static const std::vector<std::string> names = {"identity", "drug_mean", "ridge", "autoencoder", "nn_transfer"};
  return names;
}

std::unique_ptr<FoldPredictor> make_baseline(const std::string& name, const BaselineOptions& opt) {
  if (name == "identity") return std::make_unique<Identity>();
  if (name == "drug_mean") return std::make_unique<DrugMean>();
  if (name == "ridge") return std::make_unique<Ridge>(opt);
  if (name == "autoencoder") return std::make_unique<Autoencoder>(opt);
  if (name == "nn_transfer") return std::make_unique<NearestNeighbourTransfer>();
  std::string known;
  for (const auto& n : baseline_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("--baselines", "unknown baseline '" + name + "' (known: " + known + ")");
}

}  // namespace gripcu::grip
