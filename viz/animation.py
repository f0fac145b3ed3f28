"""The main figure: a run, or a race of runs, replayed on the map beside its loss curve and the two dials.

A replay is two things (`Replay`): static plotly panels (the landscape, the landmarks, the legend, the loss
plot's axes, the dials' faces) and the motion, plain arrays that the browser draws over the panels on a
canvas, step by step (`viz/player.js`, mounted in the app by `ui/player.py` and in the offline HTML by
`viz/export.py`).

Why not plotly's own frames (the design until issue 17): at every frame of `Plotly.animate` plotly.js
re-runs its defaults and calc over the whole figure, whatever the frame touches. Profiled in Chromium
(CPU only, 2 cores) on seven hands x 200 steps, 56 % of the replay went to that bookkeeping (supplyDefaults
38 %, finding array attributes 16 %, calc 18 %) and 17 % to drawing; the figure needs about 15 traces per
hand, so seven hands replayed at 3 frames/s and took 3.5 times as long as one. A canvas redrawn from plain
arrays costs a few milliseconds a frame whatever the hands, and the panels are drawn once.

* The motion is a list of series (one point per step: a hand's dials, its loss) and a list of layers, each
  drawn on the subplot it names ("xy" the map, "x2y2" the loss plot, "x3y3" the dials), in order, so later
  layers lie on top: every trail, then the marks, then the heads. The player shows step k by drawing each
  trail up to k, the marks whose step is <= k, and each head where its series rests at k (its last point up
  to k, so a run that spun off stays where it was last seen). Kinds: "trail", "marks", "head", "dial",
  "label", "cursor" (see `viz/player.js` for each one's fields). Any page can animate its own plotly figure
  with these.
* A run that spins off ends its timeline (alone) at the spin-off: Play stops there, with a cross where the
  run was last seen on the map.
* The replay opens on its last step, so a screenshot tells the whole story; Play replays from step 0.
* `layout` picks the arrangement: "desk" (map left, loss and dials right), "presenter" (a projector's: large
  type, thick paths, dials at least 120 px across) or "phone" (two panels: the map as wide as the screen,
  then the loss curve, the dials and the legend; the player's controls go between the two, directly under
  the map). The map is square in data units for square bounds: its y axis is anchored to its x axis.
* Hover still works on the static panels: the landscape's loss under the pointer, the path's sparse marks
  and the loss curves (drawn invisible, for their hover labels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from viz.charts import crack_mark
from viz.encode import decimals_for, f32, num, sig
from viz.paths import PathView
from viz.scales import LossAxis, format_loss, log_ticks, loss_axis
from viz.style import (
    CARD,
    COMBINATION_COLOR,
    INK,
    OptimizerStyle,
    axis_style,
    base_layout,
    casing_for,
    dash_pattern,
    rgba,
    sizes,
    styles_for,
)
from viz.surface import backdrop, landmark_traces

LAYOUTS = ("desk", "phone", "presenter")
# Subplots by the axis pair plotly names them with; the player finds each in whichever panel holds it.
MAP, LOSS, DIALS = "xy", "x2y2", "x3y3"
# The map keeps equal units on both axes up to this ratio of its sides.
LOCKED_ASPECT = 2.0
# About this many markers along each path: enough to show the steps' spacing, few enough to read.
SPARSE_MARKS = 16
# The dial's scale runs from the lower bound at 150 degrees left of 12 o'clock to the upper bound at 150
# degrees right of it; a value beyond the bounds parks the needle a little past the end of the scale.
DIAL_SWEEP = 150.0
DIAL_OVERSHOOT = 12.0
# The dials' centres on their shared subplot: the y dial right of the x dial (radius 1).
DIAL_GAP = 2.9
DIAL_CENTRES = ((0.0, 0.0), (DIAL_GAP, 0.0))
# The dials' subplot in data units: both faces, the stars on their rims and the readout under them.
READOUT_Y = -1.3
DIAL_X = (-1.3, DIAL_GAP + 1.3)
DIAL_Y = (-1.45, 1.3)
# A whole replay takes about this long; a short run gets at most this long per step.
REPLAY_MS = 9000
STEP_MS = 200
# The table a screen reader (or anyone) can open instead of the picture: every step up to this many rows.
TABLE_ROWS = 200
# A point a hand keeps beside it (ASGD's running average), drawn as a ghost beside the hand.
GHOST_LABEL = "averaged point (ghost)"
# The loss panel's card is opaque so the curves read the same on either theme.
LOSS_CARD = "#ffffff"


@dataclass(frozen=True)
class Replay:
    """A replay ready for the player: `panels`, static plotly figures (one, or on a phone two: the map, then
    the loss curve and the dials, with the controls between them); `motion`, the JSON-ready dict the player
    draws over them (`last` step, `duration` in ms, `layers`, and the `table` of the numbers)."""

    panels: tuple[go.Figure, ...]
    motion: dict

    @property
    def figure(self) -> go.Figure:
        """The panel with the map."""
        return self.panels[0]


def timeline_end(path: PathView) -> int:
    """The last step worth showing: the spin-off for a run that spun off (Play stops there), else the end."""
    return path.steps if path.diverged_at is None else min(path.diverged_at, path.steps)


def replay_ms(last: int) -> int:
    """How long Play takes from step 0 to `last`: REPLAY_MS, or less for a short run (STEP_MS a step)."""
    return int(min(REPLAY_MS, max(1, last) * STEP_MS))


@dataclass(frozen=True)
class _Track:
    """One path with its style and where the hand rests at each step."""

    path: PathView
    style: OptimizerStyle
    head: np.ndarray  # head[t]: last finite step <= t, -1 if none

    @classmethod
    def of(cls, path: PathView, style: OptimizerStyle) -> _Track:
        return cls(path, style, path.head_index())

    def at(self, k: int) -> int:
        return int(self.head[min(k, self.path.steps)])


@dataclass
class _Motion:
    """Series and layers in drawing order, each a dict the player reads (see the module docstring)."""

    series: list = field(default_factory=list)
    trails: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    heads: list = field(default_factory=list)

    def add_series(self, x: list | None, y: list) -> int:
        """A series of one value per step (`x` None: the step itself); its index, for layers to name."""
        self.series.append({"y": y} if x is None else {"x": x, "y": y})
        return len(self.series) - 1

    def layers(self) -> list[dict]:
        return [*self.trails, *self.marks, *self.heads]


def replay(landscape, paths: list[PathView], *, presenter: bool = False, layout: str | None = None,
           height: int | None = None, show_dials: bool = True, show_loss: bool = True,
           title: str | None = None) -> Replay:
    """The safecracking replay of `paths` on `landscape`: the map with every path, the loss curve and, for one
    path, the x and y dials with needles (for a race, each dial shows one pointer per run), all on one
    timeline. `layout` is one of LAYOUTS (default "presenter" if `presenter` else "desk"); `height` (px) sizes
    the desk and presenter panels for a taller screen."""
    paths = list(paths)
    if not paths:
        raise ValueError("replay needs at least one path")
    layout = layout or ("presenter" if presenter else "desk")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    presenter = layout == "presenter"
    s = sizes(presenter)
    tracks = [_Track.of(p, st) for p, st in zip(paths, styles_for(p.key for p in paths), strict=True)]
    last = max(timeline_end(p) for p in paths)
    dec = decimals_for(landscape.extent)
    geo = _Geometry.make(layout, show_loss, show_dials, height)
    race = len(paths) > 1

    map_traces, legend_traces, motion = [], [], _Motion()
    bd = backdrop(landscape, presenter=presenter, colorbar=geo.colorbar)
    map_traces += bd.traces
    landmarks = landmark_traces(landscape, start=tuple(paths[0].points[0]), presenter=presenter)
    series = []
    for track in tracks:
        legend_traces += _legend_entries(track, s)
        map_traces.append(_hover_marks(track, s))
        series.append(_path_motion(motion, track, landscape.bounds, s, dec))
    loss_traces, loss_ax = [], None
    if show_loss:
        loss_ax = loss_axis([p.loss for p in paths], landscape.min_value)
        loss_traces = _loss(motion, tracks, loss_ax, s)
    dial_traces = _dials(motion, tracks, series, landscape, s, race) if show_dials else []

    if geo.layout == "phone":
        # The legend lies under the loss curve and the dials, in the second panel: above the map it would push
        # the map and Play off a phone's first screen.
        first = go.Figure(map_traces + [t.update(showlegend=False) for t in landmarks])
        first.update_layout(**_map_layout(landscape, geo, s, presenter, title), images=[bd.image], showlegend=False)
        panels = [first]
        rest = loss_traces + dial_traces
        if rest:
            second = go.Figure(rest + legend_traces + [_legend_copy(t) for t in landmarks])
            second.update_layout(**_rest_layout(geo, loss_ax, tracks, last, s, presenter, race))
            panels.append(second)
        else:
            first.update_layout(showlegend=True)
            first.add_traces(legend_traces)
    else:
        fig = go.Figure(map_traces + landmarks + legend_traces + loss_traces + dial_traces)
        fig.update_layout(**_map_layout(landscape, geo, s, presenter, title), images=[bd.image])
        fig.update_layout(**_rest_layout(geo, loss_ax, tracks, last, s, presenter, race))
        panels = [fig]
    motion_dict = {"last": int(last), "duration": replay_ms(last), "series": motion.series,
                   "layers": motion.layers(), "table": _table(tracks, last, dec)}
    return Replay(tuple(panels), motion_dict)


# --- the map ---------------------------------------------------------------------------------------------

def _outcome(path: PathView) -> str:
    if path.diverged_at is not None:
        return f"spun off at step {path.diverged_at}"
    ring = crack_mark(path)
    return "" if ring is None else ring[1]


def _legend_entries(track: _Track, s) -> list[go.Scatter]:
    """The hand's legend entry: its line, its marker and, in words, how the run ended (and its ghost's, for a
    hand with one). Hiding it from the legend hides every layer of the hand (the player reads the legend)."""
    p, st = track.path, track.style
    outcome = _outcome(p)
    entries = [go.Scatter(x=[None], y=[None], mode="lines+markers", legendgroup=p.label,
                          name=f"{p.label} · {outcome}" if outcome else p.label, meta="path-legend",
                          line={"color": st.color, "width": s.line, "dash": st.dash},
                          marker={"color": st.color, "symbol": st.symbol, "size": s.marker + 3})]
    if p.ghost is not None:
        entries.append(go.Scatter(x=[None], y=[None], mode="lines+markers", legendgroup=p.label, meta="ghost",
                                  name=f"{p.label}: {GHOST_LABEL}",
                                  line={"color": rgba(st.color, 0.55), "width": s.line, "dash": "dot"},
                                  marker={"color": rgba(st.color, 0.25), "size": s.head,
                                          "line": {"color": INK, "width": 1.5}}))
    return entries


def _legend_copy(trace: go.Scatter) -> go.Scatter:
    """A landmark's legend entry for a panel without the map (a phone's second panel)."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=trace.name, marker=trace.marker, meta="landmark",
                      hoverinfo="skip")


def _casing(color: str, px: float) -> dict:
    """A light path's ink outline (`viz.style.casing_for`), `px` wide on each side of the line."""
    casing = casing_for(color)
    return {} if casing is None else {"casing": [casing, round(px, 2)]}


def _sparse(path: PathView) -> list[int]:
    end = timeline_end(path)
    every = max(1, math.ceil(end / SPARSE_MARKS))
    return [k for k in range(0, end + 1, every) if np.isfinite(path.points[k]).all()]


def _hover_marks(track: _Track, s) -> go.Scatter:
    """Invisible markers at the sparse steps, for the hover label (step, x, y, loss): the canvas has none."""
    p = track.path
    marks = _sparse(p)
    return go.Scatter(x=f32(p.points[marks, 0]), y=f32(p.points[marks, 1]), mode="markers", showlegend=False,
                      marker={"size": s.head, "opacity": 0}, legendgroup=p.label, name=p.label, meta="path-hover",
                      customdata=f32(np.stack([marks, p.loss[marks]], axis=1)),
                      hovertemplate="step %{customdata[0]}<br>x %{x:.4g}<br>y %{y:.4g}<br>loss "
                                    f"%{{customdata[1]:.4g}}<extra>{p.label}</extra>")


def _column(values: np.ndarray, decimals: int) -> list:
    return [num(v, decimals) for v in values]


def _path_motion(motion: _Motion, track: _Track, map_bounds, s, dec: int) -> int:
    """The hand's trail, its marks (the sparse steps, the crack's ring, the spin-off's cross) and its head;
    returns the index of its series of points (the dials read it too)."""
    p, st = track.path, track.style
    group = p.label
    if p.ghost is not None:
        # A point the hand keeps beside it (ASGD's average): a faint dotted trail and a hollow head.
        ghost = motion.add_series(_column(p.ghost[:, 0], dec), _column(p.ghost[:, 1], dec))
        motion.trails.append({"kind": "trail", "subplot": MAP, "group": group, "series": ghost,
                              "color": rgba(st.color, 0.55), "width": s.line, "dash": dash_pattern("dot", s.line)})
        motion.heads.append({"kind": "head", "subplot": MAP, "group": group, "series": ghost, "symbol": "circle",
                             "size": s.head, "color": rgba(st.color, 0.25), "line": [INK, 1.5]})
    points = motion.add_series(_column(p.points[:, 0], dec), _column(p.points[:, 1], dec))
    motion.trails.append({"kind": "trail", "subplot": MAP, "group": group, "series": points, "color": st.color,
                          "width": s.line, "dash": dash_pattern(st.dash, s.line), **_casing(st.color, 0.9 * s.scale)})

    marks = _sparse(p)
    mx, my = [float(p.points[k, 0]) for k in marks], [float(p.points[k, 1]) for k in marks]
    when, symbol, size = list(marks), [st.symbol] * len(marks), [s.marker] * len(marks)
    fill, line = [rgba(st.color, 0.9)] * len(marks), [None] * len(marks)
    ring = crack_mark(p)  # the step the run cracks for good, or reached then swung away from
    if ring is not None and 0 <= ring[0] <= p.steps and np.isfinite(p.points[ring[0]]).all():
        mx.append(float(p.points[ring[0], 0]))
        my.append(float(p.points[ring[0], 1]))
        when.append(ring[0])
        symbol.append("circle-open")
        size.append(1.8 * s.head)
        fill.append(st.color)
        line.append([st.color, 3.0 * s.scale])
    seen = p.last_seen(map_bounds) if p.diverged_at is not None else None
    if seen is not None:
        mx.append(seen[0])
        my.append(seen[1])
        when.append(p.diverged_at)
        symbol.append("x")
        size.append(1.6 * s.head)
        fill.append(st.color)
        line.append([INK, 1.5])
    motion.marks.append({"kind": "marks", "subplot": MAP, "group": group, "x": [num(v, dec) for v in mx],
                         "y": [num(v, dec) for v in my], "t": [int(w) for w in when], "symbol": symbol,
                         "size": [round(float(v), 1) for v in size], "color": fill, "line": line})
    motion.heads.append({"kind": "head", "subplot": MAP, "group": group, "series": points, "symbol": st.symbol,
                         "size": s.head, "color": st.color, "line": [INK, 1.5]})
    return points


# --- the loss curve --------------------------------------------------------------------------------------

def _loss_units(axis: LossAxis, y: np.ndarray) -> np.ndarray:
    """Loss in the units plotly.js positions on its axis: log10 on a log axis (the player uses l2p)."""
    if not axis.log:
        return y
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(y)


def _loss(motion: _Motion, tracks: list[_Track], axis: LossAxis, s) -> list:
    """Each hand's loss curve, drawn by the player up to the current step with a cursor on it, and the
    step now as a dotted line; the static panel keeps the curves invisible, for their hover labels."""
    on_loss = {"xaxis": "x2", "yaxis": "y2", "showlegend": False}
    traces = []
    for track in tracks:
        p, st = track.path, track.style
        y = axis.y(p.loss)
        traces.append(go.Scatter(x0=0, dx=1, y=f32(y), mode="lines", name=p.label, legendgroup=p.label,
                                 meta="loss-hover", opacity=0, line={"width": s.line * 2},
                                 customdata=f32(p.loss),
                                 hovertemplate=f"step %{{x}}<br>loss %{{customdata:.4g}}<extra>{p.label}</extra>",
                                 **on_loss))
        curve = motion.add_series(None, [sig(v) for v in _loss_units(axis, y)])
        motion.trails.append({"kind": "trail", "subplot": LOSS, "group": p.label, "series": curve,
                              "color": st.color, "width": round(s.line * 0.8, 2),
                              "dash": dash_pattern(st.dash, s.line * 0.8), **_casing(st.color, 0.6 * s.scale)})
        motion.heads.append({"kind": "head", "subplot": LOSS, "group": p.label, "series": curve,
                             "symbol": st.symbol, "size": round(0.8 * s.head, 1), "color": st.color,
                             "line": [INK, 1.0]})
    motion.marks.insert(0, {"kind": "cursor", "subplot": LOSS, "group": None, "color": "rgba(128, 128, 128, 0.7)",
                            "width": 1, "dash": [2, 3]})
    return traces


# --- the dials -------------------------------------------------------------------------------------------

def _dial_xy(angle_deg, radius) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian points on a dial: angle clockwise from 12 o'clock."""
    a = np.radians(angle_deg)
    return radius * np.sin(a), radius * np.cos(a)


def _dial_angle(value, lo: float, hi: float) -> np.ndarray:
    """Needle angles for `value` (an array) on a dial from `lo` to `hi`; NaN stays NaN."""
    value = np.asarray(value, dtype=np.float64)
    frac = (value - lo) / (hi - lo) if hi > lo else np.full_like(value, 0.5)
    with np.errstate(invalid="ignore"):
        return np.clip(-DIAL_SWEEP + 2 * DIAL_SWEEP * frac, -DIAL_SWEEP - DIAL_OVERSHOOT,
                       DIAL_SWEEP + DIAL_OVERSHOOT)


def _dials(motion: _Motion, tracks: list[_Track], series: list[int], landscape, s, race: bool) -> list:
    """The x and y safe dials side by side on one subplot: static faces, ticks, the bounds as labels and the
    combination as a gold star on each rim; the player turns a needle per dial and writes the value under it
    (one run), or moves one pointer per run along each rim (a race: seven needles would be seven overlapping
    hands). A "dial" layer reads a hand's series of points (`series`); its angle is worked out as
    `_dial_angle` does, clockwise from 12 o'clock."""
    static = {"xaxis": "x3", "yaxis": "y3", "showlegend": False, "hoverinfo": "skip", "meta": "dial"}
    centres = DIAL_CENTRES
    ranges = landscape.bounds
    traces = []

    def joined(parts):
        xs, ys = [], []
        for px, py in parts:
            xs += [*np.round(px, 4).tolist(), None]
            ys += [*np.round(py, 4).tolist(), None]
        return xs, ys

    fx, fy = _dial_xy(np.linspace(0, 360, 121), 1.0)
    face = joined([(fx + cx, fy + cy) for cx, cy in centres])
    traces.append(go.Scatter(x=face[0], y=face[1], mode="lines", fill="toself", fillcolor=CARD,
                             line={"color": "rgba(128, 128, 128, 0.9)", "width": 2}, name="dial", **static))
    ticks = []
    for cx, cy in centres:
        for i, angle in enumerate(np.linspace(-DIAL_SWEEP, DIAL_SWEEP, 21)):
            inner = 0.8 if i % 5 == 0 else 0.9  # a long tick every quarter of the scale
            tx, ty = _dial_xy(angle, np.array([inner, 1.0]))
            ticks.append((tx + cx, ty + cy))
    tx, ty = joined(ticks)
    traces.append(go.Scatter(x=tx, y=ty, mode="lines", line={"color": "rgba(90, 90, 90, 0.9)", "width": 1.5},
                             name="ticks", **static))
    lx, ly = _dial_xy(np.array([-DIAL_SWEEP, 0, DIAL_SWEEP]), 0.6)
    traces.append(go.Scatter(x=np.round(np.concatenate([lx + cx for cx, _ in centres]), 4),
                             y=np.round(np.concatenate([ly + cy for _, cy in centres]), 4),
                             mode="text", text=[f"{v:.3g}" for lo, hi in ranges for v in (lo, (lo + hi) / 2, hi)],
                             textfont={"size": s.small, "color": INK}, name="scale", **static))
    if landscape.minima:
        stars = [(_dial_xy(_dial_angle(m[axis], *ranges[axis]), 1.13), centres[axis])
                 for axis in (0, 1) for m in landscape.minima]
        traces.append(go.Scatter(x=[round(float(x) + c[0], 4) for (x, _), c in stars],
                                 y=[round(float(y) + c[1], 4) for (_, y), c in stars], mode="markers",
                                 name="the combination", marker={"symbol": "star", "size": s.head,
                                                                 "color": COMBINATION_COLOR,
                                                                 "line": {"color": INK, "width": 1}}, **static))

    dial = {"subplot": DIALS, "sweep": DIAL_SWEEP, "overshoot": DIAL_OVERSHOOT}
    if not race:
        track = tracks[0]
        for axis, (cx, cy) in enumerate(centres):
            lo, hi = ranges[axis]
            motion.heads.append({"kind": "dial", **dial, "group": track.path.label, "series": series[0], "axis": axis,
                                 "cx": cx, "cy": cy, "lo": lo, "hi": hi, "radius": 0.78, "needle": True,
                                 "color": track.style.color, "width": round(4 * s.scale, 2)})
            motion.heads.append({"kind": "label", "subplot": DIALS, "group": None, "series": series[0], "axis": axis,
                                 "x": cx, "y": cy + READOUT_Y, "prefix": f"{'xy'[axis]} = ", "digits": 4,
                                 "size": s.font})
        traces.append(go.Scatter(x=[c[0] for c in centres], y=[c[1] for c in centres], mode="markers", name="hub",
                                 marker={"color": INK, "size": s.head * 0.9}, **static))
    else:
        for track, index in zip(tracks, series, strict=True):
            for axis, (cx, cy) in enumerate(centres):
                lo, hi = ranges[axis]
                motion.heads.append({"kind": "dial", **dial, "group": track.path.label, "series": index,
                                     "axis": axis, "cx": cx, "cy": cy, "lo": lo, "hi": hi, "radius": 0.86,
                                     "needle": False,
                                     "symbol": track.style.symbol, "size": round(s.head * 0.9, 1),
                                     "color": track.style.color, "line": [INK, 1.0]})
    return traces


# --- the data table --------------------------------------------------------------------------------------

def table_steps(last: int, rows: int = TABLE_ROWS) -> list[int]:
    """The steps the table lists: every step up to `rows`, else `rows` evenly spread ones with 0 and `last`."""
    if last + 1 <= rows:
        return list(range(last + 1))
    return sorted({int(v) for v in np.round(np.linspace(0, last, rows))})


def replay_table(landscape, paths: list[PathView]) -> dict:
    """The table a replay of `paths` carries (its `motion["table"]`), for a chart of the same runs that does not
    move (a race's loss curves, one map per hand, the vault in 3D)."""
    tracks = [_Track.of(p, st) for p, st in zip(paths, styles_for(p.key for p in paths), strict=True)]
    return _table(tracks, max(timeline_end(p) for p in paths), decimals_for(landscape.extent))


def _table(tracks: list[_Track], last: int, dec: int) -> dict:
    """The replay in numbers, for a screen reader or anyone who wants them: per listed step, each hand's dials
    and loss (where it rests then), the crack and the spin-off steps always among the rows."""
    steps = table_steps(last)
    for t in tracks:
        for event in (crack_mark(t.path), (t.path.diverged_at, "") if t.path.diverged_at is not None else None):
            if event is not None and 0 <= event[0] <= last:
                steps.append(int(event[0]))
    steps = sorted(set(steps))
    header = ["step"]
    for t in tracks:
        header += [f"{t.path.label} x", f"{t.path.label} y", f"{t.path.label} loss"]
    rows = []
    for k in steps:
        row = [str(k)]
        for t in tracks:
            c = t.at(k)
            if c < 0:
                row += ["", "", ""]
                continue
            x, y = t.path.points[c]
            note = " (spun off)" if t.path.diverged_at is not None and k >= t.path.diverged_at else ""
            row += [f"{x:.{dec}f}", f"{y:.{dec}f}", format_loss(float(t.path.loss[c])) + note]
        rows.append(row)
    every = "every step" if len(steps) == last + 1 else f"{len(steps)} of the {last + 1} steps"
    return {"caption": f"Where each hand stands, {every}; after a spin-off, where it was last seen.",
            "header": header, "rows": rows}


# --- layouts ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Geometry:
    """Where everything sits, per layout: heights and margins in px, and paper-coordinate domains of the map,
    the loss plot and the dials (on a phone the map has a panel of its own: `map_height`, `map_margin`)."""

    layout: str
    height: int
    margin: dict
    map_x: tuple[float, float]
    map_y: tuple[float, float]
    loss: tuple[tuple[float, float], tuple[float, float]] | None
    dials: tuple[tuple[float, float], tuple[float, float]] | None
    colorbar: dict
    legend: dict
    map_height: int = 0
    map_margin: dict | None = None

    @classmethod
    def make(cls, layout: str, show_loss: bool, show_dials: bool, height: int | None = None) -> _Geometry:
        if layout == "phone":
            return cls._phone(show_loss, show_dials)
        return {"desk": cls._desk, "presenter": cls._presenter}[layout](show_loss, show_dials, height)

    @classmethod
    def _side_by_side(cls, layout: str, height: int, margin: dict, map_right: float, right: float,
                      dial_px: float, gap_px: float, show_loss: bool, show_dials: bool) -> _Geometry:
        plot = height - margin["t"] - margin["b"]
        if not (show_loss or show_dials):
            map_x, loss, dials = (0.0, 0.86), None, None
        else:
            map_x = (0.0, map_right)
            # The dials get a fixed height in px (their size is what a room reads), the loss plot the rest; the
            # gap under the loss plot holds its step ticks and title and the dials' titles.
            dial_top = min(dial_px / plot, 0.5) if show_loss else 0.8
            gap = gap_px / plot
            loss = ((right, 1.0), (dial_top + gap, 1.0) if show_dials else (0.0, 1.0)) if show_loss else None
            dial_y = (0.0, dial_top) if show_loss else (0.2, 0.8)
            dials = ((right, 1.0), dial_y) if show_dials else None
        return cls(
            layout, height, margin, map_x, (0.0, 1.0), loss, dials,
            colorbar={"x": map_x[1] + 0.008, "xanchor": "left", "len": 1.0, "y": 0.5},
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        )

    @classmethod
    def _desk(cls, show_loss: bool, show_dials: bool, height: int | None) -> _Geometry:
        # About 1,000 px wide and 480 tall for the plots at 1440 px: the map takes half, square.
        return cls._side_by_side("desk", height or 600, {"l": 60, "r": 20, "t": 60, "b": 60}, 0.5, 0.64, 150, 72,
                                 show_loss, show_dials)

    @classmethod
    def _presenter(cls, show_loss: bool, show_dials: bool, height: int | None) -> _Geometry:
        # Three columns, each the plots' whole height: the square map, the loss curve, and the two dials (a
        # loss curve over the dials, with dials 120 px across, was a strip on a 720 px screen). 440 px fits a
        # 1280x720 projector under the title and the race's tabs with the controls below; a taller screen passes
        # its own height. No axis titles under the plots: the dials say x and y, and the controls say step.
        height = height or 440
        margin = {"l": 56, "r": 16, "t": 48, "b": 40}
        # The map as wide as it is tall on a 1280 px projector (plots ~1,150 px wide), within bounds that leave
        # the loss curve and the dials their room on any projector.
        square = (height - margin["t"] - margin["b"]) / 1150
        map_right = min(max(square, 0.3), 0.4) if (show_loss or show_dials) else 0.86
        loss_x = (map_right + 0.11, 0.61 if show_dials else 1.0)
        dials_x = (0.7, 1.0) if show_loss else (0.45, 1.0)
        return cls(
            "presenter", height, margin, (0.0, map_right), (0.0, 1.0),
            (loss_x, (0.0, 1.0)) if show_loss else None,
            (dials_x, (0.0, 1.0)) if show_dials else None,
            colorbar={"x": map_right + 0.008, "xanchor": "left", "len": 1.0, "y": 0.5},
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        )

    @classmethod
    def _phone(cls, show_loss: bool, show_dials: bool) -> _Geometry:
        # First panel: a square map as wide as the screen (~360 px) and its colour bar lying flat under it.
        # Second panel: the loss curve, the dials, and the legend at the foot.
        map_px, bar_px = 360, 72
        map_margin = {"l": 6, "r": 6, "t": 6, "b": bar_px, "autoexpand": False}
        loss_px, dial_px, gap = (190 if show_loss else 0), (150 if show_dials else 0), 30
        below_loss = 80 if loss_px and dial_px else 0  # the loss plot's step ticks and title, the dials' titles
        plot = max(loss_px + dial_px + below_loss + (gap if loss_px and dial_px else 0), 1)
        # No automatic margins: they would give the tick labels a strip of their own.
        margin = {"l": 6, "r": 6, "t": 10, "b": 170, "autoexpand": False}

        def band(top_px: float, size_px: float) -> tuple[float, float]:
            return (max(0.0, 1 - (top_px + size_px) / plot), 1 - top_px / plot)

        loss = ((0.0, 0.8), band(0, loss_px)) if loss_px else None
        dials = ((0.0, 1.0), band(plot - dial_px, dial_px)) if dial_px else None
        return cls(
            "phone", plot + margin["t"] + margin["b"], margin, (0.0, 1.0), (0.0, 1.0), loss, dials,
            colorbar={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -14 / map_px, "yanchor": "top",
                      "len": 0.9, "thickness": 10, "title": {"side": "top"}},
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -24 / plot, "yanchor": "top"},
            map_height=map_px + map_margin["t"] + map_margin["b"], map_margin=map_margin,
        )


def _map_layout(landscape, geo: _Geometry, s, presenter: bool, title: str | None) -> dict:
    (x0, x1), (y0, y1) = landscape.bounds
    phone = geo.layout == "phone"
    bare = geo.layout != "desk"  # no axis titles: a phone's map has no room, a projector's dials say x and y
    ax = axis_style(presenter, showgrid=False, zeroline=False, ticks="outside")
    if phone:
        # No tick labels: every pixel of the narrow screen goes to the map itself (the dials and the hover label
        # give the numbers).
        ax.update(ticks="", showticklabels=False)
    if bare:
        # Without a title an axis needs no room for one (plotly's automatic margin keeps it all the same).
        ax.update(automargin=False)
    margin = geo.map_margin if phone else geo.margin
    layout = base_layout(
        presenter, height=geo.map_height if phone else geo.height,
        margin={**margin, "t": margin["t"] + (30 if title else 0)},
        legend={**base_layout(presenter)["legend"], **geo.legend},
        xaxis={**ax, "domain": list(geo.map_x), "range": [x0, x1], "title": {"text": "" if bare else "x"},
               # A square map narrower than its panel keeps to the colour bar's side on a projector (the panel
               # is wide there), and to the left elsewhere.
               "constrain": "domain", "constraintoward": "right" if geo.layout == "presenter" else "left"},
        yaxis={**ax, "domain": list(geo.map_y), "range": [y0, y1], "title": {"text": "" if bare else "y"},
               "constrain": "domain", "constraintoward": "top"},
    )
    if max(x1 - x0, y1 - y0) <= LOCKED_ASPECT * min(x1 - x0, y1 - y0):
        # Equal units on both dials (square bounds give a square map, and a step's direction is drawn true):
        # y is tied to x, and the axis with room to spare gives it up. A long thin vault (the ravine is 20 x 6)
        # fills its panel instead: locked, it would be a strip a third of the panel high.
        layout["yaxis"].update(scaleanchor="x", scaleratio=1)
    if title:
        layout["title"] = {"text": title, "font": {"size": s.title}, "x": 0, "xanchor": "left"}
    return layout


def _rest_layout(geo: _Geometry, loss_ax: LossAxis | None, tracks, last: int, s, presenter: bool,
                 race: bool) -> dict:
    """The loss plot's axes and card, and the dials' hidden axes and titles (on a phone, the second panel's
    height, margins and legend too)."""
    layout: dict = {}
    if geo.layout == "phone":
        layout = base_layout(presenter, height=geo.height, margin=geo.margin,
                             legend={**base_layout(presenter)["legend"], **geo.legend})
    annotations, shapes = [], []
    if geo.loss is not None and loss_ax is not None:
        (lx0, lx1), (ly0, ly1) = geo.loss
        y_range = loss_ax.range([loss_ax.y(t.path.loss) for t in tracks])
        layout["xaxis2"] = axis_style(presenter, domain=[lx0, lx1], anchor="y2", range=[0, max(last, 1)],
                                      title={"text": "" if presenter else "step"}, automargin=not presenter)
        # Ticks and title on the right: on the left they would collide with the map's colour bar.
        layout["yaxis2"] = axis_style(presenter, domain=[ly0, ly1], anchor="x2", title={"text": loss_ax.name},
                                      side="right", **log_ticks(loss_ax, y_range))
        shapes.append({"type": "rect", "xref": "x2 domain", "yref": "y2 domain", "x0": 0, "x1": 1, "y0": 0, "y1": 1,
                       "fillcolor": LOSS_CARD, "line": {"width": 0}, "layer": "below"})
    if geo.dials is not None:
        (dx0, dx1), (dy0, dy1) = geo.dials
        hidden = {"visible": False, "fixedrange": True, "constrain": "domain"}
        layout["xaxis3"] = {**hidden, "domain": [dx0, dx1], "range": list(DIAL_X), "anchor": "y3"}
        layout["yaxis3"] = {**hidden, "domain": [dy0, dy1], "range": list(DIAL_Y), "anchor": "x3",
                            "scaleanchor": "x3", "scaleratio": 1}
        for axis, (cx, cy) in enumerate(DIAL_CENTRES):
            # On a projector the dials are narrow for their large type: the short title.
            every_run = " · every run" if race and geo.layout != "presenter" else ""
            annotations.append({"text": f"{'xy'[axis]} dial{every_run}", "showarrow": False,
                                "xref": "x3", "yref": "y3", "x": cx, "y": cy + DIAL_Y[1],
                                "xanchor": "center", "yanchor": "bottom", "font": {"size": s.small}})
    layout["annotations"] = annotations
    layout["shapes"] = shapes
    return layout
