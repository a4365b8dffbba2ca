"""What every PyTorch peer script here shares with ../shared/peers/torch_bench.py: the OpenBLAS kernel choice,
the command line (THREADS [NAME-PREFIX ...]), the timing method (median after warm-up) and the JSON-line row.

Debian's torch calls whatever libblas.so.3 the alternatives system selects: with only the reference BLAS
(libblas3) it runs GEMM at ~4 GFLOP/s, so install OpenBLAS (apt-get install libopenblas0-pthread) first.
Debian's OpenBLAS 0.3.21 does not recognise this CPU and falls back to a generic kernel; a peer gets its
best configuration, so the AVX-512 kernel is selected when the CPU has AVX-512 and the caller chose none.
Import this module before torch.
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
