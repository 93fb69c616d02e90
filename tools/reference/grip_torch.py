#!/usr/bin/python3
"""GRIP-Lung in PyTorch: the paper's generator and discriminator, built to load gripcu's checkpoints.

This is the reference side of gripcu's PyTorch parity (tests/models/test_grip_torch_parity.cpp,
tools/reference/make_torch_gan_fixture.py) and of the side-by-side benchmark (bench/gan_vs_torch.py).
It follows models/grip/networks.h (§4.4-4.6 of the paper):

  Generator (residual FiLM)
    e   = [cell_emb(c), drug_emb(d)]                 embed_dim + embed_dim
    m   = ReLU(mod(e))                               mod_hidden
    h   = proj(x) * (1 + film.gamma(m)) + film.beta(m)
    h'  = h + ReLU(res2(ReLU(res1(h))))
    y~  = x + out(h')
  Discriminator: [y, cell_emb(c), drug_emb(d)] -> mlp.0 -> LeakyReLU -> mlp.1 -> LeakyReLU -> mlp.2 (logit)

Parameter names are gripcu's (generator.*, discriminator.*), so a gripcu checkpoint's tensors load
with load_state_dict. One GAN step (gan_step) is GanTrainer::step: one generator forward reused by
both updates; L_D = BCE(D(y), 1) + BCE(D(G(x).detach()), 0) and an Adam step on D first; then
L_G = MSE(G(x), y) + lambda * BCE(D(G(x)), 1) through the updated, frozen D and an Adam step on G.

Command line (Debian's python3-torch; reads GRIP-Lung CSV: sample / cell / drug header rows):
  /usr/bin/python3 tools/reference/grip_torch.py predict --model run/model.safetensors \\
      --baseline X.csv --out P.csv [--drug NAME] [--map-to-nearest-cell]
prints the predicted post-treatment profiles in the input's units, as `gripcu predict` does, and
with --compare GRIPCU_P.csv reports the largest difference from gripcu's predictions.
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_min  # noqa: E402

# models/grip/config.h defaults
DEFAULT_CONFIG = {"embed_dim": 128, "hidden": 256, "mod_hidden": 256, "d_hidden1": 256, "d_hidden2": 128,
                  "leaky_slope": 0.2}


class FiLM(nn.Module):
    def __init__(self, cond, feat):
        super().__init__()
        self.gamma = nn.Linear(cond, feat)
        self.beta = nn.Linear(cond, feat)

    def forward(self, h, m):
        return h * (1 + self.gamma(m)) + self.beta(m)


class Generator(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cell_emb = nn.Embedding(c["cells"], c["embed_dim"])
        self.drug_emb = nn.Embedding(c["drugs"], c["embed_dim"])
        self.mod = nn.Linear(2 * c["embed_dim"], c["mod_hidden"])
        self.film = FiLM(c["mod_hidden"], c["hidden"])
        self.proj = nn.Linear(c["genes"], c["hidden"])
        self.res1 = nn.Linear(c["hidden"], c["hidden"])
        self.res2 = nn.Linear(c["hidden"], c["hidden"])
        self.out = nn.Linear(c["hidden"], c["genes"])

    def forward(self, x, cell, drug):
        m = F.relu(self.mod(torch.cat([self.cell_emb(cell), self.drug_emb(drug)], dim=1)))
        h = self.film(self.proj(x), m)
        r = F.relu(self.res2(F.relu(self.res1(h))))
        return x + self.out(h + r)


class Discriminator(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.slope = c["leaky_slope"]
        self.cell_emb = nn.Embedding(c["cells"], c["embed_dim"])
        self.drug_emb = nn.Embedding(c["drugs"], c["embed_dim"])
        sizes = [c["genes"] + 2 * c["embed_dim"], c["d_hidden1"], c["d_hidden2"], 1]
        self.mlp = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, y, cell, drug):
        h = torch.cat([y, self.cell_emb(cell), self.drug_emb(drug)], dim=1)
        for i, lin in enumerate(self.mlp):
            h = lin(h)
            if i + 1 < len(self.mlp):
                h = F.leaky_relu(h, self.slope)
        return h


class GripGAN(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = dict(DEFAULT_CONFIG, **config)
        self.generator = Generator(self.config)
        self.discriminator = Discriminator(self.config)


def make_optimizers(gan, lr=1e-3, betas=(0.9, 0.999), **adam_kw):
    return (torch.optim.Adam(gan.generator.parameters(), lr=lr, betas=betas, **adam_kw),
            torch.optim.Adam(gan.discriminator.parameters(), lr=lr, betas=betas, **adam_kw))


def gan_step(gan, opt_g, opt_d, x, y, cell, drug, lam, G=None, D=None):
    """One GRIP-Lung training iteration on a batch, as gripcu's GanTrainer::step. Returns the losses.
    G, D: callables standing in for gan.generator / gan.discriminator (e.g. torch.compile'd)."""
    G = G or gan.generator
    D = D or gan.discriminator
    fake = G(x, cell, drug)
    ones = torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)
    zeros = torch.zeros_like(ones)
    # Discriminator first, on the detached fake.
    opt_d.zero_grad(set_to_none=True)
    d_loss = (F.binary_cross_entropy_with_logits(D(y, cell, drug), ones) +
              F.binary_cross_entropy_with_logits(D(fake.detach(), cell, drug), zeros))
    d_loss.backward()
    opt_d.step()
    # Generator through the updated discriminator, which is frozen (no gradients land on it).
    opt_g.zero_grad(set_to_none=True)
    for p in gan.discriminator.parameters():
        p.requires_grad_(False)
    mse = F.mse_loss(fake, y)
    g_loss = mse + lam * F.binary_cross_entropy_with_logits(D(fake, cell, drug), ones)
    g_loss.backward()
    for p in gan.discriminator.parameters():
        p.requires_grad_(True)
    opt_g.step()
    return d_loss.detach(), g_loss.detach(), mse.detach()


class Checkpoint:
    """A gripcu GRIP-Lung checkpoint (models/grip/model.h): model, vocabularies and normalization."""

    def __init__(self, path):
        tensors, meta = safetensors_min.load(path)
        if "gripcu.model_config" not in meta:
            raise SystemExit(f"{path}: not a gripcu GRIP-Lung checkpoint (no gripcu.model_config metadata)")
        self.config = json.loads(meta["gripcu.model_config"])
        self.train_config = json.loads(meta.get("gripcu.train_config", "{}"))
        self.genes = json.loads(meta["gripcu.genes"])
        self.cells = json.loads(meta["gripcu.cells"])
        self.drugs = json.loads(meta["gripcu.drugs"])
        self.log2 = bool(json.loads(meta["gripcu.normalization"])["log2"])
        self.gan = GripGAN(self.config)
        state = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()
                 if k.startswith("generator.") or k.startswith("discriminator.")}
        self.gan.load_state_dict(state, strict=True)
        f32 = lambda k: np.array(tensors[k], dtype=np.float32)  # noqa: E731
        self.baseline_mean, self.baseline_std = f32("normalization.baseline_mean"), f32("normalization.baseline_std")
        self.treated_mean, self.treated_std = f32("normalization.treated_mean"), f32("normalization.treated_std")
        self.cell_profiles = f32("reference.cell_baseline_mean")

    def predict(self, x, cells, drugs):
        """x: samples x genes (float32, input units, model gene order) -> predictions in input units."""
        x = np.array(x, dtype=np.float32)
        if self.log2:
            x = np.log2(np.float32(1) + x)
        z = (x - self.baseline_mean) / self.baseline_std
        with torch.no_grad():
            y = self.gan.generator(torch.from_numpy(z), torch.tensor(cells, dtype=torch.int64),
                                   torch.tensor(drugs, dtype=torch.int64)).numpy()
        y = y * self.treated_std + self.treated_mean
        if self.log2:
            y = np.exp2(y) - np.float32(1)
        return y.astype(np.float32)

    def nearest_cell(self, x):
        """Most Pearson-correlated training cell line for a baseline (input units), as gripcu's."""
        best, best_r = -1, 0.0
        for c, prof in enumerate(self.cell_profiles.astype(np.float64)):
            a = np.asarray(x, dtype=np.float64) - np.mean(x, dtype=np.float64)
            b = prof - prof.mean()
            saa, sbb = float(a @ a), float(b @ b)
            r = float(a @ b) / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else 0.0
            if best < 0 or r > best_r:
                best, best_r = c, r
        return best, best_r


def read_grip_csv(path):
    """GRIP-Lung CSV: row 1 sample names, row 2 'cell,...', row 3 'drug,...', then 'GENE,values'."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if r]
    if len(rows) < 4 or rows[1][0].strip().lower() != "cell" or rows[2][0].strip().lower() != "drug":
        raise SystemExit(f"{path}: not a GRIP-Lung CSV (needs sample, cell and drug header rows)")
    samples, cells, drugs = rows[0][1:], rows[1][1:], rows[2][1:]
    genes, values = [], []
    for i, r in enumerate(rows[3:], start=4):
        if len(r) != len(samples) + 1:
            raise SystemExit(f"{path}:{i}: {len(r) - 1} values, expected {len(samples)}")
        genes.append(r[0])
        values.append([float(v) for v in r[1:]])
    return samples, cells, drugs, genes, np.array(values, dtype=np.float64)  # genes x samples


def write_grip_csv(path, samples, cells, drugs, genes, values):
    """values: genes x samples; floats as repr of float32 (round-trips exactly)."""
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([""] + list(samples))
        w.writerow(["cell"] + list(cells))
        w.writerow(["drug"] + list(drugs))
        for g, row in zip(genes, values):
            w.writerow([g] + [repr(float(np.float32(v))) for v in row])
    os.replace(tmp, path)


def cmd_predict(argv):
    ap = argparse.ArgumentParser(prog="grip_torch.py predict", description="PyTorch predictions from a gripcu checkpoint")
    ap.add_argument("--model", required=True)
    ap.add_argument("--baseline", required=True, help="GRIP-Lung CSV (sample / cell / drug header rows)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--drug", help="predict every sample under this drug (default: the file's drug row)")
    ap.add_argument("--map-to-nearest-cell", action="store_true")
    ap.add_argument("--compare", help="gripcu predict's output for the same inputs: print the largest differences")
    a = ap.parse_args(argv)
    ck = Checkpoint(a.model)
    samples, cells_in, drugs_in, genes, vals = read_grip_csv(a.baseline)
    row = {g: i for i, g in enumerate(genes)}
    missing = [g for g in ck.genes if g not in row]
    if missing:
        raise SystemExit(f"{a.baseline}: {len(missing)} of the model's {len(ck.genes)} genes are missing (first: {missing[0]})")
    x = np.array(vals[[row[g] for g in ck.genes], :].T, dtype=np.float32)  # samples x model genes
    cell_ix, drug_ix = [], []
    for s, name in enumerate(samples):
        drug = a.drug if a.drug else drugs_in[s]
        if drug not in ck.drugs:
            raise SystemExit(f"{a.baseline}: unknown drug '{drug}'; the model knows: {', '.join(ck.drugs)}")
        drug_ix.append(ck.drugs.index(drug))
        if a.map_to_nearest_cell:
            cell_ix.append(ck.nearest_cell(x[s])[0])
        elif cells_in[s] in ck.cells:
            cell_ix.append(ck.cells.index(cells_in[s]))
        else:
            raise SystemExit(f"{a.baseline}: sample '{name}': cell line '{cells_in[s]}' is unknown to the model "
                             "(use --map-to-nearest-cell)")
    y = ck.predict(x, cell_ix, drug_ix)
    write_grip_csv(a.out, samples, [ck.cells[c] for c in cell_ix], [ck.drugs[d] for d in drug_ix], ck.genes, y.T)
    print(f"predicted {len(samples)} profiles with PyTorch {torch.__version__} -> {a.out}", file=sys.stderr)
    if a.compare:
        s2, _, _, g2, v2 = read_grip_csv(a.compare)
        if s2 != list(samples) or g2 != list(ck.genes):
            raise SystemExit(f"{a.compare}: samples or genes differ from {a.out}")
        ref = y.T.astype(np.float64)
        diff = np.abs(v2 - ref)
        print(f"vs {a.compare}: max |diff| {diff.max():.3e}, max |diff| / max |torch| {diff.max() / np.abs(ref).max():.3e}")
    return 0


def main(argv):
    if len(argv) < 1 or argv[0] not in ("predict",):
        print(__doc__, file=sys.stderr)
        return 2
    return cmd_predict(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
