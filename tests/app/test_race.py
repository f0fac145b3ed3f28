"""The race: the page under AppTest (defaults, links, refusals, extremes, spinning off) and its tuning,
leaderboard and sentences as plain functions."""

from __future__ import annotations

import json

import numpy as np
import pytest

import landscapes
import optim
import viz
from lab.race import leaderboard
from optim.trajectory import stays_from
from optim.tuning import choose_rung, ladder_for
from tests.apptest_helpers import chart_words, charts, no_exception, open_page, replays, texts
from ui import race

PAGE = "pages/2_The_race.py"


def _board(at):
    return at.dataframe[0].value


def _expander_labels(at) -> list[str]:
    return [e.label for e in at.expander]


# --- the page -----------------------------------------------------------------------------------------

def test_defaults_race_three_tuned_hands_on_one_timeline():
    at = open_page(PAGE)
    no_exception(at)
    assert at.multiselect(key="optimizers").value == list(race.DEFAULT_RACERS)
    assert at.query_params["optimizers"] == ",".join(race.DEFAULT_RACERS)
    assert at.query_params["landscape"] == race.DEFAULT_LANDSCAPE
    race_map, loss = charts(at)
    figure = json.loads(race_map.proto.spec)
    (player,) = replays(at)
    assert player["panels"] == ["race_map"] and player["motion"]["last"] == 200, "the race is replayed"
    assert "Momentum cracked it at step 59" in player["description"]
    loss_words = chart_words(at)["race_loss"]
    assert "ends lowest" in loss_words["description"] and loss_words["name"]
    assert loss_words["table"]["header"][:2] == ["step", "Momentum x"] or "SGD x" in loss_words["table"]["header"]
    names = {trace.get("name") for trace in figure["data"]}
    assert {"SGD", "Momentum", "Adam"} <= names
    assert "Adam" in {trace.get("name") for trace in json.loads(loss.proto.spec)["data"]}
    board = _board(at)
    assert list(board["optimizer"]) == ["Momentum", "Adam", "SGD"], "cracked soonest first, the crawler last"
    assert list(board["lr from"]) == ["tuned"] * 3
    assert all("(tuned)" in label for label in _expander_labels(at)[:3])
    assert "Momentum cracked it at step 59; Adam cracked it at step 66" in texts(at) and "ends lowest" in texts(at)
    # Tuned lrs stay out of the address bar: the link re-tunes to the same values.
    assert not any(key.endswith(".lr") for key in at.query_params)
    assert not at.warning


def test_the_default_page_sends_less_than_the_budget():
    at = open_page(PAGE)
    sent = sum(len(chart.proto.spec) for chart in charts(at))
    sent += sum(len(e.proto.bytes) for e in at.get("bidi_component"))
    assert sent < 1_500_000


def test_a_link_restores_the_hands_and_their_settings():
    at = open_page(PAGE, {"optimizers": "adam,sgd", "adam.lr": "0.1", "adam.beta1": "0.8", "steps": "120"})
    no_exception(at)
    assert not at.warning
    assert at.multiselect(key="optimizers").value == ["adam", "sgd"]
    assert at.session_state["adam.lr"] == 0.1 and at.session_state["adam.beta1"] == pytest.approx(0.8)
    board = _board(at)
    assert len(board) == 2
    assert board.set_index("optimizer").loc["Adam", "lr from"] == "yours"
    assert board.set_index("optimizer").loc["SGD", "lr from"] == "tuned"
    assert at.query_params["adam.lr"] == "0.1" and at.query_params["adam.beta1"] == "0.8"


@pytest.mark.parametrize("query, reason", [
    ({"optimizers": "nonsense"}, "is not one of"),
    ({"optimizers": "sgd"}, "between 2 and 7"),
    ({"optimizers": "sgd,sgd"}, "between 2 and 7"),
    ({"adam.lr": "fast"}, "not a number"),
    ({"momentum.momentum": "1.5"}, "outside"),
    ({"steps": "-3"}, "outside"),
    ({"view": "upside down"}, "is not one of"),
])
def test_nonsense_in_the_link_is_ignored_with_a_warning(query, reason):
    at = open_page(PAGE, query)
    no_exception(at)
    assert at.warning and reason in at.warning[0].value
    assert at.multiselect(key="optimizers").value == list(race.DEFAULT_RACERS)
    assert len(charts(at)) == 2


def test_fewer_than_two_hands_is_a_clear_message_not_a_race():
    at = open_page(PAGE)
    at.multiselect(key="optimizers").set_value(["sgd"]).run()
    no_exception(at)
    assert any("at least 2 hands" in w.value for w in at.warning)
    assert not charts(at)


def test_all_seven_hands_can_race():
    at = open_page(PAGE, {"optimizers": ",".join(list(optim.OPTIMIZERS)[:7])})  # a race holds at most seven
    no_exception(at)
    assert len(_board(at)) == 7
    assert len(charts(at)) == 2


@pytest.mark.parametrize("landscape", ["rosenbrock", "saddle", "goldstein_price", "rastrigin", "linear_regression"])
def test_several_vaults(landscape):
    at = open_page(PAGE, {"landscape": landscape})
    no_exception(at)
    assert len(charts(at)) == 2 and len(_board(at)) == 3
    assert at.slider(key="start_x").value == landscapes.LANDSCAPES[landscape].start[0]


def test_a_diverging_hand_is_shown_spinning_off():
    at = open_page(PAGE, {"landscape": "rosenbrock", "optimizers": "sgd,adam", "sgd.lr": "1"})
    no_exception(at)
    assert "spun off at step" in texts(at)
    sgd = _board(at).set_index("optimizer").loc["SGD"]
    assert sgd["spun off at"].startswith("step ") and sgd["lr from"] == "yours"
    assert _board(at)["optimizer"].iloc[-1] == "SGD", "a hand that spun off ranks last"
    assert at.query_params["sgd.lr"] == "1"


def test_moving_an_lr_makes_it_yours_and_the_button_brings_back_the_tuned_one():
    at = open_page(PAGE)
    tuned = at.session_state["sgd.lr"]
    at.select_slider(key="sgd.lr").set_value(0.001).run()
    no_exception(at)
    assert at.query_params["sgd.lr"] == "0.001"
    assert any(label.startswith("SGD") and "(yours)" in label for label in _expander_labels(at))
    at.button(key="sgd.retune").click().run()
    no_exception(at)
    assert at.session_state["sgd.lr"] == tuned
    assert "sgd.lr" not in at.query_params


def test_a_tuned_lr_follows_the_vault():
    at = open_page(PAGE)
    at.selectbox(key="landscape").set_value("bowl").run()
    no_exception(at)
    bowl = landscapes.LANDSCAPES["bowl"]
    expected = race.tune_lr("sgd", "bowl", "", bowl.bounds, bowl.start, race.DEFAULT_STEPS, (("weight_decay", 0.0),)).lr
    assert at.session_state["sgd.lr"] == expected


def test_slider_extremes():
    at = open_page(PAGE)
    for key, end in (("steps", "max"), ("steps", "min"), ("start_x", "max"), ("start_y", "min")):
        slider = at.slider(key=key)
        slider.set_value(getattr(slider, end)).run()
        no_exception(at)
        assert len(charts(at)) == 2
    at.slider(key="momentum.momentum").set_value(0.99).run()
    at.select_slider(key="adam.lr").set_value(at.select_slider(key="adam.lr").options[-1]).run()
    no_exception(at)
    assert len(_board(at)) == 3


def test_the_side_by_side_view():
    at = open_page(PAGE, {"view": "Side by side"})
    no_exception(at)
    panels = json.loads(charts(at)[0].proto.spec)
    assert not panels.get("frames"), "side by side: static maps, one per hand"
    assert "xaxis3" in panels["layout"], "one panel per hand"
    assert at.query_params["view"] == "Side by side"


def test_your_own_formula_and_a_refused_one():
    at = open_page(PAGE, {"landscape": "custom", "expression": "x^2 + 3*y^2"})
    no_exception(at)
    assert len(charts(at)) == 2
    at = open_page(PAGE, {"landscape": "custom", "expression": "x +* y"})
    no_exception(at)
    assert not charts(at) and "refused" in at.main.error[0].value


# --- tuning, leaderboard and sentences, without Streamlit -----------------------------------------------

def test_settled_at_is_the_step_from_which_a_run_stays_cracked():
    inside = np.array([
        [False, False, True, True, True],   # settles at 2
        [False, True, False, True, True],   # passes through, settles at 3
        [False, True, True, True, False],   # leaves at the end: never settled
        [True, True, True, True, True],     # starts cracked
        [False, False, False, False, False],
    ])
    assert list(stays_from(inside)) == [2, 3, -1, 0, -1]


def test_the_race_takes_the_soonest_settled_rung_then_the_lowest_loss_and_never_a_spin_off():
    def pick(*args):
        return choose_rung(*args, steps=200, prefer="fast")

    # Rung 2 settles soonest; rung 3 would be sooner but spins off.
    assert pick([-1, 50, 20, 5], [1.0, 0.1, 0.2, np.nan], [-1, -1, -1, 7]) == 2
    # Tie on the step: the lower final loss wins.
    assert pick([30, 30], [0.5, 0.1], [-1, -1]) == 1
    # Nobody settles: the lowest final loss among the runs that did not spin off.
    assert pick([-1, -1, -1], [3.0, 0.5, np.nan], [-1, -1, 4]) == 1
    # Everyone spins off: the smallest rung.
    assert pick([-1, -1], [np.nan, np.nan], [3, 2]) == 0
    # The calm choice takes the smallest rung that settles with time to spare, not the soonest.
    assert choose_rung([-1, 120, 60, 20], [1.0, 0.1, 0.1, 0.1], [-1, -1, -1, -1], steps=200, prefer="calm") == 1


def test_tuning_on_the_ravine_tells_the_story():
    bounds, start = landscapes.LANDSCAPES["ravine"].bounds, landscapes.LANDSCAPES["ravine"].start
    tuned = {key: race.tune_lr(key, "ravine", "", bounds, start, 200, ()) for key in ("sgd", "momentum", "adam")}
    for key, tuning in tuned.items():
        assert tuning.lr in ladder_for(key)
        run = optim.simulate(key, "ravine", start, 200, lr=tuning.lr)
        assert run.diverged_at is None
    # Momentum and Adam both crack the ravine at their tuned lr; SGD cannot within 200 steps.
    assert "soonest" in tuned["momentum"].reason and "soonest" in tuned["adam"].reason
    assert not tuned["sgd"].cracks and "no learning rate cracks this vault for SGD" in tuned["sgd"].reason
    # The tuned lr beats every other non-diverging rung by the same rule.
    rungs = ladder_for("momentum")
    batch = optim.simulate("momentum", "ravine", start, 200, lr=rungs)
    settled = batch.settled_at()
    best = settled[list(rungs).index(tuned["momentum"].lr)]
    assert best == settled[(settled >= 0) & (batch.diverged_at < 0)].min()


def test_tuning_uses_the_hands_other_settings():
    bounds, start = landscapes.LANDSCAPES["ravine"].bounds, landscapes.LANDSCAPES["ravine"].start
    heavy = race.tune_lr("momentum", "ravine", "", bounds, start, 200, (("momentum", 0.9),))
    light = race.tune_lr("momentum", "ravine", "", bounds, start, 200, (("momentum", 0.0),))
    assert heavy.lr != light.lr


def _path(label, cracked=None, diverged=None, final=1.0, steps=10, settled="same"):
    loss = np.full(steps + 1, final)
    points = np.zeros((steps + 1, 2))
    if diverged is not None:
        loss[diverged:] = np.nan
        points[diverged:] = np.nan
    if settled == "same":  # these synthetic runs stay where they crack unless told otherwise
        settled = cracked if diverged is None else None
    return viz.PathView(label, label.lower(), points, loss, diverged, cracked, settled)


def test_leaderboard_order_and_words():
    race_paths = [
        _path("SGD", final=0.5),
        _path("Momentum", cracked=8, final=0.01),
        _path("Nesterov", diverged=3),
        _path("Adam", cracked=4, final=0.02),
        _path("AdaGrad", final=0.1),
        _path("RMSprop", cracked=2, diverged=6),
    ]
    board = leaderboard(race_paths, [0.1, 0.02, 0.5, 0.2, 1.0, 0.3], [True, True, False, True, True, True])
    assert list(board["optimizer"]) == ["Adam", "Momentum", "AdaGrad", "SGD", "RMSprop", "Nesterov"]
    assert list(board["cracked at"]) == ["step 4", "step 8", "never", "never", "no: spun off", "no: spun off"]
    assert list(board["spun off at"])[-2:] == ["step 6", "step 3"]
    assert list(board["place"]) == ["🥇 1", "🥈 2", "3", "4", "5", "6"], "medals only for hands that cracked it"
    assert board.set_index("optimizer").loc["Nesterov", "lr from"] == "yours"
    assert board.set_index("optimizer").loc["Nesterov", "final loss"] == "1"


def test_the_leaderboard_ranks_by_the_step_it_shows_and_a_swing_away_is_not_a_crack():
    # Adam first gets there at step 3 but only stays from step 9; Momentum arrives at 6 and stays;
    # SGD reaches it at step 2 and swings away.
    race_paths = [_path("Adam", cracked=3, settled=9, final=0.0), _path("Momentum", cracked=6, final=0.0),
                  _path("SGD", cracked=2, settled=None, final=0.3)]
    board = leaderboard(race_paths, [0.1] * 3, [True] * 3)
    assert list(board["optimizer"]) == ["Momentum", "Adam", "SGD"]
    assert list(board["cracked at"]) == ["step 6", "step 9", "no: reached at step 2, swung away"]
    assert list(board["place"]) == ["🥇 1", "🥈 2", "3"]
    sentence = viz.race_summary(race_paths)
    assert sentence.index("Momentum cracked it at step 6") < sentence.index("Adam cracked it at step 9")
    assert "SGD reached the combination at step 2 but swung away" in sentence


def test_no_medals_when_nobody_cracks_and_ties_share_a_place():
    race_paths = [_path("SGD", final=31.8384958), _path("Momentum", final=22.0), _path("Adam", final=31.8387481)]
    board = leaderboard(race_paths, [0.1] * 3, [True] * 3)
    assert list(board["place"]) == ["1", "=2", "=2"]  # Rastrigin: SGD and Adam both read 31.84
    assert not any(medal in place for place in board["place"] for medal in "🥇🥈🥉")
    tied = [_path("SGD", final=7.89e-31), _path("Momentum", final=0.0), _path("Adam", final=3e-20),
            _path("AdaGrad", final=0.5)]
    board = leaderboard(tied, [0.1] * 4, [True] * 4)
    assert list(board["place"]) == ["=1", "=1", "=1", "4"] and list(board["final loss"])[:3] == ["≈ 0"] * 3
    sentence = viz.race_summary(tied)
    assert "end level (loss ≈ 0)" in sentence and "ends lowest" not in race.loss_summary(tied)
    assert race.loss_summary(tied).startswith("SGD, Momentum and Adam end level and lowest (loss ≈ 0)")


def test_loss_summary_names_the_lowest_the_highest_and_the_spin_offs():
    text = race.loss_summary([_path("SGD", final=0.5), _path("Adam", final=1e-6), _path("Nesterov", diverged=3)])
    assert text.startswith("Adam ends lowest") and "SGD highest" in text
    assert "Nesterov's at step 3" in text and "where it spun off" in text
    two = race.loss_summary([_path("SGD", diverged=2), _path("Adam", diverged=5)])
    assert "where they spun off" in two
