"""Map of settings: the page (AppTest, through the entrypoint), the batch behind it, and theory's stability line
checked against the runs themselves."""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
import optim
from lab import stability, sweeps
from tests.apptest_helpers import ROOT, open_page
from ui import settings_map as sm
from ui import widgets

PAGE = "pages/4_Map_of_settings.py"
MAX_PAYLOAD = 1_500_000


def open_map(**query) -> AppTest:
    return open_page(PAGE, {key: str(value) for key, value in query.items()})


def summaries(at: AppTest) -> list[str]:
    return [html.unescape(m.value) for m in at.markdown if 'class="summary' in m.value]


# --- the page ---------------------------------------------------------------------------------------------

def test_defaults_show_the_momentum_ravine_story_and_rerun_fast():
    at = open_map()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # the heatmap and the basin map
    texts = summaries(at)
    assert any("Theory says lr < 2 (1 + μ) / L" in t and "L = 20" in t for t in texts)
    assert any("Fastest crack" in t for t in texts)
    assert any("reach minimum 4" in t for t in texts)  # Himmelblau's four basins
    assert at.selectbox(key="landscape").value == "ravine"
    assert at.selectbox(key="optimizer").value == "momentum"
    assert at.query_params["metric"] == "steps_to_crack"
    assert at.query_params["resolution"] == "40"
    assert not at.warning
    at.run()  # a rerun from the caches (its speed is benchmarks/bench_pages.py's business)
    assert not at.exception


@pytest.mark.parametrize("metric", list(sweeps.METRICS))
def test_every_metric_draws_and_reads(metric):
    at = open_map(resolution=15)
    at.radio(key="metric").set_value(metric).run()
    assert not at.exception
    assert at.query_params["metric"] == metric
    text = " ".join(summaries(at))
    expected = {"steps_to_crack": "Fastest crack", "final_loss": "Lowest final loss", "diverged": "spun off"}[metric]
    assert expected in text


def test_every_optimizer_gets_its_own_axis_and_ranges():
    at = open_map(resolution=10, steps=50)
    for key, spec in optim.OPTIMIZERS.items():
        at.selectbox(key="optimizer").set_value(key).run()
        assert not at.exception, key
        axis = sweeps.axis(key)
        assert at.number_input(key="beta_min").value == pytest.approx(axis.low)
        assert at.number_input(key="beta_max").value == pytest.approx(axis.high)
        assert at.select_slider(key="lr_max").value == pytest.approx(sweeps.axis(key).lr_range[1])
        assert axis.name in spec.names
        theory = " ".join(summaries(at))
        assert ("Theory says" in theory) == (spec.stability is not None), key


def test_nonsense_query_parameters_warn_and_fall_back():
    at = open_map(landscape="nowhere", optimizer="sgdd", steps="lots", lr_min="-3", beta_max="7",
                  resolution="1000", metric="joy", basin_landscape="saddle", basin_lr="abc", start_x="1e9")
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    for key in ("landscape", "optimizer", "steps", "lr_min", "beta_max", "resolution", "metric", "basin_landscape",
                "basin_lr", "start_x"):
        assert f"`{key}=" in warning, key
    assert at.selectbox(key="landscape").value == "ravine"
    assert len(at.get("plotly_chart")) == 2


def test_beta_range_outside_the_hand_is_clamped_with_a_warning():
    at = open_map(optimizer="rmsprop", beta_min="0.1", beta_max="0.9", resolution=10)
    assert not at.exception
    assert any("beta_min=0.1" in w.value and "[0.5, 0.999]" in w.value for w in at.warning)
    assert at.number_input(key="beta_min").value == pytest.approx(0.5)


def test_reversed_or_equal_grid_ends_are_put_right():
    at = open_map(lr_min="0.5", lr_max="0.01", resolution=10)
    assert not at.exception
    assert at.select_slider(key="lr_min").value == pytest.approx(0.01)
    assert at.select_slider(key="lr_max").value == pytest.approx(0.5)
    at = open_map(beta_min="0.3", beta_max="0.3", resolution=10)
    assert not at.exception
    assert any("two different ends" in w.value for w in at.warning)


def test_replay_button_opens_crack_the_safe_with_the_cell_even_on_a_return_visit():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/1_Crack_the_safe.py").run()  # Crack the safe has read its (empty) address already
    at.query_params.clear()  # as the browser's page navigation does
    at.switch_page(PAGE).run()
    assert not at.exception
    at.button(key="open_best").click().run()
    assert not at.exception
    grid = sweeps.Grid("ravine", "momentum", 200, (-9.0, 2.0), (1e-3, 1.0), (0.0, 0.99), 40)
    expected = sweeps.cell_query(grid, *sweeps.best_cell(grid, sweeps.grid_outcome(grid)))
    for key, value in expected.items():
        assert at.query_params[key] == value, key
    assert at.select_slider(key="lr").value == pytest.approx(float(expected["lr"]))
    assert at.slider(key="momentum").value == pytest.approx(float(expected["momentum"]))
    assert at.selectbox(key="landscape").value == "ravine"


# --- a click on a cell --------------------------------------------------------------------------------------

def test_a_clicked_cell_maps_to_crack_the_safe_parameters():
    grid = sweeps.Grid("bowl", "adam", 150, (-3.0, 2.5), (1e-3, 1.0), (0.0, 0.99), 20)
    row, column = 7, 13
    # plotly reports the clicked marker at its plotted position, float32-rounded: lr on a log10 axis
    event = {"selection": {"points": [{"x": float(np.float32(np.log10(grid.lrs[column]))),
                                       "y": float(np.float32(grid.betas[row])), "curve_number": 5}]}}
    point = widgets.clicked_point(event)
    assert sweeps.cell_at(grid, *point) == (row, column)
    query = sweeps.cell_query(grid, row, column)
    assert query == {"landscape": "bowl", "optimizer": "adam", "lr": f"{grid.lrs[column]:.6g}",
                     "beta1": f"{grid.betas[row]:.6g}", "steps": "150", "start_x": "-3", "start_y": "2.5"}
    # The link replays exactly the run of that cell.
    single = optim.simulate("adam", "bowl", (-3.0, 2.5), 150, lr=float(query["lr"]), beta1=float(query["beta1"]))
    cell = sweeps.run_rows(grid, row, row + 1)
    assert single.cracked_at() == (None if cell.cracked_at[0, column] < 0 else cell.cracked_at[0, column])


@pytest.mark.parametrize("event", [None, {}, {"selection": {"points": []}}, {"selection": {"points": [{"x": 1}]}},
                                   {"selection": {"points": [{"x": "nan", "y": 0.5}]}}, {"selection": None}])
def test_no_or_malformed_selection_opens_nothing(event):
    assert widgets.clicked_point(event) is None


def test_basin_click_maps_to_a_start():
    basins = sweeps.BasinGrid("himmelblau", "momentum", 0.01, 200)
    query = basins.query(0, basins.resolution - 1)
    assert query["start_x"] == "5" and query["start_y"] == "-5" and query["optimizer"] == "momentum"


# --- the batch and the theory -----------------------------------------------------------------------------

def test_each_batch_is_one_vectorised_call(monkeypatch):
    calls = []
    real = optim.simulate

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(optim, "simulate", spy)
    grid = sweeps.Grid("ravine", "momentum", 200, (-9.0, 2.0), (1e-3, 1.0), (0.0, 0.99), 40)
    progress = []
    outcome = sweeps.grid_outcome(grid, progress.append)
    assert len(calls) == len(grid.row_batches()) >= sweeps.MIN_BATCHES
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert all(c["record_state"] is False and c["lr"].shape == c["momentum"].shape == (400,) for c in calls)
    assert outcome.cracked_at.shape == (40, 40)


@pytest.mark.parametrize("landscape", ["bowl", "ravine"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
def test_runs_agree_with_the_stability_limit_up_to_grid_resolution(landscape, optimizer):
    axis = sweeps.axis(optimizer)
    start = tuple(landscapes.LANDSCAPES[landscape].start)
    grid = sweeps.Grid(landscape, optimizer, 200, start, (1e-3, 10.0), axis.default_range, 40)
    outcome = sweeps.grid_outcome(grid)
    limit = stability.stability_limit(landscape, optimizer, grid.betas)
    LR = grid.lrs[None, :]
    predicted = limit[:, None] <= LR
    assert predicted.any() and (~predicted).any()  # the line crosses the map
    wrong = predicted != outcome.spun_off
    # Only cells right at the line may disagree: a run barely past it grows too slowly to leave the map in 200
    # steps, and a cell a hair below it has not settled either.
    step = math.log(grid.lrs[1] / grid.lrs[0])
    distance = np.abs(np.log(np.broadcast_to(LR, wrong.shape) / limit[:, None]))
    assert np.all(distance[wrong] <= step)
    agree, cells = sweeps.theory_agreement(grid, outcome)
    assert agree == cells - wrong.sum() and agree / cells > 0.98


def test_no_line_where_theory_has_none():
    assert stability.stability_limit("saddle", "momentum", [0.5]) is None  # not convex
    assert stability.stability_limit("rosenbrock", "sgd", [0.0]) is None
    assert stability.stability_limit("ravine", "adam", [0.9]) is None


def test_basins_of_himmelblau_split_four_ways():
    basins = sweeps.BasinGrid("himmelblau", "sgd", 0.01, 200)
    index = sweeps.basin_index(basins)
    assert index.shape == (60, 60)
    shares = np.bincount(index[index >= 0], minlength=4) / index.size
    assert np.all((shares > 0.15) & (shares < 0.35))
    # The top-right corner drains to (3, 2), the bottom-left to (-3.78, -3.28): minima 1 and 3.
    assert index[-1, -1] == 0 and index[0, 0] == 2


def test_figures_stay_small():
    grid = sweeps.Grid("ravine", "momentum", 200, (-9.0, 2.0), (1e-3, 1.0), (0.0, 0.99), 40)
    outcome = sweeps.grid_outcome(grid)
    for metric in sweeps.METRICS:
        assert len(sm.heatmap_figure(grid, outcome, metric).to_json()) < MAX_PAYLOAD
    basins = sweeps.BasinGrid("himmelblau", "sgd", 0.01, 200)
    assert len(sm.basin_figure(basins, sweeps.basin_index(basins)).to_json()) < MAX_PAYLOAD


def test_presenter_mode_draws_both_maps():
    at = open_map(resolution=10)
    at.toggle(key="presenter").set_value(True).run()
    assert not at.exception and len(at.get("plotly_chart")) == 2
