"""The live class's charts: the class's answers as bars, its settings as a cloud, its runs on one map.

No nickname ever reaches a figure: names are shown in tables, as text, never through Plotly's labels
(which render a subset of HTML).
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from viz.encode import f32
from viz.paths import PathView
from viz.style import NEUTRAL, OKABE_ITO, axis_style, base_layout, sizes
from viz.surface import contour_trace, landmark_traces

OUTCOME_COLOURS = {"settled": OKABE_ITO["bluish_green"], "searching": OKABE_ITO["blue"],
                   "spun off": OKABE_ITO["vermillion"]}
RIGHT = OKABE_ITO["bluish_green"]


def tally_figure(tally: dict[str, int], *, correct: str | None = None, presenter: bool = False) -> go.Figure:
    """One horizontal bar per answer, in the question's order, top to bottom; the right one in green once
    `correct` is given (after the reveal)."""
    labels = [html.escape(choice) for choice in tally]
    counts = [int(count) for count in tally.values()]
    colours = [RIGHT if correct is not None and choice == correct else
               (NEUTRAL if correct is not None else OKABE_ITO["blue"]) for choice in tally]
    s = sizes(presenter)
    fig = go.Figure(go.Bar(x=counts, y=labels, orientation="h", marker={"color": colours}, text=counts,
                           textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x}<extra></extra>"))
    total = sum(counts)
    fig.update_layout(**base_layout(presenter, margin={"l": 10, "r": 40, "t": 40, "b": 30},
                                    title={"text": f"{total} answer{'s' if total != 1 else ''}",
                                           "font": {"size": s.title}}),
                      height=max(220, (70 if presenter else 55) * len(labels) + 90), bargap=0.3,
                      xaxis=axis_style(presenter, range=[0, max(counts + [1]) * 1.15], dtick=max(1, total // 8 or 1),
                                       title={"text": "students"}),
                      yaxis=axis_style(presenter, autorange="reversed", automargin=True,
                                       tickfont={"size": s.font}))
    return fig


def settings_cloud(lrs, betas, outcomes, *, lr_range: tuple[float, float], beta_range: tuple[float, float],
                   beta_label: str = "β", presenter: bool = False) -> go.Figure:
    """Every student's (learning rate, β) as a dot on the map of settings, coloured by what the run did, so
    the class sees where the stable region lies."""
    lrs, betas = np.asarray(lrs, dtype=np.float64), np.asarray(betas, dtype=np.float64)
    outcomes = np.asarray(outcomes, dtype=object)
    s = sizes(presenter)
    fig = go.Figure()
    for outcome, colour in OUTCOME_COLOURS.items():
        chosen = outcomes == outcome
        fig.add_trace(go.Scatter(
            x=f32(lrs[chosen]), y=f32(betas[chosen]), mode="markers", name=f"{outcome} ({int(chosen.sum())})",
            marker={"size": 1.6 * s.head, "color": colour, "opacity": 0.8, "line": {"color": "white", "width": 1}},
            hovertemplate=f"lr %{{x:.3g}}<br>{beta_label} %{{y:.3g}}<extra>{outcome}</extra>"))
    low, high = lr_range
    fig.update_layout(**base_layout(presenter, margin={"l": 60, "r": 20, "t": 40, "b": 50},
                                    title={"text": "The class's settings", "font": {"size": s.title}},
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.2}),
                      height=520 if presenter else 420,
                      xaxis=axis_style(presenter, type="log", range=[np.log10(low), np.log10(high)],
                                       title={"text": "learning rate (log)"}),
                      yaxis=axis_style(presenter, range=list(beta_range), title={"text": beta_label}))
    return fig


def outcome_of(path: PathView) -> str:
    if path.diverged_at is not None:
        return "spun off"
    return "settled" if path.settled_at is not None else "searching"


def class_paths_figure(landscape, paths: list[PathView], *, presenter: bool = False) -> go.Figure:
    """Every student's run on one map, coloured by outcome; the labels are the runs' settings, not names."""
    s = sizes(presenter)
    fig = go.Figure(contour_trace(landscape, presenter=presenter, showscale=False))
    shown = set()
    for path in paths:
        outcome = outcome_of(path)
        fig.add_trace(go.Scatter(
            x=f32(path.points[:, 0]), y=f32(path.points[:, 1]), mode="lines", name=outcome,
            legendgroup=outcome, showlegend=outcome not in shown,
            line={"color": OUTCOME_COLOURS[outcome], "width": 0.8 * s.line}, opacity=0.75,
            hovertemplate=f"{html.escape(path.label)}<br>x %{{x:.3g}}<br>y %{{y:.3g}}<extra>{outcome}</extra>"))
        shown.add(outcome)
    for trace in landmark_traces(landscape, presenter=presenter):
        fig.add_trace(trace)
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_layout(**base_layout(presenter, margin={"l": 50, "r": 20, "t": 40, "b": 40},
                                    title={"text": "Every run in the class", "font": {"size": s.title}},
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.15}),
                      height=560 if presenter else 460,
                      xaxis=axis_style(presenter, range=[x0, x1], title={"text": "x"}),
                      yaxis=axis_style(presenter, range=[y0, y1], title={"text": "y"}, scaleanchor="x"))
    return fig
