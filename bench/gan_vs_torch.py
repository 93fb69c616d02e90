#!/usr/bin/python3
"""Side by side: one full GRIP-Lung GAN iteration (D step + G step, Adam) in PyTorch and in gripcu.

Both run the paper's architecture at the default sizes (models/grip/config.h; PyTorch's from
tools/reference/grip_torch.py, whose parity with gripcu is tested) on the same machine, the same
thread count and FP32, with the same step semantics (GanTrainer::step: one generator forward, D
step on the detached fake, G step through the frozen D). gripcu runs `gripcu bench gan --json`;
PyTorch runs in a child process with OMP/OpenBLAS/MKL threads pinned to the same count. PyTorch
gets its fastest configuration: every Adam implementation this build accepts (fused, foreach,
single-tensor) is timed and the best is the baseline; zero_grad(set_to_none=True); eager, and
torch.compile when it exists and the device is a GPU. Rounds alternate between the two so that
background load hits both alike; each side's best round is reported.

  /usr/bin/python3 bench/gan_vs_torch.py --gripcu build/gripcu --threads 2,1 \\
      --out bench/results/gan_cpu_DATE.json

Prints one line per thread count with both throughputs and the ratio (also per CPU-second of the
process, which is what the code costs when other work shares the cores); writes all rounds as JSON.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))


def torch_worker(a):
    """Runs in a child process (threads pinned by the parent's environment); prints JSON."""
    import torch
    sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
    import grip_torch

    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # FP32 on both sides
        torch.backends.cudnn.allow_tf32 = False
    gen = torch.Generator().manual_seed(1)
    n = a.cells * a.drugs
    x = torch.randn(n, a.genes, generator=gen)
    y = x + 0.3 * torch.randn(n, a.genes, generator=gen)
    cells = torch.arange(n) % a.cells
    drugs = torch.arange(n) // a.cells
    x, y, cells, drugs = x.to(dev), y.to(dev), cells.to(dev), drugs.to(dev)
    perm = torch.randperm(n, generator=gen).to(dev)
    cfg = {"genes": a.genes, "cells": a.cells, "drugs": a.drugs}

    variants = []
    for opt_kw in ({"fused": True}, {"foreach": True}, {"foreach": False}):
        for compiled in ((False, True) if (dev.type == "cuda" and hasattr(torch, "compile")) else (False,)):
            variants.append((opt_kw, compiled))
    results = []
    for opt_kw, compiled in variants:
        name = ",".join(f"{k}={v}" for k, v in opt_kw.items()) + (",compile" if compiled else ",eager")
        torch.manual_seed(1)
        gan = grip_torch.GripGAN(cfg).to(dev)
        try:
            opt_g, opt_d = grip_torch.make_optimizers(gan, **opt_kw)
            G = torch.compile(gan.generator) if compiled else None
            D = torch.compile(gan.discriminator) if compiled else None
            # Batches walk one shuffled order, wrapping around, as `gripcu bench gan` (index tensors
            # made up front so the timed loop holds only the step).
            batches = [perm[(torch.arange(a.batch, device=dev) + k * a.batch) % n] for k in range(n)]
            cursor = [0]

            def step():
                idx = batches[cursor[0] % n]
                cursor[0] += 1
                return grip_torch.gan_step(gan, opt_g, opt_d, x[idx], y[idx], cells[idx], drugs[idx], 0.1, G, D)

            for _ in range(a.warmup):
                step()
            best, best_cpu = None, None
            for _ in range(a.repeats):
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(a.steps):
                    losses = step()
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                dt, dc = time.perf_counter() - t0, time.process_time() - c0
                best = dt if best is None else min(best, dt)
                best_cpu = dc if best_cpu is None else min(best_cpu, dc)
            g_loss = float(losses[1])
            results.append({"variant": name, "seconds": best, "steps_per_s": a.steps / best, "cpu_seconds": best_cpu,
                            "steps_per_cpu_s": a.steps / best_cpu, "final_g_loss": g_loss})
        except (RuntimeError, TypeError, ValueError) as e:  # an Adam flavour this build/device lacks
            results.append({"variant": name, "error": str(e).splitlines()[0][:200]})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "variants": results}))


def child_env(threads, policy):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    if policy != "default":
        env["OMP_WAIT_POLICY"] = policy
    else:
        env.pop("OMP_WAIT_POLICY", None)
    return env


def policies(a):
    # "best": each side is timed under libgomp's default (spin, then sleep) and under passive, and
    # its faster one counts (PyTorch's OpenMP pool and OpenBLAS's own threads can oversubscribe the
    # cores when both spin, so PyTorch is often faster passive, gripcu with the default).
    return ["default", "passive"] if a.omp_wait_policy == "best" else [a.omp_wait_policy]


def run_torch(a, threads, policy):
    env = child_env(threads, policy)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", str(threads), "--genes", str(a.genes),
           "--batch", str(a.batch), "--steps", str(a.steps), "--warmup", str(a.warmup), "--repeats", str(a.repeats),
           "--cells", str(a.cells), "--drugs", str(a.drugs), "--device", a.device]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["omp_wait_policy"] = policy
    return r


def run_gripcu(a, threads, policy):
    cmd = [a.gripcu, "bench", "gan", "--json", "--genes", str(a.genes), "--batch", str(a.batch), "--steps", str(a.steps),
           "--warmup", str(a.warmup), "--repeats", str(a.repeats), "--cells", str(a.cells), "--drugs", str(a.drugs),
           "--threads", str(threads), "--device", a.device, "--loop", a.loop]
    out = subprocess.run(cmd, env=child_env(threads, policy), check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    r["omp_wait_policy"] = policy
    return r


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--gripcu", default=os.path.join(REPO, "build", "gripcu"))
    ap.add_argument("--device", default="cpu", help="cpu or cuda (gripcu and PyTorch alike)")
    ap.add_argument("--threads", default="2", help="comma-separated thread counts (worker: one)")
    ap.add_argument("--genes", type=int, default=978)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--cells", type=int, default=20)
    ap.add_argument("--drugs", type=int, default=15)
    ap.add_argument("--steps", type=int, default=30, help="timed steps per repeat")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=2, help="timed repeats inside each round (best is kept)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating PyTorch / gripcu rounds per thread count")
    ap.add_argument("--loop", default="step", choices=["step", "epochs"],
                    help="gripcu's loop: GanTrainer::step per batch, or whole epochs (on a GPU: the CUDA-graph path)")
    ap.add_argument("--omp-wait-policy", default="best", choices=["best", "default", "passive", "active"],
                    help="OMP_WAIT_POLICY for both sides (passive: idle OpenMP threads sleep instead of spinning, "
                         "which matters when other processes compete for the cores); best: each side's faster of "
                         "default and passive")
    ap.add_argument("--out", help="write all results as JSON here")
    ap.add_argument("--note", default="", help="conditions to record (e.g. other processes running)")
    a = ap.parse_args()
    if a.worker:
        a.threads = int(a.threads)
        torch_worker(a)
        return 0

    report = {"date": datetime.date.today().isoformat(), "machine": machine(), "device": a.device, "genes": a.genes,
              "batch": a.batch, "cells": a.cells, "drugs": a.drugs, "steps": a.steps, "warmup": a.warmup,
              "repeats": a.repeats, "rounds": a.rounds, "omp_wait_policy": a.omp_wait_policy, "gripcu_loop": a.loop, "note": a.note, "loadavg_start": os.getloadavg(), "runs": []}
    for threads in [int(t) for t in a.threads.split(",")]:
        t_rounds, g_rounds = [], []
        for _ in range(a.rounds):
            for policy in policies(a):
                t_rounds.append(run_torch(a, threads, policy))
                g_rounds.append(run_gripcu(a, threads, policy))
        best_variant, best_variant_cpu = {}, {}
        for r in t_rounds:
            for v in r["variants"]:
                if "steps_per_s" in v:
                    key = f"{v['variant']} [OMP_WAIT_POLICY {r['omp_wait_policy']}]"
                    best_variant[key] = max(best_variant.get(key, 0), v["steps_per_s"])
                    best_variant_cpu[key] = max(best_variant_cpu.get(key, 0), v["steps_per_cpu_s"])
        eager = {k: s for k, s in best_variant.items() if ",eager " in k}
        compiled = {k: s for k, s in best_variant.items() if ",compile " in k}
        torch_eager = max(eager.values())
        torch_eager_cpu = max(v for k, v in best_variant_cpu.items() if ",eager " in k)
        g_best = max(g_rounds, key=lambda g: g["steps_per_s"])
        gripcu_sps = g_best["steps_per_s"]
        gripcu_cpu = max(g["steps_per_cpu_s"] for g in g_rounds)
        run = {"threads": threads, "gripcu_steps_per_s": gripcu_sps, "gripcu_omp_wait_policy": g_best["omp_wait_policy"],
               "torch_eager_steps_per_s": torch_eager,
               "torch_eager_best_variant": max(eager, key=eager.get), "ratio_vs_eager": gripcu_sps / torch_eager,
               "gripcu_steps_per_cpu_s": gripcu_cpu, "torch_eager_steps_per_cpu_s": torch_eager_cpu,
               "ratio_per_cpu_s": gripcu_cpu / torch_eager_cpu, "torch_variants_best": best_variant,
               "gripcu_rounds": g_rounds, "torch_rounds": t_rounds, "gripcu_build": g_rounds[0]["build"],
               "torch": t_rounds[0]["torch"]}
        line = (f"threads={threads} G={a.genes} batch={a.batch} {a.device}: gripcu {gripcu_sps:.2f} steps/s "
                f"[OMP_WAIT_POLICY {g_best['omp_wait_policy']}], "
                f"PyTorch {t_rounds[0]['torch']} eager {torch_eager:.2f} steps/s ({run['torch_eager_best_variant']}) "
                f"-> ratio {run['ratio_vs_eager']:.2f}x (per CPU-second: {gripcu_cpu:.2f} vs {torch_eager_cpu:.2f}, "
                f"{run['ratio_per_cpu_s']:.2f}x)")
        if compiled:
            run["torch_compile_steps_per_s"] = max(compiled.values())
            run["ratio_vs_compile"] = gripcu_sps / run["torch_compile_steps_per_s"]
            line += f"; torch.compile {run['torch_compile_steps_per_s']:.2f} steps/s -> {run['ratio_vs_compile']:.2f}x"
        print(line, flush=True)
        report["runs"].append(run)
    report["loadavg_end"] = os.getloadavg()
    if a.out:
        with open(a.out + ".tmp", "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
        os.replace(a.out + ".tmp", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
