// gripcu convert cmap --expr E --coldata C [--rowdata R --gene-symbols] --out DIR
//   [--cell-column NAME] [--drug-column NAME] [--symbol-column NAME] [--expr-format F]
// CMap-style treated/control arrays -> GRIP-Lung pairs (rules in models/grip/cmap.h):
//   DIR/baseline.csv, DIR/treated.csv  GRIP CSV (sample = treated array id; cell and drug rows)
//   DIR/pairs.tsv                       treated array, cell, drug, number and ids of the controls
//   DIR/skipped.tsv                     treated arrays not paired and listed controls not used, with why
//   DIR/report.txt, DIR/manifest.json   the summary printed on stderr; what ran on which inputs
// Everything is computed and checked before the first file is written.
#include <cstdio>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "engine/io/manifest.h"
#include "engine/json.h"
#include "models/grip/cmap.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {

std::string tsv_field(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

int run_cmap(const std::vector<std::string>& argv) {
  cli::Args a("convert cmap", argv,
              {"expr", "coldata", "rowdata", "out", "cell-column", "drug-column", "symbol-column", "expr-format", "threads"},
              {"gene-symbols"});
  const std::string epath = a.required("expr"), cpath = a.required("coldata"), out = a.required("out");
  if (a.flag("gene-symbols") && !a.has("rowdata"))
    throw InputError("gripcu convert cmap", "--gene-symbols needs --rowdata (the table mapping the expression's ids to symbols)");
  if (a.has("rowdata") && !a.flag("gene-symbols"))
    throw InputError("gripcu convert cmap", "--rowdata is only read with --gene-symbols");
  const io::ExprMatrix expr = io::read_expression(epath, io::parse_format(a.str("expr-format", "auto"), "--expr-format"));

  grip::CmapOptions opt;
  opt.cell_column = a.str("cell-column", "");
  opt.drug_column = a.str("drug-column", "");
  grip::CmapPairs p = grip::pair_cmap(expr, cpath, opt);
  std::string sym_summary;
  if (a.flag("gene-symbols")) {
    grip::SymbolReport rep;
    const std::string rpath = a.required("rowdata");
    p.baseline = grip::map_to_symbols(p.baseline, rpath, a.str("symbol-column", ""), &rep);
    p.treated = grip::map_to_symbols(p.treated, rpath, a.str("symbol-column", ""), nullptr);
    sym_summary = "genes: " + std::to_string(p.baseline.n_genes()) + " symbols from " + std::to_string(expr.n_genes()) + " ids; " +
                  rep.summary() + "\n";
  } else {
    sym_summary = "genes: " + std::to_string(expr.n_genes()) + " ids as in " + epath + "\n";
  }
  const std::string report = p.summary() + sym_summary;

  std::string pairs = "sample\tcell\tdrug\tn_controls\tcontrols\n";
  for (size_t i = 0; i < p.n_pairs(); ++i) {
    pairs += tsv_field(p.treated.samples[i]) + '\t' + tsv_field(p.treated.cells[i]) + '\t' + tsv_field(p.treated.drugs[i]) + '\t' +
             std::to_string(p.controls[i].size()) + '\t';
    for (size_t c = 0; c < p.controls[i].size(); ++c) pairs += (c ? "///" : "") + tsv_field(p.controls[i][c]);
    pairs += '\n';
  }
  std::string skipped = "array\tkind\tcoldata_line\treason\n";
  for (const auto& s : p.skipped_treatments)
    skipped += tsv_field(s.array) + "\ttreated array skipped\t" + std::to_string(s.line) + '\t' + tsv_field(s.reason) + '\n';
  for (const auto& s : p.rejected_controls)
    skipped += tsv_field(s.array) + "\tcontrol not used\t" + std::to_string(s.line) + '\t' + tsv_field(s.reason) + '\n';

  io::Manifest man;
  man.command = "convert cmap";
  man.argv = argv;
  man.device = "cpu";
  man.inputs = {{epath, io::sha256_file(epath)}, {cpath, io::sha256_file(cpath)}};
  if (a.has("rowdata")) man.inputs.emplace_back(a.str("rowdata", ""), io::sha256_file(a.str("rowdata", "")));
  JsonWriter cfg;
  cfg.begin_object().kv("cell_column", p.cell_column).kv("drug_column", p.drug_column).kv("gene_symbols", a.flag("gene-symbols"));
  cfg.kv("baseline", "mean of the treated array's controls (xpassoc)").kv("pairs", static_cast<long long>(p.n_pairs()));
  cfg.kv("cells", static_cast<long long>(p.cells().size())).kv("drugs", static_cast<long long>(p.drugs().size()));
  cfg.kv("genes", static_cast<long long>(p.baseline.n_genes()));
  cfg.kv("skipped_treatments", static_cast<long long>(p.skipped_treatments.size()));
  cfg.kv("rejected_controls", static_cast<long long>(p.rejected_controls.size())).end_object();
  man.config_json = cfg.str();

  io::make_dirs(out);
  io::write_expression(p.baseline, out + "/baseline.csv", io::ExprFormat::grip_csv);
  io::write_expression(p.treated, out + "/treated.csv", io::ExprFormat::grip_csv);
  io::write_file_atomic(out + "/pairs.tsv", pairs);
  io::write_file_atomic(out + "/skipped.tsv", skipped);
  io::write_file_atomic(out + "/report.txt", report);
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");
  std::fprintf(stderr, "%swrote %s/{baseline,treated}.csv, pairs.tsv, skipped.tsv, report.txt, manifest.json\n", report.c_str(), out.c_str());
  return 0;
}

int run_convert(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "cmap")
    throw InputError("gripcu convert", "expected a kind: 'gripcu convert cmap --expr E --coldata C --out DIR ...'");
  return run_cmap(std::vector<std::string>(argv.begin() + 1, argv.end()));
}

}  // namespace

static cli::Register reg("convert", "convert public data to GRIP-Lung pairs (cmap: CMap treated/control arrays)", run_convert);
