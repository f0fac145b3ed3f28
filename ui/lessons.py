"""Lessons, the page's pieces: each lesson's runs (cached), its animated figure and its summary.

The lessons themselves and the measurements behind their claims are in `lab.lessons`.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import optim
import viz
from lab.lessons import LESSONS, Lesson, facts, landmarks, zoom
from ui import figures, player, runs
from viz.style import INK


def trajectories(lesson: Lesson) -> list[optim.Trajectory]:
    """The lesson's runs, in order (cached per run)."""
    return [runs.trajectory(lesson.scene(run)) for run in lesson.runs]


def paths(lesson: Lesson, trajectories_: list[optim.Trajectory]) -> list[viz.PathView]:
    return [viz.path_view(trajectory, label=run.title) for run, trajectory in zip(lesson.runs, trajectories_,
                                                                                  strict=True)]


# Figures are kept as objects (cache_resource), not pickled copies (cache_data): unpickling a Figure re-validates
# every property, 0.1 to 0.9 s for these animations, where st.plotly_chart only reads them (it copies via to_dict).
@st.cache_resource(max_entries=32, show_spinner=False)
def replay(slug: str, screen: tuple = ("desk", None)) -> viz.Replay:
    """The lesson's runs replayed side by side on one map, zoomed where the lesson's point is, with its
    landmarks."""
    lesson = LESSONS[slug]
    runs_ = trajectories(lesson)
    scene = viz.replay(lesson.surface, paths(lesson, runs_), layout=screen[0], height=screen[1])
    fig = scene.figure
    frame = zoom(lesson, runs_)
    if frame is not None:  # where the lesson's point is: the map's axes
        fig.update_layout(xaxis_range=list(frame[0]), yaxis_range=list(frame[1]))
    for label, point in landmarks(lesson):
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=label,
                                 marker={"symbol": "diamond-open", "size": 14, "color": INK, "line": {"width": 2.5}},
                                 hovertemplate=f"{label}<br>x %{{x:.4g}}<br>y %{{y:.4g}}<extra></extra>"))
    return figures.frozen_replay(scene)


def show(slug: str, key: str, screen: tuple) -> None:
    """The lesson's replay on the page (the Lessons page, the live class's reveal), Play under the map."""
    text, _, _ = summary(slug)
    player.show(replay(slug, screen), key, name=f"{LESSONS[slug].title}: the replay", description=text,
                screen=screen[0])


@st.cache_data(max_entries=32, show_spinner=False)
def summary(slug: str) -> tuple[str, str, bool]:
    """The race in one sentence, the measurements behind the claim, and whether any hand spun off."""
    lesson = LESSONS[slug]
    runs_ = trajectories(lesson)
    views = paths(lesson, runs_)
    spun = any(view.diverged_at is not None for view in views)
    return viz.race_summary(views, lesson.surface), facts(lesson, runs_), spun
