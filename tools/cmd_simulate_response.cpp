// gripcu simulate response --source-cells N --target-cells M --drugs D --genes G --seed S --out DIR
//   [--latent L] [--shift 1.5] [--scale 0.3] [--noise 0.3] [--target-noise 0.4] [--label-noise 0.15]
//   [--source-measured 0.8] [--target-measured 0.5] [--genes-from EXPR] [--fingerprints TABLE]
// Writes DIR/source_expr.csv, DIR/target_expr.csv (genes x cell lines), DIR/source_response.csv,
// DIR/target_response.csv (cell,drug,value in log-IC50 units), DIR/drugs.csv (name,0..255) and
// DIR/truth.json. --genes-from takes gene names from a real expression file (e.g. to pair a
// simulated source with CCLEsmall as the target); --fingerprints uses real drug fingerprints.
// The model is documented in models/dadsp/simulate.h.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "models/dadsp/simulate.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {
io::ExprMatrix as_matrix(const dadsp::CellExpression& e) {
  io::ExprMatrix m;
  m.genes = e.genes;
  m.samples = e.cells;
  const size_t G = e.genes.size(), C = e.cells.size();
  m.values.resize(G * C);
  for (size_t c = 0; c < C; ++c)
    for (size_t g = 0; g < G; ++g) m.values[g * C + c] = e.values[c * G + g];
  return m;
}
}  // namespace

int run_simulate_response(const std::vector<std::string>& argv) {
  cli::Args a("simulate response", argv,
              {"source-cells", "target-cells", "drugs", "genes", "latent", "seed", "out", "shift", "scale", "noise",
               "target-noise", "label-noise", "source-measured", "target-measured", "genes-from", "fingerprints",
               "threads"});
  dadsp::SimConfig c;
  c.source_cells = a.integer("source-cells", c.source_cells, 1, 10000000);
  c.target_cells = a.integer("target-cells", c.target_cells, 1, 10000000);
  c.drugs = a.integer("drugs", c.drugs, 1, 100000);
  c.genes = a.integer("genes", c.genes, 2, 1000000);
  c.latent = a.integer("latent", c.latent, 2, 1000);
  c.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  c.shift = a.real("shift", c.shift);
  c.scale = a.real("scale", c.scale);
  c.noise = a.real("noise", c.noise);
  c.target_noise = a.real("target-noise", c.target_noise);
  c.label_noise = a.real("label-noise", c.label_noise);
  c.source_measured = a.real("source-measured", c.source_measured);
  c.target_measured = a.real("target-measured", c.target_measured);
  for (const char* f : {"source-measured", "target-measured"})
    if (a.real(f, 0.5) <= 0 || a.real(f, 0.5) > 1) throw InputError(std::string("--") + f, "must be in (0, 1]");
  if (c.scale < 0 || c.scale >= 1) throw InputError("--scale", "must be in [0, 1)");
  const std::string out = a.required("out");
  if (a.has("genes-from")) {
    const io::ExprMatrix m = io::read_expression(a.str("genes-from", ""));
    c.gene_names = m.genes;
    if (a.has("genes") && static_cast<int64_t>(m.genes.size()) != c.genes)
      throw InputError("--genes", "conflicts with --genes-from (" + std::to_string(m.genes.size()) + " genes)");
    c.genes = static_cast<int64_t>(m.genes.size());
  }
  if (a.has("fingerprints")) {
    c.fingerprints = dadsp::read_drug_table(a.str("fingerprints", ""));
    if (a.has("drugs") && static_cast<int64_t>(c.fingerprints.names.size()) != c.drugs)
      throw InputError("--drugs", "conflicts with --fingerprints (" + std::to_string(c.fingerprints.names.size()) + " drugs)");
  }
  const dadsp::SimData r = dadsp::simulate_response(c);
  io::make_dirs(out);
  io::write_expression(as_matrix(r.source), out + "/source_expr.csv", io::ExprFormat::csv);
  io::write_expression(as_matrix(r.target), out + "/target_expr.csv", io::ExprFormat::csv);
  dadsp::write_response_table(out + "/source_response.csv", r.source_resp);
  dadsp::write_response_table(out + "/target_response.csv", r.target_resp);
  dadsp::write_drug_table(out + "/drugs.csv", r.drugs);
  io::write_file_atomic(out + "/truth.json", r.truth_json + "\n");
  std::fprintf(stderr,
               "simulated %lld genes; source %lld cells (%zu pairs), target %lld cells (%zu pairs), %zu drugs -> "
               "%s/{source,target}_{expr,response}.csv, drugs.csv, truth.json\n",
               static_cast<long long>(c.genes), static_cast<long long>(c.source_cells), r.source_resp.size(),
               static_cast<long long>(c.target_cells), r.target_resp.size(), r.drugs.names.size(), out.c_str());
  return 0;
}
