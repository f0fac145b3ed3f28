"""lab/: the app's logic without Streamlit or plotly, and the spec-driven parts of it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import optim
from lab import stability, sweeps
from lab.scene import Scene

ROOT = Path(__file__).resolve().parents[1]


def test_the_core_and_lab_never_import_streamlit_or_plotly():
    code = ("import sys, optim, optim.explain, landscapes, lab.scene, lab.race, lab.sweeps, lab.stability, "
            "lab.lessons; print(sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'plotly'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_scene_is_hashable_and_equal_by_value():
    a = Scene("bowl", "", (), "adam", (("lr", 0.1),), 20, (1.0, 2.0))
    b = Scene("bowl", "", (), "adam", (("lr", 0.1),), 20, (1.0, 2.0))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert dataclasses.replace(a, steps=21) != a
    run = a.simulate()
    assert run.points.shape == (21, 2) and run.hyperparameters["lr"] == 0.1


def test_every_hand_with_a_map_axis_names_one_of_its_own_knobs():
    for key, spec in optim.OPTIMIZERS.items():
        if spec.map_axis is None:
            continue
        axis = sweeps.axis(key)
        assert axis.name in spec.names, key
        assert axis.low < axis.high and axis.lr_range[0] < axis.lr_range[1], key


@pytest.mark.parametrize(("optimizer", "mu", "expected"), [
    ("sgd", 0.0, 2 / 20), ("momentum", 0.9, 2 * 1.9 / 20), ("nesterov", 0.9, 2 * 1.9 / (2.8 * 20)),
])
def test_stability_limits_come_from_the_specs(optimizer, mu, expected):
    assert stability.stability_limit("ravine", optimizer, np.array([mu]))[0] == pytest.approx(expected)
    assert stability.theory(optimizer).startswith("lr <")
    assert stability.theory("adam") is None


def test_only_url_state_touches_the_address_bar():
    """One module owns the address bar, so a shared link always means one thing (issue 7)."""
    sources = [p for folder in ("ui", "pages", "lab", "viz") for p in (ROOT / folder).rglob("*.py")]
    touching = sorted(str(p.relative_to(ROOT)) for p in [*sources, ROOT / "app.py"]
                      if "query_params" in p.read_text(encoding="utf-8").replace("query_params=", ""))
    assert touching == ["ui/url_state.py"]
