#!/usr/bin/python3
"""PyTorch reference for gripcu's GRIP-Lung parity test (tests/models/test_grip_torch_parity.cpp).

Writes tests/fixtures/torch/grip_gan.safetensors with two parts, both on the paper's architecture
(tools/reference/grip_torch.py) at reduced widths so the file stays small (~0.2 MB):

1. gan.*: two full GAN iterations (GanTrainer::step: one D step then one G step, Adam lr 1e-3,
   lambda 0.1) from fixed initial weights on a fixed synthetic, already normalized data set of 12
   samples (4 cells x 3 drugs, G = 50): a full batch of 8 rows with repeated cells and drugs, then
   a partial batch of 5. Stored: the data, the rows, the initial parameters, the losses of each
   step, each step's gradients (D's from its step, G's from its step) and the parameters after it.
2. real.*: predictions on the real GRIP-Lung example (../shared/data/grip_lung_example, read in
   place, not copied): weights after 3 PyTorch GAN steps on those 14 samples, the per-gene z-score
   statistics fitted on all 14 samples (as gripcu's make_model: float64 mean and population std,
   std 1 where the variance is ~0), with and without log2(x + 1), and the PyTorch predictions for
   input_expression.csv in input units. The test writes a gripcu checkpoint holding these weights
   with gripcu's own writer and runs `gripcu predict` on the same file.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_torch_gan_fixture.py [--data DIR]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grip_torch  # noqa: E402
import safetensors_min  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SMALL = {"embed_dim": 16, "hidden": 32, "mod_hidden": 32, "d_hidden1": 32, "d_hidden2": 16, "leaky_slope": 0.2}
LR, LAMBDA = 1e-3, 0.1


def params(gan, prefix, out):
    for name, p in gan.named_parameters():
        out[prefix + name] = p.detach().clone().numpy()


def grads(gan, prefix, out):
    for name, p in gan.named_parameters():
        out[prefix + name] = p.grad.detach().clone().numpy()


def gan_part(out):
    torch.manual_seed(20261121)
    cfg = dict(SMALL, genes=50, cells=4, drugs=3)
    gan = grip_torch.GripGAN(cfg)
    n = 12
    x = torch.randn(n, cfg["genes"])
    y = x + 0.5 * torch.randn(n, cfg["genes"]) + 0.3
    cells = torch.tensor([i % 4 for i in range(n)])
    drugs = torch.tensor([i // 4 for i in range(n)])
    batches = [torch.tensor([3, 0, 7, 11, 5, 2, 9, 4]), torch.tensor([10, 6, 1, 8, 2])]
    out.update({"gan.x": x.numpy(), "gan.y": y.numpy(), "gan.cells": cells.numpy(), "gan.drugs": drugs.numpy()})
    params(gan, "gan.init.", out)
    opt_g, opt_d = grip_torch.make_optimizers(gan, lr=LR, foreach=False)
    for k, rows in enumerate(batches):
        d, g, mse = grip_torch.gan_step(gan, opt_g, opt_d, x[rows], y[rows], cells[rows], drugs[rows], LAMBDA)
        out[f"gan.step{k}.rows"] = rows.numpy()
        out[f"gan.step{k}.d_loss"] = d.reshape(1).numpy()
        out[f"gan.step{k}.g_loss"] = g.reshape(1).numpy()
        out[f"gan.step{k}.mse"] = mse.reshape(1).numpy()
        grads(gan, f"gan.step{k}.grad.", out)
        params(gan, f"gan.step{k}.", out)
        print(f"gan step {k}: d_loss {d.item():.6f} g_loss {g.item():.6f} mse {mse.item():.6f}")
    return cfg


def zscore_fit(v):
    """models/grip/dataset.cpp ZScore::fit over all rows: v samples x genes float32 -> float32 mean, std."""
    v64 = v.astype(np.float64)
    m = v64.mean(axis=0)
    var = ((v64 - m) ** 2).mean(axis=0)
    s = np.where(var > 1e-12, np.sqrt(var), 1.0)
    return m.astype(np.float32), s.astype(np.float32)


def real_part(out, data_dir):
    ex = os.path.join(data_dir, "grip_lung_example")
    samples, cells_in, drugs_in, genes, xb = grip_torch.read_grip_csv(os.path.join(ex, "input_expression.csv"))
    s2, _, _, g2, xt = grip_torch.read_grip_csv(os.path.join(ex, "output_expression.csv"))
    assert g2 == genes and len(s2) == len(samples), "input/output genes or sample counts differ"
    cells, drugs = sorted(set(cells_in)), sorted(set(drugs_in))  # gripcu's Vocab: sorted unique names
    ci = torch.tensor([cells.index(c) for c in cells_in])
    di = torch.tensor([drugs.index(d) for d in drugs_in])
    b = xb.T.astype(np.float32)  # samples x genes
    t = xt.T.astype(np.float32)
    torch.manual_seed(7)
    cfg = dict(SMALL, genes=len(genes), cells=len(cells), drugs=len(drugs))
    gan = grip_torch.GripGAN(cfg)
    bm, bs = zscore_fit(b)
    tm, ts = zscore_fit(t)
    xz, yz = torch.from_numpy((b - bm) / bs), torch.from_numpy((t - tm) / ts)
    opt_g, opt_d = grip_torch.make_optimizers(gan, lr=LR, foreach=False)
    for rows in [torch.arange(0, 8), torch.arange(8, 14), torch.arange(3, 11)]:
        grip_torch.gan_step(gan, opt_g, opt_d, xz[rows], yz[rows], ci[rows], di[rows], LAMBDA)
    params(gan, "real.param.", out)
    for tag, log2 in (("real.", False), ("real.log2.", True)):
        bl = np.log2(np.float32(1) + b) if log2 else b
        tl = np.log2(np.float32(1) + t) if log2 else t
        bm, bs = zscore_fit(bl)
        tm, ts = zscore_fit(tl)
        out[tag + "baseline_mean"], out[tag + "baseline_std"] = bm, bs
        out[tag + "treated_mean"], out[tag + "treated_std"] = tm, ts
        z = (bl - bm) / bs
        with torch.no_grad():
            p = gan.generator(torch.from_numpy(z), ci, di).numpy()
        p = p * ts + tm
        if log2:
            p = np.exp2(p) - np.float32(1)
        out[tag + "pred"] = p.astype(np.float32)  # samples x genes, input units
        print(f"real ({'log2' if log2 else 'linear'}): {p.shape[0]} predictions, max |pred - baseline| "
              f"{np.abs(p - b).max():.4f}")
    return cfg, cells, drugs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "torch", "grip_gan.safetensors"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    out = {}
    gan_cfg = gan_part(out)
    real_cfg, cells, drugs = real_part(out, a.data)
    meta = {"torch": torch.__version__, "script": "tools/reference/make_torch_gan_fixture.py",
            "gan.model_config": json.dumps(gan_cfg), "real.model_config": json.dumps(real_cfg),
            "real.cells": json.dumps(cells), "real.drugs": json.dumps(drugs), "lr": LR, "lambda": LAMBDA}
    arrays = {k: np.ascontiguousarray(v) for k, v in out.items()}
    safetensors_min.save(a.out, arrays, meta)
    print(f"wrote {os.path.relpath(a.out, REPO)}: {len(arrays)} tensors, {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
