#!/usr/bin/env python3
"""PyTorch twin of bamsprod's bmlp / bcnn training step, for `npm run bench -- train`.

Same architecture as src/nn/builders.ts (Rescale to [-1, 1]; binary kernels with ste_sign;
ste_sign input quantizers on every layer but the first; no biases; batch-norm with Keras
momentum 0.99 (PyTorch momentum 0.01) and eps 1e-3; max-pool before batch-norm), the same
optimizer (BAMSProd per shared/spec/bamsprod.md, written here with torch tensor ops) and the
same batches (read from the file the benchmark writes). Prints one JSON line: milliseconds per
step (median after warm-up), wall clock and CPU time (process_time: all threads), and peak
RSS. Benchmark only: never a test or runtime dependency.
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SteSign(torch.autograd.Function):
    """sign(x) with sign(0) = +1; gradient passed straight through where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


ste_sign = SteSign.apply


class QuantDense(nn.Module):
    def __init__(self, n_in, n_out, quantize_input):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        nn.init.xavier_uniform_(self.weight)
        self.weight.binary = True
        self.quantize_input = quantize_input

    def forward(self, x):
        x = ste_sign(x) if self.quantize_input else x
        return F.linear(x, ste_sign(self.weight))


class QuantConv(nn.Module):
    def __init__(self, c_in, c_out, quantize_input):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(c_out, c_in, 3, 3))
        nn.init.xavier_uniform_(self.weight)
        self.weight.binary = True
        self.quantize_input = quantize_input

    def forward(self, x):
        x = ste_sign(x) if self.quantize_input else x
        return F.conv2d(x, ste_sign(self.weight), padding=1)


def bn1(c):
    return nn.BatchNorm1d(c, eps=1e-3, momentum=0.01)


def bn2(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class Rescale(nn.Module):
    def forward(self, x):
        return (x / 255.0 - 0.5) / 0.5


def build(name):
    if name == "bmlp":
        return nn.Sequential(
            Rescale(), nn.Flatten(),
            QuantDense(784, 512, False), bn1(512),
            QuantDense(512, 512, True), bn1(512),
            QuantDense(512, 10, True), bn1(10),
        )
    return nn.Sequential(
        Rescale(),
        QuantConv(1, 32, False), bn2(32),
        QuantConv(32, 32, True), nn.MaxPool2d(2), bn2(32),
        QuantConv(32, 64, True), bn2(64),
        QuantConv(64, 64, True), nn.MaxPool2d(2), bn2(64),
        nn.Flatten(),
        QuantDense(64 * 7 * 7, 512, True), bn1(512),
        QuantDense(512, 10, True), bn1(10),
    )


class Bamsprod(torch.optim.Optimizer):
    """BAMSProd, shared/spec/bamsprod.md lines 1-11 (weightDecay 0 here)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, gamma=1e-3, lam=1.0, clip=1.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, gamma=gamma, lam=lam, clip=clip))
        self.t = 0

    @torch.no_grad()
    def step(self):
        self.t += 1
        t = self.t
        for group in self.param_groups:
            b1, b2 = group["betas"]
            bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                st = self.state[p]
                if not st:
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                    st["vmax"] = torch.zeros_like(p)
                m, v, vmax = st["m"], st["v"], st["vmax"]
                binary = getattr(p, "binary", False)
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                torch.maximum(vmax, v, out=vmax)
                vt = vmax / bc2
                e = 0.0
                if binary:
                    a = p.abs().mean(dtype=torch.float64)
                    e = float((p.abs() - a).abs().mean(dtype=torch.float64) / (a + 1e-12))
                c = float(vmax.sum(dtype=torch.float64)) / p.numel() / bc2 * (1 + group["lam"] * e) ** 2
                gt = group["gamma"] * t
                lower = c * (1 - 1 / (gt + 1)) ** 2
                upper = c * (1 + 1 / gt) ** 2 if c > 0 else 0.0
                denom = vt.clamp_(lower, upper).sqrt_().add_(group["eps"])
                p.addcdiv_(m, denom, value=-group["lr"] / bc1)
                if binary:
                    p.clamp_(-group["clip"], group["clip"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["bmlp", "bcnn"], required=True)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", required=True, help="raw file: per batch 128*784 pixel bytes then 128 label bytes")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    raw = np.fromfile(a.batches, dtype=np.uint8).reshape(-1, 128 * 784 + 128)
    xs = [torch.from_numpy(r[: 128 * 784].astype(np.float32)).reshape(128, 1, 28, 28) for r in raw]
    ys = [torch.from_numpy(r[128 * 784 :].astype(np.int64)) for r in raw]
    model = build(a.model)
    model.train()
    opt = Bamsprod(model.parameters())
    times = []
    cpu_times = []
    for i in range(a.warmup + a.steps):
        x, y = xs[i % len(xs)], ys[i % len(ys)]
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.process_time() - c0) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(engine="pytorch", model=a.model, msPerStep=statistics.median(times),
                          cpuMsPerStep=statistics.median(cpu_times), steps=a.steps,
                          peakRssMb=peak, torch=torch.__version__, threads=torch.get_num_threads())))


if __name__ == "__main__":
    main()
