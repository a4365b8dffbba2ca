#!/usr/bin/env python3
"""Peer timings in PyTorch for the skinny GEMM rows of bench/Pare.Bench/GemmSuite.cs (M x K x N, fp32, A @ B).

usage: /usr/bin/python3 bench/peers/torch_gemm.py [THREADS] [NAME-PREFIX ...]
Same JSON-line format, OPENBLAS_CORETYPE choice and timing method as shared/peers/torch_bench.py, whose
gemm_N rows cover the square shapes.

Debian's torch calls whatever libblas.so.3 the alternatives system selects: with only the reference BLAS
(libblas3) installed it runs at ~4 GFLOP/s; install OpenBLAS (apt-get install libopenblas0-pthread) first.
"""
import json, os, statistics, sys, time

if "OPENBLAS_CORETYPE" not in os.environ and "avx512f" in open("/proc/cpuinfo").read():
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
prefixes = sys.argv[2:]
torch.set_num_threads(threads)
torch.manual_seed(0)

def wanted(name):
    return not prefixes or any(name.startswith(p) for p in prefixes)

def timeit(fn, warm=3, reps=15):
    for _ in range(warm): fn()
    xs = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); xs.append((time.perf_counter() - t) * 1e3)
    return statistics.median(xs)

def emit(name, ms, **kw):
    print(json.dumps({"name": name, "ms": round(ms, 4), "threads": threads, "peer": f"pytorch-{torch.__version__}", **kw}), flush=True)

for m, k, n in ((128, 784, 512), (4096, 128, 128), (128, 3136, 128)):
    name = f"gemm_{m}x{k}x{n}"
    if wanted(name):
        a, b = torch.rand(m, k), torch.rand(k, n)
        ms = timeit(lambda: a @ b, reps=10)
        emit(name, ms, gflops=round(2 * m * n * k / ms / 1e6, 1))
