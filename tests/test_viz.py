"""viz: every figure builds from plain data, the animation stays linear in size and never touches the
landscape, and the sentences beside the charts read right. No browser here (see tests/browser/test_animation.py)."""

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
from viz.animation import CHUNKS
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


def frame_bytes(fig: go.Figure) -> list[int]:
    return [len(json.dumps(f.to_plotly_json(), separators=(",", ":"), default=str)) for f in fig.frames]


def static_indices(fig: go.Figure) -> set[int]:
    """Traces no frame may touch: the landscape, its landmarks and the dial faces."""
    return {i for i, t in enumerate(fig.data) if t.meta in ("backdrop", "landmark", "dial")}


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


# --- the animated figure -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def solo():
    return viz.crack_figure(ROSENBROCK, [spiral_path("adam", 300, cracked_at=250)])


@pytest.fixture(scope="module")
def race_fig():
    return viz.crack_figure(ROSENBROCK, race(300))


def timeline(fig: go.Figure) -> list:
    return [f for f in fig.frames if f.group == "timeline"]


def state(fig: go.Figure, frame) -> dict[int, dict]:
    """What plotly.js applies for a frame: its baseframe's updates, then its own (as computeFrame does)."""
    by_name = {f.name: f for f in fig.frames}
    chain = [frame]
    while chain[-1].baseframe:
        chain.append(by_name[chain[-1].baseframe])
    out = {}
    for f in reversed(chain):
        for i, update in zip(f.traces, f.data, strict=True):
            out.setdefault(i, {}).update(update.to_plotly_json())
    return out


def meta(fig: go.Figure, name: str) -> list[int]:
    return [i for i, t in enumerate(fig.data) if t.meta == name]


@pytest.mark.parametrize("which", ["solo", "race_fig"])
def test_frames_slider_and_buttons_share_one_timeline(which, request):
    fig = request.getfixturevalue(which)
    frames = timeline(fig)
    assert 2 <= len(frames) <= 150
    slider = fig.layout.sliders[0]
    assert [f.name for f in frames] == [s.args[0][0] for s in slider.steps] == [s.label for s in slider.steps]
    assert frames[0].name == "0" and frames[-1].name == "300"
    assert slider.active == len(frames) - 1  # opens on the final state
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in x for x in labels) and any("Pause" in x for x in labels)
    play = next(b for b in fig.layout.updatemenus[0].buttons if "Play" in b.label)
    # Play animates the timeline group only, never the "chunks" frames the timeline builds on.
    assert play.args[0] == "timeline" and play.args[1]["frame"]["redraw"] is False
    assert all(s.args[1]["frame"]["redraw"] is False for s in slider.steps)
    assert {f.group for f in fig.frames} == {"timeline", "chunks"}


@pytest.mark.parametrize("which", ["solo", "race_fig"])
def test_frames_list_their_traces_and_never_touch_the_landscape(which, request):
    fig = request.getfixturevalue(which)
    untouchable = static_indices(fig)
    assert untouchable, "the landscape traces should be tagged"
    for frame in fig.frames:
        assert frame.traces is not None and len(frame.traces) == len(frame.data)
        assert not set(frame.traces) & untouchable
        assert all(fig.data[i].type == "scatter" for i in frame.traces)
    # The landscape is a layout image plus scatter contour lines: a contour trace would be deleted by
    # plotly.js at the first redraw=False frame.
    assert not [t for t in fig.data if t.type in ("contour", "heatmap")]
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    assert any(t.name == "contour lines" and len(t.x) > 100 for t in fig.data)


def _drawn(fig: go.Figure, frame, path: viz.PathView, hand: int = 0) -> set[int]:
    """The steps of `path` whose line is on the map at `frame`: finished pieces plus the growing piece."""
    st = state(fig, frame)
    label = path.label
    pieces = [i for i in meta(fig, "path-piece") if fig.data[i].legendgroup == label]
    growing = next(i for i in meta(fig, "path-growing") if fig.data[i].legendgroup == label)
    where = {tuple(xy): k for k, xy in enumerate(np.float32(path.points).tolist())}

    def steps_of(xs, ys) -> set[int]:
        return {where[(x, y)] for x, y in zip(np.float32(xs).tolist(), np.float32(ys).tolist(), strict=True)}

    shown = set()
    for i in pieces:
        if st[i]["opacity"] == 1:
            shown |= steps_of(fig.data[i].x, fig.data[i].y)
    if "x" in st[growing]:
        shown |= steps_of(st[growing]["x"], st[growing]["y"])
    return shown


def test_every_frame_is_a_complete_state_that_reveals_exactly_the_steps_so_far(solo):
    path = spiral_path("adam", 300, cracked_at=250)
    frames = timeline(solo)
    # Any frame, reached by the slider from anywhere (its baseframe carries the pieces' state).
    for frame in frames[::7] + frames[-1:]:
        k = int(frame.name)
        assert _drawn(solo, frame, path) == set(range(k + 1)), k
    marks = meta(solo, "path-marks")[0]
    assert solo.data[marks].marker.colorscale[-1][1].endswith(", 0)")  # the far end is fully transparent
    for frame in frames:
        k = int(frame.name)
        update = state(solo, frame)[marks]
        assert "x" not in update and update["marker"]["cmin"] == k and update["marker"]["cmax"] == k + 1


def test_initial_figure_shows_the_final_state(race_fig):
    final = state(race_fig, timeline(race_fig)[-1])
    for i, update in final.items():
        for key in ("x", "y", "opacity"):
            if key in update and key != "opacity":
                assert list(np.asarray(update[key], dtype=float)) == pytest.approx(
                    list(np.asarray(race_fig.data[i][key], dtype=float)), abs=1e-6, nan_ok=True)
            elif key in update:
                assert race_fig.data[i].opacity == update["opacity"] == 1
    heads = race_fig.data[meta(race_fig, "heads")[0]]
    assert heads.x[1] == pytest.approx(race(300)[1].points[-1, 0], abs=1e-3) and len(heads.x) == 7


def test_bytes_grow_linearly_and_frames_stay_small():
    sizes = {}
    for steps in (100, 200, 400, 800):
        for n in (1, 7):
            fig = viz.crack_figure(ROSENBROCK, race(steps, n))
            sizes[steps, n] = json_size(fig)
            for frame in timeline(fig):  # a frame's lines hold one piece at most, never the whole path
                for update in frame.data:
                    assert update.x is None or len(update.x) <= max(steps / CHUNKS + steps / 150 + 2, n * 3)
    for n in (1, 7):
        assert sizes[800, n] <= 2.3 * sizes[400, n]
        assert sizes[400, n] <= 2.3 * sizes[200, n]


def test_frames_touch_few_traces_whatever_the_hands():
    # plotly.js re-plots every listed trace at every frame: hands share heads, cursors and pointers.
    for n in (1, 7):
        fig = viz.crack_figure(ROSENBROCK, race(300, n))
        own = max(len(f.traces) for f in timeline(fig))
        # Growing piece and marks per hand; heads, loss card, now line, cursors, needles or pointers, readout.
        assert own <= 2 * n + 6, own


def test_default_figures_are_small(solo, race_fig):
    assert json_size(solo) < 400_000
    assert json_size(race_fig) < 900_000  # seven hands; the hard limit is 1.5 MB


def test_max_frames_caps_and_strides_the_timeline():
    fig = viz.crack_figure(ROSENBROCK, [spiral_path("sgd", 1000)], max_frames=50, show_dials=False)
    names = [int(f.name) for f in timeline(fig)]
    assert len(names) == 50 and names[0] == 0 and names[-1] == 1000 and names == sorted(names)
    assert list(viz.frame_steps(20, 150)) == list(range(21))


def test_outcomes_are_in_the_legend_and_marked_on_the_map_when_they_happen(race_fig):
    legend = [t.name for t in race_fig.data if t.meta == "path-legend"]
    assert "SGD · spun off at step 12" in legend and "Adam · cracked at step 240" in legend
    assert not [t for t in race_fig.data if t.mode and "text" in t.mode and t.xaxis in (None, "x")]
    solo = viz.crack_figure(BOWL, [spiral_path("sgd", 50, landscape=BOWL, diverged_at=20)])
    marks = solo.data[meta(solo, "path-marks")[0]]
    cross = list(marks.marker.symbol).index("x")
    assert marks.marker.color[cross] == 20
    last = spiral_path("sgd", 50, landscape=BOWL).points[19]
    assert (marks.x[cross], marks.y[cross]) == pytest.approx(tuple(last), abs=1e-3)


def test_a_spin_off_ends_a_solo_timeline():
    solo = viz.crack_figure(BOWL, [spiral_path("sgd", 50, landscape=BOWL, diverged_at=20)])
    assert timeline(solo)[-1].name == "20" and solo.layout.xaxis2.range[1] == 20
    # In a race the others go on; the one that spun off waits at its last point.
    fig = viz.crack_figure(ROSENBROCK, race(100, 3))
    assert timeline(fig)[-1].name == "100"


def test_a_run_that_flies_off_the_map_is_marked_where_it_left():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [1e6, 2e6], [np.nan, np.nan]])
    path = viz.PathView("SGD", "sgd", points, np.array([2.0, 4.0, 1e13, np.nan]), diverged_at=3)
    x, y = path.last_seen(BOWL.bounds)  # bounds ±4: it crossed y = 4 on the way to (1e6, 2e6)
    assert y == pytest.approx(4.0) and x == pytest.approx(1.0 + 3.0 / 2e6 * 1e6, rel=1e-6)
    fig = viz.crack_figure(BOWL, [path])
    marks = fig.data[meta(fig, "path-marks")[0]]
    cross = list(marks.marker.symbol).index("x")
    assert (marks.x[cross], marks.y[cross]) == pytest.approx((x, y), abs=1e-3)
    # The overshoot is drawn: the line runs on to the point off the map (clipped at the map's edge).
    pieces = [fig.data[i] for i in meta(fig, "path-piece")]
    assert max(np.nanmax(np.asarray(p.x, dtype=float)) for p in pieces) > 1e5
    # The loss axis stops a few decades above the start instead of reaching for 1e13.
    assert np.log10(4.0) < fig.layout.yaxis2.range[1] < np.log10(4.0) + 3 + 1


def test_the_loss_curve_is_covered_ahead_of_the_replay(solo):
    card = meta(solo, "loss-future")[0]
    for frame in timeline(solo)[::10]:
        k = int(frame.name)
        xs = state(solo, frame)[card]["x"]
        assert min(xs) == k and max(xs) >= 300  # from now to the end of the axis
    assert solo.data[card].fillcolor == solo.layout.shapes[0].fillcolor  # the same card as the panel


def test_the_head_rests_on_the_last_finite_point_after_a_spin_off():
    fig = viz.crack_figure(ROSENBROCK, race(50, 2), show_loss=False)
    heads = meta(fig, "heads")[0]
    xs = [state(fig, f)[heads]["x"][0] for f in timeline(fig)]
    assert all(x is not None for x in xs) and xs[-1] == xs[11]


def test_dials_show_needles_for_one_run_and_a_pointer_per_racer(solo, race_fig):
    needles = [solo.data[i] for i in meta(solo, "dial-needle")]
    assert len(needles) == 1 and len([v for v in needles[0].x if v is None]) == 2  # two needles, one trace
    assert len(solo.data[meta(solo, "dial-readout")[0]].text) == 2
    pointers = [race_fig.data[i] for i in meta(race_fig, "dial-pointers")]
    assert len(pointers) == 1 and len(pointers[0].x) == 14  # 7 hands on each of the two dials
    assert race_fig.layout.yaxis3.scaleanchor == "x3"  # round dials
    bare = viz.crack_figure(ROSENBROCK, race(50, 2), show_dials=False, show_loss=False)
    assert not [t for t in bare.data if str(t.meta).startswith("dial")] and "xaxis2" not in bare.layout.to_plotly_json()


def test_needle_angle_maps_the_bounds_onto_the_dial():
    path = viz.PathView("Adam", "adam", [[-4.0, 4.0], [0.0, 0.0]], [1.0, 0.0])
    fig = viz.crack_figure(BOWL, [path])
    needle = meta(fig, "dial-needle")[0]
    first = state(fig, timeline(fig)[0])[needle]
    # x = lower bound: 150 degrees anticlockwise from 12 o'clock, i.e. lower left of the x dial's centre.
    assert first["x"][1] < 0 and first["y"][1] < 0
    # Final state x = 0, the middle of the bounds: straight up.
    assert fig.data[needle].x[1] == pytest.approx(0, abs=1e-3) and fig.data[needle].y[1] > 0.7


@pytest.mark.parametrize("layout", viz.LAYOUTS)
def test_every_layout_keeps_the_map_square_and_the_controls_apart(layout):
    fig = viz.crack_figure(ROSENBROCK, race(100, 3), layout=layout)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    ravine = viz.PathView("SGD", "sgd", [[-9.0, 2.0], [0.0, 0.0]], [1.0, 0.0])
    long_thin = Landscape(key="long", title="Long", description="", latex="", bounds=((-10.0, 10.0), (-3.0, 3.0)),
                          minima=((0.0, 0.0),), min_value=0.0, start=(-9.0, 2.0), value_fn=lambda x, y: x * x + y * y,
                          grad_fn=lambda x, y: (2 * x, 2 * y))
    assert viz.crack_figure(long_thin, [ravine], layout=layout).layout.yaxis.scaleanchor is None  # fills its panel
    menu, slider = fig.layout.updatemenus[0], fig.layout.sliders[0]
    if layout == "phone":
        # Everything under the map, Play and Pause on their own row above a full-width slider.
        assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]
        assert slider.y < menu.y and slider.len == 1
        assert fig.layout.legend.y < slider.y
        assert fig.layout.xaxis.domain[1] - fig.layout.xaxis.domain[0] == 1
    else:
        assert slider.x >= 0.2  # the slider starts right of the buttons
    with pytest.raises(ValueError):
        viz.crack_figure(ROSENBROCK, race(100, 3), layout="tv")


def test_presenter_layout_is_bigger_where_it_counts():
    desk = viz.crack_figure(ROSENBROCK, race(100, 3))
    big = viz.crack_figure(ROSENBROCK, race(100, 3), layout="presenter")
    assert big.layout.sliders[0].currentvalue.font.size >= 2 * desk.layout.sliders[0].currentvalue.font.size
    assert big.layout.updatemenus[0].font.size > desk.layout.updatemenus[0].font.size
    piece = meta(big, "path-piece")[0]
    assert big.data[piece].line.width > desk.data[piece].line.width
    assert viz.crack_figure(ROSENBROCK, race(100, 3), presenter=True).layout.height == big.layout.height


def test_hover_texts_name_step_position_and_loss(solo):
    marks = solo.data[meta(solo, "path-marks")[0]]
    assert all(w in marks.hovertemplate for w in ("step", "x", "y", "loss"))
    landscape = next(t for t in solo.data if t.meta == "backdrop" and t.name == "landscape")
    assert all(w in landscape.hovertemplate for w in ("x", "y", "loss"))


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
    assert "<script src=" not in page
    assert "min-width" in page


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
    fig = viz.crack_figure(land, paths)
    assert len(timeline(fig)) == 150 and json_size(fig) < 600_000
    assert viz.race_summary(paths).endswith(".")


def test_asgds_averaged_point_rides_beside_the_hand_as_a_ghost():
    import optim

    tr = optim.simulate("asgd", "bowl", None, 120, noise=1.0, t0=20, lr=0.05)
    path = viz.path_view(tr)
    assert path.ghost.shape == path.points.shape and np.array_equal(path.ghost[:22], path.points[:22])
    # After averaging starts the ghost is the plain average of the points since, so it sits nearer the middle.
    np.testing.assert_allclose(path.ghost[-1], path.points[22:].mean(axis=0), rtol=1e-6, atol=1e-9)
    assert np.linalg.norm(path.ghost[-1]) < np.linalg.norm(path.points[-1])
    plain = viz.crack_figure(tr.landscape, [path])
    fig = viz.with_ghosts(viz.crack_figure(tr.landscape, [path]), [path])
    assert len(fig.data) == len(plain.data) + 2 and [t.meta for t in fig.data[-2:]] == ["ghost", "ghost"]
    head = len(fig.data) - 1
    timeline = [frame for frame in fig.frames if frame.name.isdigit()]
    assert timeline
    for frame in timeline:
        k = int(frame.name)
        assert frame.traces[-1] == head and frame.data[-1].x[0] == pytest.approx(path.ghost[k, 0])
    assert viz.path_view(optim.simulate("adam", "bowl", None, 5)).ghost is None
