#!/usr/bin/python3
"""Multi-bandwidth Gaussian MMD^2, forward + backward, in PyTorch vs gripcu's fused kernel.

The PyTorch side is the usual DAN formulation (written here from the definition in
kernels/mmd.h): Z = [X; Y], squared distances, an adaptive bandwidth (mean squared distance over
pairs i != j, detached), 5 Gaussian kernels with multipliers 2^-2 .. 2^2, biased estimator
mean(Kxx) + mean(Kyy) - 2 mean(Kxy). Two distance forms:
  cdist      torch.cdist(Z, Z)^2           (N x N memory; the efficient one)
  broadcast  ((Z[:, None] - Z[None]) ** 2).sum(-1)  (N x N x d memory, as DAN's public code)
The gripcu side runs the Google Benchmark binary (BM_mmd_cpu / BM_mmd_cuda) with JSON output.

Usage: /usr/bin/python3 bench/mmd_vs_torch.py [--bench build/gripcu_bench] [--n 1024] [--d 256]
       [--threads 2] [--device cpu|cuda] [--reps 5] [--json out.json]
Prints one table with best-of-reps times and the ratio torch / gripcu.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch


def mmd_torch(x, y, form="cdist", kernel_mul=2.0, kernel_num=5):
    n, m = x.shape[0], y.shape[0]
    z = torch.cat([x, y], 0)
    N = n + m
    if form == "cdist":
        d2 = torch.cdist(z, z).pow(2)
    else:
        d2 = ((z.unsqueeze(1) - z.unsqueeze(0)) ** 2).sum(-1)
    beta0 = d2.detach().sum() / (N * N - N)
    k = 0
    for q in range(kernel_num):
        k = k + torch.exp(-d2 / (beta0 * kernel_mul ** (q - kernel_num // 2)))
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


def time_torch(n, d, form, device, reps, grad=True):
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(n, d, generator=g) * 2 - 1).to(device).requires_grad_(grad)
    y = (torch.rand(n, d, generator=g) * 2 - 0.5).to(device).requires_grad_(grad)
    best = float("inf")
    for r in range(reps + 1):  # first run is a warm-up
        x.grad = None
        y.grad = None
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        if grad:
            loss = mmd_torch(x, y, form)
            loss.backward()
        else:
            with torch.no_grad():
                loss = mmd_torch(x, y, form)
        if device == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        if r > 0:
            best = min(best, dt)
    return best, float(loss)


def time_gripcu(bench, n, d, device, reps, grad=True):
    name = "BM_mmd_%s<float>/n:%d/d:%d/grad:%d" % (device, n, d, int(grad))
    flt = "^" + name.replace("<", ".").replace(">", ".") + "(/real_time|/manual_time)?$"
    out = subprocess.run([bench, "--benchmark_filter=" + flt,
                          "--benchmark_repetitions=%d" % reps, "--benchmark_format=json",
                          "--benchmark_min_time=0.05"], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout)
    times = [b["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
             for b in res["benchmarks"] if b.get("run_type") == "iteration"]
    if not times:
        raise SystemExit("no benchmark matched " + name + "\n" + out.stderr)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="build/gripcu_bench")
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--d", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", default="")
    ap.add_argument("--skip-broadcast", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    rows = []
    for grad in (False, True):
        tg = time_gripcu(a.bench, a.n, a.d, a.device, a.reps, grad)
        tc, lc = time_torch(a.n, a.d, "cdist", a.device, a.reps, grad)
        row = {"grad": grad, "gripcu_s": tg, "torch_cdist_s": tc, "torch_loss": lc}
        # The broadcast form needs N x N x d floats (4 GiB at n = 1024, d = 256): only when it fits.
        N = 2 * a.n
        if not a.skip_broadcast and N * N * a.d * 4 * (3 if grad else 1) < 2 ** 31:
            row["torch_broadcast_s"], _ = time_torch(a.n, a.d, "broadcast", a.device, a.reps, grad)
        rows.append(row)
    print("MMD^2, n = m = %d, d = %d, 5 bandwidths, float32, %s, %d threads, best of %d"
          % (a.n, a.d, a.device, a.threads, a.reps))
    print("%-22s %12s %14s %16s %8s" % ("pass", "gripcu", "torch cdist", "torch broadcast", "ratio"))
    for r in rows:
        b = "%.2f ms" % (r["torch_broadcast_s"] * 1e3) if "torch_broadcast_s" in r else "(too large)"
        print("%-22s %9.2f ms %11.2f ms %16s %7.2fx" % ("forward+backward" if r["grad"] else "forward",
              r["gripcu_s"] * 1e3, r["torch_cdist_s"] * 1e3, b, r["torch_cdist_s"] / r["gripcu_s"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"n": a.n, "d": a.d, "device": a.device, "threads": a.threads, "torch": torch.__version__,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
