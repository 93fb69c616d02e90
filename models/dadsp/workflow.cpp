#include "models/dadsp/workflow.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <Eigen/Dense>

#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "engine/json.h"
#include "engine/rng.h"

namespace gripcu::dadsp {

namespace {
enum : uint64_t { kSplitPairs = 11, kSplitDrugs, kSplitCells, kValSplit };

std::vector<int64_t> unique_sorted(const std::vector<int64_t>& v) {
  std::set<int64_t> s(v.begin(), v.end());
  return {s.begin(), s.end()};
}

// The labelled domain of a variant and its training pairs.
struct Labelled {
  const CellExpression* expr;
  Pairs train;
};
Labelled labelled_of(const Experiment& e, const Split& s, Variant v) {
  if (v == Variant::target_only || !e.has_source) {
    if (v != Variant::target_only)
      throw InputError("--variant", std::string(variant_name(v)) + " needs a source domain (--source-expr and --source-response)");
    return {&e.target, e.target_pairs.subset(s.target_train)};
  }
  return {&e.source, e.source_pairs.subset(s.source_train)};
}

MinMax fit_scaler(const CellExpression& x, const Pairs& train) {
  MinMax mm;
  mm.fit(x.values.data(), static_cast<int64_t>(x.cells.size()), static_cast<int64_t>(x.genes.size()), unique_sorted(train.cell));
  return mm;
}

std::vector<float> scale_all(const CellExpression& x, const MinMax& mm) {
  const size_t G = x.genes.size();
  std::vector<float> o(x.values.size());
  for (size_t c = 0; c < x.cells.size(); ++c)
    for (size_t g = 0; g < G; ++g) o[c * G + g] = static_cast<float>(mm.apply(x.values[c * G + g], g));
  return o;
}

}  // namespace

std::string Split::json(const Experiment& e) const {
  JsonWriter j;
  j.begin_object().kv("kind", cfg.kind).kv("test_frac", cfg.test_frac).kv("blind_frac", cfg.blind_frac);
  j.kv("seed", static_cast<long long>(cfg.seed)).kv("source_train", source_train.size());
  j.kv("target_train", target_train.size()).kv("target_test", target_test.size());
  j.kv("unlabelled_target_cells", unlabelled_target.size());
  j.key("held_drugs").begin_array();
  for (int64_t d : held_drugs) j.value(e.drugs.names[static_cast<size_t>(d)]);
  j.end_array().key("held_cells").begin_array();
  for (int64_t c : held_cells) j.value(e.target.cells[static_cast<size_t>(c)]);
  j.end_array().end_object();
  return j.str();
}

Split make_split(const Experiment& e, const SplitConfig& c) {
  if (!(c.test_frac > 0 && c.test_frac < 1)) throw InputError("--test-frac", "must be in (0, 1)");
  if (!(c.blind_frac > 0 && c.blind_frac < 1)) throw InputError("--blind-frac", "must be in (0, 1)");
  const Rng rng(c.seed);
  Split s;
  s.cfg = c;
  const int64_t nt = static_cast<int64_t>(e.target_pairs.size());
  if (c.kind == "random") {
    const auto perm = rng.permutation(nt, kSplitPairs);
    const int64_t ntest = std::max<int64_t>(1, static_cast<int64_t>(std::llround(c.test_frac * double(nt))));
    for (int64_t i = 0; i < nt; ++i) (i < ntest ? s.target_test : s.target_train).push_back(static_cast<size_t>(perm[i]));
    std::sort(s.target_test.begin(), s.target_test.end());
    std::sort(s.target_train.begin(), s.target_train.end());
    for (size_t i = 0; i < e.source_pairs.size(); ++i) s.source_train.push_back(i);
    for (int64_t r = 0; r < static_cast<int64_t>(e.target.cells.size()); ++r) s.unlabelled_target.push_back(r);
  } else if (c.kind == "blind") {
    const auto drugs = unique_sorted(e.target_pairs.drug), cells = unique_sorted(e.target_pairs.cell);
    auto pick = [&](const std::vector<int64_t>& v, uint64_t stream) {
      const auto perm = rng.permutation(static_cast<int64_t>(v.size()), stream);
      const size_t k = std::max<size_t>(1, static_cast<size_t>(std::ceil(c.blind_frac * double(v.size()))));
      std::vector<int64_t> o;
      for (size_t i = 0; i < k && i < v.size(); ++i) o.push_back(v[static_cast<size_t>(perm[i])]);
      std::sort(o.begin(), o.end());
      return o;
    };
    s.held_drugs = pick(drugs, kSplitDrugs);
    s.held_cells = pick(cells, kSplitCells);
    const std::set<int64_t> hd(s.held_drugs.begin(), s.held_drugs.end()), hc(s.held_cells.begin(), s.held_cells.end());
    for (size_t i = 0; i < e.target_pairs.size(); ++i) {
      const bool d = hd.count(e.target_pairs.drug[i]) != 0, cc = hc.count(e.target_pairs.cell[i]) != 0;
      if (d && cc) s.target_test.push_back(i);
      else if (!d && !cc) s.target_train.push_back(i);
    }
    for (size_t i = 0; i < e.source_pairs.size(); ++i)
      if (!hd.count(e.source_pairs.drug[i])) s.source_train.push_back(i);
    for (int64_t r = 0; r < static_cast<int64_t>(e.target.cells.size()); ++r)
      if (!hc.count(r)) s.unlabelled_target.push_back(r);
    if (s.target_test.empty())
      throw InputError("--blind-frac", "no target pair has both a held-out drug and a held-out cell line; raise it");
  } else {
    throw InputError("--split", "expected random or blind, got '" + c.kind + "'");
  }
  if (s.target_test.empty()) throw InputError("--test-frac", "the target test set is empty");
  return s;
}

std::unique_ptr<DadspModel> fit_variant(const Experiment& e, const Split& s, const ModelConfig& mc0,
                                        const TrainConfig& tc, const Device& dev, const std::string& sae_path,
                                        const LogFn& log) {
  const Labelled lab = labelled_of(e, s, tc.variant);
  if (lab.train.size() == 0) throw InputError("--split", "no labelled training pairs for " + std::string(variant_name(tc.variant)));
  ModelConfig mc = mc0;
  mc.genes = static_cast<int64_t>(e.target.genes.size());
  mc.drug_dim = e.drugs.dim;
  auto m = std::make_unique<DadspModel>(mc, tc, dev);
  m->genes = e.target.genes;
  m->drugs = e.drugs;
  m->label_transform = e.label_transform;
  m->xscale = fit_scaler(*lab.expr, lab.train);
  m->ylo = *std::min_element(lab.train.y.begin(), lab.train.y.end());
  m->yhi = *std::max_element(lab.train.y.begin(), lab.train.y.end());
  m->split_json = s.json(e);

  TrainData d;
  d.XL = scale_all(*lab.expr, m->xscale);
  d.nL = static_cast<int64_t>(lab.expr->cells.size());
  Pairs scaled = lab.train;
  for (auto& y : scaled.y) y = m->from_label(y);
  const Rng rng(tc.seed);
  const auto perm = rng.permutation(static_cast<int64_t>(scaled.size()), kValSplit);
  const size_t nval = static_cast<size_t>(std::floor(tc.val_frac * double(scaled.size())));
  std::vector<size_t> tr, va;
  for (size_t i = 0; i < perm.size(); ++i) (i < nval ? va : tr).push_back(static_cast<size_t>(perm[i]));
  std::sort(tr.begin(), tr.end());
  std::sort(va.begin(), va.end());
  d.train = scaled.subset(tr);
  d.val = scaled.subset(va);
  const bool adapt = tc.variant == Variant::A || tc.variant == Variant::B || tc.variant == Variant::no_pretrain;
  if (adapt) {
    const auto all = scale_all(e.target, m->xscale);
    const size_t G = e.target.genes.size();
    for (int64_t r : s.unlabelled_target) d.XU.insert(d.XU.end(), all.begin() + r * G, all.begin() + (r + 1) * G);
    d.nU = static_cast<int64_t>(s.unlabelled_target.size());
  }

  if (tc.variant != Variant::no_pretrain) {
    if (!sae_path.empty()) {
      const io::SafeTensors st = io::load_safetensors(sae_path);
      auto it = st.metadata.find("gripcu.genes");
      if (it == st.metadata.end()) throw InputError(sae_path, "not a gripcu DADSP SAE checkpoint (no gripcu.genes)");
      std::vector<std::string> g;
      for (const auto& v : json_parse(it->second, sae_path).arr) g.push_back(v.as_string());
      if (g != m->genes) throw InputError(sae_path, "the SAE was pretrained on other genes than these inputs share");
      for (auto* store : {&m->gstore, &m->sdstore})
        for (const auto& en : store->entries()) {
          const Tensor& src = st.get(en.name);
          if (src.shape() != en.var->value.shape())
            throw InputError(sae_path, "tensor '" + en.name + "' is " + src.describe() + ", this model needs " +
                                           en.var->value.describe() + " (same --sae sizes?)");
          Tensor dst = en.var->value;
          dst.copy_(src);
        }
      m->snapshot_init();
    } else {
      std::vector<float> rows;
      const size_t G = e.target.genes.size();
      const auto cells = unique_sorted(lab.train.cell);
      for (int64_t c : cells) rows.insert(rows.end(), d.XL.begin() + c * G, d.XL.begin() + (c + 1) * G);
      const auto h = pretrain_sae(*m, rows, static_cast<int64_t>(cells.size()), log);
      (void)h;
    }
  }
  train_dadsp(*m, d, log);
  return m;
}

EvalResult evaluate(const DadspModel& m, const Experiment& e, const Split& s, const std::string& name) {
  CellExpression t = e.target;
  if (t.genes != m.genes) select_genes(t, m.genes);
  const auto X = m.scale_rows(t);
  std::vector<int64_t> cells, drugs;
  EvalResult r;
  r.name = name;
  for (size_t i : s.target_test) {
    const int64_t di = m.drugs.index(e.drugs.names[static_cast<size_t>(e.target_pairs.drug[i])]);
    GRIPCU_CHECK(di >= 0, "evaluate: drug not in the model");
    cells.push_back(e.target_pairs.cell[i]);
    drugs.push_back(di);
    r.truth.push_back(e.target_pairs.y[i]);
  }
  r.pred = m.predict(X, cells, drugs);
  r.metrics = regression_metrics(r.truth, r.pred);
  return r;
}

namespace {
struct BaselineData {
  int64_t G = 0, F = 0;
  std::vector<double> Xtrain_cells, Xtest_cells;  // scaled expression rows of the two domains
  Pairs train;                                    // cells index Xtrain_cells
  std::vector<int64_t> test_cells, test_drugs;
  std::vector<double> truth;
};
BaselineData baseline_data(const Experiment& e, const Split& s) {
  const Labelled lab = labelled_of(e, s, e.has_source ? Variant::source_only : Variant::target_only);
  const MinMax mm = fit_scaler(*lab.expr, lab.train);
  BaselineData b;
  b.G = static_cast<int64_t>(e.target.genes.size());
  b.F = e.drugs.dim;
  const auto xs = scale_all(*lab.expr, mm), xt = scale_all(e.target, mm);
  b.Xtrain_cells.assign(xs.begin(), xs.end());
  b.Xtest_cells.assign(xt.begin(), xt.end());
  b.train = lab.train;
  for (size_t i : s.target_test) {
    b.test_cells.push_back(e.target_pairs.cell[i]);
    b.test_drugs.push_back(e.target_pairs.drug[i]);
    b.truth.push_back(e.target_pairs.y[i]);
  }
  return b;
}
}  // namespace

EvalResult ridge_baseline(const Experiment& e, const Split& s, double alpha) {
  const BaselineData b = baseline_data(e, s);
  const int64_t P = b.G + b.F, n = static_cast<int64_t>(b.train.size());
  if (P > 20000) throw InputError("ridge", "too many features for the closed form (" + std::to_string(P) + ")");
  auto feat = [&](const std::vector<double>& X, int64_t c, int64_t d, double* out) {
    for (int64_t g = 0; g < b.G; ++g) out[g] = X[static_cast<size_t>(c * b.G + g)];
    for (int64_t f = 0; f < b.F; ++f) out[b.G + f] = e.drugs.row(d)[f];
  };
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> R(n, P);
  Eigen::VectorXd y(n);
  for (int64_t i = 0; i < n; ++i) {
    feat(b.Xtrain_cells, b.train.cell[static_cast<size_t>(i)], b.train.drug[static_cast<size_t>(i)], R.row(i).data());
    y(i) = b.train.y[static_cast<size_t>(i)];
  }
  const Eigen::RowVectorXd mu = R.colwise().mean();
  const double ymu = y.mean();
  const Eigen::MatrixXd Z = R.rowwise() - mu;
  Eigen::MatrixXd H = Z.transpose() * Z;
  H.diagonal().array() += alpha;
  const Eigen::VectorXd w = H.ldlt().solve(Z.transpose() * (y.array() - ymu).matrix());
  EvalResult r;
  r.name = "ridge";
  r.truth = b.truth;
  std::vector<double> phi(static_cast<size_t>(P));
  for (size_t i = 0; i < b.test_cells.size(); ++i) {
    feat(b.Xtest_cells, b.test_cells[i], b.test_drugs[i], phi.data());
    double p = ymu;
    for (int64_t j = 0; j < P; ++j) p += (phi[static_cast<size_t>(j)] - mu(j)) * w(j);
    r.pred.push_back(p);
  }
  r.metrics = regression_metrics(r.truth, r.pred);
  return r;
}

EvalResult knn_baseline(const Experiment& e, const Split& s, int k) {
  if (k < 1) throw InputError("--knn", "k must be >= 1");
  const BaselineData b = baseline_data(e, s);
  const size_t n = b.train.size();
  const int64_t D = static_cast<int64_t>(e.drugs.names.size());
  // Squared distances split into the cell part and the drug part (both precomputed).
  std::vector<double> dd(static_cast<size_t>(D * D));
  for (int64_t a = 0; a < D; ++a)
    for (int64_t c = 0; c < D; ++c) {
      double s2 = 0;
      for (int64_t f = 0; f < b.F; ++f) {
        const double t = double(e.drugs.row(a)[f]) - double(e.drugs.row(c)[f]);
        s2 += t * t;
      }
      dd[static_cast<size_t>(a * D + c)] = s2;
    }
  const auto train_cells = unique_sorted(b.train.cell);
  EvalResult r;
  r.name = "knn";
  r.truth = b.truth;
  std::vector<std::pair<double, double>> cand(n);
  std::vector<double> cd(b.Xtrain_cells.size() / static_cast<size_t>(b.G), 0.0);
  int64_t last_cell = -1;
  for (size_t i = 0; i < b.test_cells.size(); ++i) {
    if (b.test_cells[i] != last_cell) {
      last_cell = b.test_cells[i];
      const double* x = b.Xtest_cells.data() + last_cell * b.G;
      for (int64_t c : train_cells) {
        const double* z = b.Xtrain_cells.data() + c * b.G;
        double s2 = 0;
        for (int64_t g = 0; g < b.G; ++g) s2 += (x[g] - z[g]) * (x[g] - z[g]);
        cd[static_cast<size_t>(c)] = s2;
      }
    }
    for (size_t j = 0; j < n; ++j)
      cand[j] = {cd[static_cast<size_t>(b.train.cell[j])] + dd[static_cast<size_t>(b.test_drugs[i] * D + b.train.drug[j])],
                 b.train.y[j]};
    const size_t kk = std::min(n, static_cast<size_t>(k));
    std::nth_element(cand.begin(), cand.begin() + static_cast<long>(kk - 1), cand.end());
    double s2 = 0;
    for (size_t j = 0; j < kk; ++j) s2 += cand[j].second;
    r.pred.push_back(s2 / double(kk));
  }
  r.metrics = regression_metrics(r.truth, r.pred);
  return r;
}

}  // namespace gripcu::dadsp
