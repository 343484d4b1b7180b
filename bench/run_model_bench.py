#!/usr/bin/python3
"""Model training steps, ours beside PyTorch's, in the same run.

usage: /usr/bin/python3 bench/run_model_bench.py [--build DIR] [--threads 1 2] [--repeat R]
                                                 [--steps N] [--model NAME ...]
                                                 [--glibc-defaults] [--peer-native-isa]

For each thread count and model it runs, one after the other and each in its own process
under /usr/bin/time -v, our DIR/bin/bench_models --model NAME and PyTorch on the same model
(bench/torch_models_clocks.py THREADS NAME, which builds it from bench/torch_models.py and
times the same step by the wall clock and by the process CPU clock); R times, interleaved,
so both see the same load. Both print their model's parameter count, and a model whose
count differs from its peer's stops the run: the two would not be the same model. It prints
one table: median ms per step of each (the median over
the R runs of each run's median step), by the wall clock and by CPU time, their ratios (the
median of the R per-run ratios: ours / PyTorch's, < 1 means ours is faster) and the peak
resident memory of each process ("Maximum resident set size", the largest over the runs).
On a machine that other programs load, the CPU-time ratio on 1 thread is the steadier one.

Both processes run with glibc's malloc told to keep what it frees (GLIBC_TUNABLES: trim and
mmap thresholds of 2 GB). By default glibc hands each freed buffer of 128 KiB or more back
to the system and the next step page-faults it in again: attnlab caches its buffers itself
(autograd/storage.cpp), PyTorch's CPU allocator does not, and on a virtual machine the page
faults made PyTorch's step vary up to 5x from run to run (captioner_attention on AVX2, seven
runs: 131-683 ms with glibc's defaults; 137-139 ms in three with the thresholds raised).
CPU performance guides (Intel's extension for PyTorch, AMD's ZenDNN) recommend a caching
allocator (jemalloc, tcmalloc) in its place; these settings are the nearest glibc offers.
--glibc-defaults runs both with glibc's defaults instead.

PyTorch runs on the instruction set our build was compiled for (bench_models names it: avx512,
avx2, ...). Asking ATen for AVX2 (ATEN_CPU_CAPABILITY=avx2) is not enough: PyTorch's
convolutions run in oneDNN and its matrix products in OpenBLAS, and each picks its own
kernels from the CPU. On an AVX-512 machine oneDNN kept its AVX-512 convolutions
(ONEDNN_VERBOSE=1 prints jit:avx512_core), so the AVX2 build was timed against AVX-512
convolutions. For an avx2 build the peer gets ATEN_CPU_CAPABILITY=avx2,
ONEDNN_MAX_CPU_ISA=AVX2 and OPENBLAS_CORETYPE=Haswell (bench/peer_isa.py);
--peer-native-isa lets PyTorch choose for itself instead.
Run it with Debian's /usr/bin/python3 (the one that has torch); the script only starts
processes, so the interpreter does not matter for itself.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = ["seq2seq_bottleneck", "seq2seq_attention", "captioner_attention", "captioner_sat",
          "self_attention_block", "sagan_2d", "sagan_step"]


TORCH_PY = os.path.join(HERE, "torch_models_clocks.py")
sys.path.insert(0, HERE)
from peer_isa import isa_env  # noqa: E402  (the peer's settings for one ISA)


def timed(cmd, env):
    """Runs cmd under /usr/bin/time -v; returns (stdout, stderr, peak RSS in MiB)."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:  # its own messages, without the report of /usr/bin/time -v
        own = "\n".join(line for line in r.stderr.split("\tCommand being timed:")[0].splitlines()
                        if not line.startswith("Command exited with non-zero status"))
        sys.exit("run_model_bench: %s failed (%d):\n%s" % (" ".join(cmd), r.returncode, own))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    if not m:
        sys.exit("run_model_bench: no 'Maximum resident set size' from /usr/bin/time -v")
    return r.stdout, r.stderr, int(m.group(1)) / 1024.0


def isa_of(err):
    """The ISA bench_models names in its '# attnlab ISA, ...' line."""
    m = re.search(r"# attnlab (\w+),", err)
    if not m:
        sys.exit("run_model_bench: bench_models named no ISA ('# attnlab ISA, ...'):\n%s" % err)
    return m.group(1)


def parameters_of(err, name, who):
    """The count of a '#   name: P parameters' line on stderr."""
    m = re.search(r"#\s+%s: (\d+) parameters" % re.escape(name), err)
    if not m:
        sys.exit("run_model_bench: %s printed no parameter count for %s:\n%s" % (who, name, err))
    return int(m.group(1))


def ms_of(out, name, who):
    """(wall ms, CPU ms or None) from a 'name wall [cpu]' row."""
    for line in out.splitlines():
        parts = line.split()
        if len(parts) in (2, 3) and parts[0] == name:
            return float(parts[1]), (float(parts[2]) if len(parts) == 3 else None)
    sys.exit("run_model_bench: %s printed no row for %s:\n%s" % (who, name, out))


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec):
    return "-" if x is None else spec % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory holding bin/bench_models (default: build)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each pair (default 1)")
    ap.add_argument("--steps", type=int, default=20, help="timed steps of each (default 20)")
    ap.add_argument("--model", nargs="+", default=MODELS, choices=MODELS)
    ap.add_argument("--glibc-defaults", action="store_true",
                    help="run both with glibc malloc's default thresholds, so that freed big "
                         "buffers go back to the system and page-fault in again at the next "
                         "step (the default keeps them; see above)")
    ap.add_argument("--peer-native-isa", action="store_true",
                    help="let PyTorch pick its kernels from the CPU instead of the ISA of our "
                         "build (see above)")
    a = ap.parse_args()
    ours_bin = os.path.join(os.path.abspath(a.build), "bin", "bench_models")
    if not os.access(ours_bin, os.X_OK):
        sys.exit("run_model_bench: no %s (build the target bench_models)" % ours_bin)

    rows = []
    for threads in a.threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), ATTN_THREADS=str(threads))
        if not a.glibc_defaults:
            env["GLIBC_TUNABLES"] = ("glibc.malloc.trim_threshold=2000000000:"
                                     "glibc.malloc.mmap_threshold=2000000000")
        for name in a.model:
            ours, theirs, rss_o, rss_t = [], [], 0.0, 0.0
            for _ in range(a.repeat):
                out, err, rss = timed([ours_bin, "--threads", str(threads), "--steps",
                                       str(a.steps), "--model", name], env)
                ours.append(ms_of(out, name, "bench_models"))
                p_ours = parameters_of(err, name, "bench_models")
                isa = isa_of(err)
                rss_o = max(rss_o, rss)
                peer_env = env if a.peer_native_isa else dict(env, **isa_env(isa))
                out, err, rss = timed(["/usr/bin/python3", TORCH_PY, str(threads), "--steps",
                                       str(a.steps), name], peer_env)
                theirs.append(ms_of(out, name, "torch_models_clocks.py"))
                p_theirs = parameters_of(err, name, "torch_models_clocks.py")
                if p_ours != p_theirs:
                    sys.exit("run_model_bench: %s has %d parameters in bench_models, %d in "
                             "PyTorch's bench/torch_models.py: not the same model"
                             % (name, p_ours, p_theirs))
                rss_t = max(rss_t, rss)
            ratio = lambda k: med([o[k] / t[k] if o[k] and t[k] else None
                                   for o, t in zip(ours, theirs)])
            rows.append((threads, name, med([o[0] for o in ours]), med([t[0] for t in theirs]),
                         ratio(0), med([o[1] for o in ours]), med([t[1] for t in theirs]),
                         ratio(1), rss_o, rss_t))
            print("# %s, %d thread(s) %-21s ours %s  PyTorch %s" % (
                isa, threads, name, " ".join("%.1f/%s" % (o[0], fmt(o[1], "%.1f")) for o in ours),
                " ".join("%.1f/%s" % (t[0], fmt(t[1], "%.1f")) for t in theirs)),
                file=sys.stderr, flush=True)

    print("| threads | model | ours ms | PyTorch ms | ratio | ours CPU ms | PyTorch CPU ms "
          "| CPU ratio | ours peak RSS MiB | PyTorch peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for threads, name, o, t, r, oc, tc, rc, mo, mt in rows:
        print("| %d | %s | %.1f | %.1f | %.2f | %s | %s | %s | %.0f | %.0f |" % (
            threads, name, o, t, r, fmt(oc, "%.1f"), fmt(tc, "%.1f"), fmt(rc, "%.2f"), mo, mt))


if __name__ == "__main__":
    main()
