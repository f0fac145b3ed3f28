"""The claims table (lab/claims.py): each sentence is on its page and its scene does what it says, also from
every scene's start moved by a hair (so no CPU's rounding can falsify it); every lesson's run tells a robust
story; and the rule for every page's default scene: no hand leaves the map and comes back."""

from __future__ import annotations

import numpy as np
import pytest

import landscapes
import optim
from lab import claims, lessons, outcome
from lab.claims import CLAIMS
from optim import story
from optim.tuning import leapt_at, left_map_at

# The scenes as the pages show them (None), then from their starts moved by optim.story.NUDGE each way.
NUDGES = [None, *claims.CHECKED_NUDGES]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("nudge", NUDGES, ids=["as_shown", *(f"nudged_{k}" for k in NUDGES[1:])])
@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.page}: {c.words[:40]}" for c in CLAIMS])
def test_each_claim_is_on_its_page_and_its_scene_does_what_it_says(claim, nudge):
    assert _flat(claim.words) in _flat(claim.text()), f"the words are no longer on {claim.page}"
    with claims.nudged(nudge):
        assert claim.check(), f"{claim.page}: the scene ({claim.scene}) no longer does what the words say" + (
            "" if nudge is None else f", from its start moved by {story.NUDGE:g}")


def test_a_nudged_check_really_starts_elsewhere():
    shown = claims.run("sgd", "bowl", steps=3, lr=0.1)
    with claims.nudged(2):
        moved = claims.run("sgd", "bowl", steps=3, lr=0.1)
        lesson = claims.lesson_runs("ravine")[0]
    assert 0 < np.linalg.norm(moved.points[0] - shown.points[0]) <= 1.0001 * story.NUDGE
    assert not np.array_equal(lesson.points[0], claims.lesson_runs("ravine")[0].points[0])


@pytest.mark.parametrize("slug", list(lessons.LESSONS))
def test_every_lesson_run_tells_a_robust_story(slug):
    lesson = lessons.LESSONS[slug]
    for run in lesson.runs:
        verdict = lesson.scene(run).robustness()
        assert verdict.robust, f"{slug}, {run.title}: {verdict.explain()}"


def test_every_lesson_with_a_changed_story_has_a_claim():
    pages = {c.page for c in CLAIMS}
    for title in ("The ravine", "The saddle", "Too hot", "AdaGrad tires out", "Adam with L2 against AdamW"):
        assert f"Lessons · {title}" in pages
    for hand in ("SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"):
        assert f"Hand · {hand}" in pages


def _comes_back(points, bounds) -> bool:
    """Whether a run that left the map is on it again later."""
    first = outcome.left_map_at(points, bounds)
    if first is None:
        return False
    return any(outcome.left_map_at(point[None], bounds) is None for point in points[first:])


# Lessons that leave the map on purpose, and say so.
LEAVES_ON_PURPOSE = {"saddle", "too_hot", "beale_cliffs"}


@pytest.mark.parametrize("slug", list(lessons.LESSONS))
def test_no_lesson_run_leaves_the_map_and_comes_back(slug):
    lesson = lessons.LESSONS[slug]
    runs = lessons.simulate(lesson)
    for run in runs:
        assert not _comes_back(run.points, lesson.surface.bounds), f"{slug}: a run leaves the map and comes back"
        # A run that spins off on purpose may leap on its way out; every other run walks.
        if run.diverged_at is None:
            assert leapt_at(run) is None, f"{slug}: a run jumps a hump in one step"
    leaves = any(left_map_at(run) is not None for run in runs)
    assert leaves == (slug in LEAVES_ON_PURPOSE)
    if leaves:
        assert "leaves the map on purpose" in lesson.explanation


@pytest.mark.parametrize("lr", [0.02, 0.1, 0.45, 0.9])
def test_the_home_demo_stays_on_the_map_below_the_limit(lr):
    run = optim.simulate("sgd", "bowl", np.array([-3.5, 2.5]), 40, lr=lr)
    assert left_map_at(run) is None
    assert (run.settled_at() is None) == (lr == 0.02)  # "too little per click and the night ends first"


def test_a_swing_back_onto_the_map_is_detected():
    bounds = landscapes.LANDSCAPES["bowl"].bounds
    away_and_back = np.array([[0.0, 0.0], [9.0, 0.0], [0.0, 0.0]])
    away = np.array([[0.0, 0.0], [9.0, 0.0], [99.0, 0.0]])
    assert _comes_back(away_and_back, bounds) and not _comes_back(away, bounds)


def test_the_ravine_lesson_marks_where_each_hand_is_at_the_quoted_step():
    lesson = lessons.LESSONS["ravine"]
    marks = dict(lessons.landmarks(lesson))
    sgd, momentum = (marks[f"{run.title} at step {lessons.RAVINE_CHECKPOINT}"] for run in lesson.runs)
    assert round(sgd[0], 1) == -3.6 and round(momentum[0], 1) == -0.6
