"""The real network: training speed beside torch.optim, the page's load, the plane's grid, and what the hands and
the shadow come to.

    make bench                                  (installs torch from requirements-bench.txt)
    python benchmarks/bench_network.py [--repeats K] [--only adam,sgd] [--skip-page]

What is measured, and how:
- Training: 300 full-batch steps of the digits network (64-32-10, 2,410 parameters, 1,437 images) per hand
  with a torch class, with the settings of the hand's first network case in scripts/make_torch_fixtures.py
  (the case the tests hold to torch's path). Ours: `optim.simulate(key, net, steps=300)`, which also keeps
  the path and the training loss at every step. torch: float64, the same model and start, its default
  implementation, a plain loop (zero_grad, forward, cross-entropy, backward, step; Muon with AdamW on the
  biases; L-BFGS through its closure), the parameters copied out at every step as our path keeps them.
  torch runs with 1 and with 2 threads (torch.set_num_threads) and the faster is the reference. NumPy runs
  as `make run` runs it (OpenBLAS with its own thread count). One warm-up run each, then the best of K
  repeats, ours and torch's interleaved so other load falls on both.
- The page: a fresh process opens the real network page with seven hands under streamlit's AppTest (the
  page's own code and caches, no browser): cold (imports, scikit-learn, seven trainings, the plane) and warm
  (the same page again in the same process, every call cached).
- The plane: the digits vault's and a shadow plane's 41 × 41 loss grid, best of K.
- The hands: every hand's tuned rate (lab.network.tuned_lr, recomputed), its final training loss and test
  accuracy after 300 full-batch steps; then the honesty meter's median and worst share off the plane, and the
  largest loss gap, for seven hands on each plane choice.
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
from lab import network as net_lab  # noqa: E402

STEPS = 300
SEVEN = ("sgd", "momentum", "adam", "rmsprop", "adafactor", "lbfgs", "muon")
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cases() -> dict[str, tuple[str, dict, dict]]:
    """hand -> (torch class, torch kwargs, our hyperparameters): each hand's first full-batch network case."""
    from make_torch_fixtures import NETWORK_CASES, network_hyperparameters

    out = {}
    for _, key, torch_class, kwargs, batch_size, _ in NETWORK_CASES:
        if batch_size is None and key not in out:
            out[key] = (torch_class, kwargs, network_hyperparameters(key, kwargs))
    return out


def ours(key: str, hp: dict) -> optim.Trajectory:
    hp = {k: tuple(v) if isinstance(v, list) else v for k, v in hp.items()}
    return optim.simulate(key, landscapes.digits_network(), steps=STEPS, **hp)


def torch_run(torch_class: str, kwargs: dict) -> np.ndarray:
    import torch

    net = landscapes.digits_network()
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10)).double()
    torch.nn.utils.vector_to_parameters(torch.tensor(net.init(seed=0)), model.parameters())
    x, y = torch.tensor(net.x_train), torch.tensor(net.y_train)
    if torch_class == "Muon":
        matrices = [p for p in model.parameters() if p.ndim == 2]
        others = [p for p in model.parameters() if p.ndim != 2]
        optimizers = [torch.optim.Muon(matrices, **kwargs), torch.optim.AdamW(others, lr=kwargs["lr"])]
    else:
        optimizers = [getattr(torch.optim, torch_class)(model.parameters(), **kwargs)]
    path = np.empty((STEPS + 1, net.size))
    path[0] = net.init(seed=0)

    def closure():
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        return loss

    for k in range(STEPS):
        if torch_class == "LBFGS":
            optimizers[0].step(closure)
        else:
            closure()
            for optimizer in optimizers:
                optimizer.step()
        path[k + 1] = torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()
    return path


def best_of(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def training(repeats: int, only: set[str] | None) -> None:
    import torch

    print(f"\n## Training: {STEPS} full-batch steps, best of {repeats} (seconds)\n")
    print(f"{'hand':10s} {'ours':>7s} {'torch 1t':>9s} {'torch 2t':>9s} {'ours/torch':>10s}  agree")
    for key, (torch_class, kwargs, hp) in cases().items():
        if only and key not in only:
            continue
        ours(key, hp), torch_run(torch_class, kwargs)  # warm-up
        times = {"ours": [], 1: [], 2: []}
        for _ in range(repeats):
            times["ours"].append(best_of(lambda key=key, hp=hp: ours(key, hp), 1))
            for threads in (1, 2):
                torch.set_num_threads(threads)
                times[threads].append(best_of(lambda c=torch_class, k=kwargs: torch_run(c, k), 1))
        mine, one, two = min(times["ours"]), min(times[1]), min(times[2])
        ref = torch_run(torch_class, kwargs)
        path = ours(key, hp).points
        agree = np.max(np.linalg.norm(path - ref, axis=1) / np.maximum(np.linalg.norm(ref - ref[0], axis=1), 1e-300))
        print(f"{key:10s} {mine:7.3f} {one:9.3f} {two:9.3f} {mine / min(one, two):10.2f}  {agree:.1e}", flush=True)


def page_load() -> None:
    code = f"""
import time, json
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=600)
at.switch_page("pages/7_The_real_network.py")
at.query_params["hands"] = "{','.join(SEVEN)}"
t = time.perf_counter(); at.run(); cold = time.perf_counter() - t
assert not at.exception, [e.value for e in at.exception]
t = time.perf_counter(); at.run(); warm = time.perf_counter() - t
print(json.dumps([cold, warm]))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    cold, warm = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n## The page with seven hands ({', '.join(SEVEN)}), AppTest in a fresh process\n")
    print(f"cold {cold:.1f} s (imports, scikit-learn, seven trainings of {STEPS} steps, the plane), warm {warm:.2f} s")


def plane_grid(repeats: int) -> None:
    from landscapes.digits_vault import digits_plane
    from landscapes.plane import LossPlane

    vault = digits_plane()
    race = net_lab.Race(SEVEN[:3], steps=STEPS)
    runs = [race.run(k) for k in race.hands]
    plane = net_lab.pca_plane(race.start(), runs)
    shadow = LossPlane(vault.network, plane.origin, plane.e1, plane.e2)
    xs = np.linspace(-1, 1, net_lab.PLANE_RESOLUTION)
    grid_x, grid_y = np.meshgrid(xs, xs)
    fresh = LossPlane(vault.network, vault.origin, vault.u, vault.v)
    print(f"\n## The plane's {len(xs)} × {len(xs)} loss grid, best of {repeats}\n")
    print(f"digits vault {best_of(lambda: fresh.value(grid_x, grid_y), repeats):.2f} s, "
          f"a shadow plane {best_of(lambda: shadow.value(grid_x, grid_y), repeats):.2f} s")


def hands_table() -> None:
    net = landscapes.digits_network()
    print(f"\n## Every hand at its tuned rate, {STEPS} full-batch steps from net.init(seed=0)\n")
    print(f"{'hand':10s} {'tuned lr':>9s} {'tabled':>7s} {'train loss':>11s} {'test acc':>9s}")
    for key in optim.OPTIMIZERS:
        lr = net_lab.tuned_lr(key)
        run = optim.simulate(key, net, steps=STEPS, lr=lr)
        same = "yes" if lr == net_lab.TUNED_LR.get(key) else "NO"
        print(f"{key:10s} {lr:9.4g} {same:>7s} {run.loss[-1]:11.4g} {100 * net.accuracy(run.points[-1]):8.1f}%",
              flush=True)


def honesty() -> None:
    race = net_lab.Race(SEVEN, steps=STEPS)
    runs = [race.run(k) for k in SEVEN]
    start = race.start()
    planes = {"ends (SGD, Muon)": net_lab.ends_plane(start, runs, 0, len(SEVEN) - 1, ("SGD", "Muon")),
              "ends (SGD, Adam)": net_lab.ends_plane(start, runs, 0, 2, ("SGD", "Adam")),
              "pca": net_lab.pca_plane(start, runs)}
    for name, plane in planes.items():
        shade = net_lab.shadow(plane, runs)
        held = "" if plane.explained is None else f", holds {100 * plane.explained:.1f}% of the spread"
        print(f"\n## Honesty meter, plane {name}{held}\n")
        print(f"{'hand':10s} {'median off':>11s} {'worst off':>10s} {'worst gap (nats)':>17s}")
        for key, median, worst, gap in zip(SEVEN, shade.median_off(), shade.worst_off(), shade.worst_gap(),
                                           strict=True):
            print(f"{key:10s} {100 * median:10.0f}% {100 * worst:9.0f}% {gap:17.3f}")


def main() -> None:
    if any(name in os.environ for name in OPENBLAS_OVERRIDES):
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", help="comma-separated hands for the training table")
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    training(args.repeats, set(args.only.split(",")) if args.only else None)
    if not args.skip_page:
        page_load()
    plane_grid(args.repeats)
    hands_table()
    honesty()


if __name__ == "__main__":
    main()
