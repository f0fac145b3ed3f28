"""Cached figure calls: a scene's names and numbers in, a plotly figure or a replay out (built by `viz`).

Figures are cached as shared objects (st.cache_resource), not copies (st.cache_data): unpickling a
plotly figure re-validates every property, which costs ~0.3 s for the animated map, more than building
the figure's JSON. Nothing mutates a cached figure; st.plotly_chart copies it before sending.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import viz
from lab.scene import Scene
from ui import runs


class _Frozen(go.Figure):
    """A figure whose dict is taken once. st.plotly_chart calls `to_dict()` on every rerun, a deep copy
    that costs ~60 ms for an animated race; a cached figure never changes, so one copy can be shared."""

    def to_dict(self):
        return self._frozen_dict


def frozen(figure: go.Figure) -> go.Figure:
    """`figure`, made cheap to send again and again, for a cache. Never change it afterwards: the change
    would not show. (Re-classing in place: building a new figure would re-validate every property.)"""
    snapshot = go.Figure.to_dict(figure)
    figure.__class__ = _Frozen
    figure._frozen_dict = snapshot
    return figure


def frozen_replay(replay: viz.Replay) -> viz.Replay:
    """`replay` with every panel made cheap to send again and again (`frozen`), for a cache."""
    return viz.Replay(tuple(frozen(panel) for panel in replay.panels), replay.motion)


@st.cache_resource(max_entries=64, show_spinner=False)
def crack(scene: Scene, screen: tuple = ("desk", None)) -> viz.Replay:
    """The replay of one run: map, loss curve and dials on one timeline, for `screen` (layout, height): see
    ui.page.figure_layout."""
    trajectory = runs.trajectory(scene)
    paths = [viz.path_view(trajectory, label=scene.spec.title)]
    return frozen_replay(viz.replay(trajectory.landscape, paths, layout=screen[0], height=screen[1]))


@st.cache_data(max_entries=32, show_spinner=False)
def numbers(scene: Scene) -> dict:
    """The run's numbers as a table (dials and loss, step by step), for a screen reader."""
    trajectory = runs.trajectory(scene)
    return viz.replay_table(trajectory.landscape, [viz.path_view(trajectory, label=scene.spec.title)])


@st.cache_resource(max_entries=16, show_spinner=False)
def surface_3d(scene: Scene, presenter: bool = False):
    trajectory = runs.trajectory(scene)
    return frozen(viz.surface_figure(trajectory.landscape, [viz.path_view(trajectory, label=scene.spec.title)],
                                     presenter=presenter))


def standalone_html(replay: viz.Replay, title: str, caption: str) -> str:
    """The replay as one HTML file that plays offline (plotly.js and the player inlined), with a title and a
    caption."""
    return viz.standalone_html(replay, title, caption)


@st.cache_resource(max_entries=32, show_spinner=False)
def demo(landscape: str, start: tuple, steps: int, lr: float, screen: tuple = ("desk", None)):
    """The home page's single dial-turning animation: plain SGD on one vault."""
    trajectory = runs.trajectory(Scene(landscape, "", (), "sgd", (("lr", lr),), steps, start))
    path = viz.path_view(trajectory, label=f"SGD, learning rate {lr:g}")
    return frozen_replay(viz.replay(trajectory.landscape, [path], layout=screen[0], height=screen[1])), path
