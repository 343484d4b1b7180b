#!/usr/bin/python3
"""PyTorch's time for the rows of bench/bench_conv.cpp: forward + backward of sum(output),
float32, median ms per iteration over a second or more of repeats: wall time and this
process's CPU time (on a loaded machine, with 1 thread, the CPU time is the fairer figure;
Google Benchmark's "CPU" column is the same measure for ours).

    /usr/bin/python3 bench/torch_conv_peer.py THREADS [ISA]  (Debian's torch 1.13)

ISA (avx2; the one bench_conv prints as attn_isa) keeps PyTorch's ATen, oneDNN and OpenBLAS
on that instruction set (bench/peer_isa.py); without it PyTorch picks from the CPU.

Rows (the same layers, sizes and gradient requirements as bench_conv.cpp):
    captioner_cnn    3 x (Conv3x3 pad 1, ReLU, MaxPool2), channels 3-32-64-128, [32, 3, 64, 64]
    sagan_convs      Conv3x3(3, 64) pad 1, ReLU, Conv3x3(64, 3) pad 1, [16, 3, 32, 32]
    captioner_block  one conv + relu + pool block of the captioner
    conv3x3          one conv alone
    conv4x4_s2       Conv2d 4x4 stride 2 padding 1 (a SAGAN discriminator's way down)
    conv_transpose4x4_s2  ConvTranspose2d 4x4 stride 2 padding 1 (a generator's way up)
"""
import os
import statistics
import sys
import time

from peer_isa import isa_env

# Before torch loads: oneDNN and OpenBLAS read their ISA caps once (bench/peer_isa.py).
if len(sys.argv) > 2:
    os.environ.update(isa_env(sys.argv[2]))
import torch  # noqa: E402
from peer_blas import require_fast_blas  # noqa: E402

require_fast_blas("torch_conv_peer")  # a peer on the reference BLAS would be no peer
import torch.nn as nn
import torch.nn.functional as F


def median_ms(step, min_seconds=1.0, min_reps=5):
    """(median wall ms, median CPU ms, repetitions)."""
    step()  # warm-up: allocations, kernel choice
    wall, cpu = [], []
    start = time.perf_counter()
    while len(wall) < min_reps or time.perf_counter() - start < min_seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return statistics.median(wall), statistics.median(cpu), len(wall)


def step_of(forward):
    def step():
        y = forward()
        y.sum().backward()
    return step


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rows = []

    c1, c2, c3 = nn.Conv2d(3, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1), nn.Conv2d(64, 128, 3, padding=1)
    x = torch.randn(32, 3, 64, 64)

    def captioner():
        h = F.max_pool2d(F.relu(c1(x)), 2)
        h = F.max_pool2d(F.relu(c2(h)), 2)
        return F.max_pool2d(F.relu(c3(h)), 2)
    rows.append(("captioner_cnn", step_of(captioner)))

    s1, s2 = nn.Conv2d(3, 64, 3, padding=1), nn.Conv2d(64, 3, 3, padding=1)
    xs = torch.randn(16, 3, 32, 32)
    rows.append(("sagan_convs", step_of(lambda: s2(F.relu(s1(xs))))))

    for B, C, O, H, dx in [(32, 3, 32, 64, 0), (32, 32, 64, 32, 1), (32, 64, 128, 16, 1)]:
        conv = nn.Conv2d(C, O, 3, padding=1)
        xb = torch.randn(B, C, H, H, requires_grad=bool(dx))
        rows.append(("captioner_block/B:%d/Cin:%d/Cout:%d/H:%d/dx:%d" % (B, C, O, H, dx),
                     step_of(lambda conv=conv, xb=xb: F.max_pool2d(F.relu(conv(xb)), 2))))
    for B, C, O, H, dx in [(16, 3, 64, 32, 0), (16, 64, 3, 32, 1)]:
        conv = nn.Conv2d(C, O, 3, padding=1)
        xb = torch.randn(B, C, H, H, requires_grad=bool(dx))
        rows.append(("conv3x3/B:%d/Cin:%d/Cout:%d/H:%d/dx:%d" % (B, C, O, H, dx),
                     step_of(lambda conv=conv, xb=xb: conv(xb))))

    for B, C, O, H, dx in [(16, 64, 128, 14, 1)]:
        conv = nn.Conv2d(C, O, 4, stride=2, padding=1)
        xb = torch.randn(B, C, H, H, requires_grad=bool(dx))
        rows.append(("conv4x4_s2/B:%d/Cin:%d/Cout:%d/H:%d/dx:%d" % (B, C, O, H, dx),
                     step_of(lambda conv=conv, xb=xb: conv(xb))))
    for B, C, O, H, dx in [(16, 128, 64, 7, 1)]:
        up = nn.ConvTranspose2d(C, O, 4, stride=2, padding=1)
        xb = torch.randn(B, C, H, H, requires_grad=bool(dx))
        rows.append(("conv_transpose4x4_s2/B:%d/Cin:%d/Cout:%d/H:%d/dx:%d" % (B, C, O, H, dx),
                     step_of(lambda up=up, xb=xb: up(xb))))

    print("torch %s, %d thread(s), mkldnn %s" % (torch.__version__, torch.get_num_threads(),
                                                torch.backends.mkldnn.is_available()))
    print("%-50s %10s %10s %6s" % ("row", "wall ms", "CPU ms", "reps"))
    for name, step in rows:
        wall, cpu, n = median_ms(step)
        print("%-50s %10.2f %10.2f %6d" % (name, wall, cpu, n))


if __name__ == "__main__":
    main()
