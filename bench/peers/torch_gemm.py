#!/usr/bin/env python3
"""Peer timings in PyTorch for the skinny GEMM rows of bench/Pare.Bench/GemmSuite.cs (M x K x N, fp32, A @ B).

usage: /usr/bin/python3 bench/peers/torch_gemm.py [THREADS] [NAME-PREFIX ...]
Same JSON-line format, OPENBLAS_CORETYPE choice and timing method as shared/peers/torch_bench.py, whose
gemm_N rows cover the square shapes (shared set-up, incl. the OpenBLAS requirement, in peer.py).
"""
from peer import emit, timeit, torch, wanted  # OpenBLAS choice, arguments, timing (see peer.py)

for m, k, n in ((128, 784, 512), (4096, 128, 128), (128, 3136, 128)):
    name = f"gemm_{m}x{k}x{n}"
    if wanted(name):
        a, b = torch.rand(m, k), torch.rand(k, n)
        ms = timeit(lambda: a @ b, reps=10)
        emit(name, ms, gflops=round(2 * m * n * k / ms / 1e6, 1))
