#pragma once
// Post-treatment response states and the resistance index (GRIP-Lung §2.5-2.6, §4.10, Fig. 8),
// and their validation against NCI-60 GI50 (docs/response_states.md has the reasoning and numbers).
//
// States: gene sets whose up-regulation marks a response state, each classed `effective` or
// `ineffective`. The default eight are data/response_states.gmt + .classes.tsv (embedded in the
// binary); any GMT with a state -> class file replaces them.
//
// Resistance index, per sample j of the n samples scored together (§4.10):
//   s[k, j]   ssGSEA score of state k (kernels/ssgsea.h)
//   z[k, j] = (s[k, j] - mean_k) / sd_k        mean and sd of state k across the n samples;
//                                               sd with n - 1 (R's sd()/scale(), as pheatmap's
//                                               row scaling); a common factor, so the n vs n - 1
//                                               choice never changes a sign or a label
//   E[j] = mean of z[k, j] over the effective states,  I[j] likewise over the ineffective states
//   RI[j] = I[j] - E[j];   label `ineffective` if RI > 0, else `effective` (RI = 0 is effective,
//   as the paper says: "equal to or less than zero ... effective")
// Degenerate cases, explicitly:
//   - a state whose score is identical in all n samples has no spread: its z is 0 everywhere and
//     it is left out of E / I (recorded in zero_variance, and the caller warns); a class left with
//     no informative state scores 0;
//   - one sample (n = 1): z-scores across samples are undefined; score_states is an InputError
//     (score the sample together with others, e.g. a reference cohort);
//   - the z population is whatever is passed in: `gripcu states` z-scores the samples of one
//     file; `gripcu screen` z-scores all (sample, drug) predictions of the run together.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "engine/io/gmt.h"

namespace gripcu::grip {

enum class StateClass { effective, ineffective };
const char* class_name(StateClass c);

struct ResponseStates {
  std::vector<io::GeneSet> sets;  // GMT order
  std::vector<StateClass> klass;  // per set
  std::string gmt_source, classes_source;
};

// Classes file: tab-separated "state<TAB>class" lines, class `effective` or `ineffective`
// (case-insensitive); an optional header line "state<TAB>class"; '#' comments and blank lines
// skipped. Every GMT set needs a class (InputError naming the set's GMT line); a class line for a
// state the GMT lacks is a warning; a state listed twice is an InputError.
ResponseStates parse_response_states(const std::string& gmt_text, const std::string& gmt_name,
                                     const std::string& classes_text, const std::string& classes_name);
ResponseStates read_response_states(const std::string& gmt_path, const std::string& classes_path);
// The curated eight (data/response_states.*, embedded at build time).
ResponseStates default_response_states();

// The states mapped onto a matrix's rows (io::index_gene_sets) with the class of every kept set.
// InputError (naming `source`) when the sets leave a class with no state at all.
struct IndexedStates {
  io::IndexedGeneSets sets;
  std::vector<StateClass> klass;  // per kept set
};
IndexedStates index_states(const ResponseStates& rs, const std::vector<std::string>& genes, const std::string& source,
                           int64_t min_size = 1, int64_t max_size = std::numeric_limits<int64_t>::max());

struct StatesResult {
  std::vector<std::string> states;
  std::vector<StateClass> klass;
  int64_t n = 0;                      // samples
  std::vector<double> scores, z;      // [states x n], row-major
  std::vector<double> mean, sd;       // per state, across the n samples
  std::vector<char> zero_variance;    // per state: identical score in every sample
  std::vector<double> effective, ineffective, ri;  // per sample
  int64_t effective_states_used = 0, ineffective_states_used = 0;

  bool is_ineffective(int64_t j) const { return ri[static_cast<size_t>(j)] > 0; }
  const char* label(int64_t j) const { return is_ineffective(j) ? "ineffective" : "effective"; }
  int64_t n_states() const { return static_cast<int64_t>(states.size()); }
};

// scores: [states x n] row-major (a ssGSEA result over the n samples scored together); `where`
// names the input in errors. Non-finite scores are an InputError.
StatesResult score_states(const std::vector<std::string>& states, const std::vector<StateClass>& klass,
                          const std::vector<double>& scores, int64_t n, const std::string& where);

// Report text shared by `gripcu states` and `gripcu screen`.
// A matrix as R's write.table(col.names = NA) writes it: a header row (empty corner, then the
// column names), then one row per name; numbers in their shortest exact form.
std::string matrix_tsv(const std::vector<std::string>& rows, const std::vector<std::string>& cols,
                       const std::vector<double>& values);
// The states (name, class, mean, sd across the samples, zero variance), the states used per class
// and the label counts, as a JSON object.
std::string states_json(const StatesResult& r);

// ---- Validation against NCI-60 GI50 -----------------------------------------------------------
// NCI-60 drug activity as rcellminerData ships it (drug_goodexperiments_for_1075drugs.csv):
// header "nsc","prefix","name", then one "PANEL:CELL" column per cell line; one row per
// experiment with -log10(GI50 [M]) per cell line, NA when missing. Several experiments of one NSC
// are averaged per cell line over the experiments that have a value. The optional annotation file
// (drug_1075_public_v2_4_2.csv: "nsc", ..., "name", ..., "mechanism") supplies drug names.
struct Gi50Table {
  std::vector<std::string> nsc, name, mechanism;  // per drug (NSC order of first appearance)
  std::vector<int64_t> experiments;               // per drug
  std::vector<std::string> cells, panels;         // per column: "A549/ATCC", "LC"
  std::vector<double> pgi50;                      // drugs x cells, -log10 GI50; NaN = missing
  std::string source;
  size_t n_drugs() const { return nsc.size(); }
  size_t n_cells() const { return cells.size(); }
};
Gi50Table read_nci60_gi50(const std::string& path, const std::string& annotation_path = "");

// Cell-line names as both NCI-60 sources spell them, reduced to one key: the panel prefix
// ("LC:") dropped, upper case, "/ATCC" dropped, then only letters and digits kept
// ("MDA-MB-231/ATCC" and "BR:MDA-MB-231" -> "MDAMB231"; "RXF-393" and "RE:RXF 393" -> "RXF393").
std::string nci60_cell_key(const std::string& name);

// Positive class = effective. Ratios with a zero denominator are NaN.
struct Confusion {
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  void add(bool predicted_effective, bool truly_effective);
  int64_t n() const { return tp + fp + tn + fn; }
  double accuracy() const;
  double precision() const;
  double recall() const;        // sensitivity
  double specificity() const;
  double balanced_accuracy() const;
  double prevalence() const;        // fraction truly effective
  double predicted_rate() const;    // fraction predicted effective
  // Expected accuracy of a label that ignores the truth but predicts effective at the same rate.
  double chance_accuracy() const;
};

// Spearman rank correlation (average ranks for ties); NaN when n < 3 or either side is constant.
double spearman_rho(const std::vector<double>& a, const std::vector<double>& b);

struct Gi50DrugResult {
  std::string nsc, name;
  Confusion c;
  double spearman_ri = std::numeric_limits<double>::quiet_NaN();  // Spearman(RI, -log10 GI50)
};

// Design (docs/response_states.md): the predicted label of a cell line is its RI label from its
// own expression profile (`st`, one sample per expression column `samples`), the same for every
// drug; the truth for (cell, drug) is effective when -log10 GI50 > threshold (logGI50 < -8 for
// the default 8). Every (matched cell, drug) with a GI50 value is one pair.
struct Gi50Validation {
  double threshold = 8;
  std::vector<std::pair<std::string, std::string>> matched;  // expression sample, GI50 column
  std::vector<std::string> expr_unmatched, gi50_unmatched;
  int64_t drugs_total = 0, drugs_with_pairs = 0, pairs = 0, missing = 0;
  Confusion pooled;
  std::map<std::string, Confusion> by_panel;
  std::vector<Gi50DrugResult> per_drug;  // drugs with at least one pair
  // Per cell line: its mean -log10 GI50 over the drugs with a value (a drug-independent
  // sensitivity), against its RI; Spearman over the matched cell lines.
  double cell_mean_spearman = std::numeric_limits<double>::quiet_NaN();
  int64_t spearman_drugs = 0, spearman_negative = 0;
  double spearman_mean = std::numeric_limits<double>::quiet_NaN(),
         spearman_median = std::numeric_limits<double>::quiet_NaN();
  std::string to_json() const;
};
Gi50Validation validate_gi50(const StatesResult& st, const std::vector<std::string>& samples, const Gi50Table& t,
                             double threshold = 8.0);

}  // namespace gripcu::grip
