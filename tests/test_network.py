"""The digits network: its data and split, its loss and hand-derived gradient (against finite differences and
torch's autograd, recorded in tests/fixtures/torch_network.npz), and its mini-batches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import landscapes
from landscapes.network import LAYOUT, N_PARAMETERS, minibatch_indices, stratified_split

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = np.load(ROOT / "tests" / "fixtures" / "torch_network.npz")


@pytest.fixture(scope="module")
def net():
    return landscapes.digits_network()


def test_the_layout_is_torchs_sequential_mlp(net):
    assert net.layout == (("0.weight", (32, 64)), ("0.bias", (32,)), ("2.weight", (10, 32)), ("2.bias", (10,)))
    assert net.layout == LAYOUT and net.size == N_PARAMETERS == 2410
    assert net.init(seed=0).shape == (2410,)


def test_the_data_and_the_stratified_split(net):
    assert net.x_train.shape == (1437, 64) and net.x_test.shape == (360, 64)
    assert net.x_train.dtype == np.float64 and net.x_train.min() >= 0.0 and net.x_train.max() == 1.0
    assert set(np.unique(net.y_train)) == set(range(10)) == set(np.unique(net.y_test))
    labels = np.concatenate([net.y_train, net.y_test])
    share = np.bincount(labels) * 360 / labels.size
    assert np.all(np.abs(np.bincount(net.y_test) - share) < 1)  # every digit's share, to a whole image
    with pytest.raises(ValueError, match="read-only"):
        net.x_train[0, 0] = 0.5


def test_the_split_is_a_partition_and_repeats():
    labels = np.repeat(np.arange(10), 7)[np.random.default_rng(0).permutation(70)]
    train, test = stratified_split(labels, n_test=20, seed=3)
    assert len(test) == 20 and len(train) == 50 and not set(train) & set(test)
    np.testing.assert_array_equal(np.bincount(labels[test]), [2] * 10)
    again = stratified_split(labels, n_test=20, seed=3)
    np.testing.assert_array_equal(again[1], test)
    assert not np.array_equal(stratified_split(labels, n_test=20, seed=4)[1], test)


def test_init_draws_each_layer_within_torchs_range(net):
    theta = net.init(seed=0)
    parts = net.slices()
    for name, fan_in in (("0.weight", 64), ("0.bias", 64), ("2.weight", 32), ("2.bias", 32)):
        values = theta[parts[name][0]]
        assert np.abs(values).max() <= 1 / np.sqrt(fan_in) and np.abs(values).max() > 0.8 / np.sqrt(fan_in)
    np.testing.assert_array_equal(net.init(seed=0), theta)
    assert not np.array_equal(net.init(seed=1), theta)


@pytest.mark.parametrize("where", ["init", "large"])
def test_loss_gradient_and_accuracy_equal_torch_autograd(net, where):
    theta = FIXTURE[f"{where}_theta"]
    batch = FIXTURE["batch"]
    for split, (loss, grad) in (("train", net.loss_and_grad(theta)), ("batch", net.loss_and_grad(theta, batch))):
        np.testing.assert_allclose(loss, FIXTURE[f"{where}_{split}_loss"], rtol=1e-12)
        reference = FIXTURE[f"{where}_{split}_grad"]
        assert np.linalg.norm(grad - reference) <= 1e-12 * np.linalg.norm(reference)
    np.testing.assert_allclose(net.loss(theta, split="test"), FIXTURE[f"{where}_test_loss"], rtol=1e-12)
    assert net.accuracy(theta, split="test") == FIXTURE[f"{where}_test_accuracy"]
    assert net.accuracy(theta, split="train") == FIXTURE[f"{where}_train_accuracy"]


def test_gradient_matches_central_differences(net):
    rng = np.random.default_rng(5)
    theta = net.init(seed=2) * 2
    loss, grad = net.loss_and_grad(theta)
    h = 1e-5
    for _ in range(6):
        direction = rng.standard_normal(net.size)
        direction /= np.linalg.norm(direction)
        numeric = (net.loss(theta + h * direction) - net.loss(theta - h * direction)) / (2 * h)
        assert abs(numeric - grad @ direction) <= 1e-7 * max(1.0, abs(numeric))
    # and coordinate by coordinate on a few dials of each tensor
    for name, (rows, _) in net.slices().items():
        for index in (rows.start, rows.stop - 1):
            step = np.zeros(net.size)
            step[index] = h
            numeric = (net.loss(theta + step) - net.loss(theta - step)) / (2 * h)
            assert abs(numeric - grad[index]) <= 1e-8, name


def test_a_stack_of_vectors_is_each_vector(net):
    thetas = np.stack([net.init(seed=s) * (1 + s) for s in range(5)]).reshape(5, 1, net.size)
    losses, grads = net.loss_and_grad(thetas)
    assert losses.shape == (5, 1) and grads.shape == (5, 1, net.size)
    for i in range(5):
        loss, grad = net.loss_and_grad(thetas[i, 0])
        np.testing.assert_allclose(losses[i, 0], loss, rtol=1e-14)
        np.testing.assert_allclose(grads[i, 0], grad, rtol=1e-12, atol=1e-17)
    assert net.accuracy(thetas).shape == (5, 1) and net.predict(thetas[0, 0], net.x_test[:7]).shape == (7,)
    with pytest.raises(ValueError, match="2410"):
        net.loss(np.zeros(2409))


def test_minibatches_are_epochs_of_permutations():
    batches = minibatch_indices(100, 30, 7, seed=2)
    assert batches.shape == (7, 30)
    for epoch in (batches[0:3], batches[3:6]):
        assert len(np.unique(epoch)) == 90  # three batches of 30, no image twice, the last 10 left out
    np.testing.assert_array_equal(minibatch_indices(100, 30, 7, seed=2), batches)
    assert not np.array_equal(minibatch_indices(100, 30, 7, seed=3), batches)
    assert minibatch_indices(100, 30, 0, seed=2).shape == (0, 30)
    for bad in (0, 101):
        with pytest.raises(ValueError, match="batch_size"):
            minibatch_indices(100, bad, 3, seed=0)


def test_the_network_pickles_as_a_recipe(net):
    import pickle

    assert pickle.loads(pickle.dumps(net)) is net


def test_importing_the_app_core_does_not_import_scikit_learn():
    code = ("import sys, landscapes, optim, lab, viz, lab.claims, lab.lessons; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []
