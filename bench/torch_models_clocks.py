#!/usr/bin/python3
"""PyTorch's step times on shared/reference/torch_models.py's models, by two clocks.

usage: torch_models_clocks.py THREADS [--steps N] [model ...] -> 'model wall_ms cpu_ms' lines

The models, data, loss and step are torch_models.py's own (imported, not copied); only the
timing differs: besides the wall clock (what torch_models.py prints) each step's process
CPU time is taken too (time.process_time: every thread's, so on 1 thread it is the work
alone, whatever else the machine runs). Both columns are the median over 20 steps after 3
(torch_models.py's counts; --steps N changes the 20).
bench_models prints the same two columns, so run_model_bench.py can compare either.
"""
import os
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
args = sys.argv[2:]
steps = 20
if "--steps" in args:
    i = args.index("--steps")
    steps = int(args[i + 1])
    del args[i:i + 2]
os.environ["OMP_NUM_THREADS"] = str(threads)
for ref in (os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                         "reference"), "/work/shared/reference"):
    if os.path.isfile(os.path.join(ref, "torch_models.py")):
        sys.path.insert(0, os.path.abspath(ref))
        break
import torch  # noqa: E402
import torch_models as tm  # noqa: E402  (sets 1 thread and seed 0 on import)

torch.set_num_threads(threads)
torch.manual_seed(0)


def step_times(model, make, loss_fn, steps=20, warmup=3):
    """torch_models.step_time's loop, timed by the wall clock and the process CPU clock."""
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    wall, cpu = [], []
    for i in range(steps + warmup):
        a, b, y = make()
        t, c = time.perf_counter(), time.process_time()
        opt.zero_grad(); loss = loss_fn(model(a, b), y); loss.backward(); opt.step()
        if i >= warmup:
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    wall.sort(); cpu.sort()
    return 1e3 * wall[len(wall) // 2], 1e3 * cpu[len(cpu) // 2]


if __name__ == "__main__":
    for name in (args or tm.models):
        m, make, lf = tm.models[name]()
        w, c = step_times(m, make, lf, steps=steps)
        print(name, round(w, 2), round(c, 2), flush=True)
