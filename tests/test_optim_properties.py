"""Property tests: whatever a learner sets within the sliders' ranges, a run ends in a path, never a crash."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import landscapes
import optim


@st.composite
def runs(draw):
    spec = optim.OPTIMIZERS[draw(st.sampled_from(sorted(optim.OPTIMIZERS)))]
    surface = landscapes.LANDSCAPES[draw(st.sampled_from(sorted(landscapes.LANDSCAPES)))]
    (x0, x1), (y0, y1) = surface.bounds
    start = (draw(st.floats(x0, x1)), draw(st.floats(y0, y1)))
    hp = {}
    for h in spec.hyperparameters:
        if h.is_switch:
            hp[h.name] = draw(st.booleans())
        elif h.log:
            hp[h.name] = float(10 ** draw(st.floats(np.log10(h.low), np.log10(h.high))))
        elif getattr(h, "whole", False):  # a count (L-BFGS's history, Muon's Newton–Schulz steps)
            hp[h.name] = float(draw(st.integers(int(h.low), int(h.high))))
        else:
            hp[h.name] = draw(st.floats(h.low, h.high))
    extras = {"noise": draw(st.sampled_from([0.0, 0.1, 3.0])),
              "schedule": draw(st.sampled_from(sorted(optim.SCHEDULES)))}
    return spec.key, surface.key, start, hp, extras


@settings(max_examples=150, deadline=None)
@given(runs(), st.integers(0, 120))
def test_any_setting_in_range_gives_a_path_or_a_flagged_divergence(run, steps):
    key, surface, start, hp, extras = run
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optim.simulate(key, surface, start=start, steps=steps, **hp, **extras)
    assert tr.points.shape == (steps + 1, 2) and tr.loss.shape == (steps + 1,)
    end = steps + 1 if tr.diverged_at is None else tr.diverged_at
    assert np.isfinite(tr.points[:end]).all() and np.isfinite(tr.loss[:end]).all()
    assert np.isnan(tr.points[end:]).all() and np.isnan(tr.loss[end:]).all()
    assert tr.diverged_at is None or tr.diverged_at >= 1
    table = tr.to_frame()
    assert len(table) == steps + 1


@settings(max_examples=40, deadline=None)
@given(runs())
def test_a_random_batch_matches_its_first_run(run):
    key, surface, start, hp, extras = run
    starts = np.array([start, landscapes.LANDSCAPES[surface].start])
    batch = optim.simulate(key, surface, start=starts, steps=60, schedule=extras["schedule"], **hp)
    single = optim.simulate(key, surface, start=start, steps=60, schedule=extras["schedule"], **hp)
    np.testing.assert_array_equal(batch.points[0], single.points)
