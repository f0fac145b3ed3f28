"""The hands on 2,410 dials: every hand with a torch class against torch.optim's own paths on the digits network
(tests/fixtures/torch_network.npz, recorded by `make fixtures`), the shape-aware rules, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optim
from optim.hands.adafactor import adafactor_on_tensors
from optim.hands.muon import muon_on_tensors

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "torch_network.npz")
META = json.loads(str(FIXTURE["meta"]))
# Whole-vector error as a share of the distance travelled from the start: stricter than a share of the
# vector's own size, since the start itself is exact on both sides.
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def net():
    return landscapes.digits_network()


def _hyperparameters(case):
    hp = dict(case["hyperparameters"])
    if "betas" in hp:
        hp["betas"] = tuple(hp["betas"])
    return hp


def test_every_hand_with_a_torch_class_has_a_network_case():
    with_torch = {key for key, spec in optim.OPTIMIZERS.items() if spec.key != "lion"}
    assert with_torch <= {case["optimizer"] for case in META["cases"]}
    assert any(case["batch_size"] for case in META["cases"])


@pytest.mark.parametrize("case", META["cases"], ids=lambda c: c["name"])
def test_the_network_path_equals_torch_optim(net, case):
    tr = optim.simulate(case["optimizer"], net, steps=META["steps"], batch_size=case["batch_size"],
                        seed=case["seed"], **_hyperparameters(case))
    assert tr.points.shape == (META["steps"] + 1, 2410) and tr.diverged_at is None
    reference = FIXTURE[f"{case['name']}_kept"]
    ours = tr.points[META["kept_steps"]]
    travelled = np.linalg.norm(reference - tr.points[0], axis=1)
    error = np.linalg.norm(ours - reference, axis=1)
    assert np.all(error <= TOLERANCE * travelled), f"relative error {np.max(error / travelled):.2e}"
    np.testing.assert_allclose(tr.loss, FIXTURE[f"{case['name']}_loss"], rtol=TOLERANCE)
    np.testing.assert_allclose(np.linalg.norm(tr.points - tr.points[0], axis=1), FIXTURE[f"{case['name']}_distance"],
                               rtol=TOLERANCE, atol=1e-15)


def test_lion_on_the_network_is_its_rule_dial_by_dial(net):
    lr, (b1, b2), wd = 1e-3, (0.9, 0.99), 0.1
    tr = optim.simulate("lion", net, steps=5, lr=lr, betas=(b1, b2), weight_decay=wd)
    theta, m = net.init(seed=0), np.zeros(net.size)
    for t in range(5):
        g = net.grad(theta)
        update = np.sign(b1 * m + (1 - b1) * g)
        theta = theta * (1 - lr * wd) - lr * update
        m = b2 * m + (1 - b2) * g
        np.testing.assert_allclose(tr.points[t + 1], theta, rtol=0, atol=1e-15)


def test_a_batch_of_rates_equals_its_runs_one_by_one(net):
    lrs = np.array([0.003, 0.01, 0.03])
    batch = optim.simulate("adam", net, steps=8, lr=lrs, batch_size=100, seed=4)
    assert batch.points.shape == (3, 9, 2410) and batch.loss.shape == (3, 9)
    for i, lr in enumerate(lrs):
        single = optim.simulate("adam", net, steps=8, lr=float(lr), batch_size=100, seed=4)
        np.testing.assert_allclose(batch.points[i], single.points, rtol=1e-13, atol=1e-15)
    starts = np.stack([net.init(seed=0), net.init(seed=1)])
    two = optim.simulate("muon", net, start=starts, steps=3)
    np.testing.assert_allclose(two.points[1], optim.simulate("muon", net, start=starts[1], steps=3).points,
                               rtol=1e-13, atol=1e-15)


def test_minibatch_losses_are_the_whole_training_sets(net):
    tr = optim.simulate("sgd", net, steps=4, lr=0.5, batch_size=50, seed=0)
    np.testing.assert_allclose(tr.loss, net.loss(tr.points), rtol=1e-14)
    again = optim.simulate("sgd", net, steps=4, lr=0.5, batch_size=50, seed=0)
    np.testing.assert_array_equal(again.points, tr.points)
    other = optim.simulate("sgd", net, steps=4, lr=0.5, batch_size=50, seed=1)
    assert not np.array_equal(other.points, tr.points)


def test_a_hand_too_fast_spins_off_and_is_flagged(net):
    tr = optim.simulate("sgd", net, steps=20, lr=1e4)
    assert tr.diverged_at is not None and tr.diverged_at > 0
    assert np.isnan(tr.points[tr.diverged_at:]).all() and np.isnan(tr.loss[tr.diverged_at:]).all()
    assert np.isfinite(tr.loss[:tr.diverged_at]).all()


def test_adafactor_keeps_rows_and_columns_for_a_matrix(net):
    init, step = adafactor_on_tensors(net.layout)
    params = net.init(seed=0)[:, None]
    state = init(params, optim.get("adafactor").resolve({}))
    row_var, col_var = state["0.weight"]
    assert row_var.shape == (32, 1) and col_var.shape == (64, 1) and state["0.bias"].shape == (32, 1)
    hp = optim.get("adafactor").resolve({"lr": 0.01})
    grad = net.grad(params[:, 0])[:, None]
    new, state = step(params, grad, state, hp, 0.01, 1)
    # First step: the factored estimate is the row mean square times the column mean square over the overall
    # mean square, so the rows and columns of (g² / estimate) each average about one.
    g = grad[:2048, 0].reshape(32, 64)
    rows, cols = (g * g).mean(axis=1), (g * g).mean(axis=0)
    np.testing.assert_allclose(state["0.weight"][0][:, 0], rows, rtol=1e-12)
    np.testing.assert_allclose(state["0.weight"][1][:, 0], cols, rtol=1e-12)
    assert np.all(np.isfinite(new))


def test_muon_orthogonalises_the_matrices_and_gives_biases_adamw(net):
    init, step = muon_on_tensors(net.layout)
    hp = optim.get("muon").resolve({"lr": 0.02})
    params = net.init(seed=0)[:, None]
    grad = net.grad(params[:, 0])[:, None]
    new, _ = step(params, grad, init(params, hp), hp, 0.02, 1)
    turn = (new - params)[:, 0]
    w1 = turn[:2048].reshape(32, 64) / -0.02
    singular = np.linalg.svd(w1, compute_uv=False)
    # Newton–Schulz lifts the gradient's singular values toward one (five steps leave the faintest behind):
    # the turn's directions are far more alike in length than the click's.
    clicks = np.linalg.svd(grad[:2048, 0].reshape(32, 64), compute_uv=False)
    assert singular.max() < 1.3 and np.median(singular) > 0.5
    assert singular.max() / np.median(singular) < (clicks.max() / np.median(clicks)) / 3
    # The biases take AdamW's first step with torch's defaults: decay by lr·0.01, then lr·g/(|g| + ε).
    bias, click = params[2048:2080, 0], grad[2048:2080, 0]
    expected = -0.02 * 0.01 * bias - 0.02 * click / (np.abs(click) + 1e-8)
    np.testing.assert_allclose(turn[2048:2080], expected, rtol=1e-9)
    with pytest.raises(ValueError, match="two dimensions"):
        muon_on_tensors((("conv", (2, 2, 2)),))


@pytest.mark.parametrize(("call", "named"), [
    (lambda net: optim.simulate("sgd", net, noise=0.1), "batch_size"),
    (lambda net: optim.simulate("sgd", net, batch_size=0), "batch_size"),
    (lambda net: optim.simulate("sgd", net, batch_size=2.5), "batch_size"),
    (lambda net: optim.simulate("sgd", net, record_state=True), "record"),
    (lambda net: optim.simulate("sgd", net, start=np.zeros(5)), "start"),
    (lambda net: optim.simulate("sgd", net, start=np.full(2410, np.nan)), "finite"),
    (lambda net: optim.simulate("sgd", "bowl", batch_size=10), "networks"),
    (lambda net: optim.simulate("sgd", net, lr=-1.0), "lr"),
])
def test_bad_calls_on_a_network_are_refused(net, call, named):
    with pytest.raises(ValueError, match=named):
        call(net)


def test_a_network_trajectory_answers_what_it_can(net):
    tr = optim.simulate("adam", net, steps=6, lr=0.01)
    with pytest.raises(ValueError, match="no known combination"):
        tr.cracked_at()
    with pytest.raises(ValueError, match="no known combination"):
        tr.settled_at()
    table = tr.to_frame()
    assert list(table.columns) == ["step", "loss", "distance", "update"] and len(table) == 7
    np.testing.assert_allclose(table["distance"].iloc[1], table["update"].iloc[0])
    assert tr.on_network and not optim.simulate("sgd", "bowl", steps=2).on_network
