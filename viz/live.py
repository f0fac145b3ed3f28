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
# The earlier round's bars, paler (and hatched, so the rounds differ by more than colour).
RIGHT_EARLIER = "#7fcfb9"
NEUTRAL_EARLIER = "#c8c8c8"


def tally_figure(tally: dict[str, int], *, correct: str | None = None, presenter: bool = False) -> go.Figure:
    """One horizontal bar per answer, in the question's order, top to bottom; the right one in green once
    `correct` is given (after the reveal)."""
    return rounds_figure([tally], correct=correct, presenter=presenter)


def rounds_figure(tallies, *, correct: str | None = None, presenter: bool = False) -> go.Figure:
    """Every round of one question side by side: per answer, one bar per round (round 1 hatched and paler,
    above round 2), so the class sees how the discussion moved the votes. The right answer turns green and
    gets a tick once `correct` is given (after the reveal); before, nothing hints at it."""
    tallies = [dict(t) for t in tallies]
    choices = list(tallies[-1])
    labels = [html.escape(choice) + (" ✓" if correct is not None and choice == correct else "")
              for choice in choices]
    s = sizes(presenter)
    fig = go.Figure()
    several = len(tallies) > 1
    for number, tally in enumerate(tallies, start=1):
        counts = [int(tally.get(choice, 0)) for choice in choices]
        earlier = several and number < len(tallies)
        if correct is None:
            colours = [OKABE_ITO["sky_blue"] if earlier else OKABE_ITO["blue"]] * len(choices)
        else:
            colours = [(RIGHT_EARLIER if earlier else RIGHT) if choice == correct else
                       (NEUTRAL_EARLIER if earlier else NEUTRAL) for choice in choices]
        fig.add_trace(go.Bar(
            x=counts, y=labels, orientation="h", name=f"round {number}",
            marker={"color": colours, "pattern": {"shape": "/" if earlier else "", "fgcolor": "#1a1a1a",
                                                  "fgopacity": 0.45, "size": 8}},
            text=counts, textposition="outside", cliponaxis=False,
            hovertemplate=f"round {number}<br>%{{y}}: %{{x}}<extra></extra>"))
    totals = [sum(int(v) for v in t.values()) for t in tallies]
    title = (" · ".join(f"round {k}: {n} answer{'s' if n != 1 else ''}" for k, n in enumerate(totals, start=1))
             if several else f"{totals[0]} answer{'s' if totals[0] != 1 else ''}")
    largest = max([int(v) for t in tallies for v in t.values()] + [1])
    per_bar = (46 if presenter else 40) * (1.35 if several else 1)
    # The title on the first line, the rounds' legend on the second, then the bars.
    top = (s.title + 2 * s.small + 24) if several else s.title + 20
    legend = {**base_layout(presenter)["legend"], "orientation": "h", "x": 0, "xanchor": "left", "y": 1.0,
              "yanchor": "bottom", "traceorder": "normal"}
    fig.update_layout(**base_layout(presenter, margin={"l": 10, "r": 40, "t": top, "b": 26},
                                    title={"text": title, "font": {"size": s.title}, "x": 0, "xanchor": "left",
                                           "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 6}},
                                    legend=legend),
                      showlegend=several, barmode="group", height=int(max(200, per_bar * len(labels) + top + 26)),
                      bargap=0.25, bargroupgap=0.05,
                      xaxis=axis_style(presenter, range=[0, largest * 1.15], dtick=max(1, largest // 8 or 1)),
                      yaxis=axis_style(presenter, autorange="reversed", automargin=True,
                                       tickfont={"size": s.font}))
    return fig


def tally_words(tallies, *, correct: str | None = None) -> str:
    """The bars as a sentence, for a screen reader and for anyone who cannot see the projector."""
    parts = []
    for number, tally in enumerate(tallies, start=1):
        counts = ", ".join(f"{choice}{' (right)' if choice == correct else ''}: {int(n)}"
                           for choice, n in tally.items())
        parts.append(f"Round {number}: {counts}." if len(tallies) > 1 else f"{counts}.")
    return " ".join(parts)


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


def class_paths_figure(landscape, paths: list[PathView], *, presenter: bool = False,
                       labelled: int = 20) -> go.Figure:
    """Every student's run on one map, coloured by outcome and given in rank order (best first): the first
    `labelled` carry their rank at the end of the path, the rest say it on hover. The labels are ranks and
    settings, never names."""
    s = sizes(presenter)
    fig = go.Figure(contour_trace(landscape, presenter=presenter, showscale=False))
    shown = set()
    ends_x, ends_y, ranks, colours = [], [], [], []
    for rank, path in enumerate(paths, start=1):
        outcome = outcome_of(path)
        fig.add_trace(go.Scatter(
            x=f32(path.points[:, 0]), y=f32(path.points[:, 1]), mode="lines", name=outcome,
            legendgroup=outcome, showlegend=outcome not in shown,
            line={"color": OUTCOME_COLOURS[outcome], "width": 0.8 * s.line}, opacity=0.75,
            hovertemplate=f"rank {rank}: {html.escape(path.label)}<br>x %{{x:.3g}}<br>y %{{y:.3g}}"
                          f"<extra>{outcome}</extra>"))
        shown.add(outcome)
        finite = np.flatnonzero(np.isfinite(path.points).all(axis=1))
        if rank <= labelled and finite.size:
            end = path.points[finite[-1]]
            (x0, x1), (y0, y1) = landscape.bounds
            if x0 <= end[0] <= x1 and y0 <= end[1] <= y1:
                ends_x.append(float(end[0]))
                ends_y.append(float(end[1]))
                ranks.append(str(rank))
                colours.append(OUTCOME_COLOURS[outcome])
    if ranks:
        fig.add_trace(go.Scatter(
            x=ends_x, y=ends_y, mode="markers+text", text=ranks, name="rank", showlegend=False,
            textposition="top right", textfont={"size": s.small, "color": "#1a1a1a"},
            marker={"size": s.marker + 4, "color": colours, "line": {"color": "white", "width": 1}},
            hovertemplate="rank %{text}<extra></extra>"))
    for trace in landmark_traces(landscape, presenter=presenter):
        fig.add_trace(trace)
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_layout(**base_layout(presenter, margin={"l": 50, "r": 20, "t": 40, "b": 40},
                                    title={"text": "Every run in the class, by rank", "font": {"size": s.title}},
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.15}),
                      height=560 if presenter else 460,
                      xaxis=axis_style(presenter, range=[x0, x1], title={"text": "x"}),
                      yaxis=axis_style(presenter, range=[y0, y1], title={"text": "y"}, scaleanchor="x"))
    return fig
