#!/usr/bin/python3
"""PyTorch reference for one DADSP-A training step (tests/models/test_dadsp_parity.cpp).

The DADSP-A network of models/dadsp/model.h at toy sizes: gene extractor (SAE encoder: Linear +
sigmoid per layer), drug extractor (Linear + ReLU x 2), regressor (Linear + ReLU x 3, Linear +
sigmoid), domain discriminator (Linear + ReLU x 2, Linear -> 2 logits) behind a gradient reversal
layer (identity forward, -lambda * grad backward). One step: x = [x_s; x_t] through the extractor,
the first bs rows with the drug features through the regressor (MSE against y), all rows through
GRL + discriminator (cross-entropy against domain labels 0 / 1); loss = MSE + CE; backward; one
torch.optim.Adam step (lr 1e-2, PyTorch defaults otherwise) over the four networks.
Writes the initial parameters, inputs, both losses, every gradient and the parameters after the
step to tests/fixtures/torch/dadsp_a_step.safetensors.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_torch_dadsp_fixture.py
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_min  # noqa: E402

G, SAE, FP, DRUG, REG, DISC = 12, [10, 6], 16, [8, 4], [8, 6, 4], [6, 5]
BS, BT, LAMBDA, LR = 5, 4, 0.37, 1e-2


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return -ctx.lam * g, None


def linear_params(gen, name, sizes, params):
    for i in range(len(sizes) - 1):
        bound = 1.0 / np.sqrt(sizes[i])
        w = (torch.rand(sizes[i + 1], sizes[i], generator=gen) * 2 - 1) * bound
        b = (torch.rand(sizes[i + 1], generator=gen) * 2 - 1) * bound
        params["%s.%d.weight" % (name, i)] = w.requires_grad_()
        params["%s.%d.bias" % (name, i)] = b.requires_grad_()


def mlp(params, name, n_layers, x, act, out_act):
    for i in range(n_layers):
        x = F.linear(x, params["%s.%d.weight" % (name, i)], params["%s.%d.bias" % (name, i)])
        x = act(x) if i + 1 < n_layers else out_act(x)
    return x


def main():
    gen = torch.Generator().manual_seed(20261121)
    p = {}
    linear_params(gen, "gene", [G] + SAE, p)
    linear_params(gen, "drug", [FP] + DRUG, p)
    linear_params(gen, "reg", [SAE[-1] + DRUG[-1]] + REG + [1], p)
    linear_params(gen, "disc", [SAE[-1]] + DISC + [2], p)
    init = {k: v.detach().clone() for k, v in p.items()}
    x = torch.rand(BS + BT, G, generator=gen)
    fp = (torch.rand(BS, FP, generator=gen) < 0.3).float()
    y = torch.rand(BS, 1, generator=gen)
    dom = torch.tensor([0] * BS + [1] * BT, dtype=torch.int64)

    h = mlp(p, "gene", len(SAE), x, torch.sigmoid, torch.sigmoid)
    fd = mlp(p, "drug", len(DRUG), fp, torch.relu, torch.relu)
    pred = mlp(p, "reg", len(REG) + 1, torch.cat([h[:BS], fd], 1), torch.relu, torch.sigmoid)
    mse = F.mse_loss(pred, y)
    logits = mlp(p, "disc", len(DISC) + 1, GradReverse.apply(h, LAMBDA), torch.relu, lambda t: t)
    ce = F.cross_entropy(logits, dom)
    loss = mse + ce
    opt = torch.optim.Adam(list(p.values()), lr=LR)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    grads = {k: v.grad.detach().clone() for k, v in p.items()}
    opt.step()

    out = {}
    for k, v in init.items():
        out["param." + k] = v.numpy()
        out["grad." + k] = grads[k].numpy()
        out["after." + k] = p[k].detach().numpy()
    out["input.x"] = x.numpy()
    out["input.fp"] = fp.numpy()
    out["input.y"] = y.numpy()
    out["input.lambda"] = np.array([LAMBDA], dtype=np.float32)
    out["out.pred"] = pred.detach().numpy()
    out["out.mse"] = np.array([mse.item()], dtype=np.float32)
    out["out.ce"] = np.array([ce.item()], dtype=np.float32)
    meta = {"sizes": "G=%d sae=%s fp=%d drug=%s reg=%s disc=%s bs=%d bt=%d lambda=%g lr=%g" %
            (G, SAE, FP, DRUG, REG, DISC, BS, BT, LAMBDA, LR), "torch": torch.__version__}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "dadsp_a_step.safetensors")
    safetensors_min.save(path, out, meta)
    print("wrote", os.path.normpath(path), "mse %.6f ce %.6f" % (mse.item(), ce.item()))


if __name__ == "__main__":
    sys.exit(main())
