"""Lion: no torch.optim class, so it is checked against the paper's rule written out here independently,
its closed-form first steps, its constant-size steps, batches, and refusals."""

import math

import numpy as np
import pytest

import landscapes
import optim
from optim.hands.lion import LION

START = np.array([-1.2, 1.0])


def paper_lion(landscape, start, steps, lr, beta1, beta2, weight_decay):
    """Chen et al. 2023, Program 1, one dial at a time in plain Python floats."""
    surface = landscapes.LANDSCAPES[landscape]
    theta, m = [float(v) for v in start], [0.0, 0.0]
    path = [list(theta)]
    for _ in range(steps):
        g = [float(v) for v in surface.grad(np.array(theta))]
        for i in range(2):
            update = beta1 * m[i] + (1 - beta1) * g[i]          # interp(g, m, β1)
            update = math.copysign(1.0, update) if update else 0.0  # sign
            m[i] = beta2 * m[i] + (1 - beta2) * g[i]            # interp(g, m, β2)
            theta[i] = theta[i] - lr * (update + weight_decay * theta[i])
        path.append(list(theta))
    return np.array(path)


@pytest.mark.parametrize(("landscape", "start", "settings"), [
    ("rosenbrock", (-1.2, 1.0), {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}),
    ("beale", (1.0, 1.5), {"lr": 0.02, "beta1": 0.95, "beta2": 0.98, "weight_decay": 0.1}),
    ("himmelblau", (0.5, -2.5), {"lr": 0.05, "beta1": 0.5, "beta2": 0.999, "weight_decay": 0.5}),
    ("ravine", None, {"lr": 0.03, "beta1": 0.0, "beta2": 0.9, "weight_decay": 0.0}),
])
def test_paths_follow_the_papers_rule(landscape, start, settings):
    start = landscapes.LANDSCAPES[landscape].start if start is None else start
    tr = optim.simulate(LION, landscape, start=start, steps=150, **settings)
    np.testing.assert_allclose(tr.points, paper_lion(landscape, start, 150, **settings), rtol=0, atol=1e-14)


def test_first_two_steps_by_hand():
    tr = optim.simulate(LION, "rosenbrock", start=START, steps=2, lr=0.01, betas=(0.9, 0.99))
    g0, g1 = tr.grads[:2]
    # m starts at zero, so the first direction is the sign of (1 - β1)·g: a stride of exactly lr.
    np.testing.assert_array_equal(tr.points[1], START - 0.01 * np.sign(g0))
    np.testing.assert_allclose(tr.state["m"][0], 0.01 * g0, rtol=1e-15)
    c = 0.9 * (0.01 * g0) + 0.1 * g1
    np.testing.assert_array_equal(tr.points[2], tr.points[1] - 0.01 * np.sign(c))


def test_weight_decay_is_decoupled_and_scaled_by_lr():
    tr = optim.simulate(LION, "rosenbrock", start=START, steps=1, lr=0.01, weight_decay=0.5)
    g0 = tr.grads[0]
    np.testing.assert_allclose(tr.points[1], START - 0.01 * (np.sign(g0) + 0.5 * START), rtol=0, atol=1e-16)


@pytest.mark.parametrize("landscape", ["rosenbrock", "beale", "ravine", "himmelblau"])
def test_every_dial_turns_by_exactly_the_learning_rate(landscape):
    tr = optim.simulate(LION, landscape, steps=200, lr=0.007)
    turns = np.abs(np.diff(tr.points, axis=0))
    # Up to the rounding of θ - η (a few ulps of the dial's value), and never zero on these vaults.
    slack = 4 * np.spacing(np.abs(tr.points[:-1]).max())
    assert np.all(np.abs(turns - 0.007) <= slack)


def test_a_batch_equals_its_runs_one_by_one():
    starts = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 1.5]])
    settings = {"lr": np.array([0.01, 0.1, 0.05]), "beta1": np.array([0.9, 0.0, 0.5]),
                "beta2": np.array([0.99, 0.9, 0.999]), "weight_decay": np.array([0.0, 0.1, 1.0])}
    batch = optim.simulate(LION, "beale", start=starts, steps=80, record_state=True, **settings)
    for i, start in enumerate(starts):
        single = optim.simulate(LION, "beale", start=start, steps=80, **{k: v[i] for k, v in settings.items()})
        np.testing.assert_array_equal(batch.points[i], single.points)
        np.testing.assert_array_equal(batch.state["m"][i], single.state["m"])


@pytest.mark.parametrize(("settings", "named"), [
    ({"beta1": 1.0}, "beta1"), ({"beta2": -0.1}, "beta2"), ({"weight_decay": -1.0}, "weight_decay"),
    ({"lr": np.nan}, "lr"), ({"betas": (0.9,)}, "betas"), ({"momentum": 0.9}, "momentum"),
])
def test_bad_settings_raise_a_message_naming_them(settings, named):
    with pytest.raises(ValueError, match=named):
        optim.simulate(LION, "bowl", steps=3, **settings)


def test_the_spec_tells_the_app_what_it_needs():
    assert LION.key == "lion" and "Chen" in LION.description and LION.shown_state(LION.defaults) == ("m",)
    for h in LION.hyperparameters:
        assert h.help and h.symbol and h.low <= h.default <= h.high
