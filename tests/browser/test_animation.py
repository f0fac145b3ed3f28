"""The animated replay in a real browser: Play keeps the landscape drawn, each frame (reached by Play or
by the slider, forwards or backwards) shows the path up to its step and nothing after it, the heads move,
and plotly.js logs no errors.

The figure is written to a standalone HTML file with plotly.js inlined from the plotly package (offline)
and opened in Debian's Chromium through Playwright (the session's browser, tests/browser/conftest.py).
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

import viz
from tests.test_viz import BOWL, ROSENBROCK, race, spiral_path

pytestmark = pytest.mark.browser

# DOM state of the figure: per trace index, the drawn markers and how many are visible, plus the
# landscape's parts. plotly.js tags each trace's <g> with the class "trace<uid>".
STATE_JS = """(indices) => {
  const gd = document.querySelector('.js-plotly-plot');
  const traces = {};
  for (const i of indices) {
    const g = document.querySelector('g.trace' + gd._fullData[i].uid);
    const points = g ? [...g.querySelectorAll('path.point')] : [];
    // A line with NaN gaps is drawn as several paths: add up all of them.
    const lines = g ? [...g.querySelectorAll('path.js-line')] : [];
    traces[i] = {
      exists: !!g,
      opacity: g ? +(g.style.opacity || 1) : null,
      points: points.length,
      // Open symbols (the crack's ring) are drawn by their stroke, filled ones by their fill.
      visible: points.filter(p => +((p.style.fill === 'none' || p.style.fill === '' ? p.style.strokeOpacity
                                     : p.style.fillOpacity) || 1) > 0.5 && +(p.style.opacity || 1) > 0).length,
      transforms: points.map(p => p.getAttribute('transform')),
      lineLength: lines.reduce((n, l) => n + (l.getAttribute('d') || '').length, 0),
    };
  }
  const image = document.querySelector('.layer-below .imagelayer image, .imagelayer image');
  return {
    frame: gd._fullLayout._currentFrame === undefined ? null : gd._fullLayout._currentFrame,
    image: image ? (image.getAttribute('href') || image.getAttribute('xlink:href') || '').slice(0, 22) : null,
    contourPaths: document.querySelectorAll('g.contourlayer path').length,
    traces,
  };
}"""


@pytest.fixture
def open_figure(browser, tmp_path):
    """Opens a figure in a fresh tab; returns (tab, errors)."""
    opened = []

    def _open(fig: go.Figure, name: str = "figure"):
        path = tmp_path / f"{name}.html"
        fig.write_html(path, include_plotlyjs=True, auto_play=False, full_html=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        opened.append(context)
        tab = context.new_page()
        errors = []
        tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        tab.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
        tab.goto(path.as_uri())
        tab.wait_for_selector("g.updatemenu-button")
        tab.wait_for_timeout(300)
        return tab, errors

    yield _open
    for context in opened:
        context.close()


def _meta(fig: go.Figure, name: str) -> list[int]:
    return [i for i, t in enumerate(fig.data) if t.meta == name]


def _state(tab, indices: list[int]) -> dict:
    state = tab.evaluate(STATE_JS, indices)
    state["traces"] = {int(k): v for k, v in state["traces"].items()}  # JSON object keys come back as text
    return state


def _click(tab, label: str) -> None:
    tab.locator("g.updatemenu-button", has_text=label).click()


def _check_frame(fig: go.Figure, state: dict, k: int) -> None:
    """The map at step k: every marks trace shows exactly its marks up to k; a piece is shown only if
    all its steps are <= k (checked through the data: the last x of a shown piece is on the path by k)."""
    for i in _meta(fig, "path-marks"):
        want = sum(1 for step in fig.data[i].marker.color if step <= k)
        assert state["traces"][i]["visible"] == want, (fig.data[i].legendgroup, k)
    timeline = [int(f.name) for f in fig.frames if f.group == "timeline"]
    f = timeline.index(k)
    by_name = {fr.name: fr for fr in fig.frames}
    base = by_name[by_name[str(k)].baseframe]
    for i, update in zip(base.traces, base.data, strict=True):
        assert state["traces"][i]["opacity"] == update.opacity, (i, k, f)


# Pausing interrupts the running Plotly.animate call, which then rejects its promise with `undefined`;
# plotly.js's own button handler does not catch it, so Chromium reports one uncaught "undefined" per
# Pause. That is plotly.js's Play/Pause pattern itself, harmless, and the only error allowed here.
PAUSE_REJECTION = "page error: undefined"


def _real_errors(errors: list[str], pauses: int) -> list[str]:
    others = [e for e in errors if e != PAUSE_REJECTION]
    assert len(errors) - len(others) <= pauses
    return others


def test_play_replays_the_path_and_keeps_the_landscape(open_figure):
    fig = viz.crack_figure(ROSENBROCK, [spiral_path("adam", 120, cracked_at=100)])
    marks, heads, pieces = _meta(fig, "path-marks")[0], _meta(fig, "heads")[0], _meta(fig, "path-piece")
    lines = [i for i, t in enumerate(fig.data) if t.name == "contour lines"][0]
    landmarks = _meta(fig, "landmark")
    watch = [marks, heads, lines, *landmarks, *pieces]
    tab, errors = open_figure(fig, "solo")

    before = _state(tab, watch)
    assert before["image"] == "data:image/png;base64,"
    _check_frame(fig, before, 120)  # opens on the final state: the whole path
    lines_before = before["traces"][lines]["lineLength"]
    assert lines_before > 1000

    _click(tab, "Play")
    tab.wait_for_timeout(1500)
    playing = _state(tab, watch)
    assert 0 < playing["traces"][marks]["visible"] < before["traces"][marks]["visible"], "the future is hidden"
    assert playing["image"] and playing["traces"][lines]["lineLength"] == lines_before
    assert errors == []
    _click(tab, "Pause")
    tab.wait_for_timeout(400)
    mid = _state(tab, watch)
    k = int(mid["frame"])
    assert 0 < k < 120, "paused somewhere in the middle of the replay"
    _check_frame(fig, mid, k)
    assert mid["traces"][heads]["transforms"] != before["traces"][heads]["transforms"]
    # The landscape survived the redraw=False frames: image, contour lines and landmarks all still there.
    assert mid["image"] == "data:image/png;base64,"
    assert mid["traces"][lines]["lineLength"] == lines_before
    assert all(mid["traces"][i]["points"] >= 1 for i in landmarks)

    # Resume to the end: the whole path is back.
    _click(tab, "Play")
    tab.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullLayout._currentFrame === '120'",
                          timeout=60_000)
    tab.wait_for_timeout(300)
    end = _state(tab, watch)
    _check_frame(fig, end, 120)
    assert end["traces"][heads]["transforms"] == before["traces"][heads]["transforms"]
    assert _real_errors(errors, pauses=1) == []


def test_the_slider_jumps_backwards_and_forwards_to_complete_states(open_figure):
    fig = viz.crack_figure(BOWL, [spiral_path("momentum", 60, landscape=BOWL, cracked_at=50)])
    watch = [*_meta(fig, "path-marks"), *_meta(fig, "path-piece"), *_meta(fig, "heads")]
    lines = [i for i, t in enumerate(fig.data) if t.name == "contour lines"][0]
    tab, errors = open_figure(fig, "scrub")
    rail = tab.locator("rect.slider-rail-rect").bounding_box()
    for where in (0.25, 0.8, 0.1):  # backwards from the final state, forwards, backwards again
        tab.mouse.click(rail["x"] + where * rail["width"], rail["y"] + rail["height"] / 2)
        tab.wait_for_timeout(400)
        state = _state(tab, [*watch, lines])
        k = int(state["frame"])
        assert abs(k - where * 60) < 8
        _check_frame(fig, state, k)
        assert state["image"] and state["traces"][lines]["lineLength"] > 1000
    assert errors == []


def test_a_seven_run_race_replays_every_path(open_figure):
    fig = viz.crack_figure(ROSENBROCK, race(120))
    marks = _meta(fig, "path-marks")
    assert len(marks) == 7
    watch = [*marks, *_meta(fig, "path-piece")]
    tab, errors = open_figure(fig, "race")
    _click(tab, "Play")
    tab.wait_for_timeout(2500)
    _click(tab, "Pause")
    tab.wait_for_timeout(400)
    state = _state(tab, watch)
    k = int(state["frame"])
    assert 12 < k < 120
    _check_frame(fig, state, k)
    assert state["image"] == "data:image/png;base64,"
    assert _real_errors(errors, pauses=1) == []

    # Play through to the end without interruption: not a single error, and every step shown again.
    errors.clear()
    _click(tab, "Play")
    tab.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullLayout._currentFrame === '120'",
                          timeout=60_000)
    tab.wait_for_timeout(300)
    _check_frame(fig, _state(tab, watch), 120)
    assert errors == []


def test_a_contour_trace_would_be_wiped_by_redraw_false_frames(open_figure):
    """Why the map is not a contour trace: plotly.js deletes it at the first redraw=False frame, even
    though every frame lists only the scatter trace in `traces`."""
    import numpy as np
    xs = np.linspace(-1, 1, 30)
    fig = go.Figure([go.Contour(x=xs, y=xs, z=xs[None, :] ** 2 + xs[:, None] ** 2),
                     go.Scatter(x=[0], y=[0], mode="markers")])
    fig.frames = [go.Frame(name=str(k), traces=[1], data=[go.Scatter(x=[k / 10], y=[0])]) for k in range(5)]
    fig.update_layout(updatemenus=[{"type": "buttons", "buttons": [{
        "label": "Play", "method": "animate",
        "args": [None, {"frame": {"duration": 50, "redraw": False}, "transition": {"duration": 0}}]}]}])
    tab, errors = open_figure(fig, "contour")
    assert _state(tab, [])["contourPaths"] > 0
    _click(tab, "Play")
    tab.wait_for_timeout(800)
    assert _state(tab, [])["contourPaths"] == 0
