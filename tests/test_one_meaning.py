"""One meaning of "cracked" on every page: the race's leaderboard, its sentence, the map's best cell and its
replay name the same runs in the same order, each by the step it stays at the combination from."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest

import landscapes
import optim
import viz
from lab import outcome, race, stability, sweeps
from lab.scene import Scene
from optim.tuning import MAP_MARGIN, leapt_at, left_map_at, robustness, suggest_lr
from ui import race as ui_race
from ui import settings_map

DEFAULT_RACERS = ui_race.DEFAULT_RACERS
NAMED_BY_THE_ISSUE = ["goldstein_price", "six_hump_camel", "three_hump_camel", "linear_regression"]


@cache
def default_race(vault: str, racers: tuple[str, ...] = DEFAULT_RACERS):
    surface = landscapes.LANDSCAPES[vault]
    paths, lrs = [], []
    for key in racers:
        spec = optim.OPTIMIZERS[key]
        others = tuple((h.name, h.default) for h in spec.hyperparameters if h.name != "lr")
        scene = Scene(vault, "", surface.bounds, key, others, ui_race.DEFAULT_STEPS, tuple(surface.start))
        lr = race.tune(scene).lr
        trajectory = optim.simulate(key, vault, steps=ui_race.DEFAULT_STEPS, lr=lr)
        paths.append(viz.path_view(trajectory, label=spec.title))
        lrs.append(lr)
    return paths, lrs


def _check_agreement(vault, racers):
    surface = landscapes.LANDSCAPES[vault]
    paths, lrs = default_race(vault, racers)
    board = race.leaderboard(paths, lrs, [True] * len(paths), surface)
    sentence = viz.race_summary(paths, surface)
    # The sentence names the hands in the leaderboard's order.
    where = [sentence.index(name) for name in board["optimizer"]]
    assert where == sorted(where), (sentence, list(board["optimizer"]))
    by_name = {p.label: p for p in paths}
    steps = []
    for _, row in board.iterrows():
        path = by_name[row["optimizer"]]
        if path.settled_at is not None and path.diverged_at is None:
            # The column shows the step the ranking uses, and the sentence quotes the same step.
            assert row["cracked at"] == f"step {path.settled_at}"
            assert f"{row['optimizer']} cracked it at step {path.settled_at}" in sentence \
                or f"cracked it together at step {path.settled_at}" in sentence
            steps.append(path.settled_at)
        else:
            assert "cracked it at" not in row["cracked at"] and not any(m in row["place"] for m in outcome.MEDALS)
            if path.cracked_at is not None and path.diverged_at is None:
                assert "swung away" in row["cracked at"]
    assert steps == sorted(steps), "first place never shows more steps than second"
    if not any(p.settled_at is not None for p in paths):
        assert not any(m in place for place in board["place"] for m in outcome.MEDALS)


@pytest.mark.parametrize("vault", list(landscapes.LANDSCAPES))
def test_the_default_race_leaderboard_and_sentence_agree_on_every_vault(vault):
    _check_agreement(vault, DEFAULT_RACERS)


@pytest.mark.parametrize("vault", NAMED_BY_THE_ISSUE)
def test_all_seven_hands_agree_on_the_vaults_the_issue_names(vault):
    _check_agreement(vault, tuple(optim.OPTIMIZERS)[:7])  # the seven hands the issue raced


def test_rastrigin_gives_no_medals():
    paths, lrs = default_race("rastrigin")
    board = race.leaderboard(paths, lrs, [True] * 3, landscapes.LANDSCAPES["rastrigin"])
    assert not any(m in place for place in board["place"] for m in outcome.MEDALS)


def test_the_map_margin_is_the_tuners():
    assert outcome.MAP_MARGIN == MAP_MARGIN
    run = optim.simulate("adam", "saddle", steps=200, lr=0.05)
    assert outcome.left_map_at(run.points, run.landscape.bounds) == left_map_at(run)


def test_the_saddle_is_escaped_not_cracked():
    saddle = landscapes.LANDSCAPES["saddle"]
    adam = viz.path_view(optim.simulate("adam", "saddle", steps=200, lr=0.05), label="Adam")
    sgd = viz.path_view(optim.simulate("sgd", "saddle", steps=200, lr=0.01), label="SGD")
    text = viz.race_summary([sgd, adam], saddle)
    assert text.startswith("Adam escaped the saddle at step 37") and "SGD is still on the saddle" in text
    assert "cracked" not in text


def test_a_run_at_the_saddles_edge_is_not_said_to_be_on_the_saddle():
    # Lion at lr 0.01 walks up to y = 2.01, at the map's edge but inside its margin: the picture shows a path
    # that ran to the top, so the words must not say it stayed on the saddle.
    saddle = landscapes.LANDSCAPES["saddle"]
    lion = optim.simulate("lion", "saddle", steps=200, lr=0.01)
    assert left_map_at(lion) is None and lion.points[-1, 1] > 2
    text = viz.path_summary(viz.path_view(lion, label="Lion"), saddle)
    assert "still on the saddle" not in text and "edge of the map at (0.5, 2.01)" in text
    slid = viz.path_summary(viz.path_view(optim.simulate("rmsprop", "saddle", steps=200, lr=0.003), label="R"),
                            saddle)
    assert slid.startswith("R slid off the saddle to (-0.665, 1.32)")
    # Together with a hand that lingers, the sentence keeps them apart.
    sgd = viz.path_view(optim.simulate("sgd", "saddle", steps=200, lr=0.01), label="SGD")
    both = viz.race_summary([sgd, viz.path_view(lion, label="Lion")], saddle)
    assert "SGD is still on the saddle" in both and "Lion slid down to the edge" in both


def test_a_run_thrown_off_in_one_turn_says_where_from():
    # L-BFGS finds the saddle's middle in two steps; then its line search, finding no bottom, strides on until
    # the numbers blow up. The path ends at the middle, so the words say the dials were thrown from there.
    run = optim.simulate("lbfgs", "saddle", steps=200, lr=1.0)
    text = viz.path_summary(viz.path_view(run, label="L-BFGS"), landscapes.LANDSCAPES["saddle"])
    assert text == "L-BFGS spun off at step 3, thrown off the map in one turn from (2.67e-4, 0.04)."
    assert np.linalg.norm(run.points[2]) < 0.05


def tune_lr(hand, vault):
    return suggest_lr(hand, vault, steps=200)


def test_a_hand_whose_stride_never_shrinks_is_said_to_tick_around_the_combination():
    lr = tune_lr("lion", "ackley")
    run = optim.simulate("lion", "ackley", steps=200, lr=lr)
    text = viz.path_summary(viz.path_view(run, label="Lion"), landscapes.LANDSCAPES["ackley"])
    assert run.settled_at() is None and 0.1 < run.distance_to_minimum()[-1] <= 3 * lr * np.sqrt(2)
    assert f"each dial moves exactly {lr:g} a step" in text and "ticks around the combination" in text
    # A hand whose steps shrink is never said to tick.
    adam = optim.simulate("adam", "rastrigin", steps=200, lr=0.05)
    assert "tick" not in viz.path_summary(viz.path_view(adam, label="Adam"), landscapes.LANDSCAPES["rastrigin"])


# --- the map: the sentence names the run the replay opens -------------------------------------------------

MAP_SCENES = [("ravine", "momentum"), ("ravine", "sgd"), ("booth", "sgd"), ("himmelblau", "adam"),
              ("six_hump_camel", "momentum"), ("rastrigin", "momentum"), *[(v, "momentum") for v in NAMED_BY_THE_ISSUE]]


@pytest.mark.parametrize("metric", ["steps_to_crack", "final_loss"])
@pytest.mark.parametrize(("vault", "hand"), MAP_SCENES)
def test_the_maps_sentence_names_the_run_its_replay_opens(vault, hand, metric):
    axis = sweeps.axis(hand)
    surface = landscapes.LANDSCAPES[vault]
    grid = sweeps.Grid(vault, hand, 200, tuple(surface.start), axis.lr_range, axis.default_range, 20)
    result = sweeps.grid_outcome(grid)
    best = sweeps.best_cell(grid, result, metric)
    if best is None:  # Goldstein-Price's walls throw every momentum run on this grid off the map
        assert result.spun_off.all() and settings_map.heatmap_sentence(grid, result, metric).startswith("Every")
        return
    row, column = best
    query = sweeps.cell_query(grid, row, column)
    run = optim.simulate(hand, vault, np.array([float(query["start_x"]), float(query["start_y"])]),
                         int(query["steps"]), lr=float(query["lr"]), **{axis.name: float(query[axis.name])})
    sentence = settings_map.heatmap_sentence(grid, result, metric)
    # The run named is one whose story a nudge of its start (or another CPU's rounding) cannot change.
    verdict = robustness(hand, vault, grid.start, grid.steps, lr=grid.lrs[column], **{axis.name: grid.betas[row]})
    assert verdict.robust, verdict.explain()
    assert f"at learning rate {settings_map.format_lr(grid.lrs[column])} and {axis.symbol} " \
        f"{settings_map.format_number(grid.betas[row], 3)}" in sentence
    step = re.search(r"(?:Fastest crack: step|cracks the safe at step) (\d+)", sentence)
    if step:
        assert run.settled_at() == int(step.group(1)), sentence
        # No replayed best run leaves the map and comes back, or jumps a hump.
        assert left_map_at(run) is None and leapt_at(run) is None
    else:
        assert run.settled_at() is None and "No setting cracked" in sentence or metric == "final_loss"
    # The fastest crack on the map is really the fastest admissible one among the grid's cracks.
    if metric == "steps_to_crack" and step:
        on_map = result.cracked & (result.left_map_at < 0)
        assert int(step.group(1)) >= result.settled_at[on_map].min()


def test_the_default_maps_best_run_stays_on_the_map():
    grid = sweeps.Grid("ravine", "momentum", 200, (-9.0, 2.0), (1e-3, 1.0), (0.0, 0.99), 40)
    row, column = sweeps.best_cell(grid, sweeps.grid_outcome(grid))
    run = optim.simulate("momentum", "ravine", steps=200, lr=grid.lrs[column], momentum=grid.betas[row])
    assert left_map_at(run) is None and leapt_at(run) is None and run.settled_at() is not None
    assert robustness("momentum", "ravine", lr=grid.lrs[column], momentum=grid.betas[row]).robust


@pytest.mark.parametrize(("vault", "L"), [("bowl", 2.0), ("ravine", 20.0), ("booth", 18.0), ("matyas", 1.0),
                                          ("linear_regression", 11.395)])
def test_the_stability_line_is_drawn_on_every_quadratic_vault(vault, L):
    assert stability.largest_curvature(vault) == pytest.approx(L, rel=1e-3)
    assert stability.stability_limit(vault, "sgd", np.array([0.0]))[0] == pytest.approx(2 / L, rel=1e-3)


def test_no_stability_line_where_there_is_no_quadratic_bottom():
    for vault in ("saddle", "rosenbrock", "himmelblau", "rastrigin"):
        assert stability.largest_curvature(vault) is None
