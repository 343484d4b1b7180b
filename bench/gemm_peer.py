#!/usr/bin/python3
"""The peers of bench/bench_gemm.cpp: NumPy (on the BLAS it loads, OpenBLAS on Debian) and
PyTorch, timing the same float32 row-major products C = A B and printing the same rows.

usage: /usr/bin/python3 bench/gemm_peer.py THREADS [--min-time SECONDS] [--filter TEXT]

Rows, as bench_gemm names them (ours is "ours" there, "openblas" its in-binary peer):
    square/{numpy,torch}/M:n/N:n/K:n/transB:0     n = 64, 128, 256, 512, 1024
    model/{numpy,torch}/M:../N:../K:../transB:..  the shapes the models multiply
    batched/{numpy,torch}/batch:../M:../...       the per-head attention products
transB:1 reads B stored [N, K] (a weight as PyTorch stores it) through a transposed view, so
the BLAS gets a transpose flag, not a copy. Each row: the median time of one product over at
least --min-time seconds of repeats (default 0.5), and 2 M N K / that time as GFLOP/s. As
bench_gemm: with one thread the time is this process's CPU time (the work alone, whatever
else the machine runs), with more the wall clock.
THREADS is set for both libraries before they load (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
torch.set_num_threads). Run it with Debian's /usr/bin/python3, which has numpy and torch.
"""
import argparse
import os
import statistics
import sys
import time

# Shapes: the same lists as bench_gemm.cpp's square_args, model_args and batched_args.
SQUARE = [(n, n, n, 0) for n in (64, 128, 256, 512, 1024)]
MODEL = [(64 * 24, 512, 128, 0), (1536, 128, 512, 0), (32 * 64, 384, 128, 0),
         (32 * 64, 384, 128, 1), (64, 128, 512, 0)]
BATCHED = [(64 * 4, 24, 24, 128, 1), (64 * 4, 24, 128, 24, 0)]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("threads", type=int, help="threads for NumPy's BLAS and for PyTorch")
    ap.add_argument("--min-time", type=float, default=0.5,
                    help="seconds of repeats per row (default 0.5)")
    ap.add_argument("--filter", default="", help="only the rows whose name contains this")
    return ap.parse_args()


ARGS = parse_args()
if ARGS.threads < 1:
    sys.exit("gemm_peer: THREADS must be 1 or more")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables, which it reads on load)
import torch  # noqa: E402
from peer_blas import require_fast_blas  # noqa: E402

require_fast_blas("gemm_peer")  # a peer on the reference BLAS would be no peer

torch.set_num_threads(ARGS.threads)
CLOCK = time.process_time if ARGS.threads == 1 else time.perf_counter


def median_seconds(product):
    """Median time of one call of product() over at least ARGS.min_time seconds."""
    product()  # warm-up: the BLAS's buffers and threads
    times = []
    start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < ARGS.min_time:
        t = CLOCK()
        product()
        times.append(CLOCK() - t)
    return statistics.median(times)


def operands(shape_a, shape_b, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, shape_a).astype(np.float32)
    b = rng.uniform(-1, 1, shape_b).astype(np.float32)
    return a, b


def single(M, N, K, tb):
    """NumPy's and PyTorch's C = A B for one shape; B is [N, K] read transposed if tb."""
    a, b = operands((M, K), (N, K) if tb else (K, N), 1)
    out = np.empty((M, N), np.float32)
    ta, tb_ = torch.from_numpy(a), torch.from_numpy(b)
    tout = torch.empty(M, N)
    if tb:
        return (lambda: np.matmul(a, b.T, out=out),
                lambda: torch.matmul(ta, tb_.t(), out=tout))
    return (lambda: np.matmul(a, b, out=out), lambda: torch.matmul(ta, tb_, out=tout))


def batched(batch, M, N, K, tb):
    """The same for a batch of products (np.matmul / torch.bmm over the first dimension)."""
    a, b = operands((batch, M, K), (batch, N, K) if tb else (batch, K, N), 1)
    out = np.empty((batch, M, N), np.float32)
    ta, tb_ = torch.from_numpy(a), torch.from_numpy(b)
    tout = torch.empty(batch, M, N)
    bt = np.swapaxes(b, 1, 2) if tb else b
    tbt = tb_.transpose(1, 2) if tb else tb_
    return (lambda: np.matmul(a, bt, out=out), lambda: torch.bmm(ta, tbt, out=tout))


def loaded_blas():
    """The BLAS libraries this process has mapped (what NumPy really calls)."""
    names = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in os.path.basename(path).lower():
                    names.add(os.path.realpath(path))
    except OSError:
        return "(unknown: no /proc/self/maps)"
    return ", ".join(sorted(names)) or "(none found)"


def main():
    rows = []
    for M, N, K, tb in SQUARE:
        rows.append(("square", "M:%d/N:%d/K:%d/transB:%d" % (M, N, K, tb), 2.0 * M * N * K,
                     single(M, N, K, tb)))
    for M, N, K, tb in MODEL:
        rows.append(("model", "M:%d/N:%d/K:%d/transB:%d" % (M, N, K, tb), 2.0 * M * N * K,
                     single(M, N, K, tb)))
    for batch, M, N, K, tb in BATCHED:
        rows.append(("batched", "batch:%d/M:%d/N:%d/K:%d/transB:%d" % (batch, M, N, K, tb),
                     2.0 * batch * M * N * K, batched(batch, M, N, K, tb)))

    single(8, 8, 8, 0)[0]()  # so that NumPy's BLAS is loaded before it is named
    print("# numpy %s on %s" % (np.__version__, loaded_blas()))
    print("# torch %s, %d thread(s); timing: %s" % (
        torch.__version__, torch.get_num_threads(),
        "CPU time of the process" if ARGS.threads == 1 else "wall clock"))
    print("%-48s %12s %10s" % ("row", "time us", "GFLOP/s"))
    for group, args, flops, (np_product, torch_product) in rows:
        for peer, product in (("numpy", np_product), ("torch", torch_product)):
            name = "%s/%s/%s" % (group, peer, args)
            if ARGS.filter not in name:
                continue
            t = median_seconds(product)
            print("%-48s %12.1f %10.1f" % (name, 1e6 * t, flops / t / 1e9), flush=True)


if __name__ == "__main__":
    main()
