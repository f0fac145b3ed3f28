"""Rprop: torch.optim.Rprop's own paths, its first steps by hand, batches, and refusals."""

import numpy as np
import pytest

import landscapes
import optim
from optim.hands.rprop import RPROP
from tests.calm import calm_stretch
from tests.hands2_fixtures import case_id, cases, schedule

START = np.array([-1.2, 1.0])


@pytest.mark.parametrize("case", cases("rprop"), ids=case_id)
def test_paths_match_torch_optim(case):
    tr = optim.simulate(RPROP, case["landscape"], start=case["start"], steps=case["steps"],
                        schedule=schedule(case["schedule"]), **case["torch_kwargs"])  # torch's etas=, step_sizes=
    assert tr.diverged_at is None
    # Every recorded Rprop run is calm throughout (tests/calm.py), so the whole path holds on any machine.
    assert calm_stretch(RPROP, case["landscape"], case["start"], case["steps"], schedule=schedule(case["schedule"]),
                        **case["torch_kwargs"]) == case["steps"] + 1
    np.testing.assert_array_equal(tr.points, np.array(case["points"]))  # only signs matter: bit for bit


def test_recorded_cases_cover_the_distinctive_options():
    chosen = [case for case in cases("rprop") if case["steps"] >= 120]
    used = set().union(*(case["torch_kwargs"] for case in chosen))
    assert {"etas", "step_sizes"} <= used and len({c["landscape"] for c in chosen}) >= 3
    assert any(c["schedule"] for c in chosen) and len(chosen) >= 4
    # Besides them, 20 random settings (60 steps, all five plain vaults), compared bit for bit.
    assert len([case for case in cases("rprop") if case["steps"] < 120]) == 20


def test_first_steps_by_hand():
    tr = optim.simulate(RPROP, "rosenbrock", start=START, steps=3, lr=0.01, etaminus=0.5, etaplus=1.2)
    g0, g1, g2 = tr.grads[:3]
    # Step 1: nothing heard before, so every dial moves by exactly lr against its click's sign.
    np.testing.assert_array_equal(tr.points[1], START - 0.01 * np.sign(g0))
    np.testing.assert_array_equal(tr.state["step_size"][0], [0.01, 0.01])
    # Step 2: a dial whose click kept its sign strides ×1.2; a flipped one shrinks ×0.5 and stays put.
    same = np.sign(g1) == np.sign(g0)
    stride = np.where(same, 0.01 * 1.2, 0.01 * 0.5)
    np.testing.assert_array_equal(tr.state["step_size"][1], stride)
    np.testing.assert_array_equal(tr.points[2], tr.points[1] - np.where(same, np.sign(g1), 0) * stride)


def test_a_flipped_click_skips_a_turn_then_the_stride_holds():
    # On the bowl f = x² + y² from (1, -1) a first stride of 1.5 overshoots both dials past zero.
    tr = optim.simulate(RPROP, "bowl", start=(1.0, -1.0), steps=3, lr=1.5)
    np.testing.assert_array_equal(tr.points[1], [-0.5, 0.5])
    np.testing.assert_array_equal(tr.points[2], tr.points[1])  # the flip: no turn, stride halved
    np.testing.assert_array_equal(tr.state["step_size"][1], [0.75, 0.75])
    # prev was zeroed, so the third step neither grows nor shrinks the stride.
    np.testing.assert_array_equal(tr.state["step_size"][2], [0.75, 0.75])
    np.testing.assert_array_equal(tr.points[3], [0.25, -0.25])


def test_steps_are_clamped_from_the_first_one():
    tr = optim.simulate(RPROP, "rosenbrock", start=START, steps=40, lr=0.5, step_size_max=0.1,
                        step_size_min=0.02)
    g0 = landscapes.LANDSCAPES["rosenbrock"].grad(START)
    np.testing.assert_array_equal(tr.points[1], START - 0.1 * np.sign(g0))
    sizes = tr.state["step_size"][:-1]
    assert sizes.max() == 0.1 and sizes.min() >= 0.02


def test_a_schedule_changes_nothing_as_in_torch():
    plain = optim.simulate(RPROP, "ravine", steps=60, lr=0.02)
    scheduled = optim.simulate(RPROP, "ravine", steps=60, lr=0.02, schedule="cosine")
    np.testing.assert_array_equal(plain.points, scheduled.points)


def test_a_batch_equals_its_runs_one_by_one():
    starts = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 1.5]])
    settings = {"lr": np.array([0.01, 0.1, 0.05]), "etaminus": np.array([0.5, 0.3, 0.7]),
                "etaplus": np.array([1.2, 1.5, 1.05]), "step_size_max": np.array([50.0, 0.2, 1.0])}
    batch = optim.simulate(RPROP, "beale", start=starts, steps=80, record_state=True, **settings)
    for i, start in enumerate(starts):
        single = optim.simulate(RPROP, "beale", start=start, steps=80, **{k: v[i] for k, v in settings.items()})
        np.testing.assert_array_equal(batch.points[i], single.points)
        np.testing.assert_array_equal(batch.state["step_size"][i], single.state["step_size"])


@pytest.mark.parametrize(("settings", "named"), [
    ({"etaminus": 1.0}, "etaminus"), ({"etaminus": 0.0}, "etaminus"),
    ({"etaplus": 1.0}, "etaplus"), ({"etaplus": 0.9}, "etaplus"),
    ({"step_size_min": -1e-6}, "step_size_min"), ({"step_size_max": np.inf}, "step_size_max"),
    ({"step_size_min": 2.0, "step_size_max": 1.0}, "step_size_min"),
    ({"lr": -0.01}, "lr"), ({"etas": (0.5,)}, "etas"), ({"step_sizes": 1.0}, "step_sizes"),
    ({"etas": (0.5, 1.2), "etaplus": 1.3}, "etas"), ({"etas": (0.5, 0.9)}, "etaplus"),
])
def test_bad_settings_raise_a_message_naming_them(settings, named):
    with pytest.raises(ValueError, match=named):
        optim.simulate(RPROP, "bowl", steps=3, **settings)


def test_torchs_pairs_are_the_split_names():
    paired = optim.simulate(RPROP, "beale", steps=30, etas=(0.3, 1.5), step_sizes=(1e-4, 0.5))
    split = optim.simulate(RPROP, "beale", steps=30, etaminus=0.3, etaplus=1.5, step_size_min=1e-4,
                           step_size_max=0.5)
    np.testing.assert_array_equal(paired.points, split.points)
    assert paired.hyperparameters == split.hyperparameters


def test_the_spec_tells_the_app_what_it_needs():
    assert RPROP.key == "rprop" and RPROP.torch_class.startswith("Rprop") and len(RPROP.description) > 60
    assert RPROP.shown_state(RPROP.defaults) == ("step_size", "prev")
    for h in RPROP.hyperparameters:
        assert h.help and h.symbol and h.low <= h.default <= h.high
