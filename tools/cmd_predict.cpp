// gripcu predict --model M --baseline X --out P [--drug NAME] [--cell NAME] [--map-to-nearest-cell]
//   [--format grip|gct|csv|tsv|gsea] [--input-format F] [--device D] [--threads T]
// Predicts post-treatment profiles for each baseline sample under a (cell, drug) condition: the
// sample's own cell and drug (the file's cell/drug rows, GRIP CSV or GCT cell_id / pert_iname), or
// --cell / --drug for all samples. Any pair of a known cell and a known drug works, including
// combinations never measured in training. Patient mode (--map-to-nearest-cell, §2.4, §4.9): each
// baseline is mapped to its most correlated training cell line (Pearson with that line's mean
// training baseline) and that line's embedding is used; the choice and the correlation are printed
// and written to the mapping file.
// Outputs (written only after every check passed):
//   P                 the predictions in the input's units; format by --format, else by P's
//                     extension (.gct -> GCT 1.3 with cell_id / pert_iname, .tsv -> TSV, .txt -> GSEA
//                     TXT, anything else -> GRIP CSV with cell and drug rows)
//   P.mapping.tsv     sample, input_cell, model_cell, cell_source (input | --cell | nearest),
//                     pearson (patient mode; NA otherwise), drug
//   P.manifest.json   what ran, on which inputs
// Bad input (unknown drug or cell -> the known names listed; a model gene missing from the input ->
// the file and the genes named) is exit code 2 and writes nothing.
#include <cstdio>
#include <sstream>
#include <unordered_map>

#include "engine/io/atomic_file.h"
#include "engine/io/manifest.h"
#include "engine/json.h"
#include "engine/log.h"
#include "models/grip/compat_public_code.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {

io::ExprFormat output_format(const cli::Args& a, const std::string& out) {
  io::ExprFormat f = io::parse_format(a.str("format", "auto"), "--format");
  if (f == io::ExprFormat::auto_detect) {
    const auto dot = out.find_last_of('.');
    std::string ext = dot == std::string::npos ? "" : out.substr(dot + 1);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    f = ext == "gct" ? io::ExprFormat::gct : ext == "tsv" ? io::ExprFormat::tsv : ext == "txt" ? io::ExprFormat::gsea_txt
                                                                                              : io::ExprFormat::grip_csv;
  }
  if (f == io::ExprFormat::gctx) throw InputError("--format", "gctx output is not supported; use grip, gct, csv, tsv or gsea");
  return f;
}

std::string known(const grip::Vocab& v) {
  std::string s;
  for (size_t i = 0; i < v.names.size(); ++i) s += (i ? ", " : "") + v.names[i];
  return s;
}

int run_predict(const std::vector<std::string>& argv) {
  cli::Args a("predict", argv, {"model", "baseline", "out", "drug", "cell", "format", "input-format", "device", "threads"},
              {"map-to-nearest-cell"});
  cli::apply_threads(a);
  const Device dev = Device::parse(a.str("device", "cpu"));
  require_device(dev);
  const std::string mpath = a.required("model"), bpath = a.required("baseline"), out = a.required("out");
  const io::ExprFormat ofmt = output_format(a, out);
  const bool map = a.flag("map-to-nearest-cell");
  if (map && a.has("cell")) throw InputError("gripcu predict", "--cell and --map-to-nearest-cell exclude each other");
  const auto m = grip::GripModel::load(mpath, dev);
  if (m->variant != grip::Variant::paper) log_info(grip::kCompatPublicCodeNote);
  const io::ExprMatrix x = io::read_expression(bpath, io::parse_format(a.str("input-format", "auto"), "--input-format"));

  // Genes: every model gene must be present (by symbol); extra input genes are ignored.
  std::unordered_map<std::string, size_t> row;
  for (size_t i = 0; i < x.genes.size(); ++i) row.emplace(x.genes[i], i);
  std::vector<size_t> rows;
  std::vector<std::string> missing;
  for (const auto& g : m->genes) {
    auto it = row.find(g);
    if (it == row.end()) missing.push_back(g);
    else rows.push_back(it->second);
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 10) list += ", ...";
    throw InputError(bpath, std::to_string(missing.size()) + " of the model's " + std::to_string(m->genes.size()) +
                                " genes are missing: " + list);
  }
  const size_t g = m->genes.size(), n = x.samples.size();
  std::vector<float> xv(n * g);
  for (size_t s = 0; s < n; ++s)
    for (size_t k = 0; k < g; ++k) xv[s * g + k] = static_cast<float>(x.at(rows[k], s));

  std::vector<int64_t> cells(n), drugs(n);
  std::ostringstream mapping;
  mapping << "sample\tinput_cell\tmodel_cell\tcell_source\tpearson\tdrug\n";
  for (size_t s = 0; s < n; ++s) {
    const std::string drug = a.has("drug") ? a.str("drug", "") : (x.drugs.empty() ? "" : x.drugs[s]);
    if (drug.empty()) throw InputError(bpath, "sample '" + x.samples[s] + "' has no drug (no drug row in this format): give --drug NAME");
    drugs[s] = m->drugs.index(drug);
    if (drugs[s] < 0)
      throw InputError(a.has("drug") ? "--drug" : bpath, "unknown drug '" + drug + "'; the model knows: " + known(m->drugs));
    const std::string input_cell = x.cells.empty() ? "" : x.cells[s];
    std::string source = "input", pearson = "NA";
    if (map) {
      const auto nc = grip::nearest_cell(*m, &xv[s * g]);
      cells[s] = nc.cell;
      source = "nearest";
      std::ostringstream r;
      r.precision(6);
      r << nc.correlation;
      pearson = r.str();
    } else if (a.has("cell")) {
      cells[s] = m->cells.index(a.str("cell", ""));
      source = "--cell";
      if (cells[s] < 0)
        throw InputError("--cell", "unknown cell line '" + a.str("cell", "") + "'; the model knows: " + known(m->cells) +
                                       " (or map each sample with --map-to-nearest-cell)");
    } else {
      if (input_cell.empty())
        throw InputError(bpath, "sample '" + x.samples[s] + "' has no cell line (no cell row in this format): give --cell NAME, "
                                "or --map-to-nearest-cell to use the most correlated training cell line");
      cells[s] = m->cells.index(input_cell);
      if (cells[s] < 0)
        throw InputError(bpath, "sample '" + x.samples[s] + "': cell line '" + input_cell +
                                    "' is unknown to the model; the model knows: " + known(m->cells) +
                                    ". For a patient or a new cell line use --map-to-nearest-cell (or --cell NAME)");
    }
    const std::string& model_cell = m->cells.names[static_cast<size_t>(cells[s])];
    mapping << x.samples[s] << '\t' << input_cell << '\t' << model_cell << '\t' << source << '\t' << pearson << '\t' << drug << '\n';
    if (map) log_info("patient mode: " + x.samples[s] + " -> " + model_cell + " (Pearson r = " + pearson + ")");
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

  io::Manifest man;
  man.command = "predict";
  man.argv = argv;
  man.device = dev.str();
  man.inputs = {{mpath, io::sha256_file(mpath)}, {bpath, io::sha256_file(bpath)}};
  JsonWriter cfg;
  cfg.begin_object().kv("model_variant", grip::variant_name(m->variant));
  if (m->variant != grip::Variant::paper) cfg.kv("compat_note", grip::kCompatPublicCodeNote);
  cfg.kv("output_format", io::format_name(ofmt)).kv("map_to_nearest_cell", map).kv("samples", static_cast<long long>(n)).end_object();
  man.config_json = cfg.str();

  io::write_expression(o, out, ofmt);
  io::write_file_atomic(out + ".mapping.tsv", mapping.str());
  io::write_file_atomic(out + ".manifest.json", man.to_json(true) + "\n");
  std::fprintf(stderr, "predicted %zu profiles -> %s (%s; cell/drug used per sample: %s.mapping.tsv)\n", n, out.c_str(),
               io::format_name(ofmt), out.c_str());
  return 0;
}

}  // namespace

static cli::Register reg("predict", "predict post-treatment profiles with a trained GRIP-Lung model", run_predict);
