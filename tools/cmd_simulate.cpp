// gripcu simulate perturbation --genes G --cells C --drugs D [--replicates R] --seed S --out DIR
// writes DIR/baseline.csv, DIR/treated.csv (GRIP CSV), DIR/baseline.gct, DIR/treated.gct, DIR/truth.json.
#include <cstdio>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/expression.h"
#include "models/grip/simulate.h"
#include "tools/cli.h"

using namespace gripcu;

int run_simulate_response(const std::vector<std::string>& argv);  // tools/cmd_simulate_response.cpp (DADSP)

static int run_simulate(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "response") return run_simulate_response(std::vector<std::string>(argv.begin() + 1, argv.end()));
  if (argv.empty() || argv[0] != "perturbation")
    throw InputError("gripcu simulate", "expected a kind: 'gripcu simulate perturbation ...' or 'gripcu simulate response ...'");
  cli::Args a("simulate perturbation", std::vector<std::string>(argv.begin() + 1, argv.end()),
              {"genes", "cells", "drugs", "replicates", "seed", "out", "threads"});
  grip::SimConfig c;
  c.genes = a.integer("genes", 978, 24, 100000);
  c.cells = a.integer("cells", 20, 1, 100000);
  c.drugs = a.integer("drugs", 15, 1, 100000);
  c.replicates = a.integer("replicates", 1, 1, 1000);
  c.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  const std::string out = a.required("out");
  const grip::SimResult r = grip::simulate_perturbation(c);
  io::make_dirs(out);
  io::write_expression(r.baseline, out + "/baseline.csv", io::ExprFormat::grip_csv);
  io::write_expression(r.treated, out + "/treated.csv", io::ExprFormat::grip_csv);
  io::write_expression(r.baseline, out + "/baseline.gct", io::ExprFormat::gct);
  io::write_expression(r.treated, out + "/treated.gct", io::ExprFormat::gct);
  io::write_file_atomic(out + "/truth.json", r.truth_json() + "\n");
  std::fprintf(stderr, "simulated %lld genes x %zu samples (%lld cells x %lld drugs x %lld) -> %s/{baseline,treated}.{csv,gct}, truth.json\n",
               static_cast<long long>(c.genes), r.baseline.samples.size(), static_cast<long long>(c.cells),
               static_cast<long long>(c.drugs), static_cast<long long>(c.replicates), out.c_str());
  return 0;
}

static cli::Register reg("simulate", "simulate data with known ground truth (perturbation | response)", run_simulate);
