"""Reference paths recorded from torch.optim for Rprop, LBFGS and Muon (scripts/make_torch_fixtures.py)."""

import json
from pathlib import Path

from optim import schedules

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "torch_paths_hands2.json").read_text())


def cases(key: str) -> list[dict]:
    return [case for case in RECORDED["cases"] if case["optimizer"] == key]


def case_id(case: dict) -> str:
    return f"{case['landscape']}-" + "-".join(f"{k}={v}" for k, v in case["torch_kwargs"].items())


def schedule(spec):
    if spec is None:
        return "constant"
    name, options = spec
    return {"step": schedules.step_decay, "exponential": schedules.exponential,
            "cosine": schedules.cosine}[name](**options)
