#!/usr/bin/python3
"""PyTorch's training-step times on bench/torch_models.py's models, by two clocks.

usage: /usr/bin/python3 bench/torch_models_clocks.py THREADS [--steps N] [--warmup N] [model ...]
       -> 'model wall_ms cpu_ms' lines on stdout, '# model: P parameters' on stderr

One step, as bench_models.cpp times ours: zero_grad + forward + loss + backward + Adam update
(lr 1e-3) on the model's fixed batch; sagan_step is a whole GAN step with its own two
optimisers (the model's train_step()). Both columns are medians over --steps steps (default
20) after --warmup untimed ones (default 3), the upper middle of an even count as
bench_models takes it: the wall clock, and the process CPU time of a step
(time.process_time: every thread's, so on 1 thread it is the work alone, whatever else the
machine runs). bench_models prints the same columns and the same parameter line, so
run_model_bench.py compares the two and checks that the models are the same size.
"""
import argparse
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("threads", type=int)
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("model", nargs="*")
ARGS = ap.parse_intermixed_args()  # models may come after --steps N
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)  # before torch loads

import torch  # noqa: E402
from peer_blas import require_fast_blas  # noqa: E402

require_fast_blas("torch_models_clocks")  # a peer on the reference BLAS would be no peer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

torch.set_num_threads(ARGS.threads)


def step_times(model, steps, warmup):
    """(median wall ms, median CPU ms) of a training step: the model's own train_step() when
    it has one (a GAN's two optimisers), else loss().backward() and one Adam."""
    opt = None if hasattr(model, "train_step") else torch.optim.Adam(model.parameters(), lr=1e-3)
    wall, cpu = [], []
    for i in range(warmup + steps):
        t, c = time.perf_counter(), time.process_time()
        if opt is None:
            model.train_step()
        else:
            opt.zero_grad()
            model.loss().backward()
            opt.step()
        if i >= warmup:
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    wall.sort()
    cpu.sort()
    return 1e3 * wall[len(wall) // 2], 1e3 * cpu[len(cpu) // 2]


if __name__ == "__main__":
    for name in ARGS.model or torch_models.MODELS:
        model = torch_models.make_model(name)
        print("#   %s: %d parameters" % (name, torch_models.parameter_count(model)),
              file=sys.stderr, flush=True)
        w, c = step_times(model, max(1, ARGS.steps), ARGS.warmup)
        print(name, round(w, 2), round(c, 2), flush=True)
