"""viz: every figure builds from plain data, a replay's motion shows exactly the steps so far and stays linear in
size, and the sentences beside the charts read right. No browser here (see tests/browser/test_animation.py, which
holds the player in Chromium to what these tests expect)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest

import viz
from viz.animation import DIALS, LOSS, MAP, TABLE_ROWS
from viz.isolines import isolines
from viz.raster import colorize, png_bytes
from viz.scales import loss_axis
from viz.style import PATH_PALETTE, style_for, styles_for

ROOT = Path(__file__).resolve().parents[1]


# --- fixtures: small landscapes and synthetic paths (no dependency on optim) -------------------------

def _landscape_class():
    # landscapes/__init__ imports modules that may still be missing; base.py alone is enough here.
    try:
        from landscapes.base import Landscape
    except ImportError:
        spec = importlib.util.spec_from_file_location("_viz_tests_landscape_base", ROOT / "landscapes" / "base.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        Landscape = module.Landscape
    return Landscape


Landscape = _landscape_class()

ROSENBROCK = Landscape(
    key="rosenbrock", title="Rosenbrock", description="the banana valley", latex="",
    bounds=((-2.0, 2.0), (-1.0, 3.0)), minima=((1.0, 1.0),), min_value=0.0, start=(-1.5, 2.0),
    value_fn=lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    grad_fn=lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
    log_scale=True,
)
BOWL = Landscape(
    key="bowl", title="Bowl", description="", latex="", bounds=((-4.0, 4.0), (-4.0, 4.0)),
    minima=((0.0, 0.0),), min_value=0.0, start=(-3.0, 2.5),
    value_fn=lambda x, y: x * x + 3 * y * y, grad_fn=lambda x, y: (2 * x, 6 * y),
)
# Undefined for x < 0: the map must leave a gap there.
HALF = Landscape(
    key="half", title="Half", description="", latex="", bounds=((-2.0, 2.0), (-2.0, 2.0)),
    minima=((0.0, 0.0),), min_value=0.0, start=(1.5, 1.5),
    value_fn=lambda x, y: np.sqrt(x) + y * y, grad_fn=lambda x, y: (0.5 / np.sqrt(x), 2 * y),
)
KEYS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


def spiral_path(key="adam", steps=300, *, landscape=ROSENBROCK, turns=3.0, diverged_at=None, cracked_at=None,
                label=None) -> viz.PathView:
    """A path spiralling from the landscape's start into its first minimum, optionally spinning off."""
    t = np.linspace(0.0, 1.0, steps + 1)
    start, end = np.asarray(landscape.start), np.asarray(landscape.minima[0])
    radius = (1 - t) * np.linalg.norm(start - end)
    angle = np.arctan2(*(start - end)[::-1]) + 2 * np.pi * turns * t
    points = end + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    if diverged_at is not None:
        points[diverged_at:] = np.nan
    # The spiral ends at the minimum, so a run that cracks it there stays (settles) unless it spins off.
    settled = cracked_at if diverged_at is None else None
    return viz.PathView(label or viz.label_for(key), key, points, landscape.f(points), diverged_at, cracked_at,
                        settled)


def race(steps=300, n=7) -> list[viz.PathView]:
    """Up to seven runs: SGD spins off at step 12, Adam cracks it at 80 % of the way, the rest keep turning."""
    return [spiral_path(key, steps, turns=1.0 + 0.4 * i, diverged_at=12 if key == "sgd" else None,
                        cracked_at=int(0.8 * steps) if key == "adam" else None) for i, key in enumerate(KEYS[:n])]


def json_size(fig: go.Figure) -> int:
    return len(fig.to_json())


def replay_size(replay: viz.Replay) -> int:
    """What a replay sends: its panels and its motion."""
    return sum(json_size(panel) for panel in replay.panels) + len(json.dumps(replay.motion, separators=(",", ":")))


# What viz/player.js draws at step k, written out again from its header: the tests below hold the motion to
# it, and tests/browser/test_animation.py holds the player itself to the same expectations.

def point_of(series: dict, i: int):
    y = series["y"][i]
    x = series["x"][i] if "x" in series else i
    return None if x is None or y is None else (x, y)


def resting(series: dict, k: int) -> int:
    for i in range(min(k, len(series["y"]) - 1), -1, -1):
        if point_of(series, i) is not None:
            return i
    return -1


def drawn(motion: dict, layer: dict, k: int):
    """A trail's points at step k, a head's point, the marks shown, a dial's angle in degrees."""
    series = motion["series"][layer["series"]] if "series" in layer else None
    if layer["kind"] == "trail":
        return [point_of(series, i) for i in range(min(k, len(series["y"]) - 1) + 1)]
    if layer["kind"] == "marks":
        return [(x, y) for x, y, t in zip(layer["x"], layer["y"], layer["t"], strict=True) if t <= k]
    i = resting(series, k)
    if i < 0:
        return None
    if layer["kind"] == "dial":
        value = point_of(series, i)[layer["axis"]]
        frac = (value - layer["lo"]) / (layer["hi"] - layer["lo"])
        limit = layer["sweep"] + layer["overshoot"]
        return max(-limit, min(limit, -layer["sweep"] + 2 * layer["sweep"] * frac))
    return point_of(series, i)


def layers(replay: viz.Replay, kind: str, subplot: str | None = None) -> list[dict]:
    return [layer for layer in replay.motion["layers"]
            if layer["kind"] == kind and (subplot is None or layer["subplot"] == subplot)]


# --- style -----------------------------------------------------------------------------------------

def test_hands_drawn_together_never_share_a_colour_dash_or_symbol():
    for keys in (KEYS, ("adam", "adam", "adam"), ("momentum", "adam"), ("lion", "muon", "lbfgs", "sgd")):
        styles = styles_for(keys)
        for attr in ("color", "dash", "symbol"):
            assert len({getattr(s, attr) for s in styles}) == len(keys), (keys, attr)
    # Momentum and Adam, the pair that were both orange, and the default race's three hands.
    assert len({s.color for s in styles_for(["sgd", "momentum", "adam"])}) == 3
    assert set(PATH_PALETTE) <= set(viz.style.OKABE_ITO.values()) and viz.style.COMBINATION_COLOR not in PATH_PALETTE
    assert style_for("adam").label == "Adam" and style_for("ADAMW").label == "AdamW" and style_for("lbfgs").label


def test_the_first_hands_get_colours_that_do_not_look_alike():
    firsts = {s.color for s in styles_for(KEYS[:5])}
    look_alike = [("orange", "vermillion"), ("sky_blue", "blue")]
    for one, other in look_alike:
        assert not {viz.style.OKABE_ITO[one], viz.style.OKABE_ITO[other]} <= firsts


def test_paths_and_contours_stand_out_three_to_one_on_every_background():
    """WCAG 2.2's 1.4.11: the lines a chart is read by reach 3:1 against what they are drawn on, every colour of
    the landscape and the loss plot's white card; a light path does through its ink outline (casing)."""
    contrast = viz.style.contrast
    for color in PATH_PALETTE:
        casing = viz.style.casing_for(color)
        for background in viz.style.PLOT_BACKGROUNDS:
            if casing is None:
                assert contrast(color, background) >= 3, (color, background)
            else:
                assert contrast(casing, background) >= 3 and contrast(color, casing) >= 3, (color, background)
        assert casing is not None or color == "#000000"
    for background in viz.style.PLOT_BACKGROUNDS:
        assert contrast(viz.style.CONTOUR_INK, background) >= 3, background
    # The replay draws each light path with its casing, on the map and on the loss curve.
    replay = viz.replay(ROSENBROCK, race(20))
    for trail in layers(replay, "trail"):
        if trail["subplot"] in (MAP, LOSS) and "rgba" not in trail["color"]:
            assert ("casing" in trail) == (viz.style.casing_for(trail["color"]) is not None)
    # Ratios as WCAG computes them: black on white 21:1, and a translucent colour judged as laid on its ground.
    assert contrast("#000000", "#ffffff") == pytest.approx(21) and contrast("#777777", "#ffffff") == pytest.approx(
        4.48, abs=0.01)
    assert contrast("rgba(0, 0, 0, 0.5)", "#ffffff") == pytest.approx(contrast("#808080", "#ffffff"), abs=0.05)


def test_the_themes_text_and_marks_meet_wcag_contrast():
    """The app's two themes (.streamlit/config.toml): text 4.5:1 on the page and on the sidebar and widget
    backgrounds, the accent (buttons, focus rings, the slider) 3:1 on the page; and the fixed ink that figures
    write with (dial scales, legends on their pale box, phone tick labels) 4.5:1 on white."""
    import tomllib

    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    contrast = viz.style.contrast
    for name in ("light", "dark"):
        colours = theme[name]
        backgrounds = [colours["backgroundColor"], colours["secondaryBackgroundColor"],
                       theme[name]["sidebar"]["backgroundColor"]]
        for background in backgrounds:
            assert contrast(colours["textColor"], background) >= 4.5, (name, background)
        assert contrast(colours["primaryColor"], colours["backgroundColor"]) >= 3, name
    assert contrast(viz.style.INK, "#ffffff") >= 4.5
    assert contrast(viz.style.INK, "rgba(255, 255, 255, 0.75)") >= 4.5


def test_unknown_optimizers_get_a_valid_style():
    a = style_for("lion")
    assert a.label == "Lion"
    go.Scatter(line={"color": a.color, "dash": a.dash}, marker={"symbol": a.symbol})  # plotly accepts it


def test_presenter_mode_enlarges_type():
    assert viz.base_layout(True)["font"]["size"] > viz.base_layout(False)["font"]["size"]
    layout = viz.base_layout()
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == "rgba(0, 0, 0, 0)"


# --- path_view -------------------------------------------------------------------------------------

def test_path_view_duck_types_a_trajectory_and_passes_the_tolerance_on():
    asked = []

    def cracked_at(tol=None):
        asked.append(tol)
        return 7

    points = np.zeros((11, 2))
    def settled_at(tol=None):
        return 9

    tr = SimpleNamespace(optimizer="rmsprop", points=points, loss=np.ones(11), diverged_at=None,
                         cracked_at=cracked_at, settled_at=settled_at, steps=10)
    view = viz.path_view(tr, tol=0.05)
    assert (view.label, view.key, view.cracked_at, view.diverged_at, view.steps) == ("RMSprop", "rmsprop", 7, None, 10)
    assert view.settled_at == 9
    assert asked == [0.05]
    assert viz.path_view(tr, label="mine").label == "mine" and asked[-1] is None
    with pytest.raises(ValueError):
        viz.path_view(SimpleNamespace(optimizer="sgd", points=np.zeros((2, 3, 2)), loss=np.zeros((2, 3)),
                                      diverged_at=None, cracked_at=cracked_at, settled_at=settled_at))


# --- the replay ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def solo():
    return viz.replay(ROSENBROCK, [spiral_path("adam", 300, cracked_at=250)])


@pytest.fixture(scope="module")
def race_fig():
    return viz.replay(ROSENBROCK, race(300))


def meta(fig: go.Figure, name: str) -> list[int]:
    return [i for i, t in enumerate(fig.data) if t.meta == name]


@pytest.mark.parametrize("which", ["solo", "race_fig"])
def test_one_timeline_from_step_0_to_the_last_in_about_nine_seconds(which, request):
    replay = request.getfixturevalue(which)
    motion = replay.motion
    assert motion["last"] == 300 and motion["duration"] == 9000
    json.dumps(motion, allow_nan=False)  # plain JSON: no NaN, no numpy
    for layer in motion["layers"]:
        assert layer["subplot"] in (MAP, LOSS, DIALS)
        if "series" in layer:
            series = motion["series"][layer["series"]]
            assert len(series["y"]) == 301 and ("x" not in series or len(series["x"]) == 301)
    # A short run is not stretched over nine seconds.
    short = viz.replay(BOWL, [spiral_path("sgd", 10, landscape=BOWL)])
    assert short.motion["last"] == 10 and short.motion["duration"] == 10 * 200


@pytest.mark.parametrize("which", ["solo", "race_fig"])
def test_the_panels_are_static_and_keep_the_landscape(which, request):
    fig = request.getfixturevalue(which).figure
    assert not fig.frames and not fig.layout.updatemenus and not fig.layout.sliders
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    assert any(t.name == "contour lines" and len(t.x) > 100 for t in fig.data)
    # No path is drawn by plotly: the player draws them, up to the step it shows.
    assert not [t for t in fig.data if t.type == "scatter" and t.x is not None and t.mode == "lines"
                and t.meta not in ("backdrop", "dial")]


def test_every_step_shows_exactly_the_steps_so_far(solo):
    path = spiral_path("adam", 300, cracked_at=250)
    trail = layers(solo, "trail", MAP)[0]
    head = layers(solo, "head", MAP)[0]
    marks = layers(solo, "marks", MAP)[0]
    assert head["series"] == trail["series"]  # one series, read by the trail, the head and the dials
    for k in (0, 1, 7, 150, 299, 300):
        shown = drawn(solo.motion, trail, k)
        assert len(shown) == k + 1
        np.testing.assert_allclose(np.array(shown, dtype=float), path.points[:k + 1], atol=1e-3)
        np.testing.assert_allclose(drawn(solo.motion, head, k), path.points[k], atol=1e-3)
        assert all(t <= k for t, _ in zip(marks["t"], drawn(solo.motion, marks, k), strict=False))
        assert len(drawn(solo.motion, marks, k)) == sum(1 for t in marks["t"] if t <= k)
    # The mark at each step sits on the path at that step.
    for x, y, t in zip(marks["x"], marks["y"], marks["t"], strict=True):
        assert (x, y) == pytest.approx(tuple(path.points[t]), abs=1e-3)


def test_bytes_grow_linearly_with_the_steps():
    sizes = {}
    for steps in (100, 200, 400, 800):
        for n in (1, 7):
            sizes[steps, n] = replay_size(viz.replay(ROSENBROCK, race(steps, n)))
    for n in (1, 7):
        assert sizes[800, n] <= 2.3 * sizes[400, n]
        assert sizes[400, n] <= 2.3 * sizes[200, n]


def test_default_replays_are_small(solo, race_fig):
    assert replay_size(solo) < 400_000
    assert replay_size(race_fig) < 900_000  # seven hands
    assert replay_size(viz.replay(ROSENBROCK, race(1000))) < 1_000_000  # seven hands, a thousand steps


def test_outcomes_are_in_the_legend_and_marked_on_the_map_when_they_happen(race_fig):
    legend = [t.name for t in race_fig.figure.data if t.meta == "path-legend"]
    assert "SGD · spun off at step 12" in legend and "Adam · cracked at step 240" in legend
    assert not [t for t in race_fig.figure.data if t.mode and "text" in t.mode and t.xaxis in (None, "x")]
    solo = viz.replay(BOWL, [spiral_path("sgd", 50, landscape=BOWL, diverged_at=20)])
    marks = layers(solo, "marks", MAP)[0]
    cross = marks["symbol"].index("x")
    assert marks["t"][cross] == 20
    last = spiral_path("sgd", 50, landscape=BOWL).points[19]
    assert (marks["x"][cross], marks["y"][cross]) == pytest.approx(tuple(last), abs=1e-3)
    adam = layers(race_fig, "marks", MAP)[5]
    ring = adam["symbol"].index("circle-open")
    assert adam["t"][ring] == 240 and adam["line"][ring][1] > 2


def test_a_spin_off_ends_a_solo_timeline():
    solo = viz.replay(BOWL, [spiral_path("sgd", 50, landscape=BOWL, diverged_at=20)])
    assert solo.motion["last"] == 20 and solo.figure.layout.xaxis2.range[1] == 20
    # In a race the others go on; the one that spun off waits at its last point.
    assert viz.replay(ROSENBROCK, race(100, 3)).motion["last"] == 100


def test_a_run_that_flies_off_the_map_is_marked_where_it_left():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [1e6, 2e6], [np.nan, np.nan]])
    path = viz.PathView("SGD", "sgd", points, np.array([2.0, 4.0, 1e13, np.nan]), diverged_at=3)
    x, y = path.last_seen(BOWL.bounds)  # bounds ±4: it crossed y = 4 on the way to (1e6, 2e6)
    assert y == pytest.approx(4.0) and x == pytest.approx(1.0 + 3.0 / 2e6 * 1e6, rel=1e-6)
    replay = viz.replay(BOWL, [path])
    marks = layers(replay, "marks", MAP)[0]
    cross = marks["symbol"].index("x")
    assert (marks["x"][cross], marks["y"][cross]) == pytest.approx((x, y), abs=1e-3)
    # The overshoot is drawn: the trail runs on to the point off the map (the player clips it at the edge).
    trail = layers(replay, "trail", MAP)[0]
    assert max(p[0] for p in drawn(replay.motion, trail, 3) if p) > 1e5
    assert drawn(replay.motion, trail, 3)[-1] is None  # a null breaks the line
    # The loss axis stops a few decades above the start instead of reaching for 1e13.
    assert np.log10(4.0) < replay.figure.layout.yaxis2.range[1] < np.log10(4.0) + 3 + 1


def test_the_loss_curve_grows_with_the_replay_over_invisible_hover_curves(solo):
    curve = layers(solo, "trail", LOSS)[0]
    series = solo.motion["series"][curve["series"]]
    assert "x" not in series  # x is the step
    path = spiral_path("adam", 300, cracked_at=250)
    # The log axis's units: log10 of the loss above the minimum (plotly.js places log axes by log10).
    assert series["y"][0] == pytest.approx(np.log10(path.loss[0]), abs=1e-3)
    assert len(drawn(solo.motion, curve, 40)) == 41
    assert layers(solo, "cursor", LOSS) and layers(solo, "head", LOSS)
    hover = [solo.figure.data[i] for i in meta(solo.figure, "loss-hover")]
    assert len(hover) == 1 and hover[0].opacity == 0 and "loss" in hover[0].hovertemplate
    assert solo.figure.layout.shapes[0].fillcolor == "#ffffff"  # the loss plot's card


def test_the_head_rests_on_the_last_finite_point_after_a_spin_off():
    replay = viz.replay(ROSENBROCK, race(50, 2), show_loss=False)
    head = layers(replay, "head", MAP)[0]  # SGD spins off at step 12
    assert drawn(replay.motion, head, 50) == drawn(replay.motion, head, 11) is not None
    assert replay.motion["last"] == 50


def test_dials_turn_needles_for_one_run_and_a_pointer_per_racer(solo, race_fig):
    needles = layers(solo, "dial", DIALS)
    assert len(needles) == 2 and all(n["needle"] for n in needles) and {n["axis"] for n in needles} == {0, 1}
    readouts = layers(solo, "label", DIALS)
    assert [r["prefix"] for r in readouts] == ["x = ", "y = "]
    pointers = layers(race_fig, "dial", DIALS)
    assert len(pointers) == 14 and not any(p["needle"] for p in pointers)  # 7 hands on each of two dials
    assert race_fig.figure.layout.yaxis3.scaleanchor == "x3"  # round dials
    bare = viz.replay(ROSENBROCK, race(50, 2), show_dials=False, show_loss=False)
    assert not [t for t in bare.figure.data if str(t.meta).startswith("dial")]
    assert "xaxis2" not in bare.figure.layout.to_plotly_json() and not layers(bare, "dial")


def test_needle_angle_maps_the_bounds_onto_the_dial():
    path = viz.PathView("Adam", "adam", [[-4.0, 4.0], [0.0, 0.0]], [1.0, 0.0])
    replay = viz.replay(BOWL, [path])
    x_dial, y_dial = layers(replay, "dial", DIALS)
    # x = lower bound: 150 degrees anticlockwise from 12 o'clock; y = upper bound: 150 degrees clockwise.
    assert drawn(replay.motion, x_dial, 0) == -150 and drawn(replay.motion, y_dial, 0) == 150
    # x = 0, the middle of the bounds: straight up.
    assert drawn(replay.motion, x_dial, 1) == pytest.approx(0)
    far = viz.PathView("Adam", "adam", [[40.0, 0.0]], [1.0])
    assert drawn(viz.replay(BOWL, [far]).motion, layers(viz.replay(BOWL, [far]), "dial")[0], 0) == 162


@pytest.mark.parametrize("layout", viz.LAYOUTS)
def test_every_layout_keeps_the_map_square(layout):
    replay = viz.replay(ROSENBROCK, race(100, 3), layout=layout)
    fig = replay.figure
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    ravine = viz.PathView("SGD", "sgd", [[-9.0, 2.0], [0.0, 0.0]], [1.0, 0.0])
    long_thin = Landscape(key="long", title="Long", description="", latex="", bounds=((-10.0, 10.0), (-3.0, 3.0)),
                          minima=((0.0, 0.0),), min_value=0.0, start=(-9.0, 2.0), value_fn=lambda x, y: x * x + y * y,
                          grad_fn=lambda x, y: (2 * x, 2 * y))
    assert viz.replay(long_thin, [ravine], layout=layout).figure.layout.yaxis.scaleanchor is None  # fills its panel
    if layout == "phone":
        # The map alone in the first panel, as wide as the screen, with no legend above it; the loss curve, the
        # dials and the legend in the second (the player's controls go between the two).
        assert len(replay.panels) == 2 and fig.layout.showlegend is False
        assert fig.layout.xaxis.domain[1] - fig.layout.xaxis.domain[0] == 1 and "xaxis2" not in fig.layout
        rest = replay.panels[1]
        assert rest.layout.yaxis2.domain[0] > rest.layout.yaxis3.domain[1]  # the loss curve above the dials
        assert rest.layout.legend.y < 0 and [t.name for t in rest.data if t.meta == "path-legend"]
        assert fig.layout.height < 480  # the map and its colour bar leave room for Play on a phone's first screen
    else:
        assert len(replay.panels) == 1
    with pytest.raises(ValueError):
        viz.replay(ROSENBROCK, race(100, 3), layout="tv")


def test_presenter_layout_is_bigger_where_it_counts():
    desk = viz.replay(ROSENBROCK, [spiral_path("adam", 100)])
    big = viz.replay(ROSENBROCK, [spiral_path("adam", 100)], layout="presenter")
    assert layers(big, "trail", MAP)[0]["width"] > layers(desk, "trail", MAP)[0]["width"]
    assert layers(big, "label")[0]["size"] >= 14 and layers(big, "head")[0]["size"] > layers(desk, "head")[0]["size"]
    assert big.figure.layout.xaxis.tickfont.size >= 14 and big.figure.layout.legend.font.size >= 14
    assert viz.replay(ROSENBROCK, [spiral_path("adam", 100)], presenter=True).figure.layout.height == \
        big.figure.layout.height
    # Dials of at least 120 px across on a 1280 x 720 projector: the subplot's height in px over its range.
    layout = big.figure.layout
    plot_px = layout.height - layout.margin.t - layout.margin.b
    dial_px = (layout.yaxis3.domain[1] - layout.yaxis3.domain[0]) * plot_px
    assert 2 * dial_px / (layout.yaxis3.range[1] - layout.yaxis3.range[0]) >= 120


def test_hover_texts_name_step_position_and_loss(solo):
    marks = solo.figure.data[meta(solo.figure, "path-hover")[0]]
    assert all(w in marks.hovertemplate for w in ("step", "x", "y", "loss")) and marks.marker.opacity == 0
    landscape = next(t for t in solo.figure.data if t.meta == "backdrop" and t.name == "landscape")
    assert all(w in landscape.hovertemplate for w in ("x", "y", "loss"))


def test_the_numbers_behind_the_picture_are_a_table(race_fig):
    table = race_fig.motion["table"]
    assert table["header"][:4] == ["step", "SGD x", "SGD y", "SGD loss"] and len(table["header"]) == 1 + 3 * 7
    steps = [int(row[0]) for row in table["rows"]]
    assert steps[0] == 0 and steps[-1] == 300 and len(steps) <= TABLE_ROWS + 7 * 2
    assert 12 in steps and 240 in steps  # SGD's spin-off and Adam's crack are rows of their own
    row = table["rows"][steps.index(300)]
    assert row[3].endswith("(spun off)")  # after its spin-off SGD stays where it was last seen
    assert all(len(r) == len(table["header"]) for r in table["rows"])
    assert "every step" in viz.replay(BOWL, [spiral_path("sgd", 40, landscape=BOWL)]).motion["table"]["caption"]


def test_dashes_for_the_canvas_follow_plotlys_names():
    assert viz.style.dash_pattern("solid", 2) == []
    assert viz.style.dash_pattern("dash", 4.5) == [13.5, 13.5]
    assert viz.style.dash_pattern("dot", 1) == [3.0, 3.0]  # at least 3 px, as plotly.js
    assert viz.style.dash_pattern("6px,3px,2px,3px,2px,3px", 2) == [6, 3, 2, 3, 2, 3]


def test_log_landscapes_get_a_log_colour_scale_labelled_in_real_losses():
    bar = viz.backdrop(ROSENBROCK).traces[-1].marker.colorbar
    assert "log" in bar.title.text
    assert {"0.01", "1", "100"} <= set(bar.ticktext)
    shown = [float(t.replace(",", "")) for t in bar.ticktext]
    # A tick sits where its loss is coloured: colour = log10(loss - floor + eps), the floor here 0.
    eps = viz.scales.loss_colour(ROSENBROCK, ROSENBROCK.grid()[2]).eps
    assert [10.0 ** v - eps for v in bar.tickvals] == pytest.approx(shown, rel=1e-6)
    linear = viz.backdrop(BOWL).traces[-1].marker.colorbar
    assert "log" not in linear.title.text and linear.tickvals is None
    contour = viz.contour_trace(ROSENBROCK)
    assert contour.colorbar.ticktext == bar.ticktext and "customdata" in contour.hovertemplate


def test_undefined_regions_are_gaps_not_colours():
    bd = viz.backdrop(HALF, raster=40)
    hover = bd.traces[0]
    assert np.all(np.asarray(hover.x) >= 0)  # no hover points where the loss is undefined
    lines_x = np.asarray(bd.traces[1].x, dtype=float)
    assert np.nanmin(lines_x) >= -0.05
    contour = viz.contour_trace(HALF)
    assert contour.connectgaps is False and np.isnan(np.asarray(contour.z, dtype=float)).any()
    rgba = _decode_png(bd.image["source"])
    assert (rgba[:, :15, 3] == 0).all() and (rgba[:, 25:, 3] == 255).all()


# --- building blocks -------------------------------------------------------------------------------

def _decode_png(uri: str) -> np.ndarray:
    import base64
    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4:idat])[0]
    raw = np.frombuffer(zlib.decompress(data[idat + 4:idat + 4 + length]), dtype=np.uint8).reshape(h, 1 + 4 * w)
    assert (raw[:, 0] == 2).all()  # "Up" filter on every row
    return (np.cumsum(raw[:, 1:].astype(np.int64), axis=0) % 256).astype(np.uint8).reshape(h, w, 4)


def test_png_round_trips():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    import base64
    assert (_decode_png("data:," + base64.b64encode(png_bytes(image)).decode()) == image).all()
    rgba = colorize(np.array([0.0, 1.0, np.nan]), [[0, "#000000"], [1, "#ffffff"]])
    assert rgba.tolist() == [[0, 0, 0, 255], [255, 255, 255, 255], [0, 0, 0, 0]]


def test_isolines_of_a_bowl_are_circles():
    xs = ys = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, ys)
    lx, ly = isolines(xs, ys, X ** 2 + Y ** 2, [1.0])
    r = np.hypot(lx, ly)
    assert np.nanmax(np.abs(r - 1)) < 0.01
    assert np.isnan(lx).sum() == 0  # one closed loop, joined into a single line
    assert (lx[0], ly[0]) == pytest.approx((lx[-1], ly[-1]))


def test_loss_axis_is_log_of_the_gap_and_nan_safe():
    axis = loss_axis([np.array([3.5, 3.01, np.nan])], min_value=3.0)
    assert axis.log and "loss above the minimum (3)" in axis.title
    y = axis.y([3.5, 3.0, np.nan])
    assert y[0] == pytest.approx(0.5) and y[1] > 0 and np.isnan(y[2])
    assert not loss_axis([np.array([-1.0, 2.0])]).log


# --- companion charts --------------------------------------------------------------------------------

def test_loss_figure_overlays_log_curves_with_distinct_dashes():
    paths = race(100)
    fig = viz.loss_figure(paths, min_value=0.0)
    curves = [t for t in fig.data if t.mode == "lines"]
    assert len(curves) == 7 and len({c.line.dash for c in curves}) == 7
    assert fig.layout.yaxis.type == "log"
    sgd = curves[0]
    assert np.isnan(np.asarray(sgd.y, dtype=float)[12:]).all()  # a gap, not a crash
    marks = [h for t in fig.data if t.hovertext for h in t.hovertext]
    assert "✕ spun off at step 12" in marks and "cracked at step 80" in marks


@pytest.mark.parametrize(("top", "bottom"), [(92.0, 32.0), (17.0, 5.7), (40.1, 31.9), (0.0019, 0.0012), (1e3, 1e-9)])
def test_a_loss_axis_always_has_numbers_to_read(top, bottom):
    # Rastrigin's runs stop in a notch (losses 92 down to 32: no round decade inside, so no tick at all) and
    # Ackley's at 5.7 (one lone "10"): every loss chart needs at least two numbers on its axis, in one notation.
    path = dataclasses.replace(spiral_path("sgd", 50), loss=np.geomspace(top, bottom, 51))
    axis = viz.loss_figure([path], min_value=0.0).layout.yaxis
    low, high = 10.0 ** np.asarray(axis.range)
    inside = [(v, t) for v, t in zip(axis.tickvals, axis.ticktext, strict=True) if low <= v <= high]
    assert len(inside) >= 2, (axis.range, axis.tickvals)
    assert all(("e" in t) == ("e" in inside[0][1]) for _, t in inside)  # one notation


def test_small_multiples_draw_one_panel_per_run_on_one_shared_grid():
    fig = viz.small_multiples_figure(ROSENBROCK, race(80))
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == 7 and sum(bool(c.showscale) for c in contours) == 1
    assert all(c.z is contours[0].z or np.array_equal(c.z, contours[0].z) for c in contours)
    titles = [a.text for a in fig.layout.annotations]
    assert "SGD: spun off at step 12" in titles and "Adam: cracked at step 64" in titles


def test_settings_heatmap_cells_carry_lr_and_beta():
    lrs = np.logspace(-3, 0, 4)
    betas = np.array([0.0, 0.5, 0.9])
    values = np.arange(12.0).reshape(3, 4)
    values[2, 3] = np.nan
    fig = viz.settings_heatmap(lrs, betas, values, metric_label="final loss",
                               stability=(np.linspace(0, 0.95, 10), 2 * (1 + np.linspace(0, 0.95, 10))))
    heat = next(t for t in fig.data if t.type == "heatmap" and t.name == "final loss")
    cd = np.asarray(heat.customdata)
    assert cd.shape == (3, 4, 3) and cd[1, 2, 0] == pytest.approx(lrs[2]) and cd[1, 2, 1] == pytest.approx(0.5)
    grey = next(t for t in fig.data if t.type == "heatmap" and t.name == "spun off")
    assert np.isfinite(np.asarray(grey.z, dtype=float)).sum() == 1
    assert any(t.name == "stability limit (theory)" for t in fig.data)
    assert list(fig.layout.xaxis.ticktext) == ["0.001", "0.01", "0.1", "1"]
    with pytest.raises(ValueError):
        viz.settings_heatmap(lrs, betas, values.T, metric_label="x")


def test_basin_figure_colours_each_minimum_and_greys_out_the_rest():
    gx = np.linspace(-4, 4, 9)
    gy = np.linspace(-4, 4, 5)
    idx = np.where(gx[None, :] < 0, 0, 1) * np.ones((5, 1), dtype=int)
    idx[0, 0] = -1
    fig = viz.basin_figure(BOWL, gx, gy, idx, [(-2.0, 0.0), (2.0, 0.0)])
    basins = next(t for t in fig.data if t.name == "basins")
    assert list(basins.colorbar.ticktext) == ["1: (-2, 0)", "2: (2, 0)"]
    none = next(t for t in fig.data if t.name == "no minimum")
    assert np.isfinite(np.asarray(none.z, dtype=float)).sum() == 1
    assert viz.basin_summary(idx, [(-2.0, 0.0), (2.0, 0.0)]).startswith("Of 45 starts, 42% reach minimum 1 (-2, 0)")


def test_internals_figure_draws_scaled_arrows_and_says_the_scale():
    fig = viz.internals_figure(ROSENBROCK, (-1.0, 1.0), grad=(-4.0, 0.0), update=(0.004, 0.0),
                               extra_arrows={"momentum m": (-3.0, 1.0)})
    assert len(fig.layout.annotations) == 3
    names = [t.name for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    assert any(n.startswith("gradient") and "drawn ×" in n for n in names)
    assert any(n.startswith("momentum m") for n in names) and any(n.startswith("update applied") for n in names)
    assert fig.layout.yaxis.scaleanchor == "x"  # equal axes: directions are honest
    arrows = {a.arrowcolor: (a.x - a.ax, a.y - a.ay) for a in fig.layout.annotations}
    grad_dx, grad_dy = arrows["#D55E00"]  # vermillion: the gradient, pointing where it points
    update_dx, update_dy = arrows["#1a1a1a"]
    assert grad_dx < 0 and grad_dy == pytest.approx(0) and update_dx > 0 and update_dy == pytest.approx(0)
    assert np.hypot(grad_dx, grad_dy) == pytest.approx(0.6 * 0.24)  # rescaled to 60 % of the half-window
    # The gradient is drawn last, over the memory arrows that often point its way.
    assert fig.layout.annotations[-1].arrowcolor == "#D55E00"
    # A memory pointing the click's way still shows, as a rim around it: memory arrows are thicker.
    widths = {a.arrowcolor: a.arrowwidth for a in fig.layout.annotations}
    assert widths["#0072B2"] > widths["#D55E00"] == widths["#1a1a1a"]


def test_surface_figure_puts_paths_and_minima_on_the_surface_in_the_maps_colours():
    fig = viz.surface_figure(ROSENBROCK, race(60, 3))
    surface = fig.data[0]
    assert surface.type == "surface" and sum(t.type == "scatter3d" for t in fig.data) == 5  # 3 paths, minima, start
    assert fig.layout.scene.zaxis.ticktext is not None  # log heights labelled in real losses
    bar = viz.backdrop(ROSENBROCK).traces[-1].marker
    assert list(map(tuple, surface.colorscale)) == list(map(tuple, bar.colorscale))
    assert (surface.cmin, surface.cmax) == (bar.cmin, bar.cmax) and surface.lighting.ambient >= 0.8
    # Rosenbrock's minimum (loss 0) sits below the log scale's floor: it is put on the floor, inside the box.
    star = next(t for t in fig.data if t.name == "the combination")
    low, high = fig.layout.scene.zaxis.range
    assert low <= star.z[0] <= high and star.z[0] > surface.cmin


def test_the_offline_page_has_a_title_a_caption_and_the_whole_player(solo):
    page = viz.standalone_html(solo, "Crack the safe: Adam on Rosenbrock", "300 steps from (-1.5, 2) <lr 0.01>")
    assert "<title>Crack the safe: Adam on Rosenbrock</title>" in page and "<h1>" in page
    assert "300 steps from (-1.5, 2) &lt;lr 0.01&gt;" in page  # escaped: a caption cannot inject markup
    assert "Plotly.newPlot" in page and len(page) > 3_000_000  # plotly.js inlined: plays offline
    assert "function createPlayer" in page and '"duration":9000' in page  # the player and its motion
    assert "<script src=" not in page
    assert "min-width" in page
    hostile = viz.standalone_html(solo, "</script><script>alert(1)</script>", "caption")
    assert "</script><script>alert(1)" not in hostile  # a title cannot close the player's script


# --- summaries ---------------------------------------------------------------------------------------

def test_summaries_read_right():
    adam = spiral_path("adam", 300, cracked_at=143)
    reached = dataclasses.replace(adam, settled_at=None)  # reached the combination, not there at the end
    sgd = spiral_path("sgd", 300, diverged_at=12)
    momentum = viz.PathView("Momentum", "momentum", np.zeros((301, 2)), np.full(301, 0.012))
    assert viz.path_summary(sgd) == "SGD spun off at step 12."
    assert viz.path_summary(momentum) == "Momentum had not cracked it after 300 steps (loss 0.012)."
    assert viz.path_summary(adam) == "Adam cracked it at step 143."
    assert viz.path_summary(reached).startswith("Adam reached the combination at step 143 but swung away")
    # The leaderboard's order: cracked, then still turning, then spun off.
    assert viz.race_summary([momentum, sgd, adam]) == (
        "Adam cracked it at step 143; Momentum had not cracked it after 300 steps (loss 0.012); SGD spun off at "
        "step 12.")
    text = viz.heatmap_summary([0.1, 1.0], [0.9], np.array([[0.5, np.nan]]), metric_label="final loss")
    assert text == "Best final loss: 0.5 at learning rate 0.1 and β 0.9. 1 of 2 settings spun off."


def test_viz_never_imports_streamlit_or_optim():
    code = "import sys, viz; print('streamlit' in sys.modules, 'optim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_with_the_real_optimizers_when_they_are_there():
    try:
        import landscapes
        import optim
    except ImportError as exc:  # the other engineers' modules may not be complete yet
        pytest.skip(f"landscapes/optim not importable yet: {exc}")
    land = landscapes.LANDSCAPES["rosenbrock"]
    paths = [viz.path_view(optim.simulate(key, "rosenbrock", steps=200)) for key in ("sgd", "adam")]
    replay = viz.replay(land, paths)
    assert replay.motion["last"] == 200 and replay_size(replay) < 600_000
    assert viz.race_summary(paths).endswith(".")


def test_asgds_averaged_point_rides_beside_the_hand_as_a_ghost():
    import optim

    tr = optim.simulate("asgd", "bowl", None, 120, noise=1.0, t0=20, lr=0.05)
    path = viz.path_view(tr)
    assert path.ghost.shape == path.points.shape and np.array_equal(path.ghost[:22], path.points[:22])
    # After averaging starts the ghost is the plain average of the points since, so it sits nearer the middle.
    np.testing.assert_allclose(path.ghost[-1], path.points[22:].mean(axis=0), rtol=1e-6, atol=1e-9)
    assert np.linalg.norm(path.ghost[-1]) < np.linalg.norm(path.points[-1])
    replay = viz.replay(tr.landscape, [path])
    assert [t.name for t in replay.figure.data if t.meta == "ghost"] == ["ASGD: averaged point (ghost)"]
    ghost_trail, trail = layers(replay, "trail", MAP)  # the ghost's dotted trail under the hand's
    ghost_head = layers(replay, "head", MAP)[0]
    assert ghost_head["series"] == ghost_trail["series"] != trail["series"] and ghost_trail["dash"]
    for k in (0, 30, 120):
        assert drawn(replay.motion, ghost_head, k) == pytest.approx(tuple(path.ghost[k]), abs=1e-3)
    assert viz.path_view(optim.simulate("adam", "bowl", None, 5)).ghost is None
