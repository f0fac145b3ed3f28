"""The main figure: a run, or a race of runs, replayed on the map beside its loss curve and the two dials.

How the animation stays correct, small and fast in plotly.js (measured: tests/browser/test_animation.py,
benchmarks/bench_browser.py):

* Every frame lists its `traces` and changes scatter traces only, played with `redraw=False`. With
  redraw=False plotly.js re-plots just the listed traces, and on each cartesian subplot it deletes the
  layer of every trace type that is not among them: a contour trace is gone at the first frame, whatever
  `traces` says. So the landscape here is a layout image plus scatter contour lines
  (`viz.surface.backdrop`), which frames cannot touch.
* What a frame costs. At every redraw=False frame plotly.js re-runs supplyDefaults and calc over the
  whole figure (~0.1 ms per trace, whatever it holds), re-plots each listed trace (~0.2 ms), and a markers
  trace restyles one SVG element per point, while a line is one SVG path however long. The old design
  revealed every visited step of every hand as a marker (7 hands x 1,000 steps = 7,000 restyles a frame)
  and crawled; here a frame touches lines and a few dozen markers, and hands share traces where they can
  (one trace holds every hand's head, one every loss cursor).
* Bytes grow linearly with the steps, never quadratically. Each path is cut into `CHUNKS` static line
  pieces at frame boundaries; a frame shows the finished pieces by their opacity (O(1) each) and draws
  the unfinished piece, from its start to the head, as one small line. The pieces' opacities live in a
  few "chunks c" frames that the timeline frames name as their `baseframe`, so a timeline frame sends
  only the unfinished piece, the head and the cursors, yet is a complete state: the slider can jump to
  any step, backwards too. Play animates the frame group "timeline" only.
* Sparse markers and the two events (cracked: a ring; spun off: a cross) are one markers trace per hand,
  revealed by a colour window: colours (fill and outline) run through two-stop colourscales from opaque
  to fully transparent, values outside [cmin, cmax] clamp, so a frame for step k sends only cmin=k,
  cmax=k+1: steps <= k show, later ones vanish (O(1) per frame). "Cracked at step k" is written in the
  hand's legend entry, never on the map, so labels cannot pile up.
* The loss curves are static; a frame slides an opaque card over the steps still to come (a four-point
  filled trace), so the curve is never drawn ahead of Play.
* A run that spins off ends its timeline (alone) at the spin-off: Play stops there, with the last steps'
  overshoot leaving the map and a cross where it was last seen.
* The figure opens on the final frame, so a screenshot tells the whole story; Play replays from step 0.
* `layout` picks the arrangement: "desk" (map left, loss and dials right), "phone" (everything stacked
  under a full-width map, controls on their own rows, legend at the foot) or "presenter" (projector:
  large type, thick paths, big dials and step readout). The map is square in data units for square
  bounds: its y axis is anchored to its x axis (scaleanchor), whatever the screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from viz.charts import crack_mark
from viz.encode import decimals_for, f32, num, sig
from viz.paths import PathView
from viz.scales import LossAxis, log_ticks, loss_axis
from viz.style import (
    CARD,
    COMBINATION_COLOR,
    INK,
    OptimizerStyle,
    axis_style,
    base_layout,
    rgba,
    sizes,
    styles_for,
)
from viz.surface import backdrop, landmark_traces

LAYOUTS = ("desk", "phone", "presenter")
# The map keeps equal units on both axes up to this ratio of its sides.
LOCKED_ASPECT = 2.0
# Static pieces per path: more pieces mean smaller unfinished pieces in each frame (bytes), fewer mean
# fewer traces for plotly.js to walk at every frame (time); 12 keeps both low up to 7 hands x 1,000 steps.
CHUNKS = 12
# About this many markers along each path: enough to show the steps' spacing, few enough to stay cheap.
SPARSE_MARKS = 16
# The dial's scale runs from the lower bound at 150 degrees left of 12 o'clock to the upper bound at 150
# degrees right of it; a value beyond the bounds parks the needle a little past the end of the scale.
DIAL_SWEEP = 150.0
DIAL_OVERSHOOT = 12.0
# The y dial's centre, right of the x dial's (radius 1) on their shared subplot.
DIAL_GAP = 2.9
# Whole replay in about this long, within these limits per frame.
REPLAY_MS = 9000
FRAME_MS = (40, 200)
# The loss panel's card is opaque so the card that hides the future matches it exactly on either theme.
LOSS_CARD = "#ffffff"

State = Callable[[int], dict]


def frame_steps(last: int, max_frames: int = 150) -> np.ndarray:
    """The steps that get a frame: every step 0..last if they fit in `max_frames`, else `max_frames`
    evenly spread steps, always including 0 and `last`."""
    if max_frames < 2:
        raise ValueError("max_frames must be at least 2")
    if last + 1 <= max_frames:
        return np.arange(last + 1)
    return np.unique(np.round(np.linspace(0, last, max_frames)).astype(int))


def chunk_bounds(n_frames: int, chunks: int = CHUNKS) -> np.ndarray:
    """Frame indices where the static path pieces start and end: 0, g, 2g, ..., n_frames - 1."""
    per = max(1, math.ceil((n_frames - 1) / chunks))
    return np.unique(np.append(np.arange(0, n_frames - 1, per), n_frames - 1))


def timeline_end(path: PathView) -> int:
    """The last step worth a frame: the spin-off for a run that spun off (Play stops there), else the end."""
    return path.steps if path.diverged_at is None else min(path.diverged_at, path.steps)


@dataclass
class _Timeline:
    """Traces in drawing order, and for the animated ones the function giving their state at a frame."""

    traces: list = field(default_factory=list)
    animated: list[tuple[int, State]] = field(default_factory=list)
    chunks: list[tuple[int, int]] = field(default_factory=list)  # (trace index, piece number)

    def add(self, trace, state: State | None = None) -> int:
        self.traces.append(trace)
        if state is not None:
            self.animated.append((len(self.traces) - 1, state))
        return len(self.traces) - 1


@dataclass(frozen=True)
class _Track:
    """One path with what every frame asks of it precomputed."""

    path: PathView
    style: OptimizerStyle
    head: np.ndarray  # head[t]: last finite step <= t, -1 if none

    @classmethod
    def of(cls, path: PathView, style: OptimizerStyle) -> _Track:
        return cls(path, style, path.head_index())

    def at(self, k: int) -> int:
        """Index of the point the hand rests on at timeline step k (runs that ended early stay put)."""
        return int(self.head[min(k, self.path.steps)])


def crack_figure(landscape, paths: list[PathView], *, max_frames: int = 150, presenter: bool = False,
                 layout: str | None = None, height: int | None = None, show_dials: bool = True,
                 show_loss: bool = True, title: str | None = None) -> go.Figure:
    """The safecracking replay: the map with every path growing step by step, the loss curve revealed
    with a cursor and, for one path, the x and y dials with needles (for a race, each dial shows one
    pointer per run). One timeline drives everything: Play / Pause buttons and a step slider, frames
    named by step. `layout` is one of LAYOUTS (default "presenter" if `presenter` else "desk"); `height`
    (px) sizes the desk and presenter variants for a taller screen."""
    paths = list(paths)
    if not paths:
        raise ValueError("crack_figure needs at least one path")
    layout = layout or ("presenter" if presenter else "desk")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    presenter = layout == "presenter"
    s = sizes(presenter)
    tracks = [_Track.of(p, st) for p, st in zip(paths, styles_for(p.key for p in paths), strict=True)]
    steps = frame_steps(max(timeline_end(p) for p in paths), max_frames)
    bounds = chunk_bounds(len(steps))
    geo = _Geometry.make(layout, show_loss, show_dials, height)
    race = len(paths) > 1
    dec = decimals_for(landscape.extent)

    tl = _Timeline()
    bd = backdrop(landscape, presenter=presenter, colorbar=geo.colorbar)
    for trace in bd.traces:
        tl.add(trace)
    for trace in landmark_traces(landscape, start=tuple(paths[0].points[0]), presenter=presenter):
        tl.add(trace)
    for track in tracks:
        _add_path(tl, track, steps, bounds, landscape.bounds, s, dec, race)
    _add_heads(tl, tracks, steps, s, dec)
    loss_ax = None
    if show_loss:
        loss_ax = loss_axis([p.loss for p in paths], landscape.min_value)
        _add_loss(tl, tracks, loss_ax, steps, s)
    if show_dials:
        _add_dials(tl, tracks, landscape, steps, s, race)

    # Open on the final state, the one a static screenshot should show.
    final = len(steps) - 1
    for index, state in tl.animated:
        tl.traces[index].update(state(final))
    for index, _ in tl.chunks:
        tl.traces[index].update(opacity=1)
    frames = [go.Frame(name=_pieces_frame(done), group="chunks", traces=[i for i, _ in tl.chunks],
                       data=[{"opacity": 1 if piece < done else 0} for _, piece in tl.chunks])
              for done in range(len(bounds))]
    indices = [index for index, _ in tl.animated]
    frames += [go.Frame(name=str(int(k)), group="timeline", baseframe=_pieces_frame(_done(bounds, f)),
                        traces=indices, data=[state(f) for _, state in tl.animated])
               for f, k in enumerate(steps)]

    fig = go.Figure(data=tl.traces, frames=frames)
    fig.update_layout(**_layout(landscape, geo, loss_ax, tracks, steps, s, presenter, race, title))
    fig.update_layout(images=[bd.image])
    return fig


def _pieces_frame(done: int) -> str:
    return f"chunks {done}"


def _done(bounds: np.ndarray, f: int) -> int:
    """How many pieces are finished at frame f (piece j runs from frame bounds[j] to bounds[j + 1])."""
    return int(np.searchsorted(bounds[1:], f, side="right"))


def _outcome(path: PathView) -> str:
    if path.diverged_at is not None:
        return f"spun off at step {path.diverged_at}"
    ring = crack_mark(path)
    return "" if ring is None else ring[1]


def _add_path(tl: _Timeline, track: _Track, steps: np.ndarray, bounds: np.ndarray, map_bounds, s, dec: int,
              race: bool) -> None:
    p, st = track.path, track.style
    xs, ys = p.points[:, 0], p.points[:, 1]
    outcome = _outcome(p)
    group = {"legendgroup": p.label, "name": p.label, "meta": "path"}
    line = {"color": st.color, "width": s.line, "dash": st.dash}
    hover = (f"step %{{customdata[0]}}<br>x %{{x:.4g}}<br>y %{{y:.4g}}<br>loss %{{customdata[1]:.4g}}"
             f"<extra>{p.label}</extra>")

    # The legend entry: the line, the marker and, in words, how the run ended.
    tl.add(go.Scatter(x=[None], y=[None], mode="lines+markers", line=line,
                      marker={"color": st.color, "symbol": st.symbol, "size": s.marker + 3},
                      **{**group, "name": f"{p.label} · {outcome}" if outcome else p.label, "meta": "path-legend"}))

    # The finished pieces: static lines, shown by their opacity (see the module docstring).
    for piece in range(len(bounds) - 1):
        a, b = int(steps[bounds[piece]]), min(int(steps[bounds[piece + 1]]), p.steps)
        if a > p.steps:
            a = b = p.steps
        # No hover here: the markers and the loss curve say step and loss, and hover data would double the bytes.
        index = tl.add(go.Scatter(x=f32(xs[a:b + 1]), y=f32(ys[a:b + 1]), mode="lines", line=line, showlegend=False,
                                  hoverinfo="skip", **{**group, "meta": "path-piece"}))
        tl.chunks.append((index, piece))

    def unfinished(f: int) -> dict:
        a = int(steps[bounds[_done(bounds, f)]]) if f < len(steps) - 1 else int(steps[f])
        c = track.at(int(steps[f]))
        seg = p.points[a:c + 1] if c >= a else p.points[:0]
        return {"x": f32(seg[:, 0]), "y": f32(seg[:, 1])}

    tl.add(go.Scatter(mode="lines", line=line, hoverinfo="skip", showlegend=False,
                      **{**group, "meta": "path-growing"}), unfinished)

    # Sparse markers and the events, revealed by the colour window.
    end = timeline_end(p)
    every = max(1, math.ceil(end / SPARSE_MARKS))
    marks = [k for k in range(0, end + 1, every) if np.isfinite(p.points[k]).all()]
    mx, my = [float(xs[k]) for k in marks], [float(ys[k]) for k in marks]
    when, symbol = list(marks), [st.symbol] * len(marks)
    size, outline = [s.marker] * len(marks), [0.0] * len(marks)
    ring = crack_mark(p)  # the step the run cracks for good, or reached then swung away from
    if ring is not None and 0 <= ring[0] <= p.steps and np.isfinite(p.points[ring[0]]).all():
        mx.append(float(xs[ring[0]]))
        my.append(float(ys[ring[0]]))
        when.append(ring[0])
        symbol.append("circle-open")
        size.append(1.8 * s.head)
        outline.append(3.0 * s.scale)
    seen = p.last_seen(map_bounds) if p.diverged_at is not None else None
    if seen is not None:
        mx.append(seen[0])
        my.append(seen[1])
        when.append(p.diverged_at)
        symbol.append("x")
        size.append(1.6 * s.head)
        outline.append(1.5)
    loss_at = [float(p.loss[min(w, p.steps)]) for w in when]
    tl.add(go.Scatter(
        x=f32(mx), y=f32(my), mode="markers", showlegend=False,
        marker={"color": when, "colorscale": [[0, rgba(st.color, 0.9)], [1, rgba(st.color, 0)]],
                "cmin": 0, "cmax": 1, "showscale": False, "size": size, "symbol": symbol,
                "line": {"color": when, "colorscale": [[0, rgba(INK, 1)], [1, rgba(INK, 0)]], "cmin": 0, "cmax": 1,
                         "width": outline}},
        customdata=f32(np.stack([when, loss_at], axis=1)), hovertemplate=hover, **{**group, "meta": "path-marks"},
    ), lambda f: _window(min(int(steps[f]), p.steps)))


def _window(k: int) -> dict:
    return {"marker": {"cmin": k, "cmax": k + 1, "line": {"cmin": k, "cmax": k + 1}}}


def _add_heads(tl: _Timeline, tracks: list[_Track], steps: np.ndarray, s, dec: int) -> None:
    """Every hand's head in one trace: one marker per hand, in its colour and symbol."""

    def heads(f: int) -> dict:
        out = {"x": [], "y": []}
        for t in tracks:
            c = t.at(int(steps[f]))
            out["x"].append(num(t.path.points[c, 0], dec) if c >= 0 else None)
            out["y"].append(num(t.path.points[c, 1], dec) if c >= 0 else None)
        return out

    tl.add(go.Scatter(mode="markers", showlegend=False, hoverinfo="skip", name="hands", meta="heads",
                      marker={"color": [t.style.color for t in tracks], "symbol": [t.style.symbol for t in tracks],
                              "size": s.head, "line": {"color": INK, "width": 1.5}}), heads)


def _add_loss(tl: _Timeline, tracks: list[_Track], axis: LossAxis, steps: np.ndarray, s) -> None:
    ys = [axis.y(t.path.loss) for t in tracks]
    on_loss = {"xaxis": "x2", "yaxis": "y2", "showlegend": False}
    for track, y in zip(tracks, ys, strict=True):
        p, st = track.path, track.style
        tl.add(go.Scatter(x0=0, dx=1, y=f32(y), mode="lines", name=p.label, legendgroup=p.label,
                          meta="path", line={"color": st.color, "width": s.line * 0.8, "dash": st.dash},
                          customdata=f32(p.loss),
                          hovertemplate=f"step %{{x}}<br>loss %{{customdata:.4g}}<extra>{p.label}</extra>", **on_loss))

    lo, hi = axis.range(ys) or [0.0, 1.0]
    span = [10 ** lo, 10 ** hi] if axis.log else [lo, hi]
    last = max(int(steps[-1]), 1)
    # The future, covered: a card from the current step to the end of the axis (a little past it).
    tl.add(go.Scatter(mode="lines", fill="toself", fillcolor=LOSS_CARD, line={"width": 0}, hoverinfo="skip",
                      name="not yet", meta="loss-future", **on_loss),
           lambda f: {"x": [int(steps[f]), last * 1.02, last * 1.02, int(steps[f]), int(steps[f])],
                      "y": [span[0], span[0], span[1], span[1], span[0]]})
    tl.add(go.Scatter(y=span, mode="lines", line={"color": "rgba(128, 128, 128, 0.7)", "width": 1, "dash": "dot"},
                      hoverinfo="skip", name="now", meta="cursor", **on_loss),
           lambda f: {"x": [int(steps[f])] * 2})

    def cursors(f: int) -> dict:
        out = {"x": [], "y": []}
        for t, y in zip(tracks, ys, strict=True):
            c = t.at(int(steps[f]))
            out["x"].append(c if c >= 0 else None)
            out["y"].append(sig(y[c]) if c >= 0 else None)
        return out

    tl.add(go.Scatter(mode="markers", hoverinfo="skip", name="loss now", meta="loss-cursors",
                      marker={"color": [t.style.color for t in tracks], "symbol": [t.style.symbol for t in tracks],
                              "size": 0.8 * s.head, "line": {"color": INK, "width": 1}}, **on_loss), cursors)


def _dial_xy(angle_deg, radius) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian points on a dial: angle clockwise from 12 o'clock."""
    a = np.radians(angle_deg)
    return radius * np.sin(a), radius * np.cos(a)


def _dial_angle(value: float, lo: float, hi: float) -> float:
    frac = (value - lo) / (hi - lo) if hi > lo else 0.5
    return float(np.clip(-DIAL_SWEEP + 2 * DIAL_SWEEP * frac, -DIAL_SWEEP - DIAL_OVERSHOOT,
                         DIAL_SWEEP + DIAL_OVERSHOOT))


def _add_dials(tl: _Timeline, tracks: list[_Track], landscape, steps: np.ndarray, s, race: bool) -> None:
    """The x and y safe dials, side by side on one subplot (one subplot and one moving trace for both
    keep frames cheap), drawn with cartesian scatter (a polar or indicator trace would not animate with
    redraw=False): faces, ticks, the bounds as labels, the combination as a gold star on each rim."""
    static = {"xaxis": "x3", "yaxis": "y3", "showlegend": False, "hoverinfo": "skip", "meta": "dial"}
    centres = (0.0, DIAL_GAP)
    ranges = landscape.bounds

    def joined(parts):
        xs, ys = [], []
        for px, py in parts:
            xs += [*np.round(px, 4).tolist(), None]
            ys += [*np.round(py, 4).tolist(), None]
        return xs, ys

    fx, fy = _dial_xy(np.linspace(0, 360, 121), 1.0)
    face = joined([(fx + c, fy) for c in centres])
    tl.add(go.Scatter(x=face[0], y=face[1], mode="lines", fill="toself", fillcolor=CARD,
                      line={"color": "rgba(128, 128, 128, 0.9)", "width": 2}, name="dial", **static))
    ticks = []
    for c in centres:
        for i, angle in enumerate(np.linspace(-DIAL_SWEEP, DIAL_SWEEP, 21)):
            inner = 0.8 if i % 5 == 0 else 0.9  # a long tick every quarter of the scale
            tx, ty = _dial_xy(angle, np.array([inner, 1.0]))
            ticks.append((tx + c, ty))
    tx, ty = joined(ticks)
    tl.add(go.Scatter(x=tx, y=ty, mode="lines", line={"color": "rgba(128, 128, 128, 0.9)", "width": 1.5},
                      name="ticks", **static))
    lx, ly = _dial_xy(np.array([-DIAL_SWEEP, 0, DIAL_SWEEP]), 0.6)
    tl.add(go.Scatter(x=np.round(np.concatenate([lx + c for c in centres]), 4), y=np.round(np.tile(ly, 2), 4),
                      mode="text", text=[f"{v:.3g}" for lo, hi in ranges for v in (lo, (lo + hi) / 2, hi)],
                      textfont={"size": s.small, "color": INK}, name="scale", **static))
    if landscape.minima:
        stars = [(_dial_xy(_dial_angle(m[axis], *ranges[axis]), 1.13), centres[axis])
                 for axis in (0, 1) for m in landscape.minima]
        tl.add(go.Scatter(x=[round(float(x) + c, 4) for (x, _), c in stars],
                          y=[round(float(y), 4) for (_, y), _ in stars], mode="markers", name="the combination",
                          marker={"symbol": "star", "size": s.head, "color": COMBINATION_COLOR,
                                  "line": {"color": INK, "width": 1}}, **static))

    def value(track: _Track, f: int, axis: int) -> float:
        c = track.at(int(steps[f]))
        return float(track.path.points[c, axis]) if c >= 0 else float("nan")

    if not race:
        track = tracks[0]

        def needles(f: int) -> dict:
            xs, ys = [], []
            for axis, c in enumerate(centres):
                v = value(track, f, axis)
                if math.isfinite(v):
                    x, y = _dial_xy(_dial_angle(v, *ranges[axis]), 0.78)
                    xs += [c, round(float(x) + c, 3), None]
                    ys += [0, round(float(y), 3), None]
            return {"x": xs, "y": ys}

        tl.add(go.Scatter(mode="lines", line={"color": track.style.color, "width": 4 * s.scale},
                          name=track.path.label, legendgroup=track.path.label,
                          **{**static, "meta": "dial-needle"}), needles)
        tl.add(go.Scatter(x=list(centres), y=[0, 0], mode="markers", name="hub",
                          marker={"color": INK, "size": s.head * 0.9}, **static))
        tl.add(go.Scatter(x=list(centres), y=[-1.3, -1.3], mode="text", textfont={"size": s.font}, name="readout",
                          **{**static, "meta": "dial-readout"}),
               lambda f: {"text": [f"{'xy'[axis]} = {value(track, f, axis):.4g}" for axis in (0, 1)]})
    else:
        # One pointer per run on each rim: a needle per run would be seven overlapping hands.
        def pointers(f: int) -> dict:
            xs, ys = [], []
            for axis, c in enumerate(centres):
                angles = [_dial_angle(value(t, f, axis), *ranges[axis]) for t in tracks]
                px, py = _dial_xy(np.array(angles), 0.86)
                xs += [num(v + c, 3) for v in px]
                ys += [num(v, 3) for v in py]
            return {"x": xs, "y": ys}

        tl.add(go.Scatter(mode="markers", name="pointers", marker={
            "color": [t.style.color for t in tracks] * 2, "symbol": [t.style.symbol for t in tracks] * 2,
            "size": s.head * 0.9, "line": {"color": INK, "width": 1}}, **{**static, "meta": "dial-pointers"}),
            pointers)


@dataclass(frozen=True)
class _Geometry:
    """Where everything sits, per layout: figure height and margins in px, paper-coordinate domains of the
    map, the loss plot and the dials, and the places of the colour bar, legend, buttons and slider."""

    layout: str
    height: int
    margin: dict
    map_x: tuple[float, float]
    map_y: tuple[float, float]
    loss: tuple[tuple[float, float], tuple[float, float]] | None
    dials: tuple[tuple[float, float], tuple[float, float]] | None
    colorbar: dict
    legend: dict
    buttons: dict
    slider: dict

    @classmethod
    def make(cls, layout: str, show_loss: bool, show_dials: bool, height: int | None = None) -> _Geometry:
        if layout == "phone":
            return cls._phone(show_loss, show_dials)
        return {"desk": cls._desk, "presenter": cls._presenter}[layout](show_loss, show_dials, height)

    @classmethod
    def _side_by_side(cls, layout: str, height: int, margin: dict, map_right: float, right: float, dial_top: float,
                      show_loss: bool, show_dials: bool, controls_px: float) -> _Geometry:
        # The controls sit in the bottom margin, a fixed distance in px under the plots whatever the height.
        controls_y = -controls_px / (height - margin["t"] - margin["b"])
        if not (show_loss or show_dials):
            map_x, loss, dials = (0.0, 0.86), None, None
        else:
            map_x = (0.0, map_right)
            # The gap under the loss plot holds its step axis, its title and the dials' titles: a fixed height
            # in px, since a presenter's larger type needs the same room however tall the figure is.
            gap = (110 if layout == "presenter" else 72) / (height - margin["t"] - margin["b"])
            loss = ((right, 1.0), (dial_top + gap, 1.0) if show_dials else (0.0, 1.0)) if show_loss else None
            dial_y = (0.0, dial_top) if show_loss else (0.2, 0.8)
            dials = ((right, 1.0), dial_y) if show_dials else None
        return cls(
            layout, height, margin, map_x, (0.0, 1.0), loss, dials,
            colorbar={"x": map_x[1] + 0.008, "xanchor": "left", "len": 1.0, "y": 0.5},
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
            buttons={"x": 0, "xanchor": "left", "y": controls_y, "yanchor": "top"},
            # The slider starts where the buttons end: they never overlap.
            slider={"x": 0.24 if layout == "presenter" else 0.2, "len": 0.76 if layout == "presenter" else 0.8,
                    "y": controls_y * 0.7, "yanchor": "top"},
        )

    @classmethod
    def _desk(cls, show_loss: bool, show_dials: bool, height: int | None) -> _Geometry:
        # About 1,000 px wide and 510 tall for the plots at 1440 px: the map takes half, square.
        return cls._side_by_side("desk", height or 680, {"l": 60, "r": 20, "t": 60, "b": 110}, 0.5, 0.64, 0.3,
                                 show_loss, show_dials, 56)

    @classmethod
    def _presenter(cls, show_loss: bool, show_dials: bool, height: int | None) -> _Geometry:
        # 640 px fits a 1280x720 projector with the sidebar collapsed; a taller screen passes its own height.
        return cls._side_by_side("presenter", height or 640, {"l": 70, "r": 20, "t": 70, "b": 150}, 0.42, 0.6, 0.36,
                                 show_loss, show_dials, 84)

    @classmethod
    def _phone(cls, show_loss: bool, show_dials: bool) -> _Geometry:
        # Stacked for ~360 px of width: a square map as wide as the screen, then the loss curve, then the
        # dials, then a full row for Play and Pause, a full row for the slider, and the legend at the foot.
        map_px, bar_px, loss_px, dial_px, gap = 350, 70, 190 if show_loss else 0, 150 if show_dials else 0, 30
        # Under the loss curve sit its step ticks, its axis title and the dials' own titles.
        below_loss = 80 if loss_px and dial_px else 0
        plot = map_px + bar_px + loss_px + dial_px + gap * (bool(loss_px) + bool(dial_px)) + below_loss
        # No automatic margins: they would give the map's inside tick labels a strip of their own.
        margin = {"l": 6, "r": 6, "t": 10, "b": 230, "autoexpand": False}

        def band(top_px: float, size_px: float) -> tuple[float, float]:
            return (max(0.0, 1 - (top_px + size_px) / plot), 1 - top_px / plot)

        map_y = band(0, map_px)
        top = map_px + bar_px
        loss = None
        if loss_px:
            loss = ((0.0, 0.8), band(top, loss_px))
            top += loss_px + gap + below_loss
        dials = None
        if dial_px:
            dial_y = band(top, dial_px)
            dials = ((0.0, 1.0), dial_y)
        return cls(
            "phone", plot + margin["t"] + margin["b"], margin, (0.0, 1.0), map_y, loss, dials,
            colorbar={"orientation": "h", "x": 0.5, "xanchor": "center", "y": map_y[0] - 12 / plot,
                      "yanchor": "top", "len": 0.9, "thickness": 10, "title": {"side": "top"}},
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -150 / plot, "yanchor": "top"},
            buttons={"x": 0, "xanchor": "left", "y": -14 / plot, "yanchor": "top"},
            slider={"x": 0, "len": 1.0, "y": -62 / plot, "yanchor": "top"},
        )


def _layout(landscape, geo: _Geometry, loss_ax: LossAxis | None, tracks, steps, s, presenter: bool,
            race: bool, title: str | None) -> dict:
    (x0, x1), (y0, y1) = landscape.bounds
    phone = geo.layout == "phone"
    ax = axis_style(presenter, showgrid=False, zeroline=False, ticks="outside")
    if phone:
        # Tick labels inside the map: every pixel of the narrow screen goes to the map itself.
        ax.update(ticks="", ticklabelposition="inside", tickfont={"size": s.small, "color": INK})
    layout = base_layout(
        presenter, height=geo.height, margin={**geo.margin, "t": geo.margin["t"] + (30 if title else 0)},
        legend={**base_layout(presenter)["legend"], **geo.legend},
        xaxis={**ax, "domain": list(geo.map_x), "range": [x0, x1], "title": {"text": "" if phone else "x"},
               # A square map narrower than its panel keeps to the colour bar's side on a projector (the panel
               # is wide there), and to the left elsewhere.
               "constrain": "domain", "constraintoward": "right" if geo.layout == "presenter" else "left"},
        yaxis={**ax, "domain": list(geo.map_y), "range": [y0, y1], "title": {"text": "" if phone else "y"},
               "constrain": "domain", "constraintoward": "top"},
    )
    if max(x1 - x0, y1 - y0) <= LOCKED_ASPECT * min(x1 - x0, y1 - y0):
        # Equal units on both dials (square bounds give a square map, and a step's direction is drawn true):
        # y is tied to x, and the axis with room to spare gives it up. A long thin vault (the ravine is 20 x 6)
        # fills its panel instead: locked, it would be a strip a third of the panel high.
        layout["yaxis"].update(scaleanchor="x", scaleratio=1)
    if title:
        layout["title"] = {"text": title, "font": {"size": s.title}, "x": 0, "xanchor": "left"}
    annotations = []
    if geo.loss is not None and loss_ax is not None:
        (lx0, lx1), (ly0, ly1) = geo.loss
        y_range = loss_ax.range([loss_ax.y(t.path.loss) for t in tracks])
        last = max(int(steps[-1]), 1)
        layout["xaxis2"] = axis_style(presenter, domain=[lx0, lx1], anchor="y2", range=[0, last],
                                      title={"text": "step"})
        # Ticks and title on the right: on the left they would collide with the map's colour bar.
        layout["yaxis2"] = axis_style(presenter, domain=[ly0, ly1], anchor="x2", title={"text": loss_ax.name},
                                      side="right", **log_ticks(loss_ax, y_range))
    if geo.dials is not None:
        (dx0, dx1), (dy0, dy1) = geo.dials
        hidden = {"visible": False, "fixedrange": True, "constrain": "domain"}
        layout["xaxis3"] = {**hidden, "domain": [dx0, dx1], "range": [-1.3, DIAL_GAP + 1.3], "anchor": "y3"}
        layout["yaxis3"] = {**hidden, "domain": [dy0, dy1], "range": [-1.45, 1.3], "anchor": "x3",
                            "scaleanchor": "x3", "scaleratio": 1}
        # Over each dial's centre in paper units (the pair is centred in its domain once the aspect is locked).
        width = DIAL_GAP + 2.6
        for axis in (0, 1):
            frac = (1.3 + axis * DIAL_GAP) / width
            # On a projector the pair of dials is narrow for its large type: the short title.
            every_run = " · every run" if race and geo.layout != "presenter" else ""
            annotations.append({"text": f"{'xy'[axis]} dial{every_run}", "showarrow": False,
                                "xref": "x3 domain", "yref": "paper", "x": frac, "y": dy1,
                                "xanchor": "center", "yanchor": "bottom", "font": {"size": s.small}})
    layout["annotations"] = annotations
    if geo.loss is not None:
        layout["shapes"] = [{"type": "rect", "xref": "x2 domain", "yref": "y2 domain", "x0": 0, "x1": 1,
                             "y0": 0, "y1": 1, "fillcolor": LOSS_CARD, "line": {"width": 0}, "layer": "below"}]

    play_ms = int(np.clip(REPLAY_MS / len(steps), *FRAME_MS))
    still = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    # Touch-sized on a phone and readable from the back of a room: the buttons' type sets their size.
    button_font = {"phone": s.title + 8, "presenter": s.title, "desk": s.small}[geo.layout]
    layout["updatemenus"] = [{
        "type": "buttons", "direction": "left", "showactive": False, **geo.buttons,
        "pad": {"t": 0, "r": 10}, "font": {"size": button_font},
        "buttons": [
            # fromcurrent: Pause then Play resumes; from the last frame plotly.js starts again at step 0.
            # The group: only the timeline's frames play, not the "chunks" frames they build on.
            {"label": "▶ Play", "method": "animate",
             "args": ["timeline", {"frame": {"duration": play_ms, "redraw": False}, "transition": {"duration": 0},
                                   "fromcurrent": True, "mode": "immediate"}]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
        ],
    }]
    readout = {"phone": s.title, "presenter": int(1.4 * s.title), "desk": s.small}[geo.layout]
    layout["sliders"] = [{
        "active": len(steps) - 1, **geo.slider, "xanchor": "left",
        "pad": {"t": 10, "b": 0}, "transition": {"duration": 0},
        "currentvalue": {"prefix": "step ", "font": {"size": readout}, "xanchor": "left"},
        "font": {"size": max(s.small - 2, 9)},
        "steps": [{"label": str(int(k)), "method": "animate", "args": [[str(int(k))], still]} for k in steps],
    }]
    return layout
