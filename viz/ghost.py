"""The ghost beside a hand: a point the optimizer keeps besides the dials (ASGD's running average of the
points visited), drawn on the map as a faint dotted trail with a hollow head that moves with the replay.

Self-contained on purpose: `with_ghosts` adds its traces to a finished replay (`viz.crack_figure`, whose
frames are named by step) and extends each frame with the ghost's head, so the replay itself needs no
knowledge of ghosts.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz.encode import f32
from viz.paths import PathView
from viz.style import INK, rgba, sizes, style_for

GHOST_LABEL = "averaged point (ghost)"


def ghost_traces(path: PathView, presenter: bool = False) -> tuple[go.Scatter, go.Scatter]:
    """(the ghost's trail, its head at the last step) for a path with a ghost, on the map's axes."""
    s, color = sizes(presenter), style_for(path.key).color
    points = path.ghost[np.isfinite(path.ghost).all(axis=1)]
    trail = go.Scatter(x=f32(points[:, 0]), y=f32(points[:, 1]), mode="lines", name=f"{path.label}: {GHOST_LABEL}",
                       line={"color": rgba(color, 0.55), "width": s.line, "dash": "dot"}, hoverinfo="skip",
                       meta="ghost")
    last = points[-1:] if len(points) else points
    head = go.Scatter(x=f32(last[:, 0]), y=f32(last[:, 1]), mode="markers", showlegend=False,
                      marker={"color": rgba(color, 0.25), "size": s.head, "symbol": "circle",
                              "line": {"color": INK, "width": 1.5}},
                      hovertemplate=f"x %{{x:.4g}}<br>y %{{y:.4g}}<extra>{GHOST_LABEL}</extra>", meta="ghost")
    return trail, head


def _head_at(ghost: np.ndarray, step: int) -> dict:
    finite = np.flatnonzero(np.isfinite(ghost[:step + 1]).all(axis=1))
    if not len(finite):
        return {"x": [], "y": []}
    x, y = ghost[finite[-1]]
    return {"x": [float(x)], "y": [float(y)]}


def with_ghosts(figure: go.Figure, paths: list[PathView], presenter: bool = False) -> go.Figure:
    """`figure` (a `crack_figure` of `paths`) with every path's ghost drawn; the head follows the replay."""
    ghosts = [path for path in paths if path.ghost is not None]
    if not ghosts:
        return figure
    heads = []
    for path in ghosts:
        trail, head = ghost_traces(path, presenter)
        figure.add_traces([trail, head])
        heads.append((len(figure.data) - 1, path.ghost))
    if figure.frames:
        figure.frames = [_with_heads(frame, heads) for frame in figure.frames]
    return figure


def _with_heads(frame: go.Frame, heads: list) -> go.Frame:
    """A timeline frame (named by its step) also moves each ghost's head; other frames (the replay's base
    frames of finished path pieces) are left as they are."""
    if frame.name is None or not frame.name.isdigit():
        return frame
    step = int(frame.name)
    return go.Frame(name=frame.name, group=frame.group, baseframe=frame.baseframe,
                    traces=[*frame.traces, *(index for index, _ in heads)],
                    data=[*frame.data, *(go.Scatter(_head_at(ghost, step)) for _, ghost in heads)])
