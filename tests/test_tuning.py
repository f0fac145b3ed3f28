"""optim.tuning: what counts as leaving the map and leaping a hump, and how a rung is chosen."""

from __future__ import annotations

import numpy as np
import pytest

import landscapes
import optim
from optim.trajectory import Trajectory
from optim.tuning import (
    MAP_MARGIN,
    Tuning,
    choose_rung,
    hump_sizes,
    leapt_at,
    left_map_at,
    suggest_lr,
    tune,
)


def _path(landscape: str, points) -> Trajectory:
    surface = landscapes.LANDSCAPES[landscape]
    points = np.asarray(points, dtype=np.float64)
    return Trajectory("sgd", surface, {}, points, surface.f(points), None)


def test_leaving_the_map_allows_a_hair_of_slack_and_no_more():
    bowl = landscapes.LANDSCAPES["bowl"]  # bounds +-4, longer side 8
    pad = MAP_MARGIN * 8
    assert left_map_at(_path("bowl", [[0, 0], [4 + 0.9 * pad, 0], [0, 0]])) is None
    assert left_map_at(_path("bowl", [[0, 0], [1, 1], [0, -4 - 1.1 * pad], [0, 0]])) == 2
    assert bowl.extent == (8.0, 8.0)


def test_a_step_across_a_convex_valley_is_no_hump_but_one_over_a_ridge_is():
    # Overshooting the ravine's floor: the loss falls, then rises; never rises then falls.
    assert np.nanmax(hump_sizes(_path("ravine", [[-9, 2], [-8.9, -1.5], [-8.8, 1.2]]))) < 1e-12
    # Styblinski-Tang's x dial: from the shallow notch over the hump at x ~ 0.16 into the deep one.
    leap = _path("styblinski_tang", [[2.75, -2.9], [-2.9, -2.9]])
    assert hump_sizes(leap)[0] > 20
    assert leapt_at(leap) == 0
    # The same crossing in small steps is a glide, not a leap.
    glide = _path("styblinski_tang", np.column_stack([np.linspace(2.75, -2.9, 101), np.full(101, -2.9)]))
    assert leapt_at(glide) is None


def test_batches_answer_per_run():
    batch = optim.simulate("sgd", "styblinski_tang", steps=50, lr=np.array([0.01, 0.05, 0.1]), record_state=False)
    leaps, offs = leapt_at(batch), left_map_at(batch)
    assert leaps.shape == offs.shape == (3,)
    assert leaps[0] == -1 and leaps[1] == 0 and offs[2] >= 0


def test_choose_rung_skips_inadmissible_rungs():
    settled, final, diverged = [-1, 40, 4, 30], [5.0, 0.1, 0.0, 0.1], [-1, -1, -1, -1]
    # Rung 2 settles soonest but jumped a hump: rung 3 wins the race, rung 1 the calm choice.
    admissible = [True, True, False, True]
    assert choose_rung(settled, final, diverged, 200, "fast", admissible=admissible) == 3
    assert choose_rung(settled, final, diverged, 200, "calm", admissible=admissible) == 1
    # Nobody cracks: the smallest of the rungs that get furthest down, ties within a thousandth of the drop.
    assert choose_rung([-1] * 4, [3.0, 1.0, 1.0005, 0.5], [-1] * 4, 200, admissible=[True, True, True, False],
                       start_loss=10.0) == 1


def test_tune_says_when_no_rate_cracks_the_vault():
    result = tune("sgd", "rastrigin")
    assert isinstance(result, Tuning) and not result.cracks and result.settled_at is None
    assert result.reason.startswith("no learning rate cracks this vault for SGD from here")
    assert result.left_map > 0 and result.rungs == len(optim.tuning.lr_ladder(1e-4, 1.0))
    cracked = tune("momentum", "ravine", prefer="fast")
    assert cracked.cracks and cracked.settled_at is not None and "soonest" in cracked.reason
    with pytest.raises(ValueError, match="prefer"):
        tune("sgd", "bowl", prefer="luckiest")


def test_a_vaults_teaching_rate_holds_only_for_the_scene_its_story_is_told_in():
    camel = landscapes.LANDSCAPES["three_hump_camel"]
    story = tune("sgd", "three_hump_camel")
    assert story.teaching and story.lr == camel.teaching_lr["sgd"] and not story.cracks
    assert "story" in story.reason
    assert not tune("sgd", "three_hump_camel", start=(-2.0, 2.0)).teaching
    assert not tune("sgd", "three_hump_camel", weight_decay=0.1).teaching
    assert tune("sgd", "three_hump_camel", start=camel.start, noise=0.0).teaching
    with pytest.raises(TypeError):
        camel.teaching_lr["sgd"] = 1.0


def test_suggest_lr_is_the_tuned_rate():
    assert suggest_lr("adam", "himmelblau") == tune("adam", "himmelblau").lr
