"""Speed and memory of the optimizer core beside torch.optim at its own best, for every optimizer.

    make bench                                   (installs torch from requirements-bench.txt)
    python benchmarks/bench_core.py [--repeats K] [--only adam,sgd] [--no-memory]

For each optimizer in `optim.OPTIMIZERS` that torch.optim has, two cases on Rosenbrock:
a single run of 1,000 steps (target: at least 5x faster than torch) and a batch of 10,000 runs x 300 steps
(target: at least 2x). The settings are the optimizer's first Rosenbrock case in
scripts/make_torch_fixtures.py, the very case the tests check our path against, so a new optimizer needs
only its fixture case to appear here.

What "torch at its best" means here, and what is measured:
- torch.optim in float64, its default implementation, the gradient from autograd on the landscape's own
  formula as a PyTorch user's loop gets it, the path kept (one clone per step, as `simulate` keeps it).
  A batch is one (2, N) parameter tensor, which is N independent runs for a rule that acts element by
  element; the last column checks that torch's paths and ours agree.
- torch is timed with 1 and with 2 threads (torch.set_num_threads); the faster is the reference.
  On this 2-core machine 1 thread usually wins for tensors this small.
- Every timing: one warm-up call, then the best of K repeats; ours and torch's repeats are interleaved
  so that load from other processes falls on both.
- Peak memory: a fresh subprocess per case imports, warms up with 2 steps, resets the kernel's peak
  resident size (VmHWM, via /proc/self/clear_refs; ru_maxrss cannot be reset and inherits the parent's
  peak), runs the case and reports that peak minus its resident size before: what the case adds.
- OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which this workplace may set for old OpenBLAS builds, slow a
  current NumPy: the script re-runs itself without both (in that command alone) and prints the kernel
  OpenBLAS then uses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import landscapes  # noqa: E402
import optim  # noqa: E402

LANDSCAPE = "rosenbrock"
SINGLE_STEPS, BATCH_RUNS, BATCH_STEPS = 1000, 10_000, 300
TARGETS = {"single": 5.0, "batch": 2.0}
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# torch classes whose step couples the entries of one tensor (a line search, factored or orthogonalised
# statistics): one (2, N) tensor is then not N independent runs, so their batch is shown as ours only.
COUPLING_TORCH_CLASSES = {"LBFGS", "Adafactor", "Muon"}


# --- the cases -------------------------------------------------------------------------------------------

def torch_cases() -> dict[str, tuple[str, dict, tuple[float, float] | None]]:
    """optimizer key -> (torch class, torch kwargs, start) from the fixture script's first case for the key,
    preferring one on Rosenbrock. Empty when torch is not installed (the fixture script imports it)."""
    try:
        import make_torch_fixtures as fixtures
    except ImportError:
        return {}
    chosen = {}
    for key, torch_class, kwargs, landscape, start, _schedule in fixtures.CASES:
        if key not in chosen or (landscape == LANDSCAPE and chosen[key][3] != LANDSCAPE):
            chosen[key] = (torch_class, kwargs, start if landscape == LANDSCAPE else None, landscape)
    return {key: case[:3] for key, case in chosen.items()}


def our_hyperparameters(torch_kwargs: dict) -> dict:
    import make_torch_fixtures as fixtures

    return fixtures.hyperparameters_for_simulate(torch_kwargs)


def batch_starts() -> np.ndarray:
    """(N, 2) starts spread over the landscape's bounds, the same every time."""
    (x0, x1), (y0, y1) = landscapes.get(LANDSCAPE).bounds
    return np.random.default_rng(0).uniform((x0, y0), (x1, y1), size=(BATCH_RUNS, 2))


def single_start(start) -> np.ndarray:
    return np.array(landscapes.get(LANDSCAPE).start if start is None else start, dtype=np.float64)


def ours(key, hp, starts, steps):
    return optim.simulate(key, LANDSCAPE, start=starts, steps=steps, **hp).points


def theirs(torch, torch_class, kwargs, starts, steps):
    """torch.optim's loop: path (steps+1, 2, N) as one tensor of per-step clones."""
    value_fn = landscapes.get(LANDSCAPE).value_fn
    theta = torch.tensor(np.atleast_2d(starts).T.copy(), dtype=torch.float64, requires_grad=True)  # (2, N)
    optimizer = getattr(torch.optim, torch_class)([theta], **kwargs)

    def closure():
        optimizer.zero_grad()
        loss = value_fn(theta[0], theta[1]).sum()
        loss.backward()
        return loss

    needs_closure = torch_class == "LBFGS"  # the others take the gradient already computed, as usual
    path = [theta.detach().clone()]
    for _ in range(steps):
        if needs_closure:
            optimizer.step(closure)
        else:
            closure()
            optimizer.step()
        path.append(theta.detach().clone())
    return path


def as_points(path) -> np.ndarray:
    """torch's list of (2, N) tensors as our (N, steps+1, 2) layout, or (steps+1, 2) for one run."""
    stacked = np.stack([p.numpy() for p in path]).transpose(2, 0, 1)
    return stacked[0] if stacked.shape[0] == 1 else stacked


def agreement(our_points, torch_points) -> str:
    """How far our paths and torch's agree to 1e-9: the step where one run parts, or the share of a batch's
    runs that never part (runs that diverge in either are left out). A run bouncing in a curved valley can
    amplify a last-bit difference of torch's vectorised kernels over hundreds of steps, hence this form."""
    apart = np.abs(our_points - torch_points) > 1e-9  # NaN compares False: a blanked step is not a parting
    if our_points.ndim == 2:
        parted = apart.any(axis=1)
        return f"to step {int(parted.argmax())}" if parted.any() else "every step"
    finite = np.isfinite(our_points).all(axis=(1, 2)) & np.isfinite(torch_points).all(axis=(1, 2))
    return f"{(~apart.any(axis=(1, 2)))[finite].mean():.1%} of {int(finite.sum()):,} runs"


# --- timing ----------------------------------------------------------------------------------------------

def best_times(contenders: dict, repeats: int) -> tuple[dict, dict, dict]:
    """Warm each contender up once, then time them in interleaved rounds; best of `repeats` each, as
    wall-clock time and as this process's CPU time (which other processes' load disturbs less)."""
    results = {name: fn() for name, fn in contenders.items()}
    wall, cpu = dict.fromkeys(contenders, np.inf), dict.fromkeys(contenders, np.inf)
    for _ in range(repeats):
        for name, fn in contenders.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
            wall[name] = min(wall[name], time.perf_counter() - start)
    return wall, cpu, results


def measure(key, torch, case, repeats):
    hp = our_hyperparameters(case[1]) if case else {}
    rows = []
    for kind, starts, steps in (("single", single_start(case[2] if case else None), SINGLE_STEPS),
                                ("batch", batch_starts(), BATCH_STEPS)):
        contenders = {"ours": lambda s=starts, n=steps: ours(key, hp, s, n)}
        compared = case is not None and (kind == "single" or case[0] not in COUPLING_TORCH_CLASSES)
        if compared:
            for threads in (1, 2):
                def run_torch(s=starts, n=steps, threads=threads):
                    torch.set_num_threads(threads)
                    return theirs(torch, case[0], case[1], s, n)
                contenders[f"torch{threads}"] = run_torch
        times, cpu, results = best_times(contenders, repeats)
        agree = agreement(results["ours"], as_points(results["torch1"])) if compared else None
        rows.append((kind, times, cpu, agree))
    return rows


# --- memory, one fresh process per case ------------------------------------------------------------------

def peak_memory_mb(key, kind, who, threads) -> float | None:
    command = [sys.executable, __file__, "--memory-case", key, kind, who, str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        print(f"  (memory of {key} {kind} {who} failed: {done.stderr.strip()[-200:]})")
        return None


def memory_case(key, kind, who, threads) -> None:
    """Run in the child: print the MB the case adds to the process's peak resident size."""
    torch = None
    if who == "torch":
        import torch

        torch.set_num_threads(int(threads))
    case = torch_cases().get(key)
    hp = our_hyperparameters(case[1]) if case else {}
    starts = single_start(case[2] if case else None) if kind == "single" else batch_starts()
    steps = SINGLE_STEPS if kind == "single" else BATCH_STEPS
    run = ((lambda n: ours(key, hp, starts, n)) if who == "ours"
           else (lambda n: theirs(torch, case[0], case[1], starts, n)))
    run(2)
    # ru_maxrss would carry the parent's peak over fork and exec; the kernel's own high-water mark of this
    # process's memory (VmHWM) can be reset to the current size instead, so it sees only the case.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    result = run(steps)
    after = _status_kib("VmHWM")
    del result
    print(f"{(after - before) / 1024:.1f}")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


# --- the report ------------------------------------------------------------------------------------------

def rerun_without_openblas_overrides() -> None:
    if any(name in os.environ for name in OPENBLAS_OVERRIDES):
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def openblas_kernel() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    kernels = [f"{i['internal_api']} {i.get('version')} {i.get('architecture')}" for i in threadpool_info()
               if i.get("user_api") == "blas"]
    return ", ".join(kernels) or "none loaded"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per contender (best is kept)")
    parser.add_argument("--only", default="", help="comma-separated optimizer keys")
    parser.add_argument("--no-memory", action="store_true", help="skip the per-case memory subprocesses")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--memory-case", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rerun_without_openblas_overrides()
    if args.memory_case:
        memory_case(*args.memory_case)
        return

    try:
        import torch
    except ImportError:
        torch = None
        print("torch is not installed here (make bench installs it): showing our figures only\n")
    cases = torch_cases() if torch is not None else {}
    if torch is not None:
        torch.set_default_dtype(torch.float64)
        print(f"torch {torch.__version__} (default implementation, float64), timed with 1 and 2 threads; "
              f"numpy {np.__version__}, OpenBLAS kernel: {openblas_kernel()}; "
              f"{os.cpu_count()} cores; best of {args.repeats} after a warm-up")
    print("load average at the start (other processes share these cores): "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()) + "\n")
    keys = [k for k in optim.OPTIMIZERS if not args.only or k in args.only.split(",")]

    header = (f"{'optimizer':10} {'case':7} {'ours':>9} {'torch 1t':>9} {'torch 2t':>9} {'best':>4} "
              f"{'speed-up':>8} {'target':>6}        {'CPU 1t':>6} {'peak MB ours':>12} {'torch':>6}  "
              f"{'agrees with torch to 1e-9':>26}")
    print(header)
    print("-" * len(header))
    figures = []
    for key in keys:
        case = cases.get(key)
        for kind, times, cpu, agree in measure(key, torch, case, args.repeats):
            row = {"optimizer": key, "case": kind, "ours_ms": times["ours"] * 1e3}
            text = f"{key:10} {kind:7} {times['ours'] * 1e3:7.1f}ms"
            if "torch1" not in times:
                text += ("   (no torch.optim class, or no fixture case for it: ours only)" if case is None else
                         "   (torch's rule couples the runs of one tensor: ours only)")
            else:
                best_threads = min((1, 2), key=lambda n: times[f"torch{n}"])
                reference = times[f"torch{best_threads}"]
                speedup = reference / times["ours"]
                cpu_speedup = cpu["torch1"] / cpu["ours"]
                row.update(torch1_ms=times["torch1"] * 1e3, torch2_ms=times["torch2"] * 1e3,
                           best_threads=best_threads, speedup=speedup, target=TARGETS[kind], agree=agree,
                           ours_cpu_ms=cpu["ours"] * 1e3, torch1_cpu_ms=cpu["torch1"] * 1e3, cpu_speedup=cpu_speedup)
                verdict = "ok" if speedup >= TARGETS[kind] else "MISSED"
                text += (f" {times['torch1'] * 1e3:7.1f}ms {times['torch2'] * 1e3:7.1f}ms {best_threads:3}t "
                         f"{speedup:7.1f}x {TARGETS[kind]:5.0f}x {verdict:6} {cpu_speedup:6.1f}x")
            if not args.no_memory:
                row["ours_mb"] = peak_memory_mb(key, kind, "ours", 1)
                text += f"{row['ours_mb']:12.0f}" if row["ours_mb"] is not None else f"{'?':>12}"
                if "torch1" in times:
                    row["torch_mb"] = peak_memory_mb(key, kind, "torch", row["best_threads"])
                    text += f" {row['torch_mb']:6.0f}" if row["torch_mb"] is not None else f" {'?':>6}"
            if agree is not None:
                text += f"  {agree:>26}"
            print(text, flush=True)
            figures.append(row)

    path_mb = BATCH_RUNS * (BATCH_STEPS + 1) * 2 * 8 / 2**20
    print(f"""
single: one run of {SINGLE_STEPS:,} steps from the fixture's start; batch: {BATCH_RUNS:,} runs x {BATCH_STEPS} steps
from random starts over the map. Settings: each optimizer's first Rosenbrock case in scripts/make_torch_fixtures.py.
'best' is torch's faster thread count, the reference of the speed-up (wall-clock time, best of {args.repeats}).
'CPU 1t': the speed-up in process CPU time against torch with 1 thread, a cross-check that the other
processes on these cores disturb less. Peak MB: what the case adds to the peak resident size (VmHWM) of a
fresh process (the batch path alone is {path_mb:.0f} MB). Timings on a shared machine are noisy: repeat the
run and read the best or the median of several.""")
    print("load average at the end: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
