"""Record reference paths from torch.optim itself, so the tests can compare without torch installed.

Run with `make fixtures` (it installs torch from requirements-bench.txt). Writes
tests/fixtures/torch_paths.json: for each case, the settings and every point torch.optim visits, in
float64, with the gradient from autograd on the landscape's own formula.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import landscapes  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "torch_paths.json"
STEPS = 120

# (optimizer key, torch class, torch kwargs, landscape, start, schedule)
# Only landscapes written in plain arithmetic, so torch tensors flow through their own formulas.
CASES = [
    ("sgd", "SGD", {"lr": 1e-3}, "rosenbrock", (-1.2, 1.0), None),
    ("sgd", "SGD", {"lr": 0.01, "weight_decay": 0.1}, "himmelblau", (0.5, -2.5), None),
    ("momentum", "SGD", {"lr": 1e-3, "momentum": 0.9}, "rosenbrock", (-1.2, 1.0), None),
    ("momentum", "SGD", {"lr": 0.005, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
     "beale", (1.0, 1.5), None),
    ("momentum", "SGD", {"lr": 0.01, "momentum": 0.9}, "ravine", None, ("step", {"step_size": 30, "gamma": 0.5})),
    ("nesterov", "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, "rosenbrock", (-1.2, 1.0), None),
    ("nesterov", "SGD", {"lr": 0.01, "momentum": 0.95, "nesterov": True, "weight_decay": 0.01},
     "himmelblau", (-0.3, 0.2), None),
    ("adagrad", "Adagrad", {"lr": 0.5}, "rosenbrock", (-1.2, 1.0), None),
    ("adagrad", "Adagrad", {"lr": 0.3, "lr_decay": 0.01, "weight_decay": 0.02,
                            "initial_accumulator_value": 0.1, "eps": 1e-6}, "beale", (1.0, 1.5), None),
    ("rmsprop", "RMSprop", {"lr": 0.01}, "rosenbrock", (-1.2, 1.0), None),
    ("rmsprop", "RMSprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True,
                            "weight_decay": 0.01}, "himmelblau", (0.5, -2.5), None),
    ("adam", "Adam", {"lr": 0.02, "betas": (0.9, 0.999)}, "rosenbrock", (-1.2, 1.0), None),
    ("adam", "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True},
     "beale", (1.0, 1.5), None),
    ("adam", "Adam", {"lr": 0.1}, "ravine", None, ("cosine", {})),
    ("adamw", "AdamW", {"lr": 0.02}, "rosenbrock", (-1.2, 1.0), None),
    ("adamw", "AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}, "himmelblau", (-0.3, 0.2),
     ("exponential", {"gamma": 0.98})),
    ("sgd", "SGD", {"lr": 0.05}, "linear_regression", None, None),
]


def hyperparameters_for_simulate(torch_kwargs: dict) -> dict:
    """torch's keyword arguments as `optim.simulate` takes them: Nesterov is a key of its own there, not a flag."""
    return {k: v for k, v in torch_kwargs.items() if k != "nesterov"}


def torch_path(torch_class, kwargs, landscape, start, steps, schedule):
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, torch_class)([theta], **kwargs)
    scheduler = None
    if schedule is not None:
        name, options = schedule
        scheduler = {
            "step": lambda: torch.optim.lr_scheduler.StepLR(optimizer, **options),
            "exponential": lambda: torch.optim.lr_scheduler.ExponentialLR(optimizer, **options),
            "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=0.0),
        }[name]()
    path = [theta.detach().tolist()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = landscape.value_fn(theta[0], theta[1])
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        path.append(theta.detach().tolist())
    return path


def main() -> None:
    cases = []
    for key, torch_class, kwargs, name, start, schedule in CASES:
        surface = landscapes.LANDSCAPES[name]
        start = tuple(surface.start) if start is None else start
        points = torch_path(torch_class, kwargs, surface, start, STEPS, schedule)
        hyperparameters = hyperparameters_for_simulate(kwargs)
        cases.append({"optimizer": key, "landscape": name, "start": list(start), "steps": STEPS,
                      "hyperparameters": hyperparameters, "schedule": schedule, "points": points})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} reference paths from torch {torch.__version__} to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
