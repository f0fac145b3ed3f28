"""Static companion charts: loss curves, one map per optimizer, settings heatmaps, basins, and one step's arrows."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.encode import f32
from viz.isolines import isolines
from viz.paths import PathView
from viz.scales import format_loss, log_ticks, loss_axis, loss_colour
from viz.style import (
    CARD,
    COMBINATION_COLOR,
    INK,
    NEUTRAL,
    OKABE_ITO,
    SPUN_OFF,
    axis_style,
    base_layout,
    sizes,
    styles_for,
)
from viz.surface import CONTOUR_LEVELS, ISOLINE_COLOR, contour_trace, landmark_traces, landscape_colour

_PATH_HOVER = ("step %{customdata[0]}<br>x %{x:.4g}<br>y %{y:.4g}<br>loss %{customdata[1]:.4g}"
               "<extra>%{fullData.name}</extra>")
_POINT_HOVER = "x %{x:.4g}<br>y %{y:.4g}<extra></extra>"


def outcome(path: PathView) -> str:
    """Short outcome of a run, for panel titles and markers: 'cracked at step 143' (the step from which it
    stays at the combination, as every page counts it), 'reached at step 9, swung away', 'spun off at step 12'."""
    if path.diverged_at is not None:
        return f"spun off at step {path.diverged_at}"
    if path.settled_at is not None:
        return f"cracked at step {path.settled_at}"
    if path.cracked_at is not None:
        return f"reached at step {path.cracked_at}, swung away"
    return f"loss {format_loss(path.final_loss)} after {path.steps} steps"


def crack_mark(path: PathView) -> tuple[int, str] | None:
    """Where the ○ goes and what it says: the step the run cracks the safe for good, or the step it reached
    the combination before swinging away; None for neither."""
    if path.settled_at is not None and path.diverged_at is None:
        return path.settled_at, f"cracked at step {path.settled_at}"
    if path.cracked_at is not None:
        return path.cracked_at, f"reached at step {path.cracked_at}, swung away"
    return None


def loss_figure(paths: list[PathView], *, min_value: float | None = None, presenter: bool = False,
                title: str | None = None) -> go.Figure:
    """Loss against step for every run on a log axis (the gap above `min_value` when it is known), one
    dash per optimizer; a diverged run's curve stops at its last finite loss, marked with ✕."""
    paths = list(paths)
    s = sizes(presenter)
    axis = loss_axis([p.loss for p in paths], min_value)
    fig = go.Figure()
    ys = []
    for path, st in zip(paths, styles_for(p.key for p in paths), strict=True):
        y = axis.y(path.loss)
        ys.append(y)
        fig.add_trace(go.Scatter(
            x=np.arange(len(y)), y=f32(y), mode="lines", name=path.label, legendgroup=path.label,
            line={"color": st.color, "width": s.line, "dash": st.dash}, customdata=f32(path.loss),
            hovertemplate=f"step %{{x}}<br>loss %{{customdata:.4g}}<extra>{path.label}</extra>",
        ))
        marks = []
        ring = crack_mark(path)
        if ring is not None and np.isfinite(y[ring[0]]):
            marks.append((ring[0], y[ring[0]], "circle-open", ring[1]))
        if path.diverged_at is not None and path.last_finite >= 0:
            marks.append((path.last_finite, y[path.last_finite], "x", f"✕ spun off at step {path.diverged_at}"))
        if marks:
            fig.add_trace(go.Scatter(
                x=[m[0] for m in marks], y=[float(m[1]) for m in marks], mode="markers", showlegend=False,
                legendgroup=path.label, name=path.label, hovertext=[m[3] for m in marks],
                hovertemplate="%{hovertext}<extra>%{fullData.name}</extra>",
                marker={"symbol": [m[2] for m in marks], "size": s.head, "color": st.color,
                        "line": {"color": INK, "width": 1.5}},
            ))
    y_range = axis.range(ys)
    fig.update_layout(**base_layout(presenter, height=520 if presenter else 400, plot_bgcolor=CARD),
                      xaxis=axis_style(presenter, title={"text": "step"}),
                      yaxis=axis_style(presenter, title={"text": axis.title}, **log_ticks(axis, y_range)))
    if title:
        fig.update_layout(title={"text": title})
    return fig


def small_multiples_figure(landscape, paths: list[PathView], *, presenter: bool = False, cols: int | None = None,
                           resolution: int = 60) -> go.Figure:
    """One map per run, side by side on the same landscape (sampled once) and the same axes, each path
    drawn whole, its title telling how it ended."""
    paths = list(paths)
    if not paths:
        raise ValueError("small_multiples_figure needs at least one path")
    s = sizes(presenter)
    cols = cols or min(len(paths), 4)
    rows = math.ceil(len(paths) / cols)
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes="all", shared_yaxes="all",
                        horizontal_spacing=0.03, vertical_spacing=0.12 / rows,
                        subplot_titles=[f"{p.label}: {outcome(p)}" for p in paths])
    sampled = landscape_colour(landscape, resolution)
    for i, (path, st) in enumerate(zip(paths, styles_for(p.key for p in paths), strict=True)):
        row, col = divmod(i, cols)
        at = {"row": row + 1, "col": col + 1}
        fig.add_trace(contour_trace(landscape, sampled=sampled, presenter=presenter, showscale=i == 0,
                                    hover=False, colorbar={"len": 1.0}), **at)
        for trace in landmark_traces(landscape, start=tuple(path.points[0]), presenter=presenter, showlegend=i == 0):
            fig.add_trace(trace.update(legendgroup=trace.name), **at)
        steps = np.arange(len(path.points))
        fig.add_trace(go.Scatter(
            x=f32(path.points[:, 0]), y=f32(path.points[:, 1]), mode="lines+markers", name=path.label,
            line={"color": st.color, "width": s.line, "dash": st.dash},
            marker={"color": st.color, "symbol": st.symbol, "size": s.marker},
            customdata=f32(np.stack([steps, path.loss], axis=1)), hovertemplate=_PATH_HOVER,
        ), **at)
        seen = path.last_seen(landscape.bounds) if path.diverged_at is not None else None
        if seen is not None:
            x, y = seen
            fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", showlegend=False, name=path.label,
                                     hovertext=[f"✕ spun off at step {path.diverged_at}"],
                                     hovertemplate="%{hovertext}<extra></extra>",
                                     marker={"symbol": "x", "size": s.head, "color": st.color,
                                             "line": {"color": INK, "width": 1.5}}), **at)
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False)
    fig.update_annotations(font={"size": s.small})
    per_row = 330 if presenter else 260
    fig.update_layout(**base_layout(presenter, height=90 + per_row * rows, showlegend=True,
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.08}))
    return fig


def _log_positions(values: np.ndarray) -> tuple[np.ndarray, list[float], list[str]]:
    """Positions log10(values) and a readable subset of ticks labelled with the values themselves."""
    pos = np.log10(values)
    stride = max(1, math.ceil(len(values) / 8))
    ticks = values[::stride]
    return pos, [float(np.log10(v)) for v in ticks], [f"{v:.3g}" for v in ticks]


def settings_heatmap(lrs, betas, values, *, metric_label: str, log_x: bool = True, stability=None,
                     presenter: bool = False, log_color: bool = False) -> go.Figure:
    """A metric over learning rate (x) × β (y): `values[i, j]` belongs to betas[i] and lrs[j]. NaN cells
    (the run spun off) are pale vermillion. Each cell's customdata is (lr, β, value), ready for a click handler.
    `stability=(betas, lr_max)` overlays a theoretical stability limit as a dashed line."""
    lrs = np.asarray(lrs, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(betas), len(lrs)):
        raise ValueError(f"values must have shape (len(betas), len(lrs)) = {(len(betas), len(lrs))}; "
                         f"got {values.shape}")
    s = sizes(presenter)
    LR, B = np.meshgrid(lrs, betas)
    customdata = f32(np.stack([LR, B, values], axis=-1))
    if log_x:
        xpos, tickvals, ticktext = _log_positions(lrs)
        xaxis = {"tickvals": tickvals, "ticktext": ticktext}
    else:
        xpos, xaxis = lrs, {}

    z = values
    colorbar = {"title": {"text": metric_label}, "thickness": 12}
    if log_color:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(values > 0, np.log10(values), np.nan)
        finite = z[np.isfinite(z)]
        if finite.size:
            decades = list(range(math.floor(finite.min()), math.ceil(finite.max()) + 1))
            colorbar.update(tickvals=decades, ticktext=[format_loss(10.0 ** d) for d in decades],
                            title={"text": f"{metric_label}<br><sub>log scale</sub>"})
    hover = (f"lr %{{customdata[0]:.3g}}<br>β %{{customdata[1]:.3g}}<br>{metric_label} %{{customdata[2]:.4g}}"
             "<extra></extra>")
    missing = np.where(np.isnan(values), 1.0, np.nan)
    fig = go.Figure([
        go.Heatmap(x=f32(xpos), y=f32(betas), z=f32(missing), customdata=customdata, showscale=False,
                   colorscale=[[0, SPUN_OFF], [1, SPUN_OFF]], name="spun off",
                   hovertemplate="lr %{customdata[0]:.3g}<br>β %{customdata[1]:.3g}<br>spun off<extra></extra>"),
        go.Heatmap(x=f32(xpos), y=f32(betas), z=f32(z), customdata=customdata, colorscale="Cividis",
                   colorbar=colorbar, name=metric_label, hovertemplate=hover),
    ])
    if stability is not None:
        sb, lr_max = (np.asarray(v, dtype=np.float64) for v in stability)
        with np.errstate(divide="ignore", invalid="ignore"):
            sx = np.log10(lr_max) if log_x else lr_max
        sx = np.where(np.isfinite(sx), sx, np.nan)
        # A pale casing under the dashed dark line keeps it visible on every colour of the heatmap.
        fig.add_trace(go.Scatter(x=f32(sx), y=f32(sb), mode="lines", hoverinfo="skip", showlegend=False,
                                 line={"color": "rgba(255, 255, 255, 0.85)", "width": 2 * s.line + 2}))
        fig.add_trace(go.Scatter(x=f32(sx), y=f32(sb), mode="lines", name="stability limit (theory)",
                                 line={"color": INK, "width": s.line, "dash": "dash"},
                                 customdata=f32(lr_max),
                                 hovertemplate="stability limit<br>β %{y:.3g}<br>lr %{customdata:.3g}<extra></extra>"))
    pad_x = (xpos[-1] - xpos[0]) / max(len(xpos) - 1, 1) / 2 if len(xpos) > 1 else 0.5
    pad_y = (betas[-1] - betas[0]) / max(len(betas) - 1, 1) / 2 if len(betas) > 1 else 0.5
    fig.update_layout(**base_layout(presenter, height=520 if presenter else 420,
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.2}),
                      xaxis=axis_style(presenter, title={"text": "learning rate" + (" (log scale)" if log_x else "")},
                                       range=[float(xpos[0] - pad_x), float(xpos[-1] + pad_x)], **xaxis),
                      yaxis=axis_style(presenter, title={"text": "β"},
                                       range=[float(betas[0] - pad_y), float(betas[-1] + pad_y)]))
    return fig


# Basin colours: Okabe-Ito without black (reads as "nothing") and yellow (the combination's own colour).
_BASIN_COLORS = [OKABE_ITO[n] for n in ("orange", "sky_blue", "bluish_green", "blue", "vermillion", "reddish_purple")]


def basin_figure(landscape, starts_grid_x, starts_grid_y, basin_index, minima, *, presenter: bool = False) -> go.Figure:
    """Which global minimum a run reaches from each start: `basin_index[i, j]` (an index into `minima`,
    -1 for none: spun off or stalled) for the start (starts_grid_x[j], starts_grid_y[i]). Minima are
    numbered and starred; grey means no minimum."""
    gx = np.asarray(starts_grid_x, dtype=np.float64)
    gy = np.asarray(starts_grid_y, dtype=np.float64)
    gx = gx[0] if gx.ndim == 2 else gx
    gy = gy[:, 0] if gy.ndim == 2 else gy
    idx = np.asarray(basin_index)
    if idx.shape != (len(gy), len(gx)):
        raise ValueError(f"basin_index must have shape (len(y), len(x)) = {(len(gy), len(gx))}; got {idx.shape}")
    minima = [tuple(map(float, m)) for m in minima]
    s = sizes(presenter)
    m = max(len(minima), 1)
    colors = [_BASIN_COLORS[k % len(_BASIN_COLORS)] for k in range(m)]
    # A stepped colourscale: category k (1-based) owns the band around k, with hard edges.
    scale = []
    for k, c in enumerate(colors):
        scale += [[k / m, c], [(k + 1) / m, c]]
    reached = np.where(idx >= 0, idx + 1, np.nan)
    none = np.where(idx < 0, 1.0, np.nan)
    fig = go.Figure([
        go.Heatmap(x=f32(gx), y=f32(gy), z=f32(none), colorscale=[[0, NEUTRAL], [1, NEUTRAL]], showscale=False,
                   name="no minimum", opacity=0.85,
                   hovertemplate="start x %{x:.3g}, y %{y:.3g}<br>reaches no minimum<extra></extra>"),
        go.Heatmap(x=f32(gx), y=f32(gy), z=f32(reached), colorscale=scale, zmin=0.5, zmax=m + 0.5, opacity=0.85,
                   name="basins", hovertemplate="start x %{x:.3g}, y %{y:.3g}<br>reaches minimum %{z}<extra></extra>",
                   colorbar={"title": {"text": "reaches"}, "tickvals": list(range(1, m + 1)), "thickness": 12,
                             "ticktext": [f"{k + 1}: ({x:.3g}, {y:.3g})" for k, (x, y) in enumerate(minima)]
                             or ["-"]}),
    ])
    # The landscape's contour lines for context (scatter: cheap, and no second colour scale to read).
    xs, ys, Z, colour = landscape_colour(landscape, 80)
    lx, ly = isolines(xs, ys, colour.to_plot(Z), colour.levels(CONTOUR_LEVELS))
    fig.add_trace(go.Scatter(x=f32(lx), y=f32(ly), mode="lines", line={"color": ISOLINE_COLOR, "width": 0.8},
                             hoverinfo="skip", showlegend=False, name="contour lines"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="no minimum (spun off or stalled)",
                             marker={"symbol": "square", "size": s.head, "color": NEUTRAL}))
    if minima:
        mx, my = np.asarray(minima).T
        fig.add_trace(go.Scatter(x=mx, y=my, mode="markers+text", name="global minima",
                                 text=[str(k + 1) for k in range(len(minima))], textposition="top center",
                                 textfont={"size": s.font, "color": INK},
                                 marker={"symbol": "star", "size": 1.5 * s.head, "color": COMBINATION_COLOR,
                                         "line": {"color": INK, "width": 1.5}},
                                 hovertemplate="minimum %{text}<br>x %{x:.4g}<br>y %{y:.4g}<extra></extra>"))
    (x0, x1), (y0, y1) = landscape.bounds
    fig.update_layout(**base_layout(presenter, height=560 if presenter else 460,
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.15}),
                      xaxis=axis_style(presenter, title={"text": "start x"}, range=[x0, x1], showgrid=False),
                      yaxis=axis_style(presenter, title={"text": "start y"}, range=[y0, y1], showgrid=False))
    return fig


_ARROW_COLORS = [OKABE_ITO[n] for n in ("blue", "bluish_green", "reddish_purple", "orange", "sky_blue")]


def internals_figure(landscape, point, grad, update, extra_arrows: dict | None = None, *, zoom: float | None = None,
                     presenter: bool = False) -> go.Figure:
    """One step up close: the gradient (the click), any optimizer state (momentum, m, ...) and the update
    actually applied, as arrows from the current point on a zoomed map with equal axes, so directions are
    exact. The update is drawn to true length when that is visible; other arrows are rescaled to a common
    visible length, and the legend states each arrow's scale."""
    p = np.asarray(point, dtype=np.float64)
    u = np.asarray(update, dtype=np.float64)
    s = sizes(presenter)
    half = zoom or max(3.0 * float(np.linalg.norm(u)), 0.06 * max(landscape.extent))
    xs = np.linspace(p[0] - half, p[0] + half, 70)
    ys = np.linspace(p[1] - half, p[1] + half, 70)
    X, Y = np.meshgrid(xs, ys)
    Z = landscape.f(np.stack([X, Y], axis=-1))
    fig = go.Figure(contour_trace(landscape, sampled=(xs, ys, Z, loss_colour(landscape, Z)), presenter=presenter))

    arrows = [("gradient ∇L (the click, points uphill)", np.asarray(grad, dtype=np.float64), OKABE_ITO["vermillion"])]
    arrows += [(name, np.asarray(v, dtype=np.float64), _ARROW_COLORS[i % len(_ARROW_COLORS)])
               for i, (name, v) in enumerate((extra_arrows or {}).items())]
    arrows.append(("update applied", u, INK))
    annotations = []
    # Later annotations are drawn on top: the gradient (the click) last, so the memory arrows that often
    # point the same way never hide it. The legend keeps the reading order. Rescaled to the same length, a
    # memory that points the click's way would lie exactly under it: memory arrows are drawn twice as
    # thick, so they show as a coloured rim around the click.
    drawn_last = []
    memory = {name for name, _, _ in arrows[1:-1]}
    for name, vec, color in arrows:
        length = float(np.linalg.norm(vec))
        if not np.isfinite(length) or length == 0:
            label = f"{name}: zero"
        else:
            true_ok = name == "update applied" and length >= 0.15 * half
            scale = 1.0 if true_ok else 0.6 * half / length
            tip = p + scale * vec
            label = f"{name} (true length)" if true_ok else f"{name} (drawn ×{scale:.3g})"
            arrow = {"x": tip[0], "y": tip[1], "ax": p[0], "ay": p[1], "xref": "x", "yref": "y", "axref": "x",
                     "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 1.2,
                     "arrowwidth": (5.0 if name in memory else 2.5) * s.scale,
                     "arrowcolor": color, "text": ""}
            (drawn_last if name == arrows[0][0] else annotations).append(arrow)
        # Annotations have no legend entry: a line-only trace stands in for each arrow.
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=label,
                                 line={"color": color, "width": (6 if name in memory else 3) * s.scale}))
    fig.add_trace(go.Scatter(x=[p[0]], y=[p[1]], mode="markers", name="current point",
                             marker={"color": INK, "size": s.head}, hovertemplate=_POINT_HOVER))
    nxt = p + u
    fig.add_trace(go.Scatter(x=[nxt[0]], y=[nxt[1]], mode="markers", name="next point",
                             marker={"color": INK, "size": s.head, "symbol": "circle-open", "line": {"width": 2}},
                             hovertemplate=_POINT_HOVER))
    annotations += drawn_last
    fig.update_layout(**base_layout(presenter, height=560 if presenter else 460, annotations=annotations,
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": -0.15}),
                      xaxis=axis_style(presenter, range=[xs[0], xs[-1]], showgrid=False, title={"text": "x"},
                                       constrain="domain"),
                      yaxis=axis_style(presenter, range=[ys[0], ys[-1]], showgrid=False, title={"text": "y"},
                                       scaleanchor="x", scaleratio=1, constrain="domain"))
    return fig
