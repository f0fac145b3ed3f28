"""The digits vault: a real network's loss on a plane, lazy to build, exact in value and slope, tunable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optim
from landscapes.digits_vault import digits_plane, filter_normalised_direction, trained_weights
from landscapes.plane import LossPlane
from optim.tuning import tune

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vault():
    return landscapes.LANDSCAPES["digits"]


def test_registering_the_vault_trains_nothing_and_imports_no_scikit_learn():
    code = ("import json, sys, landscapes; from landscapes import digits_vault as d; "
            "v = landscapes.LANDSCAPES['digits']; v.title, v.bounds, v.start, v.heavy; "
            "print(json.dumps([any(m.startswith('sklearn') for m in sys.modules), "
            "d.trained_weights.cache_info().currsize, d.digits_plane.cache_info().currsize]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, 0, 0]


def test_trained_weights_read_the_digits():
    net = landscapes.digits_network()
    theta = trained_weights()
    assert net.accuracy(theta, split="train") >= 0.99 and net.accuracy(theta, split="test") >= 0.9
    assert net.loss(theta) < 0.01 < net.loss(net.init(seed=0))


def test_directions_are_filter_normalised():
    net, theta = landscapes.digits_network(), trained_weights()
    direction = filter_normalised_direction(theta, seed=1)
    for rows, shape in net.slices().values():
        if len(shape) == 2:
            np.testing.assert_allclose(np.linalg.norm(direction[rows].reshape(shape), axis=1),
                                       np.linalg.norm(theta[rows].reshape(shape), axis=1), rtol=1e-12)
        else:
            assert not direction[rows].any()


def test_the_plane_is_the_network_on_the_plane(vault):
    plane, net = digits_plane(), landscapes.digits_network()
    points = np.random.default_rng(2).uniform(-1, 1, size=(6, 2))
    thetas = plane.origin + points[:, :1] * plane.u + points[:, 1:] * plane.v
    losses, grads = net.loss_and_grad(thetas)
    np.testing.assert_allclose(vault.f(points), losses, rtol=1e-12)
    np.testing.assert_allclose(vault.grad(points), np.stack([grads @ plane.u, grads @ plane.v], axis=1),
                               rtol=1e-10, atol=1e-14)


def test_remembered_losses_are_the_same_numbers():
    plane = digits_plane()
    fresh = LossPlane(plane.network, plane.origin, plane.u, plane.v)
    x, y = np.linspace(-0.9, 0.8, 11), np.linspace(0.7, -0.6, 11)
    plane.grad(x, y)
    np.testing.assert_array_equal(plane.value(x, y), fresh.value(x, y))


def test_the_combination_is_near_the_trained_weights(vault):
    (x, y), = vault.minima
    assert abs(x) < 0.05 and abs(y) < 0.05 and vault.minimum_is_estimate
    assert vault.min_value == pytest.approx(landscapes.digits_network().loss(trained_weights()), rel=1e-2)
    assert vault.f(vault.start) > 100 * vault.min_value


@pytest.mark.parametrize("key", ["sgd", "adam"])
def test_a_tuned_hand_cracks_the_vault_without_spinning_off(key):
    tuning = tune(key, "digits", steps=200)
    run = optim.simulate(key, "digits", steps=200, lr=tuning.lr)
    assert tuning.cracks and run.diverged_at is None and run.settled_at() is not None


def test_every_hand_has_a_kept_rate_on_its_ladder(vault):
    # Each kept rate's scene must also tell a robust story, like every default scene: tests/test_teaching_truth.py.
    from optim.tuning import PREFERENCES, ladder_for

    assert set(vault.tuned_lr) == set(PREFERENCES)
    for prefer, rates in vault.tuned_lr.items():
        assert set(rates) == set(optim.OPTIMIZERS), prefer
        for key, lr in rates.items():
            assert np.isclose(ladder_for(key), lr).any(), (prefer, key)


def test_a_kept_rate_is_what_the_tuner_finds_by_climbing(vault):
    # One climb (about a minute here); scripts/tune_heavy_vaults.py climbs for every hand.
    climbed = tune("adam", "digits", steps=200, use_kept=False)
    assert climbed.lr == vault.tuned_lr["calm"]["adam"] and climbed.rungs > 0
    kept = tune("adam", "digits", steps=200)
    assert kept.lr == climbed.lr and kept.rungs == 0 and "kept" in kept.reason
    assert kept.settled_at == climbed.settled_at


def test_a_rate_is_kept_only_for_the_vaults_own_scene(vault, monkeypatch):
    # Short runs keep the climb cheap: the kept rate is offered for runs of KEPT_STEPS only.
    from optim import tuning

    monkeypatch.setattr(tuning, "KEPT_STEPS", 20)
    assert tune("sgd", "digits", steps=20).rungs == 0
    assert tune("sgd", "digits", start=(0.5, 0.5), steps=20).rungs > 0
    assert tune("sgd", "digits", steps=21).rungs > 0
