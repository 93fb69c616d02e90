// gripcu bench gan [--genes 978] [--batch 64] [--steps 50] [--warmup 5] [--repeats 1] [--cells 20]
//   [--drugs 15] [--seed 1] [--loop step|epochs] [--device cpu|cuda] [--threads T] [--json]
// Throughput of full GRIP-Lung training iterations (one discriminator step + one generator step)
// on simulated perturbation data, through the code of `gripcu train` (a GripModel from make_model,
// a GanTrainer):
//   --loop step    (default) GanTrainer::step on batches of `batch` rows, one after another;
//   --loop epochs  GanTrainer::run over whole epochs, as training does (per-epoch shuffles, losses
//                  read once per epoch; on a CUDA device the step runs as a captured CUDA graph).
//                  The training set is cut to whole batches, steps are rounded up to whole epochs
//                  and warm-up to at least one epoch (which captures the graph).
// Warm-up steps are excluded; the device is synchronized before the clock starts
// and after the last step. With --repeats R the timed loop runs R times and the best is reported
// (all are in the JSON, with the process CPU time of each). Prints one human-readable line, or
// with --json one JSON object with steps_per_s, the sizes, threads, device, seconds and the build.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <numeric>

#include "engine/json.h"
#include "engine/log.h"
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
  const std::string loop = a.str("loop", "step");
  if (loop != "step" && loop != "epochs") throw InputError("--loop", "expected step or epochs, got '" + loop + "'");

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
  int64_t timed_steps = steps;
  std::vector<double> secs, cpu_secs;
  auto timed = [&](const std::function<void()>& body) {
    synchronize(dev);
    const double c0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    body();
    synchronize(dev);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu_secs.push_back(process_cpu_seconds() - c0);
  };
  double d_loss = 0, g_loss = 0;
  int64_t samples = 0;  // in the training set
  if (loop == "step") {
    grip::GanTrainer trainer(*m, x, y, cells, drugs);
    // Batches walk one shuffled order of the samples, wrapping around (a batch larger than the
    // data repeats rows), so every step has exactly `batch` rows.
    const int64_t n = trainer.n();
    const auto perm = Rng(sc.seed).permutation(n, grip::kShuffleStreamBase);
    int64_t cursor = 0;
    samples = n;
    std::vector<int64_t> brows(static_cast<size_t>(batch));
    grip::StepLosses last;
    auto one_step = [&] {
      for (auto& r : brows) r = perm[static_cast<size_t>(cursor++ % n)];
      last = trainer.step(brows);
    };
    for (int64_t i = 0; i < warmup; ++i) one_step();
    for (int64_t r = 0; r < repeats; ++r)
      timed([&] {
        for (int64_t i = 0; i < steps; ++i) one_step();
      });
    d_loss = last.d_loss.item();  // finite, or an error naming the op
    g_loss = last.g_loss.item();
  } else {
    // Whole batches only: the first floor(n / batch) * batch samples (at least one batch, rows
    // repeated if the data is smaller), so every step has `batch` rows.
    const int64_t n0 = static_cast<int64_t>(cells.size()), nb = std::max<int64_t>(1, n0 / batch), nt = nb * batch;
    std::vector<float> xt(static_cast<size_t>(nt) * g), yt(static_cast<size_t>(nt) * g);
    std::vector<int64_t> ct(static_cast<size_t>(nt)), dt(static_cast<size_t>(nt));
    for (int64_t i = 0; i < nt; ++i) {
      const auto src = static_cast<size_t>(i % n0), dst = static_cast<size_t>(i);
      std::copy(x.begin() + static_cast<std::ptrdiff_t>(src * g), x.begin() + static_cast<std::ptrdiff_t>((src + 1) * g),
                xt.begin() + static_cast<std::ptrdiff_t>(dst * g));
      std::copy(y.begin() + static_cast<std::ptrdiff_t>(src * g), y.begin() + static_cast<std::ptrdiff_t>((src + 1) * g),
                yt.begin() + static_cast<std::ptrdiff_t>(dst * g));
      ct[dst] = cells[src];
      dt[dst] = drugs[src];
    }
    grip::GanTrainer trainer(*m, xt, yt, ct, dt);
    samples = nt;
    const int64_t warm_epochs = std::max<int64_t>(1, (warmup + nb - 1) / nb), epochs = (steps + nb - 1) / nb;
    timed_steps = epochs * nb;
    set_log_level(LogLevel::quiet);  // no progress lines from run()
    m->tcfg.epochs = warm_epochs;
    trainer.run(nullptr, nullptr);
    secs.clear();
    cpu_secs.clear();
    for (int64_t r = 0; r < repeats; ++r) {
      m->tcfg.epochs += epochs;
      timed([&] { trainer.run(nullptr, nullptr); });
    }
    d_loss = m->state.d_loss.back();
    g_loss = m->state.g_loss.back();
  }
  const double best = *std::min_element(secs.begin(), secs.end());
  const double sps = static_cast<double>(timed_steps) / best;
  const int64_t params = m->gstore.numel() + m->dstore.numel();

  if (a.flag("json")) {
    JsonWriter j;
    j.begin_object();
    j.kv("benchmark", "gan").kv("what", "one GAN iteration: a discriminator step + a generator step (Adam)");
    j.kv("loop", loop).kv("genes", sc.genes).kv("batch", batch).kv("steps", timed_steps).kv("warmup", warmup).kv("repeats", repeats);
    j.kv("cells", sc.cells).kv("drugs", sc.drugs).kv("samples", samples).kv("parameters", params);
    j.kv("threads", num_threads()).kv("device", dev.str()).kv("dtype", "f32");
    j.kv("seconds", best).kv("steps_per_s", sps).kv("ms_per_step", 1e3 * best / static_cast<double>(timed_steps));
    j.kv("samples_per_s", sps * static_cast<double>(batch));
    j.key("seconds_all").begin_array();
    for (double s : secs) j.value(s);
    j.end_array();
    const double best_cpu = *std::min_element(cpu_secs.begin(), cpu_secs.end());
    j.kv("cpu_seconds", best_cpu).kv("steps_per_cpu_s", static_cast<double>(timed_steps) / best_cpu);
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
    std::printf("gan step (D + G, --loop %s) G=%lld batch=%lld on %s, %d thread%s: %.2f steps/s (%.3f ms/step), best of "
                "%lld x %lld steps after %lld warm-up; %lld parameters; gripcu %s (git %s)\n",
                loop.c_str(), static_cast<long long>(sc.genes), static_cast<long long>(batch), dev.str().c_str(),
                num_threads(), num_threads() == 1 ? "" : "s", sps, 1e3 * best / static_cast<double>(timed_steps),
                static_cast<long long>(repeats), static_cast<long long>(timed_steps), static_cast<long long>(warmup),
                static_cast<long long>(params), GRIPCU_VERSION, GRIPCU_GIT_REV);
  }
  return 0;
}

int run_bench(const std::vector<std::string>& argv) {
  cli::Args a("bench", argv,
              {"genes", "batch", "steps", "warmup", "repeats", "cells", "drugs", "seed", "loop", "device", "threads"},
              {"json"});
  const auto& pos = a.positional();
  if (pos.size() != 1) throw InputError("gripcu bench", "expected one benchmark name (gan)");
  if (pos[0] == "gan") return bench_gan(a);
  throw InputError("gripcu bench", "unknown benchmark '" + pos[0] + "' (known: gan)");
}

}  // namespace

static cli::Register reg("bench", "benchmarks: `bench gan` times full GAN training steps (--json)", run_bench);
