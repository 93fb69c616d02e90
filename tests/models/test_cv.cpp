// GRIP-Lung cross-validation splits and the architecture registry (models/grip/cv.h): what each
// split holds out, that every fold is disjoint and seeded, and that names resolve or fail with the
// known ones listed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/error.h"
#include "models/grip/cv.h"
#include "models/grip/simulate.h"

using namespace gripcu;
using namespace gripcu::grip;

namespace {
PairedData sim(int64_t cells = 6, int64_t drugs = 5, int64_t reps = 2) {
  SimConfig sc;
  sc.genes = 30;
  sc.cells = cells;
  sc.drugs = drugs;
  sc.replicates = reps;
  sc.seed = 8;
  const SimResult r = simulate_perturbation(sc);
  return pair_profiles(r.baseline, r.treated, PairBy::order, nullptr);
}
std::set<std::string> values(const std::vector<std::string>& v, const std::vector<size_t>& rows) {
  std::set<std::string> s;
  for (size_t r : rows) s.insert(v[r]);
  return s;
}
std::set<std::string> pairs(const PairedData& d, const std::vector<size_t>& rows) {
  std::set<std::string> s;
  for (size_t r : rows) s.insert(d.cells[r] + "|" + d.drugs[r]);
  return s;
}
bool disjoint(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const auto& x : a)
    if (b.count(x)) return false;
  return true;
}
// Every sample is in exactly one of train/test per fold, and tested in exactly one fold.
void check_partition(const PairedData& d, const std::vector<Fold>& folds) {
  std::vector<int> tested(d.n(), 0);
  for (const auto& f : folds) {
    EXPECT_EQ(f.train.size() + f.test.size(), d.n());
    for (size_t r : f.test) ++tested[r];
    EXPECT_TRUE(disjoint(values(d.samples, f.train), values(d.samples, f.test)));
  }
  for (size_t r = 0; r < d.n(); ++r) EXPECT_EQ(tested[r], 1) << "sample " << r;
}
}  // namespace

TEST(GripCvSplits, KfoldKeepsReplicatesOfAPairTogether) {
  const PairedData d = sim();
  const auto folds = make_folds(d, SplitKind::kfold, 5, 1);
  ASSERT_EQ(folds.size(), 5u);
  check_partition(d, folds);
  for (const auto& f : folds) {
    EXPECT_TRUE(disjoint(pairs(d, f.train), pairs(d, f.test)));  // no (cell, drug) pair on both sides
    EXPECT_EQ(f.test.size(), 12u);                                // 30 pairs x 2 replicates / 5
    EXPECT_EQ(f.held_out.size(), 6u);
  }
}

TEST(GripCvSplits, SampleSplitIsPerSample) {
  const PairedData d = sim();
  const auto folds = make_folds(d, SplitKind::sample, 5, 1);
  check_partition(d, folds);
  // With replicates, some pair straddles train and test: that is what this split is (the paper's).
  bool straddles = false;
  for (const auto& f : folds) straddles |= !disjoint(pairs(d, f.train), pairs(d, f.test));
  EXPECT_TRUE(straddles);
}

TEST(GripCvSplits, LeaveDrugOutAndLeaveCellOut) {
  const PairedData d = sim();
  const auto df = make_folds(d, SplitKind::drug, 5, 3);  // 5 drugs: leave-one-drug-out
  check_partition(d, df);
  for (const auto& f : df) {
    EXPECT_TRUE(disjoint(values(d.drugs, f.train), values(d.drugs, f.test)));
    EXPECT_EQ(values(d.drugs, f.test).size(), 1u);
  }
  const auto cf = make_folds(d, SplitKind::cell, 3, 3);
  check_partition(d, cf);
  for (const auto& f : cf) {
    EXPECT_TRUE(disjoint(values(d.cells, f.train), values(d.cells, f.test)));
    EXPECT_EQ(values(d.cells, f.test).size(), 2u);
  }
  EXPECT_THROW(make_folds(d, SplitKind::drug, 6, 1), InputError);  // 6 folds, 5 drugs
  EXPECT_THROW(make_folds(d, SplitKind::kfold, 1, 1), InputError);
}

TEST(GripCvSplits, LeavePairOutHoldsOutBothSides) {
  const PairedData d = sim();
  const auto folds = make_folds(d, SplitKind::pair, 3, 2);
  std::set<size_t> seen;
  for (const auto& f : folds) {
    ASSERT_FALSE(f.test.empty());
    EXPECT_TRUE(disjoint(values(d.cells, f.train), values(d.cells, f.test)));
    EXPECT_TRUE(disjoint(values(d.drugs, f.train), values(d.drugs, f.test)));
    for (size_t r : f.test) EXPECT_TRUE(seen.insert(r).second) << "sample tested twice: " << r;
  }
  EXPECT_LT(seen.size(), d.n());  // only the diagonal blocks are tested
}

TEST(GripCvSplits, SeededAndOrderFree) {
  const PairedData d = sim();
  const auto a = make_folds(d, SplitKind::kfold, 5, 11), b = make_folds(d, SplitKind::kfold, 5, 11);
  const auto c = make_folds(d, SplitKind::kfold, 5, 12);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].test, b[i].test);
    differs |= a[i].test != c[i].test;
  }
  EXPECT_TRUE(differs);
  // Groups are sorted by name before the shuffle: reversing the sample order holds out the same pairs.
  PairedData r = d;
  std::reverse(r.samples.begin(), r.samples.end());
  std::reverse(r.cells.begin(), r.cells.end());
  std::reverse(r.drugs.begin(), r.drugs.end());
  const auto ra = make_folds(r, SplitKind::kfold, 5, 11);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(ra[i].held_out, a[i].held_out);
}

TEST(GripCvArchitectures, NamesResolveOrListTheKnownOnes) {
  // (Other tests may register more families in this process; the paper's pair is always there.)
  const auto gs = known_generators(), ds = known_discriminators();
  EXPECT_TRUE(std::count(gs.begin(), gs.end(), "residual"));
  EXPECT_TRUE(std::count(ds.begin(), ds.end(), "mlp"));
  EXPECT_EQ(architecture_label("residual", "mlp"), "Res + MLP");
  EXPECT_NE(make_architecture("residual", "mlp", {}), nullptr);
  try {
    make_architecture("gru", "mlp", {});
    ADD_FAILURE() << "unknown generator accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("known: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("residual"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "--generators");
  }
  CvConfig c;
  c.discriminators = {"rnn"};
  EXPECT_THROW(validate_cv_names(c), InputError);
  c.discriminators = {"mlp"};
  c.baselines = {"identity", "linear"};
  EXPECT_THROW(validate_cv_names(c), InputError);
}

TEST(GripCvArchitectures, ARegisteredFamilyPlugsIntoTheRun) {
  // A new "architecture" registered by name is cross-validated by the unchanged CV loop. Here it
  // is the identity in disguise, so its metrics must equal the identity baseline's exactly.
  class Echo : public FoldPredictor {
   public:
    void fit(const PairedData&, const std::vector<size_t>&) override {}
    std::vector<float> predict(const PairedData& d, const std::vector<size_t>& rows) override {
      std::vector<float> out;
      for (size_t r : rows) out.insert(out.end(), d.baseline.begin() + long(r * d.g()), d.baseline.begin() + long((r + 1) * d.g()));
      return out;
    }
  };
  register_architecture_family({{"echo"}, {"none"},
                                [](const std::string&, const std::string&, const ArchOptions&) -> std::unique_ptr<FoldPredictor> {
                                  return std::make_unique<Echo>();
                                },
                                {"Echo"}, {"-"}});
  const PairedData d = sim(4, 3, 1);
  CvConfig c;
  c.generators = {"echo"};
  c.discriminators = {"none"};
  c.baselines = {"identity"};
  c.folds = 3;
  c.permutations = 0;
  const CvResult r = run_cv(d, c, nullptr);
  ASSERT_EQ(r.methods.size(), 2u);
  EXPECT_EQ(r.methods[0].name, "echo+none");
  EXPECT_EQ(r.methods[0].label, "Echo + -");
  EXPECT_EQ(r.methods[0].pooled_pred, r.methods[1].pooled_pred);
  for (size_t f = 0; f < r.folds.size(); ++f)
    for (size_t k = 0; k < profile_metric_names().size(); ++k) EXPECT_EQ(r.methods[0].folds[f][k], r.methods[1].folds[f][k]);
}
