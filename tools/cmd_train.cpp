// gripcu train --baseline B --treated T --out DIR [--epochs E] [--batch N] [--lambda L] [--lr LR]
//   [--seed S] [--device cpu|cuda] [--threads T] [--resume] [--log2] [--pair-by-name]
//   [--checkpoint-every K] [--compat public-code] [--cuda-graph on|off] [--generator residual|cae|transformer] [--discriminator mlp|cnn]
// --compat public-code trains the public code's networks instead of the paper's (no embeddings, no
// FiLM, ids as numbers, z-score on all samples; models/grip/compat_public_code.h), with its
// defaults of 20 epochs and batch 32 unless given; labelled so in the log, manifest and checkpoint.
// Writes DIR/model.safetensors (checkpoint each K epochs, at the end, and on SIGINT/SIGTERM),
// DIR/manifest.json and DIR/losses.svg. --resume continues bit-identically from DIR's checkpoint.
#include <cstdio>
#include <numeric>

#include "engine/io/atomic_file.h"
#include "engine/io/manifest.h"
#include "engine/log.h"
#include "models/grip/architectures.h"
#include "models/grip/compat_public_code.h"
#include "models/grip/workflow.h"
#include "tools/cli.h"
#include "tools/grip_common.h"

using namespace gripcu;

static int run_train(const std::vector<std::string>& argv) {
  cli::Args a("train", argv, {"baseline", "treated", "out", "epochs", "batch", "lambda", "lr", "seed", "device", "threads", "checkpoint-every", "compat",
                                      "generator", "discriminator", "cuda-graph"},
              {"resume", "log2", "pair-by-name"});
  cli::apply_threads(a);
  const std::string bpath = a.required("baseline"), tpath = a.required("treated"), out = a.required("out");
  const Device dev = Device::parse(a.str("device", "cpu"));
  require_device(dev);
  grip::TrainConfig tc;
  grip::Variant variant = grip::Variant::paper;
  if (a.has("compat")) {
    if (a.str("compat", "") != "public-code")
      throw InputError("--compat", "unknown mode '" + a.str("compat", "") + "'; the one mode is 'public-code'");
    variant = grip::Variant::public_code;
    tc = grip::public_code_train_defaults(tc);  // flags below still win
    log_info(grip::kCompatPublicCodeNote);
  }
  tc.epochs = a.integer("epochs", tc.epochs, 0, 1000000);
  tc.batch = a.integer("batch", tc.batch, 1, 1 << 20);
  tc.lambda = a.real("lambda", tc.lambda);
  tc.lr = a.real("lr", tc.lr);
  tc.seed = static_cast<uint64_t>(a.integer("seed", 1, 0, (1LL << 62)));
  const int64_t every = a.integer("checkpoint-every", 1, 1, 1000000);
  // Architecture (models/grip/architectures.h): generator residual|cae|transformer, discriminator mlp|cnn.
  grip::ModelConfig mc;
  mc.generator = a.str("generator", mc.generator);
  mc.discriminator = a.str("discriminator", mc.discriminator);
  grip::check_generator_name(mc.generator, "--generator");
  grip::check_discriminator_name(mc.discriminator, "--discriminator");
  if (variant != grip::Variant::paper && (a.has("generator") || a.has("discriminator")))
    throw InputError("--compat", "public-code has its own networks; --generator / --discriminator do not apply");

  const grip::PairedData d = tools::load_pairs(bpath, tpath, a.flag("pair-by-name"));
  std::vector<size_t> rows(d.n());
  std::iota(rows.begin(), rows.end(), 0);
  io::make_dirs(out);
  const std::string ckpt = out + "/model.safetensors";

  std::unique_ptr<grip::GripModel> m;
  io::Manifest man;
  man.command = "train";
  man.argv = argv;
  man.device = dev.str();
  man.inputs = {{bpath, io::sha256_file(bpath)}, {tpath, io::sha256_file(tpath)}};
  if (a.flag("resume") && io::file_exists(ckpt)) {
    m = grip::GripModel::load(ckpt, dev);
    if (m->genes != d.genes) throw InputError(bpath, "genes differ from the checkpoint being resumed (" + ckpt + ")");
    if (m->variant != variant)
      throw InputError(ckpt, std::string("is a '") + grip::variant_name(m->variant) + "' model; --resume it with" +
                                 (m->variant == grip::Variant::paper ? "out --compat" : " --compat public-code"));
    if ((a.has("generator") && m->mcfg.generator != mc.generator) ||
        (a.has("discriminator") && m->mcfg.discriminator != mc.discriminator))
      throw InputError(ckpt, "is a " + m->mcfg.generator + " + " + m->mcfg.discriminator + " model; --resume it with that architecture");
    if (a.has("epochs")) m->tcfg.epochs = tc.epochs;
    log_info("resuming from " + ckpt + " at epoch " + std::to_string(m->state.epoch) + ", batch " + std::to_string(m->state.batch));
  } else {
    m = grip::make_model(d, rows, tc, dev, a.flag("log2"), mc, variant);
    // The checkpoint's manifest has no argv or time, so a resumed run writes the same bytes.
    io::Manifest ck = man;
    ck.argv.clear();
    JsonWriter cfg;
    if (variant == grip::Variant::paper) {
      grip::write_json(cfg, m->tcfg);
    } else {
      cfg.begin_object().kv("compat", "public-code").kv("compat_note", grip::kCompatPublicCodeNote).key("train");
      grip::write_json(cfg, m->tcfg);
      cfg.end_object();
    }
    ck.config_json = cfg.str();
    m->manifest_json = ck.to_json(false);
  }
  JsonWriter cfg;
  cfg.begin_object();
  if (m->variant != grip::Variant::paper) cfg.kv("compat", grip::variant_name(m->variant)).kv("compat_note", grip::kCompatPublicCodeNote);
  cfg.key("model");
  grip::write_json(cfg, m->mcfg);
  cfg.key("train");
  grip::write_json(cfg, m->tcfg);
  cfg.end_object();
  man.config_json = cfg.str();
  log_info(std::string(m->variant == grip::Variant::paper ? "" : "[compat: public-code] ") + "training GRIP-Lung (" + std::to_string(m->gstore.numel() + m->dstore.numel()) + " parameters) on " + dev.str() +
           " for " + std::to_string(m->tcfg.epochs) + " epochs");
  m->cuda_graph = cli::on_off(a, "cuda-graph", true);  // same bits either way; off for debugging
  const bool done = tools::train_to_dir(*m, d, rows, out, every);
  io::write_file_atomic(out + "/manifest.json", man.to_json(true) + "\n");
  if (!done) return 130;
  std::fprintf(stderr, "final generator MSE %.4f; wrote %s, %s/manifest.json, %s/losses.svg\n",
               m->state.mse.empty() ? 0.0 : m->state.mse.back(), ckpt.c_str(), out.c_str(), out.c_str());
  return 0;
}

static cli::Register reg("train", "train the GRIP-Lung conditional GAN on paired baseline/treated profiles", run_train);
