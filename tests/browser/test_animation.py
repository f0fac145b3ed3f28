"""The replay player in a real browser: it opens on the last step, Play replays from step 0 and stops at the end,
each step (reached by Play, the slider or the keys, forwards or backwards) shows the path up to that step and
nothing after it, every hand of a race moves, a hand switched off in the legend vanishes, the table opens on
demand, and the page logs no errors.

The replay is written as the offline HTML page (viz/export.py: plotly.js and viz/player.js inlined) and opened
in Debian's Chromium through Playwright (the session's browser, tests/browser/conftest.py). What a step shows
is read off the canvas itself, at the points the motion says (tests/test_viz.py holds the motion to the same
rules)."""

from __future__ import annotations

import numpy as np
import pytest

import viz
from tests.test_viz import BOWL, ROSENBROCK, race, spiral_path

pytestmark = pytest.mark.browser

# The canvas's pixel (its alpha and colour) at each data point of the map, and the player's state.
PROBE_JS = """(points) => {
  const gd = document.getElementById('sc-panel-0');
  const canvas = gd.querySelector('canvas.sc-motion');
  const ctx = canvas.getContext('2d');
  const ratio = canvas.width / gd._fullLayout.width;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const pixels = points.map(([x, y]) => {
    const px = Math.round((xa._offset + xa.l2p(x)) * ratio), py = Math.round((ya._offset + ya.l2p(y)) * ratio);
    // The strongest pixel in a 5 x 5 square: a line 2 px wide need not cover the exact centre.
    let best = [0, 0, 0, 0];
    const data = ctx.getImageData(px - 2, py - 2, 5, 5).data;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > best[3]) best = [...data.slice(i, i + 4)];
    return best;
  });
  const player = document.querySelector('.sc-player').scPlayer;
  const image = gd.querySelector('.layer-below image, image');
  return {pixels, step: player.step, last: player.last, playing: player.playing,
          image: image ? (image.getAttribute('href') || '').slice(0, 22) : null};
}"""


@pytest.fixture
def open_replay(browser, tmp_path):
    """Opens a replay's offline page in a fresh tab; returns (tab, errors)."""
    opened = []

    def _open(replay: viz.Replay, name: str = "replay", viewport=(1280, 800)):
        path = tmp_path / f"{name}.html"
        path.write_text(viz.standalone_html(replay, name, f"the {name}"))
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        opened.append(context)
        tab = context.new_page()
        errors = []
        tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        tab.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
        tab.goto(path.as_uri())
        tab.wait_for_selector("canvas.sc-motion")
        tab.wait_for_timeout(300)
        return tab, errors

    yield _open
    for context in opened:
        context.close()


def _probe(tab, points) -> dict:
    return tab.evaluate(PROBE_JS, [[float(x), float(y)] for x, y in points])


def _seek(tab, k: int) -> None:
    tab.evaluate("(k) => document.querySelector('.sc-player').scPlayer.seek(k)", k)


def _on_map(path: viz.PathView, landscape, margin: float = 0.05) -> list[bool]:
    """Which of the path's points lie on the map, clear of its edges (the canvas is clipped to the map)."""
    (x0, x1), (y0, y1) = landscape.bounds
    dx, dy = margin * (x1 - x0), margin * (y1 - y0)
    return [bool(x0 + dx < x < x1 - dx and y0 + dy < y < y1 - dy) for x, y in path.points]


def _check_step(state: dict, path: viz.PathView, k: int, landscape) -> None:
    """At step k the hand is at point k, its trail covers the points before, and the points to come are empty."""
    points, seen = state["pixels"], _on_map(path, landscape)
    if seen[k]:
        assert points[k][3] > 200, f"the hand at step {k}"
    for i in range(0, k, 7):
        assert not seen[i] or points[i][3] > 0, f"step {i} drawn at step {k}"
    # Well ahead of the hand (beyond its marker's reach) nothing is drawn yet.
    ahead = [i for i in range(k + 6, len(points), 5) if seen[i]]
    assert all(points[i][3] == 0 for i in ahead), f"nothing after step {k}"


def test_play_replays_the_path_from_the_start_and_opens_on_the_end(open_replay):
    path = spiral_path("adam", 120, cracked_at=100)
    tab, errors = open_replay(viz.replay(ROSENBROCK, [path]), "solo")
    points = path.points.tolist()

    before = _probe(tab, points)
    assert before["step"] == before["last"] == 120 and not before["playing"]
    assert before["image"] == "data:image/png;base64,"  # the landscape, drawn once by plotly
    seen = _on_map(path, ROSENBROCK)
    assert sum(seen) > 60 and all(p[3] > 0 for p, on in zip(before["pixels"], seen, strict=True) if on), \
        "opens on the whole path"

    tab.get_by_role("button", name="Play").click()
    tab.wait_for_timeout(1500)
    playing = _probe(tab, points)
    assert playing["playing"] and 0 < playing["step"] < 120, "the replay started again from step 0"
    tab.get_by_role("button", name="Pause").click()
    tab.wait_for_timeout(300)
    paused = _probe(tab, points)
    k = paused["step"]
    assert not paused["playing"] and 0 < k < 120
    _check_step(paused, path, k, ROSENBROCK)
    tab.wait_for_timeout(500)
    assert _probe(tab, points)["step"] == k, "Pause holds"

    # Resume to the end: the whole path is back and Play stops there.
    tab.get_by_role("button", name="Play").click()
    tab.wait_for_function("() => !document.querySelector('.sc-player').scPlayer.playing", timeout=30_000)
    end = _probe(tab, points)
    assert end["step"] == 120 and all(p[3] > 0 for p, on in zip(end["pixels"], seen, strict=True) if on)
    assert "reached its end" in tab.inner_text(".sc-player")
    assert errors == []


def test_the_slider_and_the_keys_scrub_backwards_and_forwards(open_replay):
    path = spiral_path("momentum", 60, landscape=BOWL, cracked_at=50)
    tab, errors = open_replay(viz.replay(BOWL, [path]), "scrub")
    points = path.points.tolist()
    slider = tab.get_by_role("slider", name="Step of the replay")
    box = slider.bounding_box()
    for where in (0.25, 0.8, 0.1):  # backwards from the end, forwards, backwards again
        tab.mouse.click(box["x"] + 14 + where * (box["width"] - 28), box["y"] + box["height"] / 2)
        tab.wait_for_timeout(200)
        state = _probe(tab, points)
        assert abs(state["step"] - where * 60) <= 3, (where, state["step"])
        _check_step(state, path, state["step"], BOWL)

    # The slider's own keys: one step, and to either end.
    slider.focus()
    _seek(tab, 30)
    tab.keyboard.press("ArrowLeft")
    tab.keyboard.press("ArrowLeft")
    assert _probe(tab, points)["step"] == 28
    tab.keyboard.press("End")
    assert _probe(tab, points)["step"] == 60
    tab.keyboard.press("Home")
    _check_step(_probe(tab, points), path, 0, BOWL)

    # The page's keys, away from any widget: a clicker's arrows and Page Up / Page Down, and space.
    tab.evaluate("() => document.activeElement.blur()")
    _seek(tab, 30)
    for key, step in (("ArrowLeft", 29), ("PageUp", 28), ("ArrowRight", 29), ("PageDown", 30)):
        tab.keyboard.press(key)
        assert _probe(tab, points)["step"] == step, key
    tab.keyboard.press("Space")
    tab.wait_for_timeout(400)
    assert _probe(tab, points)["playing"]
    tab.keyboard.press("Space")
    stopped = _probe(tab, points)
    assert not stopped["playing"] and stopped["step"] > 30
    assert errors == []


def test_play_and_the_slider_work_from_the_keyboard_alone_with_a_visible_focus(open_replay):
    tab, errors = open_replay(viz.replay(BOWL, [spiral_path("sgd", 40, landscape=BOWL)]), "keyboard")
    focus_style = "() => { const e = document.activeElement; const s = getComputedStyle(e);" \
                  " return [e.className, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    names = []
    for _ in range(40):  # Tab through the page until the player's controls have had the focus
        tab.keyboard.press("Tab")
        cls, style, width = tab.evaluate(focus_style)
        if cls in ("sc-play", "sc-step"):
            names.append(cls)
            assert style != "none" and width >= 2, (cls, style, width)  # a visible focus ring
        if cls == "sc-play":
            tab.keyboard.press("Enter")
            tab.wait_for_timeout(300)
            assert tab.evaluate("() => document.querySelector('.sc-player').scPlayer.playing")
            tab.keyboard.press("Space")
            assert not tab.evaluate("() => document.querySelector('.sc-player').scPlayer.playing")
        if "sc-step" in names:
            break
    assert names[:2] == ["sc-play", "sc-step"]
    tab.keyboard.press("ArrowLeft")
    step = tab.evaluate("() => document.querySelector('.sc-player').scPlayer.step")
    tab.keyboard.press("ArrowRight")
    assert tab.evaluate("() => document.querySelector('.sc-player').scPlayer.step") == step + 1
    # The chart is named for a screen reader, and described by the sentence given with it.
    gd = tab.locator("#sc-panel-0")
    assert gd.get_attribute("role") == "figure" and gd.get_attribute("aria-label") == "keyboard"
    described = tab.evaluate("() => document.getElementById("
                             "document.getElementById('sc-panel-0').getAttribute('aria-describedby')).textContent")
    assert described == "the keyboard"
    assert errors == []


def test_a_seven_run_race_replays_every_hand(open_replay):
    paths = race(120)
    tab, errors = open_replay(viz.replay(ROSENBROCK, paths), "race")
    tab.get_by_role("button", name="Play").click()
    tab.wait_for_timeout(2500)
    tab.get_by_role("button", name="Pause").click()
    k = tab.evaluate("() => document.querySelector('.sc-player').scPlayer.step")
    assert 12 < k < 120
    for path in paths:
        rest = path.head_index()[k]
        if _on_map(path, ROSENBROCK)[rest]:
            state = _probe(tab, [path.points[rest]])
            assert state["pixels"][0][3] > 200, path.label  # every hand's head, SGD's where it spun off
    tab.get_by_role("button", name="Play").click()
    tab.wait_for_function("() => !document.querySelector('.sc-player').scPlayer.playing", timeout=60_000)
    assert tab.evaluate("() => document.querySelector('.sc-player').scPlayer.step") == 120
    assert errors == []


def test_a_hand_switched_off_in_the_legend_vanishes_from_the_replay(open_replay):
    paths = race(60, 3)
    tab, errors = open_replay(viz.replay(ROSENBROCK, paths), "legend")
    third = paths[2]  # Nesterov
    # Its points farthest from the other hands' paths (they all end on the combination), on the map.
    others = np.concatenate([p.points for p in paths[:2]])
    apart = np.array([np.min(np.linalg.norm(others - point, axis=1)) for point in third.points])
    apart[~np.array(_on_map(third, ROSENBROCK))] = 0
    where = [third.points[i] for i in np.argsort(apart)[-3:]]
    assert all(p[3] > 0 for p in _probe(tab, where)["pixels"])
    toggle = tab.evaluate("""(name) => { const item = [...document.querySelectorAll('g.legend g.traces')]
        .find(g => g.textContent.startsWith(name)); const r = item.querySelector('rect.legendtoggle')
        .getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }""", third.label)
    tab.mouse.click(*toggle)
    tab.wait_for_timeout(500)
    assert all(p[3] == 0 for p in _probe(tab, where)["pixels"]), "its trail and head are gone"
    assert errors == []


def test_the_numbers_open_as_a_table_on_demand(open_replay):
    replay = viz.replay(ROSENBROCK, race(60, 3))
    tab, errors = open_replay(replay, "table")
    assert tab.locator(".sc-player table").count() == 0  # built only when asked for
    tab.get_by_text("The numbers behind the picture, as a table").click()
    table = tab.locator(".sc-player table")
    table.wait_for()
    assert table.locator("tbody tr").count() == len(replay.motion["table"]["rows"])
    assert table.locator("thead th").all_inner_texts() == replay.motion["table"]["header"]
    region = tab.get_by_role("region", name="The replay's numbers, step by step")
    assert region.get_attribute("tabindex") == "0"  # a keyboard can reach and scroll it
    assert errors == []
