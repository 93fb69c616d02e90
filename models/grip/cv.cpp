#include "models/grip/cv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

#include "autograd/ops.h"
#include "engine/error.h"
#include "engine/json.h"
#include "models/grip/architectures.h"
#include "models/grip/workflow.h"

namespace gripcu::grip {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr uint64_t kSplitStream = uint64_t{1} << 42;       // group shuffles (pair split: +1 for drugs)
constexpr uint64_t kPermutationStream = uint64_t{1} << 43;  // gene-label permutations, per method

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}
}  // namespace

// ---------------------------------------------------------------- splits

SplitKind parse_split(const std::string& s) {
  if (s == "kfold") return SplitKind::kfold;
  if (s == "sample") return SplitKind::sample;
  if (s == "drug") return SplitKind::drug;
  if (s == "cell") return SplitKind::cell;
  if (s == "pair") return SplitKind::pair;
  throw InputError("--split", "unknown split '" + s + "' (known: kfold, sample, drug, cell, pair)");
}

const char* split_name(SplitKind k) {
  switch (k) {
    case SplitKind::kfold: return "kfold";
    case SplitKind::sample: return "sample";
    case SplitKind::drug: return "drug";
    case SplitKind::cell: return "cell";
    case SplitKind::pair: return "pair";
  }
  return "?";
}

const char* split_groups_by(SplitKind k) {
  switch (k) {
    case SplitKind::kfold: return "(cell line, drug) pair: replicates stay together; test pairs are unseen combinations";
    case SplitKind::sample: return "sample: replicates of a pair may straddle train and test";
    case SplitKind::drug: return "drug: test drugs are never seen in training";
    case SplitKind::cell: return "cell line: test cell lines are never seen in training";
    case SplitKind::pair: return "cell line and drug: neither the cell line nor the drug of a test pair is seen in training";
  }
  return "?";
}

namespace {
// Groups (sorted names -> rows), dealt into k folds after a Philox shuffle: fold of each group.
std::vector<int64_t> deal(size_t n_groups, int64_t k, uint64_t seed, uint64_t stream) {
  const auto perm = Rng(seed).permutation(static_cast<int64_t>(n_groups), stream);
  std::vector<int64_t> fold(n_groups);
  for (size_t i = 0; i < n_groups; ++i) fold[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i) % k;
  return fold;
}

void check_k(int64_t k, size_t groups, const std::string& what) {
  if (k < 2) throw InputError("--folds", "need at least 2 folds (got " + std::to_string(k) + ")");
  if (static_cast<size_t>(k) > groups)
    throw InputError("--folds", std::to_string(k) + " folds but only " + std::to_string(groups) + " " + what);
}
}  // namespace

std::vector<Fold> make_folds(const PairedData& d, SplitKind kind, int64_t k, uint64_t seed) {
  const size_t n = d.n();
  std::vector<Fold> folds;
  if (kind == SplitKind::pair) {
    std::map<std::string, size_t> cells, drugs;
    for (size_t r = 0; r < n; ++r) { cells.emplace(d.cells[r], 0); drugs.emplace(d.drugs[r], 0); }
    check_k(k, std::min(cells.size(), drugs.size()), "cell lines or drugs (leave-pair-out deals both into the folds)");
    size_t i = 0;
    for (auto& [name, idx] : cells) idx = i++;
    i = 0;
    for (auto& [name, idx] : drugs) idx = i++;
    const auto cf = deal(cells.size(), k, seed, kSplitStream), df = deal(drugs.size(), k, seed, kSplitStream + 1);
    folds.resize(static_cast<size_t>(k));
    std::vector<std::set<std::string>> held(static_cast<size_t>(k));
    for (size_t r = 0; r < n; ++r) {
      const int64_t a = cf[cells[d.cells[r]]], b = df[drugs[d.drugs[r]]];
      for (int64_t f = 0; f < k; ++f) {
        auto& fo = folds[static_cast<size_t>(f)];
        if (a == f && b == f) {
          fo.test.push_back(r);
          held[static_cast<size_t>(f)].insert(d.cells[r] + "|" + d.drugs[r]);
        } else if (a != f && b != f) {
          fo.train.push_back(r);
        }
      }
    }
    for (int64_t f = 0; f < k; ++f) {
      auto& fo = folds[static_cast<size_t>(f)];
      fo.held_out.assign(held[static_cast<size_t>(f)].begin(), held[static_cast<size_t>(f)].end());
      if (fo.test.empty() || fo.train.empty())
        throw InputError("--folds", "leave-pair-out fold " + std::to_string(f + 1) + " has no " +
                                        (fo.test.empty() ? "test" : "training") + " samples (too few cell lines or drugs for " +
                                        std::to_string(k) + " folds)");
    }
    return folds;
  }
  // One key per sample; groups are the distinct keys.
  std::vector<std::string> key(n);
  for (size_t r = 0; r < n; ++r) {
    switch (kind) {
      case SplitKind::kfold: key[r] = d.cells[r] + "|" + d.drugs[r]; break;
      case SplitKind::drug: key[r] = d.drugs[r]; break;
      case SplitKind::cell: key[r] = d.cells[r]; break;
      default: break;
    }
  }
  std::vector<std::string> names;
  std::vector<size_t> group_of(n);
  if (kind == SplitKind::sample) {
    names = d.samples;
    for (size_t r = 0; r < n; ++r) group_of[r] = r;
  } else {
    std::map<std::string, size_t> idx;
    for (size_t r = 0; r < n; ++r) idx.emplace(key[r], 0);
    for (auto& [name, i] : idx) { i = names.size(); names.push_back(name); }
    for (size_t r = 0; r < n; ++r) group_of[r] = idx[key[r]];
  }
  const char* what = kind == SplitKind::kfold ? "(cell line, drug) pairs" : kind == SplitKind::sample ? "samples"
                     : kind == SplitKind::drug ? "drugs" : "cell lines";
  check_k(k, names.size(), what);
  const auto fold = deal(names.size(), k, seed, kSplitStream);
  folds.resize(static_cast<size_t>(k));
  for (size_t r = 0; r < n; ++r)
    for (int64_t f = 0; f < k; ++f) (fold[group_of[r]] == f ? folds[static_cast<size_t>(f)].test : folds[static_cast<size_t>(f)].train).push_back(r);
  for (size_t gi = 0; gi < names.size(); ++gi) folds[static_cast<size_t>(fold[gi])].held_out.push_back(names[gi]);
  return folds;
}

// ---------------------------------------------------------------- architectures

namespace {
// The paper's GAN (or whichever generator/discriminator networks make_model builds).
class GanFold : public FoldPredictor {
 public:
  GanFold(const ArchOptions& o, const std::string& g, const std::string& dis) : o_(o) {
    mc_.generator = g;  // architectures.h
    mc_.discriminator = dis;
  }
  void fit(const PairedData& d, const std::vector<size_t>& train) override {
    m_ = make_model(d, train, o_.train, o_.device, false, mc_);
    train_model(*m_, d, train, nullptr, nullptr);
  }
  std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
    const Expanded e = expand(d, rows);
    const std::vector<float> x = take_rows(d.baseline, d.g(), e.rows);
    return average(grip::predict(*m_, x, e.cells, e.drugs), e, d.g());
  }
  bool discriminator_logits(const PairedData& d, const std::vector<size_t>& rows, const std::vector<float>& profiles,
                            std::vector<double>& logits) override {
    const size_t g = d.g();
    const Expanded e = expand(d, rows);
    std::vector<float> y(e.rows.size() * g);
    for (size_t i = 0; i < e.rows.size(); ++i)
      std::copy(profiles.begin() + static_cast<std::ptrdiff_t>(e.src[i] * g), profiles.begin() + static_cast<std::ptrdiff_t>((e.src[i] + 1) * g),
                y.begin() + static_cast<std::ptrdiff_t>(i * g));
    m_->z_treated.apply(y, g);
    const auto n = static_cast<int64_t>(e.rows.size());
    ag::NoGrad ng;
    const ag::Var out = (*m_->D)(ag::Var(Tensor::from_vector(y, {n, static_cast<int64_t>(g)}, m_->device)),
                                 Tensor::from_vector(e.cells, {n}, m_->device), Tensor::from_vector(e.drugs, {n}, m_->device));
    const std::vector<float> l = out.value().to_vector<float>();
    const std::vector<float> avg = average(l, e, 1);
    logits.assign(avg.begin(), avg.end());
    return true;
  }
  std::string fit_json() const override {
    JsonWriter j;
    j.begin_object().kv("epochs", m_->state.epoch);
    j.kv("final_generator_mse_z", m_->state.mse.empty() ? kNaN : m_->state.mse.back());
    j.kv("rows_with_unseen_cell", static_cast<long long>(unseen_cells_)).kv("rows_with_unseen_drug", static_cast<long long>(unseen_drugs_));
    j.end_object();
    return j.str();
  }

 private:
  // Each test row becomes one model row, or one per training drug when its drug is unseen.
  struct Expanded {
    std::vector<size_t> rows, src;  // data row, index into the caller's rows
    std::vector<int64_t> cells, drugs;
    std::vector<size_t> count;      // model rows per caller row
  };
  Expanded expand(const PairedData& d, const std::vector<size_t>& rows) {
    Expanded e;
    unseen_cells_ = unseen_drugs_ = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t r = rows[i];
      int64_t c = m_->cells.index(d.cells[r]);
      if (c < 0) {
        c = nearest_cell(*m_, d.baseline.data() + r * d.g()).cell;
        ++unseen_cells_;
      }
      const int64_t k = m_->drugs.index(d.drugs[r]);
      unseen_drugs_ += k < 0;
      const int64_t lo = k >= 0 ? k : 0, hi = k >= 0 ? k + 1 : m_->mcfg.drugs;
      for (int64_t q = lo; q < hi; ++q) {
        e.rows.push_back(r);
        e.src.push_back(i);
        e.cells.push_back(c);
        e.drugs.push_back(q);
      }
      e.count.push_back(static_cast<size_t>(hi - lo));
    }
    return e;
  }
  static std::vector<float> average(const std::vector<float>& v, const Expanded& e, size_t w) {
    std::vector<double> acc(e.count.size() * w, 0.0);
    for (size_t i = 0; i < e.src.size(); ++i)
      for (size_t k = 0; k < w; ++k) acc[e.src[i] * w + k] += v[i * w + k];
    std::vector<float> out(acc.size());
    for (size_t i = 0; i < e.count.size(); ++i)
      for (size_t k = 0; k < w; ++k) out[i * w + k] = static_cast<float>(acc[i * w + k] / double(e.count[i]));
    return out;
  }
  ArchOptions o_;
  ModelConfig mc_;
  std::unique_ptr<GripModel> m_;
  size_t unseen_cells_ = 0, unseen_drugs_ = 0;
};

// Built in: every generator x discriminator of architectures.h, as the GAN of make_model.
std::vector<ArchitectureFamily>& families() {
  static std::vector<ArchitectureFamily> f = [] {
    ArchitectureFamily gan{generator_names(), discriminator_names(),
                           [](const std::string& g, const std::string& d, const ArchOptions& o) -> std::unique_ptr<FoldPredictor> {
                             return std::make_unique<GanFold>(o, g, d);
                           },
                           {}, {}};
    for (const auto& g : gan.generators) gan.labels_generators.push_back(generator_label(g));
    for (const auto& d : gan.discriminators) gan.labels_discriminators.push_back(discriminator_label(d));
    return std::vector<ArchitectureFamily>{std::move(gan)};
  }();
  return f;
}

const ArchitectureFamily* find_family(const std::string& g, const std::string& d) {
  auto& fs = families();
  for (auto it = fs.rbegin(); it != fs.rend(); ++it)
    if (std::count(it->generators.begin(), it->generators.end(), g) && std::count(it->discriminators.begin(), it->discriminators.end(), d))
      return &*it;
  return nullptr;
}
}  // namespace

void register_architecture_family(ArchitectureFamily f) { families().push_back(std::move(f)); }

std::vector<std::string> known_generators() {
  std::set<std::string> s;
  for (const auto& f : families()) s.insert(f.generators.begin(), f.generators.end());
  return {s.begin(), s.end()};
}

std::vector<std::string> known_discriminators() {
  std::set<std::string> s;
  for (const auto& f : families()) s.insert(f.discriminators.begin(), f.discriminators.end());
  return {s.begin(), s.end()};
}

namespace {
void check_architecture(const std::string& g, const std::string& d) {
  const auto gs = known_generators(), ds = known_discriminators();
  if (!std::count(gs.begin(), gs.end(), g)) throw InputError("--generators", "unknown generator '" + g + "' (known: " + join(gs) + ")");
  if (!std::count(ds.begin(), ds.end(), d))
    throw InputError("--discriminators", "unknown discriminator '" + d + "' (known: " + join(ds) + ")");
  if (!find_family(g, d)) {
    std::string combos;
    for (const auto& f : families())
      for (const auto& a : f.generators)
        for (const auto& b : f.discriminators) combos += (combos.empty() ? "" : ", ") + a + "+" + b;
    throw InputError("--generators", "no architecture builds generator '" + g + "' with discriminator '" + d + "' (available: " + combos + ")");
  }
}
}  // namespace

std::unique_ptr<FoldPredictor> make_architecture(const std::string& g, const std::string& d, const ArchOptions& o) {
  check_architecture(g, d);
  return find_family(g, d)->make(g, d, o);
}

std::string architecture_label(const std::string& g, const std::string& d) {
  std::string lg = g, ld = d;
  if (const ArchitectureFamily* f = find_family(g, d)) {
    for (size_t i = 0; i < f->generators.size() && i < f->labels_generators.size(); ++i)
      if (f->generators[i] == g) lg = f->labels_generators[i];
    for (size_t i = 0; i < f->discriminators.size() && i < f->labels_discriminators.size(); ++i)
      if (f->discriminators[i] == d) ld = f->labels_discriminators[i];
  }
  return lg + " + " + ld;
}

// ---------------------------------------------------------------- the run

std::pair<double, double> mean_std(const std::vector<double>& v) {
  double s = 0;
  size_t n = 0;
  for (double x : v)
    if (std::isfinite(x)) { s += x; ++n; }
  if (!n) return {kNaN, kNaN};
  const double m = s / double(n);
  if (n < 2) return {m, kNaN};
  double ss = 0;
  for (double x : v)
    if (std::isfinite(x)) ss += (x - m) * (x - m);
  return {m, std::sqrt(ss / double(n - 1))};
}

namespace {
const char* baseline_label(const std::string& b) {
  if (b == "identity") return "Identity (y = x)";
  if (b == "drug_mean") return "Mean change per drug";
  if (b == "ridge") return "Ridge (linear)";
  if (b == "autoencoder") return "Autoencoder (no GAN, no residual)";
  if (b == "nn_transfer") return "Nearest-neighbour transfer";
  return "?";
}

double metric(const MetricSet& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  return kNaN;
}

std::vector<double> per_fold(const MethodResult& m, const std::string& name) {
  std::vector<double> v;
  for (const auto& f : m.folds) v.push_back(metric(f, name));
  return v;
}
}  // namespace

void validate_cv_names(const CvConfig& c) {
  if (c.generators.empty() != c.discriminators.empty())
    throw InputError(c.generators.empty() ? "--generators" : "--discriminators", "generators and discriminators come together");
  for (const auto& gen : c.generators)
    for (const auto& dis : c.discriminators) check_architecture(gen, dis);
  for (const auto& b : c.baselines) make_baseline(b, c.baseline_options);
  if (c.generators.empty() && c.baselines.empty()) throw InputError("--baselines", "nothing to evaluate");
}

CvResult run_cv(const PairedData& d, const CvConfig& c, const std::function<void(const std::string&)>& on_status) {
  auto status = [&](const std::string& s) { if (on_status) on_status(s); };
  const size_t g = d.g();
  validate_cv_names(c);

  CvResult r;
  r.folds = make_folds(d, c.split, c.folds, c.seed);
  ArchOptions ao;
  ao.train = c.train;
  ao.train.seed = c.seed;
  ao.device = c.device;
  BaselineOptions bo = c.baseline_options;
  bo.inner_groups = c.split == SplitKind::drug ? "drug" : c.split == SplitKind::cell ? "cell" : "pair";
  struct Spec {
    std::string name, label, kind, gen, dis;
  };
  std::vector<Spec> specs;
  for (const auto& gen : c.generators)
    for (const auto& dis : c.discriminators) specs.push_back({gen + "+" + dis, architecture_label(gen, dis), "gan", gen, dis});
  for (const auto& b : c.baselines) specs.push_back({b, baseline_label(b), "baseline", b, ""});
  r.methods.resize(specs.size());
  for (size_t m = 0; m < specs.size(); ++m) {
    r.methods[m].name = specs[m].name;
    r.methods[m].label = specs[m].label;
    r.methods[m].kind = specs[m].kind;
  }
  double ratio = 0;
  for (size_t f = 0; f < r.folds.size(); ++f) {
    const Fold& fo = r.folds[f];
    ratio += double(fo.test.size()) / double(fo.train.size()) / double(r.folds.size());
    // The metric space: this fold's training statistics of the treated profiles.
    const ZScore zt = ZScore::fit(d.treated, g, fo.train);
    std::vector<float> truth = take_rows(d.treated, g, fo.test), base = take_rows(d.baseline, g, fo.test);
    const std::vector<float> truth_in = truth;
    zt.apply(truth, g);
    zt.apply(base, g);
    r.pooled_rows.insert(r.pooled_rows.end(), fo.test.begin(), fo.test.end());
    r.pooled_truth.insert(r.pooled_truth.end(), truth.begin(), truth.end());
    r.pooled_baseline.insert(r.pooled_baseline.end(), base.begin(), base.end());
    for (size_t m = 0; m < specs.size(); ++m) {
      const Spec& s = specs[m];
      status("fold " + std::to_string(f + 1) + "/" + std::to_string(r.folds.size()) + ": " + s.name + " (" +
             std::to_string(fo.train.size()) + " training, " + std::to_string(fo.test.size()) + " test samples)");
      std::unique_ptr<FoldPredictor> p =
          s.kind == "gan" ? make_architecture(s.gen, s.dis, ao) : make_baseline(s.name, bo);
      p->fit(d, fo.train);
      const std::vector<float> pred_in = p->predict(d, fo.test);
      GRIPCU_CHECK(pred_in.size() == truth.size(), s.name, ": ", pred_in.size(), " predicted values, expected ", truth.size());
      std::vector<float> pred = pred_in;
      zt.apply(pred, g);
      MetricSet ms = profile_metrics(pred, truth, base, g, c.deg_k);
      std::vector<double> real, fake;
      double dacc = kNaN, dauc = kNaN;
      if (p->discriminator_logits(d, fo.test, truth_in, real) && p->discriminator_logits(d, fo.test, pred_in, fake)) {
        dacc = binary_accuracy(real, fake);
        dauc = auc(real, fake);
      }
      ms.emplace_back("disc_acc", dacc);
      ms.emplace_back("disc_auc", dauc);
      MethodResult& mr = r.methods[m];
      mr.folds.push_back(std::move(ms));
      mr.fit_json.push_back(p->fit_json());
      mr.pooled_pred.insert(mr.pooled_pred.end(), pred.begin(), pred.end());
    }
  }
  r.mean_test_train_ratio = ratio;
  for (size_t m = 0; m < r.methods.size(); ++m) {
    MethodResult& mr = r.methods[m];
    mr.pooled_genewise = genewise_pearson(mr.pooled_pred, r.pooled_truth, g);
    if (c.permutations > 0) {
      status("permutation test (" + std::to_string(c.permutations) + " gene-label shuffles): " + mr.name);
      mr.permutation = gene_label_permutation_test(mr.pooled_pred, r.pooled_truth, g, c.permutations, c.seed,
                                                   kPermutationStream + (uint64_t{1} << 32) * m);
    }
  }
  return r;
}

// ---------------------------------------------------------------- outputs

namespace {
const std::vector<std::string>& compared_metrics() {
  static const std::vector<std::string> v = {"mse", "r2", "sign_acc", "sign_f1", "delta_sign_acc", "delta_sign_f1",
                                             "delta_r2", "genewise_pearson_median", "deg_rmse"};
  return v;
}

void write_comparison(JsonWriter& j, const PairedComparison& pc) {
  j.begin_object().kv("n", pc.n).kv("mean_diff", pc.mean_diff).kv("sd_diff", pc.sd_diff).kv("t", pc.t).kv("p_t", pc.p_t);
  j.kv("t_corrected", pc.t_corrected).kv("p_t_corrected", pc.p_t_corrected);
  j.kv("wilcoxon_w_plus", pc.wilcoxon.w_plus).kv("wilcoxon_n", pc.wilcoxon.n_nonzero).kv("p_wilcoxon", pc.wilcoxon.p);
  j.kv("wilcoxon_exact", pc.wilcoxon.exact).end_object();
}

std::string fmt(double v, int prec = 3) {
  if (!std::isfinite(v)) return "–";
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  std::string s = b;
  if (s.rfind("-0.", 0) == 0 && std::strtod(b, nullptr) == 0.0) s.erase(0, 1);  // "-0.000" -> "0.000"
  return s;
}
std::string pm(const MethodResult& m, const std::string& name) {
  const auto [mu, sd] = mean_std(per_fold(m, name));
  if (!std::isfinite(mu)) return "–";
  return fmt(mu) + (std::isfinite(sd) ? " ± " + fmt(sd) : "");
}
std::string pval(double p) {
  if (!std::isfinite(p)) return "–";
  char b[32];
  std::snprintf(b, sizeof b, p < 0.001 ? "%.1e" : "%.3f", p);
  return b;
}
}  // namespace

std::string cv_metrics_json(const PairedData& d, const CvConfig& c, const CvInputs& in, const CvResult& r) {
  JsonWriter j;
  j.begin_object();
  j.kv("command", "gripcu cv");
  j.key("data").begin_object();
  j.kv("baseline", in.baseline_path).kv("baseline_sha256", in.baseline_sha256);
  j.kv("treated", in.treated_path).kv("treated_sha256", in.treated_sha256);
  std::set<std::string> cells(d.cells.begin(), d.cells.end()), drugs(d.drugs.begin(), d.drugs.end()), pairs;
  for (size_t i = 0; i < d.n(); ++i) pairs.insert(d.cells[i] + "|" + d.drugs[i]);
  j.kv("samples", static_cast<long long>(d.n())).kv("genes", static_cast<long long>(d.g()));
  j.kv("cells", static_cast<long long>(cells.size())).kv("drugs", static_cast<long long>(drugs.size()));
  j.kv("pairs", static_cast<long long>(pairs.size())).end_object();
  j.key("split").begin_object();
  j.kv("kind", split_name(c.split)).kv("groups_by", split_groups_by(c.split)).kv("folds", c.folds).kv("seed", static_cast<long long>(c.seed));
  j.kv("normalization", "z-scores, vocabularies and parameters fitted on each fold's training rows only");
  j.kv("tested_samples", static_cast<long long>(r.pooled_rows.size()));
  j.key("fold_sizes").begin_array();
  for (const auto& f : r.folds) {
    j.begin_object().kv("train", static_cast<long long>(f.train.size())).kv("test", static_cast<long long>(f.test.size()));
    j.key("held_out").begin_array();
    for (const auto& h : f.held_out) j.value(h);
    j.end_array().end_object();
  }
  j.end_array().end_object();
  j.key("config").begin_object();
  j.key("train");
  write_json(j, [&] { TrainConfig t = c.train; t.seed = c.seed; return t; }());
  j.key("autoencoder").begin_object().kv("epochs", c.baseline_options.ae_epochs).kv("batch", c.baseline_options.ae_batch);
  j.kv("lr", c.baseline_options.ae_lr).kv("hidden", c.baseline_options.ae_hidden).kv("bottleneck", c.baseline_options.ae_bottleneck).end_object();
  j.kv("deg_k", static_cast<long long>(c.deg_k)).kv("permutations", c.permutations);
  j.kv("metric_space", "treated z-score of each fold's training rows (baseline included; signs of changes unchanged)");
  j.kv("std", "sample standard deviation over folds (n - 1)");
  j.end_object();
  j.key("metric_names").begin_array();
  for (const auto& n : all_metric_names()) j.value(n);
  j.end_array();

  j.key("methods").begin_object();
  for (const auto& m : r.methods) {
    j.key(m.name).begin_object().kv("label", m.label).kv("kind", m.kind);
    const bool gan = m.kind == "gan";
    j.key("per_fold").begin_object();
    for (const auto& n : all_metric_names()) {
      if (!gan && n.rfind("disc_", 0) == 0) continue;
      j.key(n).begin_array();
      for (double v : per_fold(m, n)) j.value(v);
      j.end_array();
    }
    j.end_object();
    for (const char* stat : {"mean", "std"}) {
      j.key(stat).begin_object();
      for (const auto& n : all_metric_names()) {
        if (!gan && n.rfind("disc_", 0) == 0) continue;
        const auto ms = mean_std(per_fold(m, n));
        j.kv(n, std::string(stat) == "mean" ? ms.first : ms.second);
      }
      j.end_object();
    }
    j.kv("pooled_genewise_pearson_median", median_finite(m.pooled_genewise));
    j.key("fit").begin_array();
    for (const auto& f : m.fit_json) j.raw(f);
    j.end_array();
    if (c.permutations > 0) {
      const auto& p = m.permutation;
      j.key("permutation_test").begin_object().kv("statistic", "mse of pooled test predictions, gene labels shuffled");
      j.kv("observed", p.observed).kv("permuted_mean", p.perm_mean).kv("permuted_min", p.perm_min);
      j.kv("permutations", p.permutations).kv("at_least_as_good", p.at_least_as_good).kv("p", p.p).end_object();
    }
    j.end_object();
  }
  j.end_object();

  j.key("comparisons").begin_array();
  for (const auto& a : r.methods) {
    if (a.kind != "gan") continue;
    for (const auto& b : r.methods) {
      if (b.kind != "baseline") continue;
      j.begin_object().kv("model", a.name).kv("baseline", b.name).kv("difference", "model - baseline, per fold");
      j.key("metrics").begin_object();
      for (const auto& n : compared_metrics()) {
        j.key(n);
        write_comparison(j, paired_comparison(per_fold(a, n), per_fold(b, n), r.mean_test_train_ratio));
      }
      j.end_object().end_object();
    }
  }
  j.end_array();
  j.end_object();
  return j.str() + "\n";
}

std::string cv_table_markdown(const PairedData& d, const CvConfig& c, const CvInputs& in, const CvResult& r) {
  std::string o;
  std::set<std::string> cells(d.cells.begin(), d.cells.end()), drugs(d.drugs.begin(), d.drugs.end());
  o += "# GRIP-Lung cross-validation\n\n";
  o += "- data: baseline `" + in.baseline_path + "`, treated `" + in.treated_path + "` (" + std::to_string(d.n()) + " samples, " +
       std::to_string(d.g()) + " genes, " + std::to_string(cells.size()) + " cell lines, " + std::to_string(drugs.size()) + " drugs)\n";
  o += "- split: `" + std::string(split_name(c.split)) + "`, " + std::to_string(c.folds) + " folds, seed " + std::to_string(c.seed) +
       "; groups by " + split_groups_by(c.split) + "; " + std::to_string(r.pooled_rows.size()) + " samples tested\n";
  o += "- GAN training: " + std::to_string(c.train.epochs) + " epochs, batch " + std::to_string(c.train.batch) + ", lambda " +
       fmt(c.train.lambda, 3) + "; autoencoder " + std::to_string(c.baseline_options.ae_epochs) + " epochs\n";
  o += "- values: mean ± sample standard deviation over folds; each fold scored in the treated z-score space of its training rows\n\n";
  o += "| Combination | MSE | R² | ACC | Prec | Rec | F1 | Δ-sign ACC | median gene-wise Pearson |\n";
  o += "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& m : r.methods) {
    o += "| " + m.label + " |";
    for (const char* n : {"mse", "r2", "sign_acc", "sign_prec", "sign_rec", "sign_f1", "delta_sign_acc", "genewise_pearson_median"})
      o.append(" ").append(pm(m, n)).append(" |");  // (appends: GCC 12 warns falsely on " " + s + " |")
    o += "\n";
  }
  o += "\nMore metrics (Δ: change from the baseline profile; DEG: the top-" + std::to_string(c.deg_k) +
       " genes of each true profile by |y − x|; per-sample correlations across genes, mean over samples):\n\n";
  o += "| Method | Δ-sign F1 | Δ R² | DEG RMSE | DEG MAE | DEG R² | sample Pearson | sample Spearman | sample cosine | D acc | D AUC |\n";
  o += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& m : r.methods) {
    o += "| " + m.label + " |";
    for (const char* n : {"delta_sign_f1", "delta_r2", "deg_rmse", "deg_mae", "deg_r2", "sample_pearson", "sample_spearman",
                          "sample_cosine", "disc_acc", "disc_auc"})
      o.append(" ").append(pm(m, n)).append(" |");  // (appends: GCC 12 warns falsely on " " + s + " |")
    o += "\n";
  }
  const bool any_gan = std::any_of(r.methods.begin(), r.methods.end(), [](const MethodResult& m) { return m.kind == "gan"; });
  if (any_gan) {
    o += "\nPaired comparisons across the " + std::to_string(r.folds.size()) +
         " folds (model − baseline; p two-sided: paired t, Nadeau–Bengio corrected t, exact Wilcoxon signed-rank). With " +
         std::to_string(r.folds.size()) + " folds the smallest Wilcoxon p is " + pval(2.0 / std::ldexp(1.0, static_cast<int>(r.folds.size()))) +
         ".\n\n";
    o += "| Model | Baseline | ΔR² | p (t) | p (corr. t) | p (Wilcoxon) | Δ(Δ-sign ACC) | p (t) | p (corr. t) | p (Wilcoxon) |\n";
    o += "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& a : r.methods) {
      if (a.kind != "gan") continue;
      for (const auto& b : r.methods) {
        if (b.kind != "baseline") continue;
        o += "| " + a.label + " | " + b.label + " |";
        for (const char* n : {"r2", "delta_sign_acc"}) {
          const PairedComparison pc = paired_comparison(per_fold(a, n), per_fold(b, n), r.mean_test_train_ratio);
          o += " " + fmt(pc.mean_diff) + " | " + pval(pc.p_t) + " | " + pval(pc.p_t_corrected) + " | " + pval(pc.wilcoxon.p) + " |";
        }
        o += "\n";
      }
    }
  }
  if (c.permutations > 0) {
    o += "\nGene-label permutation test (§2.4; pooled test predictions, " + std::to_string(c.permutations) +
         " shuffles of the gene labels; p = (1 + #shuffles with MSE ≤ observed) / (1 + N)):\n\n";
    o += "| Method | observed MSE | shuffled MSE (mean) | shuffled MSE (min) | p |\n|---|---|---|---|---|\n";
    for (const auto& m : r.methods)
      o += "| " + m.label + " | " + fmt(m.permutation.observed) + " | " + fmt(m.permutation.perm_mean) + " | " +
           fmt(m.permutation.perm_min) + " | " + pval(m.permutation.p) + " |\n";
  }
  return o;
}

}  // namespace gripcu::grip
