"""Record reference paths from torch.optim itself, so the tests can compare without torch installed.

Run with `make fixtures` (it installs torch from requirements-bench.txt). Writes one JSON file per set
of hands under tests/fixtures/ (`python scripts/make_torch_fixtures.py [file ...]` rewrites only the
named ones, so each set can be recorded without touching the others): for each case, the settings and
every point torch.optim visits, in float64, with the gradient from autograd on the landscape's own formula.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import landscapes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
OUT = FIXTURES / "torch_paths.json"
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


# --- Adamax, NAdam, RAdam, Adadelta, ASGD and Adafactor (helper B1's hands) ----------------------------
# torch's default dtype stays float32, as in a program that never changes it: the dials are float64, but
# torch keeps some per-parameter numbers (NAdam's momentum product, ASGD's eta and mu) in float32 and the
# NumPy hands round exactly there too. These cases run torch's single-tensor code (foreach=False).
HANDS1_STEPS = 150

# (our key, torch class, torch kwargs, landscape, start, schedule): each hand's distinctive options.
HANDS1_CASES = [
    ("adamax", "Adamax", {"lr": 0.05}, "rosenbrock", (-1.2, 1.0), None),
    ("adamax", "Adamax", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.05},
     "beale", (1.0, 1.5), None),
    ("adamax", "Adamax", {"lr": 0.05, "betas": (0.5, 0.9)}, "himmelblau", (0.5, -2.5), ("cosine", {})),
    ("adamax", "Adamax", {"lr": 0.01, "betas": (0.95, 0.9999), "eps": 1e-6}, "ravine", None, None),
    ("nadam", "NAdam", {"lr": 0.05}, "rosenbrock", (-1.2, 1.0), None),
    ("nadam", "NAdam", {"lr": 0.02, "betas": (0.95, 0.99), "momentum_decay": 0.2, "weight_decay": 0.05},
     "beale", (1.0, 1.5), None),
    ("nadam", "NAdam", {"lr": 0.05, "momentum_decay": 0.05, "weight_decay": 0.3, "decoupled_weight_decay": True,
                        "eps": 1e-6}, "himmelblau", (-0.3, 0.2), ("exponential", {"gamma": 0.98})),
    ("nadam", "NAdam", {"lr": 0.01, "momentum_decay": 0.0}, "ravine", None, None),
    ("radam", "RAdam", {"lr": 0.005}, "rosenbrock", (-1.2, 1.0), None),
    ("radam", "RAdam", {"lr": 0.02, "betas": (0.8, 0.8), "weight_decay": 0.05}, "beale", (1.0, 1.5), None),
    ("radam", "RAdam", {"lr": 0.03, "weight_decay": 0.2, "decoupled_weight_decay": True, "eps": 1e-4},
     "himmelblau", (-0.3, 0.2), ("step", {"step_size": 40, "gamma": 0.5})),
    ("radam", "RAdam", {"lr": 0.004, "betas": (0.9, 0.6)}, "ravine", None, None),
    ("adadelta", "Adadelta", {"eps": 1e-6}, "himmelblau", (0.5, -2.5), None),
    ("adadelta", "Adadelta", {"lr": 1.0, "eps": 1e-3}, "rosenbrock", (-1.2, 1.0), None),
    ("adadelta", "Adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-2, "weight_decay": 0.05}, "beale", (1.0, 1.5),
     ("exponential", {"gamma": 0.99})),
    ("adadelta", "Adadelta", {"lr": 2.0, "rho": 0.5, "eps": 1e-4}, "ravine", None, None),
    ("asgd", "ASGD", {"lr": 1e-3, "t0": 50.0}, "rosenbrock", (-1.2, 1.0), None),
    ("asgd", "ASGD", {"lr": 0.01, "lambd": 0.5, "alpha": 1.0, "t0": 10.0, "weight_decay": 0.05}, "himmelblau",
     (0.5, -2.5), None),
    ("asgd", "ASGD", {"lr": 0.003, "lambd": 2.0, "alpha": 0.5, "t0": 0.0}, "beale", (1.0, 1.5),
     ("step", {"step_size": 30, "gamma": 0.5})),
    ("asgd", "ASGD", {"lr": 0.01, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6}, "ravine", None, None),
    ("adafactor", "Adafactor", {"lr": 0.05}, "rosenbrock", (-1.2, 1.0), None),
    ("adafactor", "Adafactor", {"lr": 0.005, "beta2_decay": -0.5, "eps": (1e-10, 1e-2), "d": 2.0,
                                "weight_decay": 0.1}, "himmelblau", (0.5, -2.5), None),
    ("adafactor", "Adafactor", {"lr": 0.1, "eps": (None, 0.05)}, "beale", (1.0, 1.5), ("cosine", {})),
    ("adafactor", "Adafactor", {"lr": 0.03, "beta2_decay": 0.0}, "ravine", None, None),
]

# State compared besides the path: our name -> torch's state key.
HANDS1_STATE = {"nadam": {"mu_product": "mu_product"}, "asgd": {"ax": "ax", "eta": "eta", "mu": "mu"},
                "adafactor": {"variance": "variance"}}


def hands1_path(torch_class, kwargs, landscape, start, steps, schedule, state_names):
    """The points torch.optim visits, and the state `state_names` (ours -> torch's) after every step."""
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, torch_class)([theta], **kwargs, foreach=False)
    scheduler = None
    if schedule is not None:
        name, options = schedule
        scheduler = {
            "step": lambda: torch.optim.lr_scheduler.StepLR(optimizer, **options),
            "exponential": lambda: torch.optim.lr_scheduler.ExponentialLR(optimizer, **options),
            "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=0.0),
        }[name]()
    path, states = [theta.detach().tolist()], {name: [] for name in state_names}
    for _ in range(steps):
        optimizer.zero_grad()
        landscape.value_fn(theta[0], theta[1]).backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        path.append(theta.detach().tolist())
        for name, torch_name in state_names.items():
            states[name].append(optimizer.state[theta][torch_name].tolist())
    return path, states


def our_hyperparameters(kwargs):
    """torch's keyword arguments under our names: Adafactor's eps=(eps1, eps2) is two knobs, and its
    eps1=None means float64's machine epsilon (what torch uses for float64 dials)."""
    ours = dict(kwargs)
    if isinstance(ours.get("eps"), tuple):
        eps1, ours["eps2"] = ours.pop("eps")
        ours["eps1"] = float(torch.finfo(torch.float64).eps) if eps1 is None else eps1
    return ours


def write_hands1() -> None:
    cases = []
    for key, torch_class, kwargs, name, start, schedule in HANDS1_CASES:
        surface = landscapes.LANDSCAPES[name]
        start = tuple(surface.start) if start is None else start
        points, states = hands1_path(torch_class, kwargs, surface, start, HANDS1_STEPS, schedule,
                                     HANDS1_STATE.get(key, {}))
        case = {"optimizer": key, "landscape": name, "start": list(start), "steps": HANDS1_STEPS,
                "torch_kwargs": {**kwargs, "foreach": False}, "hyperparameters": our_hyperparameters(kwargs),
                "schedule": schedule, "points": points}
        if states:
            case["state"] = states
        cases.append(case)
    out = FIXTURES / "torch_paths_hands1.json"
    out.write_text(json.dumps({"torch": torch.__version__, "default_dtype": str(torch.get_default_dtype()),
                               "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} reference paths from torch {torch.__version__} to {out.relative_to(ROOT)}")


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


def write_original_seven() -> None:
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


# --- Rprop, LBFGS and Muon (helper B2's hands) --------------------------------------------------------
# (our key, torch class, torch kwargs, landscape, start, schedule). Lion has no torch class: its tests
# check it against the paper's rule instead.
HANDS2_CASES = [
    ("rprop", "Rprop", {"lr": 0.01}, "rosenbrock", (-1.2, 1.0), None),
    ("rprop", "Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.5)}, "beale", (1.0, 1.5), None),
    ("rprop", "Rprop", {"lr": 0.2, "etas": (0.6, 1.1), "step_sizes": (1e-3, 0.1)}, "himmelblau", (0.5, -2.5),
     None),
    # A schedule changes group["lr"], which Rprop never reads again: the path must not notice.
    ("rprop", "Rprop", {"lr": 0.02}, "ravine", None, ("step", {"step_size": 30, "gamma": 0.5})),
    ("lbfgs", "LBFGS", {"lr": 0.1, "max_iter": 1, "history_size": 10}, "rosenbrock", (-1.2, 1.0), None),
    ("lbfgs", "LBFGS", {"lr": 1.0, "max_iter": 1, "max_eval": 25, "history_size": 10,
                        "line_search_fn": "strong_wolfe"}, "rosenbrock", (-1.2, 1.0), None),
    ("lbfgs", "LBFGS", {"lr": 1.0, "max_iter": 1, "max_eval": 6, "history_size": 3,
                        "line_search_fn": "strong_wolfe", "tolerance_change": 1e-6}, "beale", (1.0, 1.5), None),
    ("lbfgs", "LBFGS", {"lr": 1.0, "max_iter": 1, "line_search_fn": "strong_wolfe"}, "himmelblau", (0.5, -2.5),
     None),
    ("lbfgs", "LBFGS", {"lr": 0.5, "max_iter": 1, "history_size": 2, "tolerance_grad": 1e-4}, "himmelblau",
     (-0.3, 0.2), None),
    ("lbfgs", "LBFGS", {"lr": 0.2, "max_iter": 1, "history_size": 5}, "ravine", None, ("cosine", {})),
    ("muon", "Muon", {"lr": 0.02}, "rosenbrock", (-1.2, 1.0), None),
    ("muon", "Muon", {"lr": 0.05, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0}, "himmelblau",
     (0.5, -2.5), None),
    ("muon", "Muon", {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.05, "ns_steps": 3,
                      "adjust_lr_fn": "match_rms_adamw"}, "beale", (1.0, 1.5), None),
    ("muon", "Muon", {"lr": 0.05, "eps": 1e-3}, "ravine", None, ("exponential", {"gamma": 0.98})),
]
# Random settings, 60 steps each, compared to the last bit: LBFGS on vaults where autograd's gradient
# equals ours, so every branch of the line search (and torch's mix of floats and 0-dim tensors in it) is
# exercised; Rprop and Muon on every plain vault (their sign and bfloat16 rounding absorb autograd's
# last-bit differences).
RANDOM_CASES, RANDOM_STEPS = {"lbfgs": 40, "rprop": 20, "muon": 20}, 60
NS_SAMPLES = 4000  # random 1×2 matrices put through torch's Newton–Schulz, to measure our bfloat16 emulation


def _scheduler(optimizer, schedule, steps):
    if schedule is None:
        return None
    name, options = schedule
    return {
        "step": lambda: torch.optim.lr_scheduler.StepLR(optimizer, **options),
        "exponential": lambda: torch.optim.lr_scheduler.ExponentialLR(optimizer, **options),
        "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=0.0),
    }[name]()


def hands2_path(torch_class, kwargs, landscape, start, steps, schedule):
    """The path, and for LBFGS the running count of function evaluations after every step.

    Muon takes only matrices, so the two dials are one 1×2 matrix; LBFGS is driven through a closure.
    """
    shape = (1, 2) if torch_class == "Muon" else (2,)
    theta = torch.tensor(start, dtype=torch.float64).reshape(shape).requires_grad_(True)
    optimizer = getattr(torch.optim, torch_class)([theta], **kwargs)
    scheduler = _scheduler(optimizer, schedule, steps)

    def closure():
        optimizer.zero_grad()
        loss = landscape.value_fn(theta.reshape(-1)[0], theta.reshape(-1)[1])
        loss.backward()
        return loss

    path, evaluations = [theta.detach().reshape(-1).tolist()], [0]
    for _ in range(steps):
        if torch_class == "LBFGS":
            optimizer.step(closure)
            evaluations.append(optimizer.state[theta]["func_evals"])
        else:
            closure()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
        path.append(theta.detach().reshape(-1).tolist())
    return path, evaluations


def random_cases():
    """(key, class, kwargs, landscape, start, schedule) drawn from a fixed seed."""
    generator = torch.Generator().manual_seed(1)

    def uniform(low, high):
        return low + (high - low) * torch.rand((), dtype=torch.float64, generator=generator).item()

    def settings(key):
        if key == "lbfgs":
            kwargs = {"lr": 10 ** uniform(-2, 0.5), "max_iter": 1, "history_size": int(uniform(1, 12)),
                      "max_eval": int(uniform(1, 30)), "tolerance_change": 10 ** uniform(-12, -3),
                      "tolerance_grad": 10 ** uniform(-10, -3)}
            if uniform(0, 1) < 0.7:
                kwargs["line_search_fn"] = "strong_wolfe"
            return "LBFGS", kwargs
        if key == "rprop":
            return "Rprop", {"lr": 10 ** uniform(-3, 0), "etas": (uniform(0.05, 0.95), uniform(1.01, 2.0)),
                             "step_sizes": (10 ** uniform(-8, -2), 10 ** uniform(-2, 1.5))}
        kwargs = {"lr": 10 ** uniform(-3, -0.5), "momentum": uniform(0, 0.99), "nesterov": uniform(0, 1) < 0.5,
                  "weight_decay": uniform(0, 0.3), "ns_steps": int(uniform(1, 8)), "eps": 10 ** uniform(-9, -1)}
        if uniform(0, 1) < 0.3:
            kwargs["adjust_lr_fn"] = "match_rms_adamw"
        return "Muon", kwargs

    cases = []
    for key, count in RANDOM_CASES.items():
        vaults = ("himmelblau", "ravine", "bowl") if key == "lbfgs" else ("himmelblau", "ravine", "bowl",
                                                                         "rosenbrock", "beale")
        for i in range(count):
            name = vaults[i % len(vaults)]
            torch_class, kwargs = settings(key)
            (x0, x1), (y0, y1) = landscapes.LANDSCAPES[name].bounds
            cases.append((key, torch_class, kwargs, name, (uniform(x0, x1), uniform(y0, y1)), None))
    return cases


def newton_schulz_samples():
    """Inputs and torch's bfloat16 Newton–Schulz outputs for random 1×2 matrices over many scales."""
    from torch.optim._muon import DEFAULT_A, DEFAULT_B, DEFAULT_C, EPS, _zeropower_via_newtonschulz

    generator = torch.Generator().manual_seed(0)
    directions = torch.randn(NS_SAMPLES, 2, dtype=torch.float64, generator=generator)
    scales = 10.0 ** (torch.rand(NS_SAMPLES, 1, dtype=torch.float64, generator=generator) * 12 - 6)
    inputs = directions * scales
    outputs = {}
    for steps in (5, 3):
        outputs[str(steps)] = [
            _zeropower_via_newtonschulz(row.reshape(1, 2), (DEFAULT_A, DEFAULT_B, DEFAULT_C), steps, EPS)
            .double().reshape(-1).tolist() for row in inputs]
    return {"inputs": inputs.tolist(), "outputs": outputs}


def write_hands2() -> None:
    cases = []
    chosen = [(case, STEPS) for case in HANDS2_CASES] + [(case, RANDOM_STEPS) for case in random_cases()]
    for (key, torch_class, kwargs, name, start, schedule), steps in chosen:
        surface = landscapes.LANDSCAPES[name]
        start = tuple(surface.start) if start is None else start
        points, evaluations = hands2_path(torch_class, kwargs, surface, start, steps, schedule)
        case = {"optimizer": key, "torch_kwargs": kwargs, "landscape": name, "start": list(start),
                "steps": steps, "schedule": schedule, "points": points}
        if torch_class == "LBFGS":
            case["func_evals"] = evaluations
        cases.append(case)
    out = FIXTURES / "torch_paths_hands2.json"
    out.write_text(json.dumps({"torch": torch.__version__, "cases": cases,
                               "newton_schulz": newton_schulz_samples()}, indent=1) + "\n")
    print(f"wrote {len(cases)} reference paths from torch {torch.__version__} to {out.relative_to(ROOT)}")


# --- the digits network: every hand with a torch class on 2,410 dials ------------------------------------
# torch's model is nn.Sequential(Linear(64, 32), Tanh(), Linear(32, 10)) in float64, loaded with
# net.init(seed=0); the click is F.cross_entropy's gradient over the same images as ours (all of the training
# set, or the very mini-batches `minibatch_indices` draws from the seed). Muon takes the two weight matrices
# and torch.optim.AdamW (its defaults, Muon's lr) the two biases, as torch's documentation pairs them.
NETWORK_STEPS = 30
# Steps whose whole parameter vector is stored (all 2,410 numbers); every step's loss and distance from the
# start are stored too. Thirty-one full vectors per case would make the file ten times larger.
NETWORK_KEPT_STEPS = (1, 2, 5, 10, 20, 30)
# (case name, our key, torch class, torch kwargs, batch_size, seed)
NETWORK_CASES = [
    ("sgd", "sgd", "SGD", {"lr": 0.5}, None, 0),
    ("momentum", "momentum", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-3}, None, 0),
    ("nesterov", "nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, None, 0),
    ("adagrad", "adagrad", "Adagrad", {"lr": 0.05}, None, 0),
    ("rmsprop", "rmsprop", "RMSprop", {"lr": 0.003, "momentum": 0.5, "centered": True}, None, 0),
    ("adam", "adam", "Adam", {"lr": 0.01}, None, 0),
    ("adam-amsgrad", "adam", "Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 1e-3}, None, 0),
    ("adamw", "adamw", "AdamW", {"lr": 0.01, "weight_decay": 0.05}, None, 0),
    ("adamax", "adamax", "Adamax", {"lr": 0.02}, None, 0),
    ("nadam", "nadam", "NAdam", {"lr": 0.01}, None, 0),
    ("radam", "radam", "RAdam", {"lr": 0.01}, None, 0),
    ("adadelta", "adadelta", "Adadelta", {"lr": 1.0, "eps": 1e-6}, None, 0),
    ("asgd", "asgd", "ASGD", {"lr": 0.5, "t0": 10.0}, None, 0),
    ("adafactor", "adafactor", "Adafactor", {"lr": 0.05}, None, 0),
    ("adafactor-decay", "adafactor", "Adafactor", {"lr": 0.02, "beta2_decay": -0.5, "d": 2.0,
                                                   "weight_decay": 0.1, "eps": (1e-20, 1e-2)}, None, 0),
    ("rprop", "rprop", "Rprop", {"lr": 0.01}, None, 0),
    ("lbfgs", "lbfgs", "LBFGS", {"lr": 1.0, "max_iter": 1, "max_eval": 25, "history_size": 10,
                                 "line_search_fn": "strong_wolfe"}, None, 0),
    ("muon", "muon", "Muon", {"lr": 0.02, "weight_decay": 0.0}, None, 0),
    ("muon-match", "muon", "Muon", {"lr": 0.01, "momentum": 0.9, "nesterov": False, "weight_decay": 0.05,
                                    "ns_steps": 3, "adjust_lr_fn": "match_rms_adamw"}, None, 0),
    ("adam-minibatch", "adam", "Adam", {"lr": 0.01}, 64, 3),
    ("momentum-minibatch", "momentum", "SGD", {"lr": 0.1, "momentum": 0.9}, 32, 5),
    ("lbfgs-minibatch", "lbfgs", "LBFGS", {"lr": 0.5, "max_iter": 1, "max_eval": 10, "history_size": 5,
                                           "line_search_fn": "strong_wolfe"}, 256, 7),
]


def _torch_network(theta):
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10)).double()
    torch.nn.utils.vector_to_parameters(torch.tensor(theta, dtype=torch.float64), model.parameters())
    return model


def network_path(net, torch_class, kwargs, steps, batch_size, seed):
    """torch's parameters after every step, (steps+1, 2410), and the training loss at each point."""
    from landscapes.network import minibatch_indices

    model = _torch_network(net.init(seed=0))
    images, labels = torch.tensor(net.x_train), torch.tensor(net.y_train)
    if torch_class == "Muon":
        matrices = [p for p in model.parameters() if p.ndim == 2]
        others = [p for p in model.parameters() if p.ndim != 2]
        optimizers = [torch.optim.Muon(matrices, **kwargs), torch.optim.AdamW(others, lr=kwargs["lr"])]
    else:
        optimizers = [getattr(torch.optim, torch_class)(model.parameters(), **kwargs)]
    batches = None if batch_size is None else minibatch_indices(len(labels), batch_size, steps, seed)
    chosen = {"indices": None}

    def closure():
        for optimizer in optimizers:
            optimizer.zero_grad()
        x, y = images, labels
        if chosen["indices"] is not None:
            index = torch.tensor(chosen["indices"])
            x, y = images[index], labels[index]
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        return loss

    def flat():
        return torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy().copy()

    def full_loss():
        with torch.no_grad():
            return torch.nn.functional.cross_entropy(model(images), labels).item()

    path, losses = [flat()], [full_loss()]
    for k in range(steps):
        chosen["indices"] = None if batches is None else batches[k]
        if torch_class == "LBFGS":
            optimizers[0].step(closure)
        else:
            closure()
            for optimizer in optimizers:
                optimizer.step()
        path.append(flat())
        losses.append(full_loss())
    return np.array(path), np.array(losses)


def network_autograd(net):
    """Loss and gradient from autograd at a few parameter vectors, on the training set, a mini-batch and the
    test set (the last with the test accuracy)."""
    from landscapes.network import minibatch_indices

    rng = np.random.default_rng(11)
    thetas = {"init": net.init(seed=0), "large": 3.0 * net.init(seed=1) + 0.1 * rng.standard_normal(net.size)}
    batch = minibatch_indices(len(net.y_train), 64, 1, 0)[0]
    out = {"batch": batch}
    for name, theta in thetas.items():
        model = _torch_network(theta)
        for split, x, y in (("train", net.x_train, net.y_train), ("batch", net.x_train[batch], net.y_train[batch]),
                            ("test", net.x_test, net.y_test)):
            model.zero_grad()
            scores = model(torch.tensor(x))
            loss = torch.nn.functional.cross_entropy(scores, torch.tensor(y))
            loss.backward()
            grad = torch.nn.utils.parameters_to_vector([p.grad for p in model.parameters()]).numpy().copy()
            out[f"{name}_{split}_loss"] = np.array(loss.item())
            out[f"{name}_{split}_grad"] = grad
            out[f"{name}_{split}_accuracy"] = np.array((scores.argmax(1).numpy() == y).mean())
        out[f"{name}_theta"] = theta
    return out


def network_hyperparameters(key, kwargs) -> dict:
    """torch's keyword arguments as `optim.simulate` takes them for our hand `key`: Nesterov is a hand of its
    own, L-BFGS's max_iter is always 1 here, Adafactor's eps is two knobs."""
    ours = our_hyperparameters(kwargs)
    ours.pop("max_iter", None)
    if key == "nesterov":
        ours.pop("nesterov")
    return ours


def write_network() -> None:
    net = landscapes.digits_network()
    arrays, cases = network_autograd(net), []
    for name, key, torch_class, kwargs, batch_size, seed in NETWORK_CASES:
        points, losses = network_path(net, torch_class, kwargs, NETWORK_STEPS, batch_size, seed)
        arrays[f"{name}_kept"] = points[list(NETWORK_KEPT_STEPS)]
        arrays[f"{name}_loss"] = losses
        arrays[f"{name}_distance"] = np.linalg.norm(points - points[0], axis=1)
        cases.append({"name": name, "optimizer": key, "torch_class": torch_class, "torch_kwargs": kwargs,
                      "hyperparameters": network_hyperparameters(key, kwargs),
                      "batch_size": batch_size, "seed": seed})
    meta = {"torch": torch.__version__, "steps": NETWORK_STEPS, "kept_steps": list(NETWORK_KEPT_STEPS),
            "cases": cases}
    out = FIXTURES / "torch_network.npz"
    np.savez_compressed(out, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {len(cases)} network paths from torch {torch.__version__} to {out.relative_to(ROOT)} "
          f"({out.stat().st_size / 1e6:.1f} MB)")


WRITERS = {"torch_paths.json": write_original_seven, "torch_paths_hands1.json": write_hands1,
           "torch_paths_hands2.json": write_hands2,
           "torch_network.npz": write_network}


def main(names: list[str]) -> None:
    unknown = set(names) - set(WRITERS)
    if unknown:
        raise SystemExit(f"unknown fixture file {', '.join(sorted(unknown))}: choose from {', '.join(WRITERS)}")
    for name in names or WRITERS:
        WRITERS[name]()


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(sys.argv[1:])
