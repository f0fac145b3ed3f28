"""The main figure: a run, or a race of runs, replayed on the map beside its loss curve and the two dials.

How the animation stays correct and small in plotly.js (measured, see tests/browser/test_animation.py):

* Every frame lists its `traces` and changes scatter traces only, played with `redraw=False`. With
  redraw=False plotly.js re-plots just the listed traces, and on each cartesian subplot it deletes the
  layer of every trace type that is not among them: a contour trace is gone at the first frame, whatever
  `traces` says. So the landscape here is a layout image plus scatter contour lines
  (`viz.surface.backdrop`), which frames cannot touch.
* Bytes grow linearly with the steps, never quadratically. Each path's visited steps are one markers
  trace holding every point once, coloured by step number through a two-stop colourscale, opaque to fully
  transparent. Values outside [cmin, cmax] clamp to the end colours, so a frame for step k sends only
  cmin=k, cmax=k+1: steps <= k show, later ones vanish (O(1) per frame). The rest of a frame is O(1) or
  O(trail): the last `trail` steps as a line, the head, the loss cursor and the dial needles.
* The figure opens on the final frame, so a screenshot tells the whole story; Play replays from step 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

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

# Steps in the moving trail line; a race of more than three runs gets a shorter one, which keeps a
# seven-run race under ~600 kB of JSON at 150 frames.
TRAIL = 10
RACE_TRAIL = 6
# The dial's scale runs from the lower bound at 150 degrees left of 12 o'clock to the upper bound at 150
# degrees right of it; a value beyond the bounds parks the needle a little past the end of the scale.
DIAL_SWEEP = 150.0
DIAL_OVERSHOOT = 12.0
# Whole replay in about this long, within these limits per frame.
REPLAY_MS = 9000
FRAME_MS = (40, 200)

State = Callable[[int], dict]


def frame_steps(last: int, max_frames: int = 150) -> np.ndarray:
    """The steps that get a frame: every step 0..last if they fit in `max_frames`, else `max_frames`
    evenly spread steps, always including 0 and `last`."""
    if max_frames < 2:
        raise ValueError("max_frames must be at least 2")
    if last + 1 <= max_frames:
        return np.arange(last + 1)
    return np.unique(np.round(np.linspace(0, last, max_frames)).astype(int))


@dataclass
class _Timeline:
    """Traces in drawing order, and for the animated ones the function giving their state at a step."""

    traces: list = field(default_factory=list)
    animated: list[tuple[int, State]] = field(default_factory=list)

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
                 show_dials: bool = True, show_loss: bool = True, trail: int | None = None,
                 title: str | None = None) -> go.Figure:
    """The safecracking replay: the map with every path growing step by step, the loss curve with a cursor
    and, for one path, the x and y dials with needles (for a race, each dial shows one pointer per run).
    One timeline drives everything: Play / Pause buttons and a step slider, frames named by step."""
    paths = list(paths)
    if not paths:
        raise ValueError("crack_figure needs at least one path")
    s = sizes(presenter)
    tracks = [_Track.of(p, st) for p, st in zip(paths, styles_for(p.key for p in paths), strict=True)]
    steps = frame_steps(max(p.steps for p in paths), max_frames)
    geo = _Geometry.make(show_loss, show_dials, presenter)
    race = len(paths) > 1
    trail = trail if trail is not None else (RACE_TRAIL if len(paths) > 3 else TRAIL)
    dec = decimals_for(landscape.extent)

    tl = _Timeline()
    bd = backdrop(landscape, presenter=presenter,
                  colorbar={"x": geo.map_x[1] + 0.008, "xanchor": "left", "len": 1.0, "y": 0.5})
    for trace in bd.traces:
        tl.add(trace)
    for trace in landmark_traces(landscape, start=tuple(paths[0].points[0]), presenter=presenter):
        tl.add(trace)
    for track in tracks:
        _add_path(tl, track, landscape.bounds, s, dec, trail, race)
    loss_ax = None
    if show_loss:
        loss_ax = loss_axis([p.loss for p in paths], landscape.min_value)
        _add_loss(tl, tracks, loss_ax, s)
    if show_dials:
        for axis, (xa, ya) in enumerate((("x3", "y3"), ("x4", "y4"))):
            _add_dial(tl, tracks, landscape, axis, xa, ya, s, race)

    # Open on the final state, the one a static screenshot should show.
    final = int(steps[-1])
    for index, state in tl.animated:
        tl.traces[index].update(state(final))
    indices = [index for index, _ in tl.animated]
    frames = [go.Frame(name=str(k), traces=indices, data=[state(int(k)) for _, state in tl.animated])
              for k in steps]

    fig = go.Figure(data=tl.traces, frames=frames)
    fig.update_layout(**_layout(landscape, geo, loss_ax, tracks, steps, s, presenter, race, title))
    fig.update_layout(images=[bd.image])
    return fig


def _add_path(tl: _Timeline, track: _Track, bounds, s, dec: int, trail: int, race: bool) -> None:
    p, st = track.path, track.style
    xs, ys = p.points[:, 0], p.points[:, 1]
    group = {"legendgroup": p.label, "name": p.label, "meta": "path"}

    # Every visited step once; the frame moves the colour window, see the module docstring.
    tl.add(go.Scatter(
        x=f32(xs), y=f32(ys), mode="markers", showlegend=False,
        marker={"color": np.arange(len(xs)), "colorscale": [[0, rgba(st.color, 0.85)], [1, rgba(st.color, 0)]],
                "cmin": 0, "cmax": 1, "showscale": False, "size": s.marker, "symbol": st.symbol},
        customdata=f32(p.loss),
        hovertemplate=f"step %{{marker.color}}<br>x %{{x:.4g}}<br>y %{{y:.4g}}<br>loss %{{customdata:.4g}}"
                      f"<extra>{p.label}</extra>", **group,
    ), lambda k: {"marker": {"cmin": min(k, p.steps), "cmax": min(k, p.steps) + 1}})

    def trail_state(k: int) -> dict:
        c = track.at(k)
        seg = p.points[max(c - trail + 1, 0):c + 1] if c >= 0 else p.points[:0]
        seg = seg[np.isfinite(seg).all(axis=1)]
        return {"x": [num(v, dec) for v in seg[:, 0]], "y": [num(v, dec) for v in seg[:, 1]]}

    # The trail carries the legend entry: line dash and marker symbol together identify the optimizer.
    tl.add(go.Scatter(mode="lines+markers", line={"color": st.color, "width": s.line, "dash": st.dash},
                      marker={"color": st.color, "symbol": st.symbol, "size": s.marker + 1},
                      hoverinfo="skip", **group), trail_state)

    def head_state(k: int) -> dict:
        c = track.at(k)
        return {"x": [num(xs[c], dec)], "y": [num(ys[c], dec)]} if c >= 0 else {"x": [], "y": []}

    tl.add(go.Scatter(mode="markers", showlegend=False, hoverinfo="skip",
                      marker={"color": st.color, "symbol": st.symbol, "size": s.head,
                              "line": {"color": INK, "width": 1.5}}, **group), head_state)

    events = _events(track, bounds, race)
    if events:
        # Text and symbols are fixed; a frame only moves an event from nowhere (None) onto the map.
        tl.add(go.Scatter(
            mode="markers+text", showlegend=False, hoverinfo="skip", text=[e.text for e in events], cliponaxis=False,
            textposition=[e.textposition for e in events], textfont={"size": s.small, "color": INK},
            marker={"color": st.color, "symbol": [e.symbol for e in events], "size": 1.6 * s.head,
                    "line": {"color": INK, "width": 1.5}}, **group,
        ), lambda k: {"x": [num(e.x, dec) if k >= e.step else None for e in events],
                      "y": [num(e.y, dec) if k >= e.step else None for e in events]})


@dataclass(frozen=True)
class _Event:
    """A moment on the map: shown from timeline step `step` on, at (x, y), with its label."""

    step: int
    x: float
    y: float
    text: str
    symbol: str
    textposition: str


def _events(track: _Track, bounds, race: bool) -> list[_Event]:
    """The cracking and the spin-off of one path, with labels placed towards the middle of the map so
    they are not cut off at its edge."""
    p = track.path
    who = f"{p.label} " if race else ""
    (x0, x1), (y0, y1) = bounds

    def inward(x: float, y: float) -> str:
        return f"{'bottom' if y > (y0 + y1) / 2 else 'top'} {'left' if x > (x0 + x1) / 2 else 'right'}"

    out = []
    if p.cracked_at is not None and 0 <= p.cracked_at <= p.steps and np.isfinite(p.points[p.cracked_at]).all():
        x, y = (float(v) for v in p.points[p.cracked_at])
        out.append(_Event(p.cracked_at, x, y, f"{who}cracked at step {p.cracked_at}", "circle-open", inward(x, y)))
    seen = p.last_seen(bounds) if p.diverged_at is not None else None
    if seen is not None:
        out.append(_Event(p.diverged_at, *seen, f"✕ {who}spun off at step {p.diverged_at}", "x", inward(*seen)))
    return out


def _add_loss(tl: _Timeline, tracks: list[_Track], axis: LossAxis, s) -> None:
    ys = [axis.y(t.path.loss) for t in tracks]
    for track, y in zip(tracks, ys, strict=True):
        p, st = track.path, track.style
        group = {"legendgroup": p.label, "name": p.label, "meta": "path", "xaxis": "x2", "yaxis": "y2",
                 "showlegend": False}
        tl.add(go.Scatter(x=np.arange(len(y)), y=f32(y), mode="lines",
                          line={"color": st.color, "width": s.line * 0.8, "dash": st.dash},
                          customdata=f32(p.loss),
                          hovertemplate=f"step %{{x}}<br>loss %{{customdata:.4g}}<extra>{p.label}</extra>", **group))

        def cursor(k: int, track=track, y=y) -> dict:
            c = track.at(k)
            return {"x": [c], "y": [sig(y[c])]} if c >= 0 else {"x": [], "y": []}

        tl.add(go.Scatter(mode="markers", hoverinfo="skip",
                          marker={"color": st.color, "symbol": track.style.symbol, "size": 0.8 * s.head,
                                  "line": {"color": INK, "width": 1}}, **group), cursor)

    lo, hi = axis.range(ys) or [0.0, 1.0]
    span = [10 ** lo, 10 ** hi] if axis.log else [lo, hi]
    tl.add(go.Scatter(y=span, mode="lines", line={"color": "rgba(128, 128, 128, 0.7)", "width": 1, "dash": "dot"},
                      hoverinfo="skip", showlegend=False, name="now", xaxis="x2", yaxis="y2", meta="cursor"),
           lambda k: {"x": [k, k]})


def _dial_xy(angle_deg, radius) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian points on a dial: angle clockwise from 12 o'clock."""
    a = np.radians(angle_deg)
    return radius * np.sin(a), radius * np.cos(a)


def _dial_angle(value: float, lo: float, hi: float) -> float:
    frac = (value - lo) / (hi - lo) if hi > lo else 0.5
    return float(np.clip(-DIAL_SWEEP + 2 * DIAL_SWEEP * frac, -DIAL_SWEEP - DIAL_OVERSHOOT,
                         DIAL_SWEEP + DIAL_OVERSHOOT))


def _add_dial(tl: _Timeline, tracks: list[_Track], landscape, axis: int, xa: str, ya: str, s, race: bool) -> None:
    """A safe dial drawn with cartesian scatter (a polar or indicator trace would not animate with
    redraw=False): face, ticks, the bounds as labels, the combination as a gold star on the rim."""
    lo, hi = landscape.bounds[axis]
    static = {"xaxis": xa, "yaxis": ya, "showlegend": False, "hoverinfo": "skip", "meta": "dial"}

    fx, fy = _dial_xy(np.linspace(0, 360, 121), 1.0)
    tl.add(go.Scatter(x=np.round(fx, 4), y=np.round(fy, 4), mode="lines", fill="toself",
                      fillcolor=CARD, line={"color": "rgba(128, 128, 128, 0.9)",
                                                                   "width": 2}, name="dial", **static))
    tx, ty = [], []
    for i, angle in enumerate(np.linspace(-DIAL_SWEEP, DIAL_SWEEP, 21)):
        inner = 0.8 if i % 5 == 0 else 0.9  # a long tick every quarter of the scale
        (x0, x1), (y0, y1) = _dial_xy(angle, np.array([inner, 1.0]))
        tx += [round(x0, 4), round(x1, 4), None]
        ty += [round(y0, 4), round(y1, 4), None]
    tl.add(go.Scatter(x=tx, y=ty, mode="lines", line={"color": "rgba(128, 128, 128, 0.9)", "width": 1.5},
                      name="ticks", **static))
    lx, ly = _dial_xy(np.array([-DIAL_SWEEP, 0, DIAL_SWEEP]), 0.6)
    tl.add(go.Scatter(x=np.round(lx, 4), y=np.round(ly, 4), mode="text",
                      text=[f"{v:.3g}" for v in (lo, (lo + hi) / 2, hi)], textfont={"size": s.small, "color": INK},
                      name="scale", **static))
    if landscape.minima:
        angles = [_dial_angle(m[axis], lo, hi) for m in landscape.minima]
        cx, cy = _dial_xy(np.array(angles), 1.13)
        tl.add(go.Scatter(x=np.round(cx, 4), y=np.round(cy, 4), mode="markers", name="the combination",
                          marker={"symbol": "star", "size": s.head, "color": COMBINATION_COLOR,
                                  "line": {"color": INK, "width": 1}}, **static))

    def value(track: _Track, k: int) -> float:
        c = track.at(k)
        return float(track.path.points[c, axis]) if c >= 0 else float("nan")

    if not race:
        track = tracks[0]

        def needle(k: int) -> dict:
            v = value(track, k)
            if not math.isfinite(v):
                return {"x": [], "y": []}
            x, y = _dial_xy(_dial_angle(v, lo, hi), 0.78)
            return {"x": [0, round(float(x), 3)], "y": [0, round(float(y), 3)]}

        tl.add(go.Scatter(mode="lines", line={"color": track.style.color, "width": 4 * s.scale},
                          name=track.path.label, legendgroup=track.path.label,
                          **{**static, "meta": "dial-needle"}), needle)
        tl.add(go.Scatter(x=[0], y=[0], mode="markers", name="hub",
                          marker={"color": INK, "size": s.head * 0.9}, **static))
        name = "xy"[axis]
        tl.add(go.Scatter(x=[0], y=[-1.3], mode="text", textfont={"size": s.font}, name="readout",
                          **{**static, "meta": "dial-readout"}),
               lambda k: {"text": [f"{name} = {value(track, k):.4g}"]})
    else:
        # One pointer per run on the rim: a needle per run would be seven overlapping hands.
        def pointers(k: int) -> dict:
            angles = [_dial_angle(value(t, k), lo, hi) for t in tracks]
            px, py = _dial_xy(np.array(angles), 0.86)
            return {"x": [num(v, 3) for v in px], "y": [num(v, 3) for v in py]}

        tl.add(go.Scatter(mode="markers", name="pointers", marker={
            "color": [t.style.color for t in tracks], "symbol": [t.style.symbol for t in tracks],
            "size": s.head * 0.9, "line": {"color": INK, "width": 1}}, **{**static, "meta": "dial-pointers"}),
            pointers)


@dataclass(frozen=True)
class _Geometry:
    """Paper-coordinate domains of the map, the loss plot and the dials."""

    map_x: tuple[float, float]
    loss: tuple[tuple[float, float], tuple[float, float]] | None
    dials: tuple[tuple[tuple[float, float], tuple[float, float]], ...]

    @classmethod
    def make(cls, show_loss: bool, show_dials: bool, presenter: bool = False) -> _Geometry:
        if not (show_loss or show_dials):
            return cls((0.0, 0.86 if presenter else 0.88), None, ())
        # Room between the map and the right column for the colourbar, its labels and the loss axis title.
        right = 0.74 if presenter else 0.68
        map_x = (0.0, 0.54 if presenter else 0.55)
        loss = ((right, 1.0), (0.5, 1.0) if show_dials else (0.0, 1.0)) if show_loss else None
        dial_y = (0.0, 0.3) if show_loss else (0.2, 0.8)
        mid = (right + 1.0) / 2
        dials = (((right, mid - 0.01), dial_y), ((mid + 0.01, 1.0), dial_y)) if show_dials else ()
        return cls(map_x, loss, dials)


def _layout(landscape, geo: _Geometry, loss_ax: LossAxis | None, tracks, steps, s, presenter: bool,
            race: bool, title: str | None) -> dict:
    (x0, x1), (y0, y1) = landscape.bounds
    ax = axis_style(presenter, showgrid=False, zeroline=False, ticks="outside")
    layout = base_layout(
        presenter, height=760 if presenter else 600,
        margin={"l": 60, "r": 20, "t": 90 if title else 60, "b": 130},
        legend={**base_layout(presenter)["legend"], "orientation": "h", "x": 0, "xanchor": "left",
                "y": 1.02, "yanchor": "bottom"},
        xaxis={**ax, "domain": list(geo.map_x), "range": [x0, x1], "title": {"text": "x"}},
        yaxis={**ax, "domain": [0, 1], "range": [y0, y1], "title": {"text": "y"}},
    )
    if title:
        layout["title"] = {"text": title, "font": {"size": s.title}, "x": 0, "xanchor": "left"}
    annotations = []
    if geo.loss is not None and loss_ax is not None:
        (lx0, lx1), (ly0, ly1) = geo.loss
        y_range = loss_ax.range([loss_ax.y(t.path.loss) for t in tracks])
        layout["xaxis2"] = axis_style(presenter, domain=[lx0, lx1], anchor="y2", range=[0, max(int(steps[-1]), 1)],
                                      title={"text": "step"})
        # Ticks and title on the right: on the left they would collide with the map's colour bar.
        layout["yaxis2"] = axis_style(presenter, domain=[ly0, ly1], anchor="x2", title={"text": loss_ax.name},
                                      side="right", **log_ticks(loss_ax, y_range))
    for i, ((dx0, dx1), (dy0, dy1)) in enumerate(geo.dials):
        xa, ya = f"xaxis{i + 3}", f"yaxis{i + 3}"
        hidden = {"visible": False, "fixedrange": True, "constrain": "domain"}
        layout[xa] = {**hidden, "domain": [dx0, dx1], "range": [-1.3, 1.3], "anchor": f"y{i + 3}"}
        layout[ya] = {**hidden, "domain": [dy0, dy1], "range": [-1.45, 1.3], "anchor": f"x{i + 3}",
                      "scaleanchor": f"x{i + 3}", "scaleratio": 1}
        name = "xy"[i]
        annotations.append({"text": f"{name} dial" + (" · every run" if race else ""), "showarrow": False,
                            "xref": "paper", "yref": "paper", "x": (dx0 + dx1) / 2, "y": dy1,
                            "xanchor": "center", "yanchor": "bottom", "font": {"size": s.small}})
    layout["annotations"] = annotations
    if geo.loss is not None:
        layout["shapes"] = [{"type": "rect", "xref": "x2 domain", "yref": "y2 domain", "x0": 0, "x1": 1,
                             "y0": 0, "y1": 1, "fillcolor": CARD, "line": {"width": 0}, "layer": "below"}]

    play_ms = int(np.clip(REPLAY_MS / len(steps), *FRAME_MS))
    still = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    layout["updatemenus"] = [{
        "type": "buttons", "direction": "left", "showactive": False, "x": 0, "xanchor": "left",
        "y": -0.13, "yanchor": "top", "pad": {"t": 0, "r": 8}, "font": {"size": s.small},
        "buttons": [
            # fromcurrent: Pause then Play resumes; from the last frame plotly.js starts again at step 0.
            {"label": "▶ Play", "method": "animate",
             "args": [None, {"frame": {"duration": play_ms, "redraw": False}, "transition": {"duration": 0},
                             "fromcurrent": True, "mode": "immediate"}]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
        ],
    }]
    layout["sliders"] = [{
        "active": len(steps) - 1, "x": 0.2, "len": 0.8, "xanchor": "left", "y": -0.09, "yanchor": "top",
        "pad": {"t": 10, "b": 0}, "transition": {"duration": 0},
        "currentvalue": {"prefix": "step ", "font": {"size": s.small}, "xanchor": "left"},
        "font": {"size": max(s.small - 2, 9)},
        "steps": [{"label": str(int(k)), "method": "animate", "args": [[str(int(k))], still]} for k in steps],
    }]
    return layout

