"""Speed of the optimizer core beside torch.optim: Adam on Rosenbrock, same machine, same process.

    make bench            (installs torch from requirements-bench.txt)
    python benchmarks/bench_core.py

Targets: a single run of 1,000 steps at least 5x faster than torch.optim, a batch of 10,000 runs x 300
steps at least 2x faster. torch gets its gradient from autograd, as a PyTorch user's loop would; the
batch is one (10,000, 2) parameter tensor, which is exactly 10,000 independent Adam runs since Adam acts
element by element. Each figure is the best of several repeats.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optim  # noqa: E402

LR, BETAS = 0.02, (0.9, 0.999)


def best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def ours_single():
    optim.simulate("adam", "rosenbrock", start=(-1.2, 1.0), steps=1000, lr=LR, betas=BETAS)


def ours_batch(starts):
    optim.simulate("adam", "rosenbrock", start=starts, steps=300, lr=LR, betas=BETAS)


def torch_run(torch, starts, steps):
    theta = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([theta], lr=LR, betas=BETAS)
    path = [theta.detach().clone()]
    for _ in range(steps):
        adam.zero_grad()
        x, y = theta[..., 0], theta[..., 1]
        ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum().backward()
        adam.step()
        path.append(theta.detach().clone())  # a visualiser keeps the path, as simulate does
    return path


def peak_memory_mb(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    starts = np.random.default_rng(0).uniform((-2, -1), (2, 3), size=(10_000, 2))
    rows = [("single run, 1,000 steps", best_of(7, ours_single), None),
            ("batch, 10,000 runs x 300 steps", best_of(3, lambda: ours_batch(starts)), None)]
    try:
        import torch
    except ImportError:
        print("torch is not installed here (make bench installs it): showing our figures only\n")
    else:
        torch.set_default_dtype(torch.float64)
        rows[0] = (*rows[0][:2], best_of(5, lambda: torch_run(torch, [-1.2, 1.0], 1000)))
        rows[1] = (*rows[1][:2], best_of(3, lambda: torch_run(torch, starts, 300)))
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}\n")
    print(f"{'Adam on Rosenbrock':34} {'safecracker':>12} {'torch.optim':>12} {'speed-up':>9} {'target':>7}")
    for (label, ours, theirs), target in zip(rows, (5, 2), strict=True):
        if theirs is None:
            print(f"{label:34} {ours * 1e3:10.1f} ms")
        else:
            print(f"{label:34} {ours * 1e3:10.1f} ms {theirs * 1e3:10.1f} ms {theirs / ours:8.1f}x {target:6}x"
                  f"  {'ok' if theirs / ours >= target else 'MISSED'}")
    print(f"\npeak memory of the batch: {peak_memory_mb(lambda: ours_batch(starts)):.0f} MB "
          f"(the path itself: {10_000 * 301 * 2 * 8 / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
