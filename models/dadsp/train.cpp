#include "models/dadsp/train.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "autograd/ops.h"
#include "engine/json.h"
#include "engine/rng.h"
#include "layers/optim.h"

namespace gripcu::dadsp {

using ag::Act;
using ag::Var;

namespace {

constexpr uint64_t kShuffle = uint64_t{1} << 40;         // + stage * 2^20 + epoch
constexpr uint64_t kTargetPerm = uint64_t{1} << 41;      // + stage * 2^20 + epoch
constexpr uint64_t kSaeShuffle = uint64_t{1} << 42;      // + layer * 2^20 + epoch

struct Adams {
  std::vector<std::unique_ptr<nn::Adam>> opts;
  Adams(std::initializer_list<nn::ParamStore*> stores, double lr) {
    kernels::AdamHyper h;
    h.lr = lr;
    for (auto* s : stores) opts.push_back(std::make_unique<nn::Adam>(*s, h));
  }
  void step() {
    for (auto& o : opts) o->step();
  }
};

// Best weights for early stopping: a copy of every slab.
struct Snapshot {
  std::vector<Tensor> v;
  void take(DadspModel& m) {
    v.clear();
    for (auto* s : m.stores()) v.push_back(s->values().clone());
  }
  void restore(DadspModel& m) {
    auto st = m.stores();
    for (size_t i = 0; i < v.size(); ++i) st[i]->values().copy_(v[i]);
  }
};

void freeze_all(DadspModel& m) {
  for (auto* s : m.stores()) s->set_trainable(false);
}
void zero_grads(DadspModel& m) {
  for (auto* s : m.stores()) s->zero_grad();
}

Tensor labels_of(const Pairs& p, const std::vector<int64_t>& rows, const Device& dev) {
  std::vector<float> y;
  y.reserve(rows.size());
  for (int64_t r : rows) y.push_back(static_cast<float>(p.y[static_cast<size_t>(r)]));
  return to_device(y, static_cast<int64_t>(rows.size()), 1, dev);
}

// Mean squared error (scaled labels) over pairs p, without gradients.
double eval_mse(const DadspModel& m, const Var& X, const Var& F, const Pairs& p) {
  if (p.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  ag::NoGrad ng;
  double s = 0;
  const size_t B = 2048;
  for (size_t b = 0; b < p.size(); b += B) {
    const size_t e = std::min(p.size(), b + B);
    std::vector<int64_t> ci(p.cell.begin() + b, p.cell.begin() + e), di(p.drug.begin() + b, p.drug.begin() + e);
    const auto pred = m.regress(m.features(ag::embedding(X, index_tensor(ci, m.device))),
                                ag::embedding(F, index_tensor(di, m.device)))
                          .value()
                          .to_vector<float>();
    for (size_t i = b; i < e; ++i) {
      const double d = double(pred[i - b]) - p.y[i];
      s += d * d;
    }
  }
  return s / double(p.size());
}

// Epochs with early stopping. `step` runs one batch (rows of d.train, target rows) and returns the
// loss parts; `score` gives the epoch's early-stopping value from its mean parts.
struct Parts {
  double mse = 0, dom = 0, mmd = 0, recon = 0, total = 0;
};
using StepFn = std::function<Parts(const std::vector<int64_t>& rows, const std::vector<int64_t>& trows, double p)>;

void run_epochs(DadspModel& m, const TrainData& d, const Var& XL, const Var& F, const std::string& stage, int stage_id,
                int64_t epochs, bool adapt, bool stop_on_train_loss, const StepFn& step, std::vector<EpochLog>& hist,
                const LogFn& log, const std::function<double(double)>& lam_of_p = {}) {
  if (epochs <= 0) return;
  const Rng rng(m.tcfg.seed);
  const int64_t n = static_cast<int64_t>(d.train.size()), B = m.tcfg.batch;
  GRIPCU_CHECK(n > 0, "DADSP ", stage, ": no training pairs");
  const int64_t steps_per_epoch = (n + B - 1) / B, total = steps_per_epoch * epochs;
  Snapshot best;
  best.take(m);
  double best_score = std::numeric_limits<double>::infinity();
  int64_t bad = 0, step_no = 0;
  for (int64_t ep = 0; ep < epochs; ++ep) {
    const auto perm = rng.permutation(n, kShuffle + uint64_t(stage_id) * (1u << 20) + uint64_t(ep));
    std::vector<int64_t> tperm;
    if (adapt) {
      GRIPCU_CHECK(d.nU > 0, "DADSP ", stage, ": no target rows to adapt to");
      tperm = rng.permutation(d.nU, kTargetPerm + uint64_t(stage_id) * (1u << 20) + uint64_t(ep));
    }
    Parts sum;
    int64_t tpos = 0, nb = 0;
    double lam = 0;
    for (int64_t b = 0; b < n; b += B) {
      std::vector<int64_t> rows(perm.begin() + b, perm.begin() + std::min(n, b + B)), trows;
      if (adapt)
        for (size_t i = 0; i < rows.size(); ++i) trows.push_back(tperm[static_cast<size_t>(tpos++ % d.nU)]);
      const double p = double(step_no) / double(total);
      if (lam_of_p) lam = lam_of_p(p);
      const Parts q = step(rows, trows, p);
      sum.mse += q.mse;
      sum.dom += q.dom;
      sum.mmd += q.mmd;
      sum.recon += q.recon;
      sum.total += q.total;
      ++nb;
      ++step_no;
    }
    EpochLog e;
    e.stage = stage;
    e.epoch = ep + 1;
    e.train_mse = sum.mse / double(nb);
    e.domain_loss = sum.dom / double(nb);
    e.mmd = sum.mmd / double(nb);
    e.recon = sum.recon / double(nb);
    e.lambda = lam;
    e.val_mse = eval_mse(m, XL, F, d.val);
    hist.push_back(e);
    if (log) log(e);
    const bool on_val = !stop_on_train_loss && m.tcfg.early_stop == "val" && std::isfinite(e.val_mse);
    const double score = stop_on_train_loss ? sum.total / double(nb) : on_val ? e.val_mse : e.train_mse;
    if (score < best_score) {
      best_score = score;
      bad = 0;
      best.take(m);
    } else if (++bad >= m.tcfg.patience) {
      break;
    }
  }
  best.restore(m);
}

std::string history_json(const std::vector<EpochLog>& h) {
  JsonWriter j;
  j.begin_array();
  for (const auto& e : h) {
    j.begin_object().kv("stage", e.stage).kv("epoch", e.epoch).kv("train_mse", e.train_mse);
    j.kv("domain_loss", e.domain_loss).kv("mmd", e.mmd).kv("recon", e.recon).kv("val_mse", e.val_mse).kv("lambda", e.lambda);
    j.end_object();
  }
  j.end_array();
  return j.str();
}

// Host rows [XL; XU] as one device table (a batch gathers source and target rows in one call).
Var stack_rows(const TrainData& d, int64_t G, const Device& dev, bool with_target) {
  std::vector<float> all = d.XL;
  if (with_target) all.insert(all.end(), d.XU.begin(), d.XU.end());
  return Var(to_device(all, d.nL + (with_target ? d.nU : 0), G, dev));
}

}  // namespace

double grl_lambda(double p, double gamma) { return 2.0 / (1.0 + std::exp(-gamma * p)) - 1.0; }

StepLoss adversarial_step(DadspModel& m, const Var& x, int64_t bs, const Var& fp, const Tensor& y,
                          nn::GradientReversal& grl, double lambda, bool adversarial) {
  const int64_t n = x.dim(0);
  GRIPCU_CHECK(bs >= 1 && bs <= n && (adversarial ? n > bs : n == bs), "adversarial_step: ", n, " rows, ", bs,
               " source rows", adversarial ? " (needs target rows too)" : "");
  const Var h = m.features(x);
  const Var hs = adversarial ? ag::slice_rows(h, 0, bs) : h;
  const Var mse = ag::mse_loss(m.regress(hs, fp), Var(y));
  StepLoss out;
  Var loss = mse;
  if (adversarial) {
    grl.set_lambda(lambda);
    std::vector<int64_t> dom(static_cast<size_t>(bs), 0);
    dom.resize(static_cast<size_t>(n), 1);
    const Var ce = ag::softmax_cross_entropy((*m.disc)(grl(h)), index_tensor(dom, m.device));
    loss = ag::add(mse, ce);
    out.domain = ce.item();
  }
  ag::backward(loss);
  out.mse = mse.item();
  return out;
}

std::vector<EpochLog> pretrain_sae(DadspModel& m, const std::vector<float>& X, int64_t n, const LogFn& log) {
  const int64_t G = m.mcfg.genes, K = static_cast<int64_t>(m.mcfg.sae.size()), B = m.tcfg.sae_batch;
  GRIPCU_CHECK(n > 0 && static_cast<int64_t>(X.size()) == n * G, "pretrain_sae: ", X.size(), " values for ", n, " x ", G);
  const Var Xv(to_device(X, n, G, m.device));
  const Rng rng(m.tcfg.seed);
  std::vector<EpochLog> hist;
  auto run = [&](int64_t layer, int64_t epochs, const std::string& stage) {
    Adams opt({&m.gstore, &m.sdstore}, m.tcfg.sae_lr);
    for (int64_t ep = 0; ep < epochs; ++ep) {
      const auto perm = rng.permutation(n, kSaeShuffle + uint64_t(layer + 1) * (1u << 20) + uint64_t(ep));
      double sum = 0;
      int64_t nb = 0;
      for (int64_t b = 0; b < n; b += B) {
        const std::vector<int64_t> rows(perm.begin() + b, perm.begin() + std::min(n, b + B));
        const Var x = ag::embedding(Xv, index_tensor(rows, m.device));
        Var loss;
        if (layer < 0) {
          loss = ag::mse_loss((*m.sae_dec)(m.features(x)), x);
        } else {
          Var in = x;
          {
            ag::NoGrad ng;
            for (int64_t k = 0; k < layer; ++k) in = m.gene->layers[static_cast<size_t>(k)](in, Act::sigmoid);
          }
          in = Var(in.value());  // a constant input for this layer
          const Var code = m.gene->layers[static_cast<size_t>(layer)](in, Act::sigmoid);
          loss = ag::mse_loss(m.sae_dec->layers[static_cast<size_t>(K - 1 - layer)](code, Act::sigmoid), in);
        }
        zero_grads(m);
        ag::backward(loss);
        opt.step();
        sum += loss.item();
        ++nb;
      }
      EpochLog e;
      e.stage = stage;
      e.epoch = ep + 1;
      e.recon = sum / double(nb);
      hist.push_back(e);
      if (log) log(e);
    }
  };
  for (int64_t k = 0; k < K; ++k) {
    freeze_all(m);
    set_trainable(m.gstore, true, "gene." + std::to_string(k) + ".");
    set_trainable(m.sdstore, true, "sae_dec." + std::to_string(K - 1 - k) + ".");
    run(k, m.tcfg.sae_layer_epochs, "sae_layer" + std::to_string(k + 1));
  }
  freeze_all(m);
  m.gstore.set_trainable(true);
  m.sdstore.set_trainable(true);
  run(-1, m.tcfg.sae_finetune_epochs, "sae_finetune");
  freeze_all(m);
  m.snapshot_init();
  return hist;
}

std::vector<EpochLog> train_dadsp(DadspModel& m, const TrainData& d, const LogFn& log) {
  const Device dev = m.device;
  const int64_t G = m.mcfg.genes;
  const TrainConfig& tc = m.tcfg;
  const Variant v = tc.variant;
  const bool adapt_any = v == Variant::A || v == Variant::no_pretrain || v == Variant::B;
  const Var Xall = stack_rows(d, G, dev, adapt_any);
  const Var XL = adapt_any ? Var(to_device(d.XL, d.nL, G, dev)) : Xall;
  const Var F(to_device(m.drugs.features, static_cast<int64_t>(m.drugs.names.size()), m.drugs.dim, dev));
  std::vector<EpochLog> hist;
  nn::GradientReversal grl(dev, DType::f32, 0.0);
  const kernels::MmdConfig mmd_cfg = kernels::mmd_config_dan(m.mcfg.mmd_kernels, m.mcfg.mmd_ratio);

  // Gathers one batch: x = [source rows; target rows], the drug features and labels of the rows.
  struct Batch {
    Var x, fp;
    Tensor y;
    int64_t bs = 0, bt = 0;
  };
  auto gather = [&](const std::vector<int64_t>& rows, const std::vector<int64_t>& trows) {
    Batch b;
    std::vector<int64_t> ci, di;
    for (int64_t r : rows) {
      ci.push_back(d.train.cell[static_cast<size_t>(r)]);
      di.push_back(d.train.drug[static_cast<size_t>(r)]);
    }
    for (int64_t t : trows) ci.push_back(d.nL + t);
    b.bs = static_cast<int64_t>(rows.size());
    b.bt = static_cast<int64_t>(trows.size());
    b.x = ag::embedding(Xall, index_tensor(ci, dev));
    b.fp = ag::embedding(F, index_tensor(di, dev));
    b.y = labels_of(d.train, rows, dev);
    return b;
  };

  // Joint training of gene + drug + reg (+ disc behind the GRL when adversarial).
  auto joint = [&](const std::string& stage, int stage_id, int64_t epochs, bool adversarial) {
    freeze_all(m);
    m.gstore.set_trainable(true);
    m.dstore.set_trainable(true);
    m.rstore.set_trainable(true);
    if (adversarial) m.cstore.set_trainable(true);
    std::unique_ptr<Adams> opt = adversarial ? std::make_unique<Adams>(std::initializer_list<nn::ParamStore*>{&m.gstore, &m.dstore, &m.rstore, &m.cstore}, tc.lr)
                                             : std::make_unique<Adams>(std::initializer_list<nn::ParamStore*>{&m.gstore, &m.dstore, &m.rstore}, tc.lr);
    run_epochs(m, d, XL, F, stage, stage_id, epochs, adversarial, false,
        [&](const std::vector<int64_t>& rows, const std::vector<int64_t>& trows, double p) {
          const Batch b = gather(rows, trows);
          zero_grads(m);
          const StepLoss l = adversarial_step(m, b.x, b.bs, b.fp, b.y, grl, grl_lambda(p, tc.gamma), adversarial);
          opt->step();
          Parts q;
          q.mse = l.mse;
          q.dom = l.domain;
          q.total = q.mse + q.dom;
          return q;
        },
        hist, log, adversarial ? std::function<double(double)>([&](double p) { return grl_lambda(p, tc.gamma); })
                               : std::function<double(double)>());
  };

  switch (v) {
    case Variant::A:
    case Variant::no_pretrain:
      joint("adversarial", 1, tc.epochs, true);
      break;
    case Variant::source_only:
    case Variant::target_only:
      joint("supervised", 1, tc.epochs, false);
      break;
    case Variant::B: {
      joint("B1_source", 1, tc.b_stage_epochs[0], false);
      // Stage 2: the shared encoder and a target decoder (from the SAE decoder) on MSE + MMD + recon.
      m.tstore.values().copy_(m.sdstore.values());
      freeze_all(m);
      m.gstore.set_trainable(true);
      m.tstore.set_trainable(true);
      Adams opt({&m.gstore, &m.tstore}, tc.lr);
      run_epochs(m, d, XL, F, "B2_mmd", 2, tc.b_stage_epochs[1], true, true,
          [&](const std::vector<int64_t>& rows, const std::vector<int64_t>& trows, double) {
            const Batch b = gather(rows, trows);
            const Var h = m.features(b.x);
            const Var hs = ag::slice_rows(h, 0, b.bs), ht = ag::slice_rows(h, b.bs, b.bt);
            const Var mse = ag::mse_loss(m.regress(hs, b.fp), Var(b.y));
            const Var mmd = ag::mmd_loss(hs, ht, mmd_cfg);
            const Var rec = ag::mse_loss((*m.tdec)(ht), ag::slice_rows(b.x, b.bs, b.bt));
            const Var loss = ag::add(ag::add(mse, ag::scale(mmd, tc.mmd_weight)), ag::scale(rec, tc.recon_weight));
            zero_grads(m);
            ag::backward(loss);
            opt.step();
            Parts q;
            q.mse = mse.item();
            q.mmd = mmd.item();
            q.recon = rec.item();
            q.total = q.mse + tc.mmd_weight * q.mmd + tc.recon_weight * q.recon;
            return q;
          },
          hist, log);
      // Stage 3: extractors frozen, the regressor on the source MSE.
      freeze_all(m);
      m.rstore.set_trainable(true);
      Adams opt3({&m.rstore}, tc.lr);
      run_epochs(m, d, XL, F, "B3_regressor", 3, tc.b_stage_epochs[2], false, false,
          [&](const std::vector<int64_t>& rows, const std::vector<int64_t>& trows, double) {
            const Batch b = gather(rows, trows);
            Var h;
            {
              ag::NoGrad ng;
              h = m.features(b.x);
            }
            const Var mse = ag::mse_loss(m.regress(Var(h.value()), b.fp), Var(b.y));
            zero_grads(m);
            ag::backward(mse);
            opt3.step();
            Parts q;
            q.mse = q.total = mse.item();
            return q;
          },
          hist, log);
      break;
    }
  }
  freeze_all(m);
  m.history_json = history_json(hist);
  return hist;
}

}  // namespace gripcu::dadsp
