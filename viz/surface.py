"""The vault itself: a landscape as a contour map (a contour trace, or a picture with lines over it), its
landmarks, and in 3D."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from viz.encode import f32
from viz.isolines import isolines
from viz.paths import PathView
from viz.raster import colorize, png_data_uri
from viz.scales import LossColour, loss_colour
from viz.style import COMBINATION_COLOR, CONTOUR_INK, INK, LANDSCAPE_COLORSCALE, base_layout, sizes, styles_for

CONTOUR_LEVELS = 14
ISOLINE_COLOR = CONTOUR_INK
# Hover text shared by every landscape view; customdata carries the real loss, since on a log scale z does not.
LANDSCAPE_HOVER = "x %{x:.4g}<br>y %{y:.4g}<br>loss %{customdata:.4g}<extra>landscape</extra>"


# A heavy vault (one evaluation is a network's forward pass, `Landscape.heavy`) is sampled on at most this
# many points per side, and its colour image interpolated between them: 41 × 41 evaluations instead of 66,000.
HEAVY_RESOLUTION = 41
HEAVY_HOVER_RESOLUTION = 21


def grid_resolution(landscape, resolution: int) -> int:
    """The points per side a figure samples `landscape` on: as asked, or fewer on a heavy vault."""
    return min(resolution, HEAVY_RESOLUTION) if getattr(landscape, "heavy", False) else resolution


def landscape_colour(landscape, resolution: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray, LossColour]:
    """(xs, ys, Z, colour): the landscape sampled on a grid and the colour axis that fits it."""
    xs, ys, Z = landscape.grid(grid_resolution(landscape, resolution))
    return xs, ys, Z, loss_colour(landscape, Z)


def _interpolated(xs, ys, values, px, py) -> np.ndarray:
    """Bilinear interpolation of a grid's `values` (rows: ys, columns: xs) at the points (px, py)."""
    fx = np.clip((px - xs[0]) / (xs[-1] - xs[0]) * (len(xs) - 1), 0, len(xs) - 1)
    fy = np.clip((py - ys[0]) / (ys[-1] - ys[0]) * (len(ys) - 1), 0, len(ys) - 1)
    i0, j0 = np.minimum(fy.astype(int), len(ys) - 2), np.minimum(fx.astype(int), len(xs) - 2)
    wy, wx = fy - i0, fx - j0
    top = values[i0, j0] * (1 - wx) + values[i0, j0 + 1] * wx
    bottom = values[i0 + 1, j0] * (1 - wx) + values[i0 + 1, j0 + 1] * wx
    return top * (1 - wy) + bottom * wy


def contour_trace(landscape, *, resolution: int = 100, presenter: bool = False, showscale: bool = True,
                  colorbar: dict | None = None, hover: bool = True, xaxis: str = "x", yaxis: str = "y",
                  sampled=None) -> go.Contour:
    """A filled contour of the landscape for static figures (log colour when `landscape.log_scale`, with
    a colourbar that reads in real losses). Undefined (NaN) regions stay empty. `sampled` reuses a
    `landscape_colour` result, so several panels compute the grid once."""
    xs, ys, Z, colour = sampled or landscape_colour(landscape, resolution)
    levels = colour.levels(CONTOUR_LEVELS)
    trace = go.Contour(
        x=f32(xs), y=f32(ys), z=f32(colour.to_plot(Z)),
        colorscale=LANDSCAPE_COLORSCALE, zmin=colour.zmin, zmax=colour.zmax, connectgaps=False,
        contours={"start": float(levels[0]), "end": float(levels[-1]),
                  "size": float(levels[1] - levels[0]) if len(levels) > 1 else 1.0, "coloring": "heatmap"},
        line={"color": ISOLINE_COLOR, "width": 0.8 * sizes(presenter).scale},
        showscale=showscale, colorbar={**colour.colorbar(), "thickness": 12, **(colorbar or {})},
        name="landscape", showlegend=False, xaxis=xaxis, yaxis=yaxis, meta="backdrop",
    )
    if hover:
        trace.update(customdata=f32(Z), hovertemplate=LANDSCAPE_HOVER)
    else:
        trace.update(hoverinfo="skip")
    return trace


def landmark_traces(landscape, *, start=None, presenter: bool = False, xaxis: str = "x", yaxis: str = "y",
                    showlegend: bool = True) -> list[go.Scatter]:
    """The combination (every global minimum, a gold star) and the start (an open circle)."""
    s = sizes(presenter)
    traces = []
    if landscape.minima:
        mx, my = np.asarray(landscape.minima, dtype=np.float64).T
        traces.append(go.Scatter(
            x=mx, y=my, mode="markers", name="the combination", xaxis=xaxis, yaxis=yaxis, meta="landmark",
            marker={"symbol": "star", "size": 2 * s.head, "color": COMBINATION_COLOR,
                    "line": {"color": INK, "width": 1.5}},
            hovertemplate="the combination<br>x %{x:.4g}<br>y %{y:.4g}<extra></extra>", showlegend=showlegend,
        ))
    sx, sy = landscape.start if start is None else start
    traces.append(go.Scatter(
        x=[sx], y=[sy], mode="markers", name="start", xaxis=xaxis, yaxis=yaxis, meta="landmark",
        marker={"symbol": "circle-open-dot", "size": 1.3 * s.head, "color": INK, "line": {"width": 2}},
        hovertemplate="start<br>x %{x:.4g}<br>y %{y:.4g}<extra></extra>", showlegend=showlegend,
    ))
    return traces


@dataclass(frozen=True)
class Backdrop:
    """The replay's contour map: a layout image for the colour, scatter traces for the rest."""

    image: dict
    traces: list[go.Scatter]
    colour: LossColour


def backdrop(landscape, *, resolution: int = 100, raster: int = 240, hover_resolution: int = 33,
             presenter: bool = False, xaxis: str = "x", yaxis: str = "y", colorbar: dict | None = None) -> Backdrop:
    """The landscape for a replay's map: the colour field as a PNG layout image (`raster` px square, exact and
    small to send), contour lines as one scatter line trace,
    an invisible grid of hover points (x, y, loss) and a marker-only trace carrying the colourbar."""
    xs, ys, Z, colour = landscape_colour(landscape, resolution)
    (x0, x1), (y0, y1) = landscape.bounds
    # Pixel centres, top row first (an image's row 0 is its top edge).
    px = x0 + (np.arange(raster) + 0.5) * (x1 - x0) / raster
    py = y1 - (np.arange(raster) + 0.5) * (y1 - y0) / raster
    PX, PY = np.meshgrid(px, py)
    if getattr(landscape, "heavy", False):
        # Colour interpolated in colour units between the grid's exact values (hover shows exact losses).
        span = colour.zmax - colour.zmin or 1.0
        plotted = _interpolated(xs, ys, colour.to_plot(Z), PX, PY)
        shade = np.clip((plotted - colour.zmin) / span, 0.0, 1.0)
        hover_resolution = min(hover_resolution, HEAVY_HOVER_RESOLUTION)
    else:
        shade = colour.normalise(landscape.f(np.stack([PX, PY], axis=-1)))
    image = {"source": png_data_uri(colorize(shade, LANDSCAPE_COLORSCALE)),
             "xref": xaxis, "yref": yaxis, "x": x0, "y": y1, "sizex": x1 - x0, "sizey": y1 - y0,
             "xanchor": "left", "yanchor": "top", "sizing": "stretch", "layer": "below"}

    lx, ly = isolines(xs, ys, colour.to_plot(Z), colour.levels(CONTOUR_LEVELS))
    lines = go.Scatter(x=f32(lx), y=f32(ly), mode="lines", name="contour lines",
                       line={"color": ISOLINE_COLOR, "width": 0.8 * sizes(presenter).scale},
                       hoverinfo="skip", showlegend=False, xaxis=xaxis, yaxis=yaxis, meta="backdrop")

    hx, hy, HZ = landscape.grid(hover_resolution)
    HX, HY = np.meshgrid(hx, hy)
    keep = np.isfinite(HZ)
    hover = go.Scatter(x=f32(HX[keep]), y=f32(HY[keep]), mode="markers",
                       customdata=f32(HZ[keep]), hovertemplate=LANDSCAPE_HOVER,
                       marker={"size": 10, "opacity": 0}, name="landscape", showlegend=False,
                       xaxis=xaxis, yaxis=yaxis, meta="backdrop")

    scale = go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                       name="colour scale", xaxis=xaxis, yaxis=yaxis, meta="backdrop",
                       marker={"color": [colour.zmin, colour.zmax], "colorscale": LANDSCAPE_COLORSCALE,
                               "cmin": colour.zmin, "cmax": colour.zmax, "showscale": True,
                               "colorbar": {**colour.colorbar(), "thickness": 12, **(colorbar or {})}})
    return Backdrop(image, [hover, lines, scale], colour)


# 3D traces know fewer marker symbols than 2D ones, and no custom dash patterns.
_SYMBOLS_3D = {"circle": "circle", "square": "square", "diamond": "diamond", "cross": "cross"}
_DASHES_3D = {"solid", "dot", "dash", "longdash", "dashdot", "longdashdot"}


def surface_figure(landscape, paths: list[PathView] = (), *, resolution: int = 80,
                   presenter: bool = False) -> go.Figure:
    """The landscape as a 3D surface (height = the colour axis, so log-scaled where the map is) with every
    path lifted just above it, the combination and the start."""
    xs, ys, Z, colour = landscape_colour(landscape, resolution)
    height = f32(colour.to_plot(Z))
    bar = colour.colorbar()
    s = sizes(presenter)
    fig = go.Figure(go.Surface(
        x=f32(xs), y=f32(ys), z=height, surfacecolor=height,
        colorscale=LANDSCAPE_COLORSCALE, cmin=colour.zmin, cmax=colour.zmax, customdata=f32(Z),
        hovertemplate=LANDSCAPE_HOVER, colorbar={**bar, "thickness": 12}, name="landscape", opacity=0.95,
        # Mostly ambient light: the shading stays close to the map's colours, so one colour means one loss in
        # both views; a little diffuse light keeps the relief readable.
        lighting={"ambient": 0.85, "diffuse": 0.35, "specular": 0.05, "roughness": 0.9},
        contours={"z": {"show": True, "usecolormap": False, "color": ISOLINE_COLOR, "width": 1,
                        "start": colour.zmin, "end": colour.zmax,
                        "size": (colour.zmax - colour.zmin) / (CONTOUR_LEVELS + 1)}},
    ))
    # Lift the paths a little so they are drawn on, not inside, the surface (which is flat between its grid
    # points), and keep every height inside the colour range the surface is drawn in: a minimum whose loss
    # is below the log scale's floor would otherwise float under the floor of the box.
    lift = 0.02 * (colour.zmax - colour.zmin)

    def on_surface(loss) -> np.ndarray:
        return np.clip(colour.to_plot(loss), colour.zmin, colour.zmax) + lift

    (x0, x1), (y0, y1) = landscape.bounds
    for path, st in zip(paths, styles_for(p.key for p in paths), strict=True):
        # A 3D scene does not clip to its axis ranges: steps off the map are left out (a gap), or a run that
        # spins off would drag a line across the whole view.
        on_map = ((path.points[:, 0] >= x0) & (path.points[:, 0] <= x1)
                  & (path.points[:, 1] >= y0) & (path.points[:, 1] <= y1))
        pts = np.where(on_map[:, None], path.points, np.nan)
        z = np.where(on_map, on_surface(path.loss), np.nan)
        steps = np.arange(len(path.points))
        fig.add_trace(go.Scatter3d(
            x=f32(pts[:, 0]), y=f32(pts[:, 1]),
            z=f32(z), mode="lines+markers", name=path.label,
            line={"color": st.color, "width": 2 * s.line, "dash": st.dash if st.dash in _DASHES_3D else "solid"},
            marker={"size": s.marker * 0.6, "color": st.color, "symbol": _SYMBOLS_3D.get(st.symbol, "circle")},
            customdata=f32(np.stack([steps, path.loss], axis=1)),
            hovertemplate="step %{customdata[0]}<br>x %{x:.4g}<br>y %{y:.4g}<br>loss %{customdata[1]:.4g}"
                          f"<extra>{path.label}</extra>",
        ))
    if landscape.minima:
        mx, my = np.asarray(landscape.minima, dtype=np.float64).T
        mz = on_surface(landscape.f(np.stack([mx, my], axis=-1)))
        fig.add_trace(go.Scatter3d(x=mx, y=my, z=mz, mode="markers", name="the combination", meta="landmark",
                                   marker={"symbol": "diamond", "size": s.head * 0.7, "color": COMBINATION_COLOR,
                                           "line": {"color": INK, "width": 2}},
                                   hovertemplate="the combination<br>x %{x:.4g}<br>y %{y:.4g}<extra></extra>"))
    if paths:
        start = paths[0].points[0]
        if np.isfinite(start).all():
            fig.add_trace(go.Scatter3d(x=[start[0]], y=[start[1]], z=on_surface(paths[0].loss[:1]), mode="markers",
                                       name="start", meta="landmark",
                                       marker={"symbol": "circle-open", "size": s.head * 0.6, "color": INK}))
    zaxis = {"title": {"text": "loss"}, "range": [colour.zmin, colour.zmax + 2 * lift]}
    if colour.log:
        zaxis.update(tickvals=bar["tickvals"], ticktext=bar["ticktext"], title={"text": "loss (log)"})
    fig.update_layout(**base_layout(presenter, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                                    legend={**base_layout(presenter)["legend"], "orientation": "h", "y": 0}),
                      height=640 if presenter else 520,
                      scene={"xaxis": {"title": {"text": "x"}, "range": [x0, x1]},
                             "yaxis": {"title": {"text": "y"}, "range": [y0, y1]},
                             "zaxis": zaxis, "aspectmode": "manual", "aspectratio": {"x": 1, "y": 1, "z": 0.6}})
    return fig
