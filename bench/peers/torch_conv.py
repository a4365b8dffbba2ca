#!/usr/bin/env python3
"""Peer timings in PyTorch (CPU) for the rows of bench/Pare.Bench/ConvSuite.cs.

usage: /usr/bin/python3 bench/peers/torch_conv.py [THREADS] [NAME-PREFIX ...]
Prints one JSON object per line: {"name", "ms", "threads", "peer", "gflops"?}; "ms" is the median of repeats
after warm-up, as in ../shared/peers/torch_bench.py (shared set-up in peer.py).
"""
from peer import emit, timeit, torch, wanted  # OpenBLAS choice, arguments, timing (see peer.py)
import torch.nn.functional as F


def forward(name, n, c, size, k, groups=1, reps=15, stride=1):
    if not wanted(name): return
    x = torch.rand(n, c, size, size) * 2 - 1
    w = (torch.rand(k, c // groups, 3, 3) * 2 - 1) * 0.3
    b = torch.rand(k) * 0.2 - 0.1
    out = (size - 1) // stride + 1
    flops = 2.0 * n * k * out * out * (c // groups) * 9
    with torch.no_grad():
        ms = timeit(lambda: F.conv2d(x, w, b, stride, 1, 1, groups), reps=reps)
    emit(name, ms, gflops=round(flops / ms / 1e6, 1))


forward("conv2d_b128_1x28x28_c32_k3", 128, 1, 28, 32)
forward("conv2d_b128_32x14x14_c64_k3", 128, 32, 14, 64)
forward("conv2d_b32_64x56x56_c64_k3", 32, 64, 56, 64, reps=3)
forward("conv2d_dw_b32_64x56x56_k3", 32, 64, 56, 64, groups=64)
forward("conv2d_dw_s2_b32_128x56x56_k3", 32, 128, 56, 128, groups=128, stride=2)

def backward(name, n, c, size, k, groups=1, input_grad=True):
    if not wanted(name): return
    x = (torch.rand(n, c, size, size) * 2 - 1).requires_grad_(input_grad)
    w = (torch.rand(k, c // groups, 3, 3) * 2 - 1).requires_grad_()
    y = F.conv2d(x, w, None, 1, 1, 1, groups)
    dy = torch.rand_like(y) * 2 - 1
    ms = timeit(lambda: torch.autograd.grad(y, (x, w) if input_grad else (w,), dy, retain_graph=True))
    emit(name, ms, gflops=round((4.0 if input_grad else 2.0) * n * k * size * size * (c // groups) * 9 / ms / 1e6, 1))


backward("conv2d_bwd_b128_1x28x28_c32_k3", 128, 1, 28, 32, input_grad=False)
backward("conv2d_bwd_b128_32x14x14_c64_k3", 128, 32, 14, 64)
backward("conv2d_dw_bwd_b32_64x56x56_k3", 32, 64, 56, 64, groups=64)

name = "im2col_b32_64x56x56_k3"
if wanted(name):
    x = torch.rand(32, 64, 56, 56)
    emit(name, timeit(lambda: F.unfold(x, 3, padding=1)))

with torch.no_grad():
    if wanted("max_pool2d_b128_32x28x28_k2"):
        x = torch.rand(128, 32, 28, 28)
        emit("max_pool2d_b128_32x28x28_k2", timeit(lambda: F.max_pool2d(x, 2)))
    if wanted("avg_pool2d_b32_64x56x56_k3_s2_p1"):
        x = torch.rand(32, 64, 56, 56)
        emit("avg_pool2d_b32_64x56x56_k3_s2_p1", timeit(lambda: F.avg_pool2d(x, 3, 2, 1)))
    if wanted("global_avg_pool2d_b32_64x56x56"):
        x = torch.rand(32, 64, 56, 56)
        emit("global_avg_pool2d_b32_64x56x56", timeit(lambda: x.mean((2, 3), keepdim=True)))
