// gripcu predict --model M --baseline X --out P.csv [--drug NAME] [--map-to-nearest-cell] [--device D]
// Predicts post-treatment profiles for each baseline sample: under the sample's own drug (from the
// file's drug row) or under --drug for all. Cells must be known to the model unless
// --map-to-nearest-cell, which uses the most correlated training cell line (patient mode, §4.9)
// and reports it. Output: GRIP CSV in the input's units; P.csv.mapping.tsv with the mapping.
#include <cstdio>
#include <sstream>
#include <unordered_map>

#include "engine/io/atomic_file.h"
#include "engine/log.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"

using namespace gripcu;

static int run_predict(const std::vector<std::string>& argv) {
  cli::Args a("predict", argv, {"model", "baseline", "out", "drug", "device", "threads"}, {"map-to-nearest-cell"});
  cli::apply_threads(a);
  const Device dev = Device::parse(a.str("device", "cpu"));
  require_device(dev);
  const std::string mpath = a.required("model"), bpath = a.required("baseline"), out = a.required("out");
  const auto m = grip::GripModel::load(mpath, dev);
  const io::ExprMatrix x = io::read_expression(bpath);

  // Genes: every model gene must be present (by symbol).
  std::unordered_map<std::string, size_t> row;
  for (size_t i = 0; i < x.genes.size(); ++i) row.emplace(x.genes[i], i);
  std::vector<size_t> rows;
  std::vector<std::string> missing;
  for (const auto& g : m->genes) {
    auto it = row.find(g);
    if (it == row.end()) missing.push_back(g);
    else rows.push_back(it->second);
  }
  if (!missing.empty())
    throw InputError(bpath, std::to_string(missing.size()) + " of the model's " + std::to_string(m->genes.size()) +
                                " genes are missing (first: " + missing.front() + ")");
  const size_t g = m->genes.size(), n = x.samples.size();
  std::vector<float> xv(n * g);
  for (size_t s = 0; s < n; ++s)
    for (size_t k = 0; k < g; ++k) xv[s * g + k] = static_cast<float>(x.at(rows[k], s));

  auto known = [](const grip::Vocab& v) {
    std::string s;
    for (size_t i = 0; i < v.names.size(); ++i) s += (i ? ", " : "") + v.names[i];
    return s;
  };
  std::vector<int64_t> cells(n), drugs(n);
  std::ostringstream mapping;
  mapping << "sample\tinput_cell\tmodel_cell\tpearson\tdrug\n";
  const bool map = a.flag("map-to-nearest-cell");
  for (size_t s = 0; s < n; ++s) {
    const std::string drug = a.has("drug") ? a.str("drug", "") : (x.drugs.empty() ? "" : x.drugs[s]);
    if (drug.empty()) throw InputError(bpath, "sample '" + x.samples[s] + "' has no drug: give --drug NAME");
    drugs[s] = m->drugs.index(drug);
    if (drugs[s] < 0) throw InputError(a.has("drug") ? "--drug" : bpath, "unknown drug '" + drug + "'; the model knows: " + known(m->drugs));
    const std::string cell = x.cells.empty() ? "" : x.cells[s];
    double r = 1.0;
    if (map) {
      const auto nc = grip::nearest_cell(*m, &xv[s * g]);
      cells[s] = nc.cell;
      r = nc.correlation;
    } else {
      cells[s] = cell.empty() ? -1 : m->cells.index(cell);
      if (cells[s] < 0)
        throw InputError(bpath, "sample '" + x.samples[s] + "': cell line '" + cell +
                                    "' is unknown to the model (use --map-to-nearest-cell); it knows: " + known(m->cells));
    }
    mapping << x.samples[s] << '\t' << cell << '\t' << m->cells.names[static_cast<size_t>(cells[s])] << '\t' << r << '\t' << drug << '\n';
  }
  const std::vector<float> y = grip::predict(*m, xv, cells, drugs);
  io::ExprMatrix o;
  o.genes = m->genes;
  o.samples = x.samples;
  for (size_t s = 0; s < n; ++s) {
    o.cells.push_back(m->cells.names[static_cast<size_t>(cells[s])]);
    o.drugs.push_back(m->drugs.names[static_cast<size_t>(drugs[s])]);
  }
  o.values.resize(g * n);
  for (size_t s = 0; s < n; ++s)
    for (size_t k = 0; k < g; ++k) o.values[k * n + s] = y[s * g + k];
  io::write_expression(o, out, io::ExprFormat::grip_csv);
  io::write_file_atomic(out + ".mapping.tsv", mapping.str());
  std::fprintf(stderr, "predicted %zu profiles -> %s (cell/drug used per sample: %s.mapping.tsv)\n", n, out.c_str(), out.c_str());
  return 0;
}

static cli::Register reg("predict", "predict post-treatment profiles with a trained GRIP-Lung model", run_predict);
