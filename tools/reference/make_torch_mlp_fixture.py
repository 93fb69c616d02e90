#!/usr/bin/python3
"""PyTorch reference for the engine's parity test (tests/autograd/test_torch_parity.cpp).

A 2-layer LeakyReLU MLP with a FiLM layer conditioned on cell and drug embeddings, and two heads:
a regression head (MSE) and a logit head (BCE with logits); loss = MSE + 0.5 * BCE. The script
writes the initial weights, the inputs, the outputs, the loss, every parameter gradient, and the
parameters and losses over 3 Adam steps (lr 1e-2) to tests/fixtures/torch/film_mlp.safetensors.

Run with Debian's PyTorch:  /usr/bin/python3 tools/reference/make_torch_mlp_fixture.py
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_min  # noqa: E402

N, G, H, E, CELLS, DRUGS = 8, 6, 10, 4, 5, 3
SLOPE, BCE_WEIGHT, LR, STEPS = 0.2, 0.5, 1e-2, 3


class FiLM(nn.Module):
    def __init__(self, cond, feat):
        super().__init__()
        self.gamma = nn.Linear(cond, feat)
        self.beta = nn.Linear(cond, feat)

    def forward(self, h, c):
        return h * (1 + self.gamma(c)) + self.beta(c)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell_emb = nn.Embedding(CELLS, E)
        self.drug_emb = nn.Embedding(DRUGS, E)
        self.proj = nn.Linear(G, H)
        self.film = FiLM(2 * E, H)
        self.hidden = nn.Linear(H, H)
        self.reg = nn.Linear(H, G)
        self.disc = nn.Linear(H, 1)

    def forward(self, x, cell, drug):
        c = torch.cat([self.cell_emb(cell), self.drug_emb(drug)], dim=1)
        h = F.leaky_relu(self.film(self.proj(x), c), SLOPE)
        h = F.leaky_relu(self.hidden(h), SLOPE)
        return self.reg(h), self.disc(h)


def loss_of(net, x, y, label, cell, drug):
    pred, logit = net(x, cell, drug)
    return F.mse_loss(pred, y) + BCE_WEIGHT * F.binary_cross_entropy_with_logits(logit, label), pred, logit


def main():
    torch.manual_seed(20261121)
    net = Net()
    x = torch.randn(N, G)
    y = torch.randn(N, G)
    label = (torch.rand(N, 1) > 0.5).float()
    cell = torch.tensor([0, 4, 4, 1, 2, 0, 3, 4])  # repeated ids: the scatter-add backward matters
    drug = torch.tensor([2, 2, 0, 1, 0, 1, 1, 2])
    out = {"input.x": x, "input.y": y, "input.label": label, "input.cell": cell, "input.drug": drug}
    for name, p in net.named_parameters():
        out["param." + name] = p.detach().clone()

    loss, pred, logit = loss_of(net, x, y, label, cell, drug)
    loss.backward()
    out["out.pred"], out["out.logit"], out["out.loss"] = pred.detach(), logit.detach(), loss.detach().reshape(1)
    for name, p in net.named_parameters():
        out["grad." + name] = p.grad.detach().clone()

    opt = torch.optim.Adam(net.parameters(), lr=LR, foreach=False)
    opt.zero_grad(set_to_none=True)
    for k in range(STEPS):
        loss, _, _ = loss_of(net, x, y, label, cell, drug)
        out[f"step{k}.loss"] = loss.detach().reshape(1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    for name, p in net.named_parameters():
        out["final." + name] = p.detach().clone()

    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "torch", "film_mlp.safetensors")
    arrays = {k: v.numpy() for k, v in out.items()}
    safetensors_min.save(path, arrays, {"torch": torch.__version__, "script": "tools/reference/make_torch_mlp_fixture.py",
                                        "slope": SLOPE, "bce_weight": BCE_WEIGHT, "lr": LR, "steps": STEPS})
    print(f"wrote {os.path.normpath(path)}: {len(arrays)} tensors, loss {out['out.loss'].item():.6f}")


if __name__ == "__main__":
    main()
