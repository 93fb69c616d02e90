// gripcu bench gan [--genes 978] [--batch 64] [--steps 50] [--warmup 5] [--repeats 1] [--cells 20]
//   [--drugs 15] [--seed 1] [--device cpu|cuda] [--threads T] [--json]
// Throughput of full GRIP-Lung training iterations (one discriminator step + one generator step,
// GanTrainer::step on a GripModel from make_model, the code path of `gripcu train`) on simulated
// perturbation data. Warm-up steps are excluded; the device is synchronized before the clock starts
// and after the last step. With --repeats R the timed loop runs R times and the best is reported
// (all are in the JSON, with the process CPU time of each). Prints one human-readable line, or
// with --json one JSON object with steps_per_s, the sizes, threads, device, seconds and the build.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <numeric>

#include "engine/json.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "gripcu_build_info.h"
#include "models/grip/simulate.h"
#include "models/grip/trainer.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"

using namespace gripcu;

namespace {

// CPU time of the whole process (all threads), for runs on a shared machine where wall time
// depends on what else is running: with one thread, steps per CPU-second is what the code costs.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int bench_gan(const cli::Args& a) {
  cli::apply_threads(a);
  const Device dev = Device::parse(a.str("device", "cpu"));
  require_device(dev);
  grip::SimConfig sc;
  sc.genes = a.integer("genes", 978, 24, 1000000);
  sc.cells = a.integer("cells", 20, 1, 100000);
  sc.drugs = a.integer("drugs", 15, 1, 100000);
  sc.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  const int64_t batch = a.integer("batch", 64, 1, 1 << 20);
  const int64_t steps = a.integer("steps", 50, 1, 100000000);
  const int64_t warmup = a.integer("warmup", 5, 0, 100000000);
  const int64_t repeats = a.integer("repeats", 1, 1, 1000);

  // Simulated data, normalized as train_model does (z-scores fitted on all samples).
  const grip::SimResult sim = grip::simulate_perturbation(sc);
  const grip::PairedData d = grip::pair_profiles(sim.baseline, sim.treated, grip::PairBy::order, nullptr);
  std::vector<size_t> rows(d.n());
  std::iota(rows.begin(), rows.end(), 0);
  grip::TrainConfig tc;
  tc.batch = batch;
  tc.seed = sc.seed;
  auto m = grip::make_model(d, rows, tc, dev, false);
  const size_t g = d.g();
  std::vector<float> x = grip::take_rows(d.baseline, g, rows), y = grip::take_rows(d.treated, g, rows);
  m->z_baseline.apply(x, g);
  m->z_treated.apply(y, g);
  std::vector<int64_t> cells, drugs;
  for (size_t r : rows) {
    cells.push_back(m->cells.index(d.cells[r]));
    drugs.push_back(m->drugs.index(d.drugs[r]));
  }
  grip::GanTrainer trainer(*m, x, y, cells, drugs);

  // Batches walk one shuffled order of the samples, wrapping around (a batch larger than the data
  // repeats rows), so every step has exactly `batch` rows.
  const int64_t n = trainer.n();
  const auto perm = Rng(sc.seed).permutation(n, grip::kShuffleStreamBase);
  int64_t cursor = 0;
  std::vector<int64_t> brows(static_cast<size_t>(batch));
  grip::StepLosses last;
  auto one_step = [&] {
    for (auto& r : brows) r = perm[static_cast<size_t>(cursor++ % n)];
    last = trainer.step(brows);
  };
  for (int64_t i = 0; i < warmup; ++i) one_step();
  synchronize(dev);
  std::vector<double> secs, cpu_secs;
  for (int64_t r = 0; r < repeats; ++r) {
    const double c0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i) one_step();
    synchronize(dev);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu_secs.push_back(process_cpu_seconds() - c0);
  }
  const double d_loss = last.d_loss.item(), g_loss = last.g_loss.item();  // finite, or an error naming the op
  const double best = *std::min_element(secs.begin(), secs.end());
  const double sps = static_cast<double>(steps) / best;
  const int64_t params = m->gstore.numel() + m->dstore.numel();

  if (a.flag("json")) {
    JsonWriter j;
    j.begin_object();
    j.kv("benchmark", "gan").kv("what", "GanTrainer::step: one discriminator step + one generator step (Adam)");
    j.kv("genes", sc.genes).kv("batch", batch).kv("steps", steps).kv("warmup", warmup).kv("repeats", repeats);
    j.kv("cells", sc.cells).kv("drugs", sc.drugs).kv("samples", n).kv("parameters", params);
    j.kv("threads", num_threads()).kv("device", dev.str()).kv("dtype", "f32");
    j.kv("seconds", best).kv("steps_per_s", sps).kv("ms_per_step", 1e3 * best / static_cast<double>(steps));
    j.key("seconds_all").begin_array();
    for (double s : secs) j.value(s);
    j.end_array();
    const double best_cpu = *std::min_element(cpu_secs.begin(), cpu_secs.end());
    j.kv("cpu_seconds", best_cpu).kv("steps_per_cpu_s", static_cast<double>(steps) / best_cpu);
    j.key("cpu_seconds_all").begin_array();
    for (double s : cpu_secs) j.value(s);
    j.end_array();
    j.kv("final_d_loss", d_loss).kv("final_g_loss", g_loss);
    j.key("build").begin_object();
    j.kv("version", GRIPCU_VERSION).kv("git_revision", GRIPCU_GIT_REV).kv("build_type", GRIPCU_BUILD_TYPE);
    j.kv("compiler", GRIPCU_CXX_COMPILER).kv("cuda", built_with_cuda()).kv("cuda_architectures", GRIPCU_CUDA_ARCHS);
    j.end_object();
    j.end_object();
    std::printf("%s\n", j.str().c_str());
  } else {
    std::printf("gan step (D + G) G=%lld batch=%lld on %s, %d thread%s: %.2f steps/s (%.3f ms/step), best of %lld x %lld "
                "steps after %lld warm-up; %lld parameters; gripcu %s (git %s)\n",
                static_cast<long long>(sc.genes), static_cast<long long>(batch), dev.str().c_str(), num_threads(),
                num_threads() == 1 ? "" : "s", sps, 1e3 * best / static_cast<double>(steps),
                static_cast<long long>(repeats), static_cast<long long>(steps), static_cast<long long>(warmup),
                static_cast<long long>(params), GRIPCU_VERSION, GRIPCU_GIT_REV);
  }
  return 0;
}

int run_bench(const std::vector<std::string>& argv) {
  cli::Args a("bench", argv,
              {"genes", "batch", "steps", "warmup", "repeats", "cells", "drugs", "seed", "device", "threads"}, {"json"});
  const auto& pos = a.positional();
  if (pos.size() != 1) throw InputError("gripcu bench", "expected one benchmark name (gan)");
  if (pos[0] == "gan") return bench_gan(a);
  throw InputError("gripcu bench", "unknown benchmark '" + pos[0] + "' (known: gan)");
}

}  // namespace

static cli::Register reg("bench", "benchmarks: `bench gan` times full GAN training steps (--json)", run_bench);
