// GRIP-Lung baselines (models/grip/baselines.h): the ridge solver against a direct solve of its
// normal equations, its GCV and inner-CV criteria against brute force, each baseline on data
// whose answer is known, and that no method reads a test row's treated profile.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numeric>

#include "engine/error.h"
#include "engine/json.h"
#include "engine/rng.h"
#include "models/grip/baselines.h"
#include "models/grip/cv.h"
#include "models/grip/simulate.h"
#include "models/grip/workflow.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {
std::vector<double> randn(size_t n, uint64_t stream) {
  Rng rng(77);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = rng.normal(stream, i);
  return v;
}
Eigen::MatrixXd mat(const std::vector<double>& v, size_t r, size_t c) {
  Eigen::MatrixXd m(r, c);
  for (size_t i = 0; i < r; ++i)
    for (size_t j = 0; j < c; ++j) m(i, j) = v[i * c + j];
  return m;
}
// min ||Y - Z G - X W||^2 + lam ||W||^2 through its normal equations (Z full column rank).
std::pair<Eigen::MatrixXd, Eigen::MatrixXd> direct(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Z, const Eigen::MatrixXd& Y,
                                                   double lam) {
  const Eigen::Index p = X.cols(), m = Z.cols();
  Eigen::MatrixXd A(p + m, p + m), B(p + m, Y.cols());
  A << X.transpose() * X + lam * Eigen::MatrixXd::Identity(p, p), X.transpose() * Z, Z.transpose() * X, Z.transpose() * Z;
  B << X.transpose() * Y, Z.transpose() * Y;
  const Eigen::MatrixXd S = A.ldlt().solve(B);
  return {S.topRows(p), S.bottomRows(m)};
}

PairedData small_sim(int64_t genes = 60, int64_t cells = 5, int64_t drugs = 4, int64_t reps = 2, uint64_t seed = 4) {
  SimConfig sc;
  sc.genes = genes;
  sc.cells = cells;
  sc.drugs = drugs;
  sc.replicates = reps;
  sc.seed = seed;
  const SimResult r = simulate_perturbation(sc);
  return pair_profiles(r.baseline, r.treated, PairBy::order, nullptr);
}
}  // namespace

TEST(GripBaselines, RidgeMatchesDirectSolveWithUnpenalizedBlock) {
  const size_t n = 40, p = 12, m = 3, q = 5;
  std::vector<double> X = randn(n * p, 0), Z = randn(n * m, 1), Y = randn(n * q, 2);
  for (size_t i = 0; i < n; ++i) Z[i * m] = 1.0;  // intercept column
  for (double rel : {1e-4, 0.1, 3.0}) {
    const RidgeFit f = ridge_select(X, Z, Y, n, p, m, q, {rel});
    const auto [W, G] = direct(mat(X, n, p), mat(Z, n, m), mat(Y, n, q), f.lambda);
    for (size_t i = 0; i < p; ++i)
      for (size_t j = 0; j < q; ++j) EXPECT_NEAR(f.W[i * q + j], W(i, j), 1e-9) << "rel " << rel;
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < q; ++j) EXPECT_NEAR(f.Gamma[i * q + j], G(i, j), 1e-9) << "rel " << rel;
  }
}

TEST(GripBaselines, RidgeGcvMatchesHatMatrix) {
  // No Z: GCV(lam) = (||(I - H) Y||^2 / n) / (1 - tr(H) / n)^2, H = X (X'X + lam I)^-1 X'.
  const size_t n = 30, p = 8, q = 4;
  const std::vector<double> X = randn(n * p, 3), Y = randn(n * q, 4);
  const std::vector<double> grid = {1e-3, 1e-2, 1e-1, 1.0};
  const RidgeFit f = ridge_select(X, {}, Y, n, p, 0, q, grid);
  const Eigen::MatrixXd Xm = mat(X, n, p), Ym = mat(Y, n, q);
  const double smax = Eigen::JacobiSVD<Eigen::MatrixXd>(Xm).singularValues()(0);
  for (size_t i = 0; i < grid.size(); ++i) {
    const double lam = grid[i] * smax * smax;
    const Eigen::MatrixXd H = Xm * (Xm.transpose() * Xm + lam * Eigen::MatrixXd::Identity(p, p)).inverse() * Xm.transpose();
    const double rss = ((Eigen::MatrixXd::Identity(n, n) - H) * Ym).squaredNorm();
    const double gcv = (rss / n) / std::pow(1 - H.trace() / n, 2);
    EXPECT_NEAR(f.curve[i], gcv, 1e-9 * gcv);
  }
}

TEST(GripBaselines, RidgeInnerCvMatchesBruteForce) {
  const size_t n = 36, p = 10, m = 2, q = 3;
  std::vector<double> X = randn(n * p, 5), Z = randn(n * m, 6), Y = randn(n * q, 7);
  for (size_t i = 0; i < n; ++i) Z[i * m] = 1.0;
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[i] = static_cast<int>((i / 2) % 3);  // pairs of rows stay together
  const std::vector<double> grid = {1e-2, 0.3};
  const RidgeFit f = ridge_select(X, Z, Y, n, p, m, q, grid, fold, 3);
  // The scale of lambda: s_max of X with Z projected out, on all rows.
  const Eigen::MatrixXd Xa = mat(X, n, p), Za = mat(Z, n, m), Ya = mat(Y, n, q);
  const Eigen::MatrixXd Xr = Xa - Za * Za.colPivHouseholderQr().solve(Xa);
  const double smax = Eigen::JacobiSVD<Eigen::MatrixXd>(Xr).singularValues()(0);
  for (size_t gi = 0; gi < grid.size(); ++gi) {
    double se = 0;
    for (int v = 0; v < 3; ++v) {
      std::vector<Eigen::Index> tr, va;
      for (size_t i = 0; i < n; ++i) (fold[i] == v ? va : tr).push_back(static_cast<Eigen::Index>(i));
      const auto [W, G] = direct(Xa(tr, Eigen::all), Za(tr, Eigen::all), Ya(tr, Eigen::all), grid[gi] * smax * smax);
      se += (Ya(va, Eigen::all) - Za(va, Eigen::all) * G - Xa(va, Eigen::all) * W).squaredNorm();
    }
    EXPECT_NEAR(f.curve[gi], se / double(n * q), 1e-9) << "grid " << gi;
  }
}

TEST(GripBaselines, IdentityAndDrugMeanByHand) {
  PairedData d;
  d.genes = {"g1", "g2"};
  d.samples = {"s1", "s2", "s3", "s4"};
  d.cells = {"A", "B", "A", "B"};
  d.drugs = {"x", "x", "y", "y"};
  d.baseline = {1, 2, 3, 4, 5, 6, 7, 8};
  d.treated = {2, 2, 5, 4, 5, 9, 7, 11};  // changes: (1,0) (2,0) (0,3) (0,3)
  BaselineOptions o;
  auto id = make_baseline("identity", o);
  id->fit(d, {0, 1, 2});
  EXPECT_EQ(id->predict(d, {3}), (std::vector<float>{7, 8}));
  auto dm = make_baseline("drug_mean", o);
  dm->fit(d, {0, 1, 2});
  // drug x: mean change (1.5, 0); drug y: (0, 3) from s3 only
  EXPECT_EQ(dm->predict(d, {0, 3}), (std::vector<float>{2.5f, 2, 7, 11}));
  // An unseen drug gets the mean change over all training samples: (1, 1).
  d.drugs[3] = "z";
  EXPECT_EQ(dm->predict(d, {3}), (std::vector<float>{8, 9}));
  EXPECT_THROW(make_baseline("nope", o), InputError);
}

TEST(GripBaselines, NearestNeighbourTransferUsesTheMostSimilarCellLine) {
  // Cells A and B have opposite baselines; C resembles A. Drug y was measured on A (+1 on every
  // gene) and B (-1). C under y must get A's change.
  PairedData d;
  d.genes = {"g1", "g2", "g3"};
  d.samples = {"a", "b", "c", "a2", "b2"};
  d.cells = {"A", "B", "C", "A", "B"};
  d.drugs = {"y", "y", "x", "x", "x"};
  d.baseline = {1, 2, 3, 3, 2, 1, 1.1f, 2.1f, 2.9f, 1, 2, 3, 3, 2, 1};
  d.treated = {2, 3, 4, 2, 1, 0, 1.1f, 2.1f, 2.9f, 1, 2, 3, 3, 2, 1};
  BaselineOptions o;
  auto nn = make_baseline("nn_transfer", o);
  nn->fit(d, {0, 1, 3, 4});
  PairedData q = d;
  q.drugs[2] = "y";
  const auto p = nn->predict(q, {2});
  EXPECT_NEAR(p[0], 2.1f, 1e-5);
  EXPECT_NEAR(p[1], 3.1f, 1e-5);
  EXPECT_NEAR(p[2], 3.9f, 1e-5);
}

TEST(GripBaselines, RidgeRecoversAnAdditiveDrugEffect) {
  // treated = baseline + drug effect (no noise): ridge's unpenalized drug block reproduces it on
  // held-out (cell, drug) pairs.
  PairedData d = small_sim(40, 6, 4, 1, 2);
  const size_t g = d.g();
  for (size_t s = 0; s < d.n(); ++s)
    for (size_t k = 0; k < g; ++k)
      d.treated[s * g + k] = d.baseline[s * g + k] + 0.5f * float(d.drugs[s].back() - '0') * float(k % 5) - 1.0f;
  std::vector<size_t> train, test;
  for (size_t s = 0; s < d.n(); ++s) (s % 5 == 0 ? test : train).push_back(s);
  BaselineOptions o;
  auto r = make_baseline("ridge", o);
  r->fit(d, train);
  const auto p = r->predict(d, test);
  const auto y = take_rows(d.treated, g, test);
  double worst = 0;
  for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, double(std::fabs(p[i] - y[i])));
  EXPECT_LT(worst, 1e-3) << r->fit_json();  // float32 inputs; exact up to rounding
}

TEST(GripBaselines, AutoencoderLearnsTheTrainingData) {
  const PairedData d = small_sim();
  std::vector<size_t> rows(d.n());
  std::iota(rows.begin(), rows.end(), 0);
  BaselineOptions o;
  o.ae_epochs = 80;
  o.ae_batch = 8;
  auto ae = make_baseline("autoencoder", o);
  ae->fit(d, rows);
  // Targets are z-scored (variance 1 per gene): predicting the mean gives MSE 1.
  const JsonValue j = json_parse(ae->fit_json());
  EXPECT_LT(j.at("train_mse_z").as_number(), 0.5) << ae->fit_json();
}

TEST(GripBaselines, NoMethodReadsTestTreatedProfiles) {
  // Change the treated profiles of the test rows: every prediction of those rows must be
  // bit-identical (GAN included, trained briefly).
  const PairedData d = small_sim(50, 4, 3, 2, 6);
  std::vector<size_t> train, test;
  for (size_t s = 0; s < d.n(); ++s) ((s / 2) % 4 == 1 ? test : train).push_back(s);  // whole pairs
  PairedData poisoned = d;
  for (size_t r : test)
    for (size_t k = 0; k < d.g(); ++k) poisoned.treated[r * d.g() + k] = 1000.0f + float(k);
  BaselineOptions o;
  o.ae_epochs = 3;
  for (const auto& name : baseline_names()) {
    auto a = make_baseline(name, o), b = make_baseline(name, o);
    a->fit(d, train);
    b->fit(poisoned, train);
    EXPECT_EQ(a->predict(d, test), b->predict(poisoned, test)) << name;
  }
  ArchOptions ao;
  ao.train.epochs = 2;
  ao.train.batch = 8;
  auto a = make_architecture("residual", "mlp", ao), b = make_architecture("residual", "mlp", ao);
  a->fit(d, train);
  b->fit(poisoned, train);
  EXPECT_EQ(a->predict(d, test), b->predict(poisoned, test));
}
