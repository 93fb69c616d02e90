#!/usr/bin/python3
"""One full DADSP-A training step, PyTorch vs gripcu, on the same shapes (CPU here; --device cuda
on a GPU machine).

The step (models/dadsp/train.h adversarial_step + Adam over the four networks): x = [x_s; x_t]
(128 + 128 rows, G genes) through the gene extractor (G -> 2048 -> 1024 -> 512, sigmoid), the
source half with 256-bit drug features (256 -> 128 -> 64, ReLU) through the regressor
(576 -> 256 -> 128 -> 64 -> 1, ReLU, sigmoid), all rows through a gradient reversal layer and the
discriminator (512 -> 256 -> 128 -> 2); MSE + cross-entropy; backward; Adam (lr 1e-4). PyTorch runs
with zero_grad(set_to_none=True) and its default (foreach) Adam, float32 on both sides.
The gripcu side is the Google Benchmark BM_dadsp_a_step (bench/bench_dadsp_step.cpp).

Usage: /usr/bin/python3 bench/dadsp_vs_torch.py [--bench build/gripcu_bench] [--genes 2000]
       [--threads 2] [--reps 5] [--device cpu|cuda] [--json out.json]
"""
import argparse
import json
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return -ctx.lam * g, None


def mlp(sizes, act, out_act):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        layers.append(act() if i + 2 < len(sizes) else out_act())
    return nn.Sequential(*layers)


def time_torch(G, device, reps, B=128):
    torch.manual_seed(0)
    gene = mlp([G, 2048, 1024, 512], nn.Sigmoid, nn.Sigmoid).to(device)
    drug = mlp([256, 128, 64], nn.ReLU, nn.ReLU).to(device)
    reg = mlp([576, 256, 128, 64, 1], nn.ReLU, nn.Sigmoid).to(device)
    disc = mlp([512, 256, 128, 2], nn.ReLU, nn.Identity).to(device)
    params = [p for m in (gene, drug, reg, disc) for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=1e-4)
    x = torch.rand(2 * B, G, device=device)
    fp = (torch.rand(B, 256, device=device) < 0.1).float()
    y = torch.rand(B, 1, device=device)
    dom = torch.cat([torch.zeros(B, dtype=torch.long), torch.ones(B, dtype=torch.long)]).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        h = gene(x)
        mse = F.mse_loss(reg(torch.cat([h[:B], drug(fp)], 1)), y)
        ce = F.cross_entropy(disc(GradReverse.apply(h, 0.5)), dom)
        (mse + ce).backward()
        opt.step()

    best = float("inf")
    for r in range(reps + 1):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        step()
        if device == "cuda":
            torch.cuda.synchronize()
        if r > 0:
            best = min(best, time.perf_counter() - t0)
    return best


def time_gripcu(bench, G, device, reps):
    flt = "^BM_dadsp_a_step/%s/genes:%d/real_time$" % (device, G)
    out = subprocess.run([bench, "--benchmark_filter=" + flt, "--benchmark_repetitions=%d" % reps,
                          "--benchmark_format=json"], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout)
    t = [b["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
         for b in res["benchmarks"] if b.get("run_type") == "iteration"]
    if not t:
        raise SystemExit("no benchmark matched " + flt + "\n" + out.stderr)
    return min(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="build/gripcu_bench")
    ap.add_argument("--genes", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tt = time_torch(a.genes, a.device, a.reps)
    tg = time_gripcu(a.bench, a.genes, a.device, a.reps)
    print("DADSP-A step, G = %d, batch 128 + 128, float32, %s, %d threads, best of %d" % (a.genes, a.device, a.threads, a.reps))
    print("  gripcu  %8.2f ms\n  PyTorch %8.2f ms   (PyTorch / gripcu = %.2fx)" % (tg * 1e3, tt * 1e3, tt / tg))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"genes": a.genes, "device": a.device, "threads": a.threads, "torch": torch.__version__,
                       "gripcu_s": tg, "torch_s": tt}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
