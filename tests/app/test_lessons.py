"""Lessons: the page (AppTest, through the entrypoint), and every lesson's claim checked against its own runs."""

from __future__ import annotations

import html
import itertools
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
import optim
import viz
from lab import lessons
from lab.claims import CHECKED_NUDGES
from tests.apptest_helpers import open_page
from ui import lessons as ui_lessons

PAGE = "pages/5_Lessons.py"
SLUGS = list(lessons.LESSONS)


def open_lessons(**query) -> AppTest:
    return open_page(PAGE, {key: str(value) for key, value in query.items()})


def markdown_text(at: AppTest) -> str:
    return html.unescape(" ".join(m.value for m in at.markdown))


# --- the page ---------------------------------------------------------------------------------------------

def test_defaults_ask_first_and_show_nothing_yet():
    at = open_lessons()
    assert not at.exception
    assert at.selectbox(key="lesson").value == SLUGS[0]
    assert at.query_params["lesson"] == SLUGS[0]
    assert at.radio(key=f"guess_{SLUGS[0]}").value is None
    assert at.button(key=f"run_{SLUGS[0]}").disabled
    assert not at.get("plotly_chart") and not at.success and not at.error


@pytest.mark.parametrize("slug", SLUGS)
def test_each_lesson_runs_after_a_guess_and_says_whether_it_was_right(slug):
    lesson = lessons.LESSONS[slug]
    at = open_lessons(lesson=slug)
    assert not at.exception
    assert lesson.question in markdown_text(at)
    wrong = next(i for i in range(len(lesson.options)) if i != lesson.correct)
    at.radio(key=f"guess_{slug}").set_value(wrong).run()
    assert not at.button(key=f"run_{slug}").disabled
    at.button(key=f"run_{slug}").click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    assert at.error and "Not quite" in at.error[0].value and lesson.options[lesson.correct] in at.error[0].value
    text = markdown_text(at)
    assert "Measured on these runs" in text and lesson.explanation.split("\n")[0] in text
    at.radio(key=f"guess_{slug}").set_value(lesson.correct).run()
    assert at.success and "Right" in at.success[0].value and not at.error


def test_a_shown_lesson_reruns_and_shows_in_presenter_mode():
    at = open_lessons(lesson="too_hot")
    at.radio(key="guess_too_hot").set_value(2).run()
    at.button(key="run_too_hot").click().run()
    at.run()
    assert not at.exception
    at.toggle(key="presenter").set_value(True).run()
    assert not at.exception and len(at.get("plotly_chart")) == 1 and at.success


def test_the_guess_and_the_run_live_in_the_address_and_survive_a_refresh():
    at = open_lessons(lesson="too_hot")
    at.radio(key="guess_too_hot").set_value(1).run()
    assert at.query_params["guess"] == "1" and "ran" not in at.query_params
    at.button(key="run_too_hot").click().run()
    assert at.query_params["guess"] == "1" and at.query_params["ran"] == "true"
    # A refresh is a new session on the same address: the guess and the run come back.
    again = open_lessons(**{key: at.query_params[key] for key in ("lesson", "guess", "ran")})
    assert not again.exception
    assert again.radio(key="guess_too_hot").value == 1 and len(again.get("plotly_chart")) == 1
    assert again.error and "Not quite" in again.error[0].value
    # Asking again clears them from the address too.
    again.button(key="again_too_hot").click().run()
    assert "guess" not in again.query_params and "ran" not in again.query_params
    assert not again.get("plotly_chart")


def test_a_guess_in_the_address_without_a_run_is_kept_but_not_run():
    at = open_lessons(lesson="saddle", guess="1")
    assert not at.exception
    assert at.radio(key="guess_saddle").value == 1 and not at.get("plotly_chart")
    assert not at.button(key="run_saddle").disabled


def test_a_guess_that_is_not_an_option_warns_and_is_ignored():
    at = open_lessons(lesson="lion_stride", guess="7", ran="true")
    assert not at.exception
    assert any("`guess=7`" in w.value for w in at.warning)
    assert at.radio(key="guess_lion_stride").value is None and not at.get("plotly_chart")


def test_an_unknown_lesson_in_the_link_warns_and_starts_at_the_first():
    at = open_lessons(lesson="../../etc/passwd")
    assert not at.exception
    assert any("`lesson=" in w.value for w in at.warning)
    assert at.selectbox(key="lesson").value == SLUGS[0]


def test_next_lesson_and_ask_again():
    at = open_lessons(lesson=SLUGS[-2])
    slug = SLUGS[-2]
    at.radio(key=f"guess_{slug}").set_value(0).run()
    at.button(key=f"run_{slug}").click().run()
    at.button(key=f"again_{slug}").click().run()
    assert not at.exception and not at.get("plotly_chart") and at.radio(key=f"guess_{slug}").value is None
    at.radio(key=f"guess_{slug}").set_value(1).run()
    at.button(key=f"run_{slug}").click().run()
    at.button(key="next_lesson").click().run()
    assert at.selectbox(key="lesson").value == SLUGS[-1] and at.query_params["lesson"] == SLUGS[-1]
    # Coming back, the lesson still shows its run and the guess made.
    at.selectbox(key="lesson").set_value(slug).run()
    assert at.radio(key=f"guess_{slug}").value == 1 and len(at.get("plotly_chart")) == 1


# --- the content ------------------------------------------------------------------------------------------

def test_lessons_are_well_formed():
    assert len(lessons.LESSONS) >= 6 and len(set(SLUGS)) == len(SLUGS)
    for lesson in lessons.LESSONS.values():
        assert len(lesson.options) >= 2 and 0 <= lesson.correct < len(lesson.options)
        assert 1 <= len(lesson.runs) <= 7 and lesson.landscape in landscapes.LANDSCAPES
        for run in lesson.runs:
            optim.OPTIMIZERS[run.optimizer].resolve(dict(run.hyperparameters))
        assert len({run.title for run in lesson.runs}) == len(lesson.runs)  # the legend tells them apart


def test_every_lesson_has_its_claim_checked():
    assert set(CLAIMS) == set(lessons.LESSONS)


@pytest.mark.parametrize("nudge", [None, *CHECKED_NUDGES],
                         ids=["as_shown", *(f"nudged_{k}" for k in CHECKED_NUDGES)])
@pytest.mark.parametrize("slug", SLUGS)
def test_lesson_claim_holds(slug, nudge):
    """As the page shows it, and from every start moved by a hair: what another CPU's rounding could change
    is not claimed."""
    lesson = lessons.LESSONS[slug]
    runs = lessons.simulate(lesson, nudge)
    CLAIMS[slug](lesson, runs)
    assert lessons.facts(lesson, runs)  # the sentence built from the same measurements reads


@pytest.mark.parametrize("slug", SLUGS)
def test_lesson_figures_stay_small(slug):
    lesson = lessons.LESSONS[slug]
    replay = viz.replay(lesson.surface, ui_lessons.paths(lesson, lessons.simulate(lesson)))
    assert len(replay.figure.to_json()) + len(json.dumps(replay.motion)) < 1_500_000


# --- one check per lesson: what its question and explanation promise -------------------------------------

def claim_ravine(lesson, runs):
    sgd, momentum = runs
    assert lesson.options[lesson.correct] == "Momentum"
    assert sgd.cracked_at() is None and sgd.diverged_at is None  # SGD holds together but does not arrive
    assert momentum.cracked_at() is not None and momentum.cracked_at() < 100  # "well under 100 steps"
    assert lessons.overshoot_ratio(sgd) < 0  # the zig-zag: y lands on the other side each turn
    assert 0.09 * 20 < 2  # SGD's lr sits under the limit 2/20 the explanation quotes


def claim_saddle(lesson, runs):
    sgd, adam = runs
    assert lesson.options[lesson.correct] == "Adam"
    sgd_distance = np.linalg.norm(sgd.points, axis=1)
    assert (sgd_distance < 0.3).sum() >= 15  # "lingers there for some twenty steps"
    assert 35 <= lessons.first_step_beyond(sgd, 0.5) <= 45  # "after about forty steps"
    assert lessons.first_step_beyond(adam, 0.5) <= 12  # "within a dozen steps"
    assert np.linalg.norm(adam.points, axis=1).min() > 0.5  # "never comes near the centre"


def claim_too_hot(lesson, runs):
    calm, hot = runs
    assert lesson.options[lesson.correct] == "It spins off"
    assert calm.diverged_at is None and hot.diverged_at is not None and hot.diverged_at <= 35
    assert lessons.overshoot_ratio(calm) == pytest.approx(-0.8)
    assert lessons.overshoot_ratio(hot) == pytest.approx(-1.2)


def claim_trap(lesson, runs):
    assert lesson.options[lesson.correct] == "Neither"
    for run in runs:
        assert run.cracked_at() is None and run.diverged_at is None
        assert np.allclose(run.points[-1], (-4, 4), atol=0.05)  # the first notch, near (-4, 4)
        assert run.final_loss == pytest.approx(32, abs=0.5)


def claim_four_combinations(lesson, runs):
    assert lesson.options[lesson.correct].startswith("Four")
    starts = [lesson.start_of(run) for run in lesson.runs]
    assert max(np.hypot(a[0] - b[0], a[1] - b[1]) for a, b in itertools.combinations(starts, 2)) <= 0.6
    reached = {int(lesson.surface.nearest_minimum(run.points[-1])[0]) for run in runs}
    assert len(reached) == 4
    assert all(run.distance_to_minimum()[-1] < 1e-6 for run in runs)


def claim_noisy_clicks(lesson, runs):
    sgd, momentum = runs
    assert lesson.options[lesson.correct] == "Momentum"
    heard = [run.grads[:-1] - lesson.surface.grad(run.points[:-1]) for run in runs]
    assert lesson.noise > 0 and np.allclose(heard[0], heard[1])  # both hear exactly the same noise
    assert sgd.hyperparameters["lr"] == pytest.approx(momentum.hyperparameters["lr"] / (1 - 0.9))
    ratio = lessons.path_length(sgd) / lessons.path_length(momentum)
    assert 3 <= ratio <= 5  # "about four times as far"
    assert lessons.heading_kept(momentum) > 0.5 > 0 > lessons.heading_kept(sgd)
    clouds = lessons.cloud_size(sgd) / lessons.cloud_size(momentum)
    assert 1 / 1.5 < clouds < 1.5  # "a cloud of about the same size"


def claim_adamw(lesson, runs):
    adam, adamw = runs
    assert lesson.options[lesson.correct] == "AdamW"
    best = np.asarray(lesson.surface.minima[0])
    ridge = lessons.l2_resting_point(lesson.landscape, 0.1)
    assert np.allclose(adam.points[-1], ridge, atol=1e-4)  # Adam + L2 rests where the penalised loss is lowest
    assert np.allclose(ridge, (1.56, -1.07), atol=0.005) and np.allclose(best, (1.69, -1.36), atol=0.005)
    assert np.linalg.norm(adamw.points[-1] - best) < 0.6 * np.linalg.norm(adam.points[-1] - best)
    # The penalised loss's gradient vanishes at the ridge point.
    assert np.allclose(lesson.surface.grad(ridge) + 0.1 * ridge, 0, atol=1e-9)


def claim_adagrad_tires(lesson, runs):
    adagrad, rmsprop = runs
    assert lesson.options[lesson.correct] == "RMSprop"
    assert adagrad.cracked_at() is None and rmsprop.cracked_at() is not None
    turns = lessons.step_lengths(adagrad)
    assert 20 <= turns[0] / turns[-1] <= 45  # "some thirty times shorter"
    assert np.all(np.diff(turns[5:]) < 0)  # every step shorter than the one before, once under way
    assert adagrad.distance_to_minimum()[-1] > 5  # "far from the combination"


def claim_first_step(lesson, runs):
    adam, sgd = runs
    assert lesson.options[lesson.correct] == "Both by exactly 0.1"
    grad = np.abs(lesson.surface.grad(np.asarray(lesson.start)))
    assert grad[0] / grad[1] == pytest.approx(23, rel=0.02)
    assert np.allclose(lessons.first_turn(adam), 0.1, rtol=1e-6)
    first = lessons.first_turn(sgd)
    assert first[0] / first[1] == pytest.approx(23, rel=0.02)
    assert 0.1 * (1 - 0.9) / np.sqrt(1 - 0.999) == pytest.approx(0.32, abs=0.01)  # "≈ 3.2 times" uncorrected


CLAIMS = {"ravine": claim_ravine, "saddle": claim_saddle, "too_hot": claim_too_hot, "trap": claim_trap,
          "four_combinations": claim_four_combinations, "noisy_clicks": claim_noisy_clicks, "adamw": claim_adamw,
          "adagrad_tires": claim_adagrad_tires, "first_step": claim_first_step}


def claim_beale_cliffs(lesson, runs):
    rprop, adam, momentum = runs
    assert lesson.options[lesson.correct] == "Rprop"
    cracked = rprop.cracked_at()
    assert cracked is not None and cracked <= 30  # "within thirty steps"
    strides = rprop.state["step_size"][:cracked]
    assert strides[0, 0] == 0.01 and 0.4 <= strides.max() < 0.5  # "from 0.01 ... to almost 0.5"
    assert strides[strides.argmax(axis=0).max():].min() < strides.max() / 2  # "and back down where it bends"
    clicks = np.abs(rprop.grads[:cracked])
    assert clicks.max() / clicks.min() > 2000  # "a factor of more than two thousand"
    assert momentum.diverged_at is not None and momentum.diverged_at <= 10  # "spins off within ten steps"
    assert adam.cracked_at() is None and adam.diverged_at is None
    distance = adam.distance_to_minimum()
    assert distance[-1] < distance[-101] and adam.final_loss > 1e-3  # "still creeping ... after 300 steps"


def claim_lbfgs_ravine(lesson, runs):
    lbfgs, momentum = runs
    assert lesson.options[lesson.correct] == "Fewer than ten"
    assert lbfgs.cracked_at() is not None and lbfgs.cracked_at() < 10
    distance = lbfgs.distance_to_minimum()
    assert distance[2] > 0.95 * distance[0]  # "first turns are short and probing"
    assert 7.5 < distance[3] < 8.5 and distance[4] < 1.6 and lbfgs.state["t"][3, 0] == 1.0  # one full stride
    evaluations = lbfgs.state["func_evals"][lbfgs.cracked_at() - 1, 0]
    assert 9 <= evaluations <= 15  # "about a dozen evaluations"
    assert 50 <= momentum.cracked_at() <= 70 and momentum.cracked_at() > evaluations  # "some sixty steps"


def claim_lion_stride(lesson, runs):
    lion, adam = runs
    assert lesson.options[lesson.correct].startswith("Lion's stay exactly 0.05")
    turns = np.abs(np.diff(lion.points, axis=0))
    assert turns.shape == (200, 2) and np.allclose(turns, 0.05, rtol=0, atol=1e-12)  # all 400 dial turns
    # Ticking across the combination, within a stride of it (plus the hair a nudged start sits off the grid).
    assert lion.distance_to_minimum()[-20:].max() <= 0.05 * np.sqrt(2) + 1e-6
    assert np.allclose(lessons.first_turn(adam), 0.05, rtol=1e-6)
    adam_steps = lessons.step_lengths(adam)
    assert adam_steps[0] / adam_steps[-1] > 1000 and adam.settled_at() is not None  # "a thousandfold", settles


CLAIMS.update({"beale_cliffs": claim_beale_cliffs, "lbfgs_ravine": claim_lbfgs_ravine,
               "lion_stride": claim_lion_stride})
