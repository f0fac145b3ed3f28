"""Muon: the bfloat16 Newton–Schulz emulation against torch's own outputs, torch.optim.Muon's paths, the
fixed stride a 1×2 matrix gets, first steps by hand, batches, and refusals."""

import numpy as np
import pytest

import optim
from optim.hands.muon import MATCH_RMS_ADAMW, MUON, NS_COEFFICIENTS, newton_schulz, to_bfloat16
from tests.calm import calm_stretch
from tests.hands2_fixtures import RECORDED, case_id, cases, schedule

START = np.array([-1.2, 1.0])


def ours(torch_kwargs: dict) -> dict:
    """torch's defaults where our teaching defaults differ."""
    return {"weight_decay": 0.1, **torch_kwargs}


def stride(steps: int) -> float:
    """The length NS_k gives a 1×2 matrix: its one singular value, 1 after normalising, through the
    quintic k times (in exact arithmetic)."""
    a, b, c = NS_COEFFICIENTS
    s = 1.0
    for _ in range(steps):
        s = a * s + b * s**3 + c * s**5
    return s


def test_bfloat16_rounds_to_nearest_with_ties_to_even():
    values = np.array([1.0, 1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20, -2.5, np.inf,
                       np.finfo(np.float32).max], dtype=np.float32)
    expected = [1.0, 1.0, 1 + 2**-6, 1 + 2**-7, -2.5, np.inf, np.inf]
    np.testing.assert_array_equal(to_bfloat16(values), np.array(expected, dtype=np.float32))
    assert np.isnan(to_bfloat16(np.float32(np.nan)))


@pytest.mark.parametrize("steps", ["5", "3"])
def test_newton_schulz_is_torchs_bit_for_bit(steps):
    inputs = np.array(RECORDED["newton_schulz"]["inputs"]).T
    reference = np.array(RECORDED["newton_schulz"]["outputs"][steps]).T
    assert inputs.shape == (2, 4000)
    np.testing.assert_array_equal(newton_schulz(inputs, int(steps), 1e-7), reference)


@pytest.mark.parametrize("case", cases("muon"), ids=case_id)
def test_paths_match_torch_optim(case):
    tr = optim.simulate(MUON, case["landscape"], start=case["start"], steps=case["steps"],
                        schedule=schedule(case["schedule"]), **ours(case["torch_kwargs"]))
    assert tr.diverged_at is None
    reference = np.array(case["points"])
    # Over the calm stretch only (tests/calm.py): one random setting swings hard across the ravine, and a
    # last-bit difference there would grow past anything a comparison could hold on another machine.
    calm = calm_stretch(MUON, case["landscape"], case["start"], case["steps"], schedule=schedule(case["schedule"]),
                        **ours(case["torch_kwargs"]))
    assert calm >= 30
    points, reference = tr.points[:calm], reference[:calm]
    if case["schedule"] is None:
        np.testing.assert_array_equal(points, reference)
    else:
        # torch's schedulers compute the learning rate recursively, ours in closed form: they differ in
        # the last bit. Measured: within 9e-16 over 120 steps. (A last-bit difference in a click could
        # flip one bfloat16 rounding and move a step by ~lr/256; it did not happen on any recorded step.)
        np.testing.assert_allclose(points, reference, rtol=0, atol=1e-14)


def test_recorded_cases_cover_the_distinctive_options():
    chosen = [case for case in cases("muon") if case["steps"] >= 120]
    used = set().union(*(case["torch_kwargs"] for case in chosen))
    assert {"momentum", "nesterov", "weight_decay", "ns_steps", "adjust_lr_fn", "eps"} <= used
    assert len({c["landscape"] for c in chosen}) >= 3 and len(chosen) >= 4
    # Besides them, 20 random settings (60 steps, all five plain vaults), compared bit for bit.
    assert len([case for case in cases("muon") if case["steps"] < 120]) == 20


def test_first_step_by_hand():
    tr = optim.simulate(MUON, "rosenbrock", start=START, steps=1, lr=0.02, momentum=0.95)
    g0 = tr.grads[0]
    # B = (1 − μ) g, U = (1 − μ) g + μ B = (1 − μ²) g: a multiple of g, so NS returns g's direction
    # with length stride(5); bfloat16 keeps about 3 significant digits of it.
    np.testing.assert_allclose(tr.state["momentum_buffer"][0], 0.05 * g0, rtol=1e-15)
    turn = tr.points[1] - START
    np.testing.assert_allclose(turn, -0.02 * stride(5) * g0 / np.linalg.norm(g0), rtol=4e-2)


@pytest.mark.parametrize(("ns_steps", "landscape"), [(5, "rosenbrock"), (3, "beale"), (2, "himmelblau")])
def test_every_turn_has_the_same_length(ns_steps, landscape):
    tr = optim.simulate(MUON, landscape, steps=150, lr=0.01, ns_steps=ns_steps)
    lengths = np.linalg.norm(np.diff(tr.points, axis=0), axis=1)
    # bfloat16 rounding spreads the length: measured on torch's own outputs for 4000 random matrices
    # (not below ε), between 0.976 and 1.036 of the exact stride.
    np.testing.assert_allclose(lengths, 0.01 * stride(ns_steps), rtol=4e-2)


def test_the_stride_lengths_the_description_quotes():
    assert "0.7·lr with 5 steps, 0.72·lr with 3" in MUON.description
    assert round(stride(5), 1) == 0.7 and round(stride(3), 2) == 0.72


def test_weight_decay_and_the_adamw_matching_scale():
    plain = optim.simulate(MUON, "rosenbrock", start=START, steps=1, lr=0.02)
    both = optim.simulate(MUON, "rosenbrock", start=START, steps=1, lr=0.02, weight_decay=0.5,
                          adjust_lr_fn="match_rms_adamw")
    turn = plain.points[1] - START
    np.testing.assert_allclose(both.points[1], START * (1 - 0.02 * 0.5) + MATCH_RMS_ADAMW * turn, rtol=1e-14)


def test_a_batch_equals_its_runs_one_by_one():
    starts = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 1.5]])
    settings = {"lr": np.array([0.02, 0.1, 0.05]), "momentum": np.array([0.95, 0.0, 0.5]),
                "nesterov": np.array([True, False, True]), "ns_steps": np.array([5, 1, 3]),
                "weight_decay": np.array([0.0, 0.1, 0.5]), "adjust_lr_fn": np.array([False, True, False])}
    batch = optim.simulate(MUON, "beale", start=starts, steps=80, record_state=True, **settings)
    for i, start in enumerate(starts):
        single = optim.simulate(MUON, "beale", start=start, steps=80, **{k: v[i].item() for k, v in settings.items()})
        np.testing.assert_array_equal(batch.points[i], single.points)
        np.testing.assert_array_equal(batch.state["orthogonalized"][i], single.state["orthogonalized"])


@pytest.mark.parametrize(("settings", "named"), [
    ({"momentum": 1.0}, "momentum"), ({"ns_steps": 0}, "ns_steps"), ({"ns_steps": 100}, "ns_steps"),
    ({"ns_steps": 2.5}, "ns_steps"), ({"eps": -1e-7}, "eps"), ({"weight_decay": -0.1}, "weight_decay"),
    ({"adjust_lr_fn": "spectral"}, "adjust_lr_fn"), ({"ns_coefficients": (1, 2, 3)}, "ns_coefficients"),
])
def test_bad_settings_raise_a_message_naming_them(settings, named):
    with pytest.raises(ValueError, match=named):
        optim.simulate(MUON, "bowl", steps=3, **settings)


def test_the_spec_tells_the_app_what_it_needs():
    assert MUON.key == "muon" and "1×2" in MUON.torch_class and "bit for bit" in MUON.description
    assert MUON.shown_state(MUON.defaults) == ("momentum_buffer", "orthogonalized")
    for h in MUON.hyperparameters:
        assert h.help and h.symbol and (h.is_switch or h.low <= h.default <= h.high)
