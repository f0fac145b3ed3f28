"""The real network's replay: the shadow map, the loss and accuracy curves, a strip of test digits with every
hand's guesses and the honesty meter, on one timeline (Play and a step slider, plotly frames).

A pure builder: plain arrays in (what `lab.network`'s `Timeline` and `Shadow` hold), one plotly figure out.
Each frame moves only a few small traces (the hands' heads on the map, the step cursors, the guesses and the
meter), so a 300-step replay of seven hands stays light.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz.encode import f32
from viz.isolines import isolines
from viz.raster import colorize, png_data_uri
from viz.scales import format_loss
from viz.style import (
    CARD,
    INK,
    LANDSCAPE_COLORSCALE,
    NEUTRAL,
    OKABE_ITO,
    axis_style,
    base_layout,
    sizes,
    styles_for,
)

LAYOUTS = ("desk", "presenter", "phone")
MAX_FRAMES = 100
CONTOURS = 12
REPLAY_MS = 9000
RIGHT, WRONG = OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"]
DIGIT_GAP = 1  # blank columns between the strip's digits
ROW_GAP = 3.4  # the strip's rows of guesses, in image pixels
# The meter's axis runs 0-100 % on its left part; the numbers beside each bar start here.
METER_TEXT_AT = 104
METER_RANGE = (0, 280)


def replay_steps(last: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The steps that get a frame: all of 0..last if they fit, else `max_frames` spread evenly (0 and last in)."""
    if last + 1 <= max_frames:
        return np.arange(last + 1)
    return np.unique(np.round(np.linspace(0, last, max_frames)).astype(int))


def _geometry(layout: str, hands: int, height: int | None):
    """Panel domains (x, y) in paper units and the figure's height, per screen."""
    if layout == "phone":
        # Stacked for a 390 px screen: the map first, Play and the slider right under it, then the rest.
        px = {"map": 340, "controls": 175, "loss": 190, "accuracy": 170, "strip": 110 + 22 * hands,
              "meter": 40 + 30 * hands}
        gap = 46
        total = sum(px.values()) + gap * 4
        top, bands = 0.0, {}
        for name, size in px.items():
            bands[name] = (1 - (top + size) / total, 1 - top / total)
            top += size + (gap if name not in ("map", "controls") else 0)
        return {
            "height": total + 150, "margin": {"l": 8, "r": 8, "t": 110, "b": 40},
            "map": ((0.0, 1.0), bands["map"]), "loss": ((0.0, 1.0), bands["loss"]),
            "accuracy": ((0.0, 1.0), bands["accuracy"]), "strip": ((0.14, 1.0), bands["strip"]),
            "meter": ((0.22, 1.0), bands["meter"]),
            "buttons": {"x": 0, "y": bands["controls"][1] - 24 / total, "yanchor": "top"},
            "slider": {"x": 0, "len": 1.0, "y": bands["controls"][1] - 72 / total, "yanchor": "top"},
            "meter_range": (0, 340),
        }
    presenter = layout == "presenter"
    tall = height or (700 if presenter else 900)
    if presenter:
        # Large type on a short screen: Play and the slider get a band of their own under the map.
        return {
            "height": tall, "margin": {"l": 60, "r": 20, "t": 60, "b": 30},
            "map": ((0.0, 0.44), (0.5, 1.0)),
            "loss": ((0.56, 1.0), (0.76, 1.0)),
            "accuracy": ((0.56, 1.0), (0.45, 0.66)),
            "strip": ((0.1, 0.44), (0.0, 0.24)),
            "meter": ((0.62, 1.0), (0.0, 0.3)),
            "buttons": {"x": 0, "y": 0.4, "yanchor": "top"},
            "slider": {"x": 0.2, "len": 0.24, "y": 0.44, "yanchor": "top"},
            "meter_range": METER_RANGE,
        }
    return {
        "height": tall, "margin": {"l": 60, "r": 20, "t": 70, "b": 40},
        "map": ((0.0, 0.46), (0.42, 1.0)),
        "loss": ((0.56, 1.0), (0.76, 1.0)),
        "accuracy": ((0.56, 1.0), (0.45, 0.67)),
        "strip": ((0.1, 0.46), (0.0, 0.24)),
        "meter": ((0.62, 1.0), (0.0, 0.3)),
        "buttons": {"x": 0, "y": 0.335, "yanchor": "top"},
        "slider": {"x": 0.13, "len": 0.33, "y": 0.355, "yanchor": "top"},
        "meter_range": METER_RANGE,
    }


def network_figure(labels, timeline, shadow, images, *, layout: str = "desk", height: int | None = None,
                   max_frames: int = MAX_FRAMES) -> go.Figure:
    """The replay.

    `labels`: each hand's name; `timeline`: train_loss, test_loss, test_accuracy (hands, steps+1), guesses
    (hands, steps+1, k) and strip (k,); `shadow`: a, b, off_share, true_loss, plane_loss (hands, steps+1),
    xs, ys and grid_loss (the plane's loss on its grid); `images` (k, 8, 8) the strip's pixels with `truth`
    their digits in `timeline.strip_truth` or passed as the digits each shows.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    presenter, phone = layout == "presenter", layout == "phone"
    s = sizes(presenter)
    hands = len(labels)
    styles = styles_for(labels)
    geo = _geometry(layout, hands, height)
    last = timeline.train_loss.shape[1] - 1
    steps = replay_steps(last, max_frames)
    fig = go.Figure()
    traces = {}

    def add(name, trace):
        traces[name] = len(fig.data)
        fig.add_trace(trace)

    # -- the shadow map: the plane's loss as a layout image (no animation frame can remove an image, unlike a
    # contour trace), its contour lines as one line trace, and an invisible grid of points that hover -----
    floor = float(np.nanmin(shadow.grid_loss))
    span = float(np.nanmax(shadow.grid_loss)) - floor
    colour = np.log10(shadow.grid_loss - floor + 1e-3 * span + 1e-300)
    low, high = float(np.nanmin(colour)), float(np.nanmax(colour))
    shade = (colour - low) / ((high - low) or 1.0)
    xs, ys = shadow.xs, shadow.ys
    image = {"source": png_data_uri(colorize(shade[::-1], LANDSCAPE_COLORSCALE)), "xref": "x", "yref": "y",
             "x": float(xs[0]), "y": float(ys[-1]), "sizex": float(xs[-1] - xs[0]), "sizey": float(ys[-1] - ys[0]),
             "xanchor": "left", "yanchor": "top", "sizing": "stretch", "layer": "below"}
    lx, ly = isolines(xs, ys, colour, np.linspace(low, high, CONTOURS + 2)[1:-1])
    add("isolines", go.Scatter(x=f32(lx), y=f32(ly), mode="lines", xaxis="x", yaxis="y", showlegend=False,
                               hoverinfo="skip", line={"color": "rgba(40, 48, 56, 0.35)", "width": 0.8}))
    grid_x, grid_y = np.meshgrid(xs, ys)
    add("plane", go.Scatter(x=f32(grid_x.ravel()), y=f32(grid_y.ravel()), customdata=f32(shadow.grid_loss.ravel()),
                            mode="markers", marker={"size": 8, "opacity": 0}, xaxis="x", yaxis="y", showlegend=False,
                            hovertemplate="on the plane<br>loss %{customdata:.4g}<extra></extra>"))
    for i, style in enumerate(styles):
        add(f"path{i}", go.Scatter(
            x=f32(shadow.a[i]), y=f32(shadow.b[i]), mode="lines", name=style.label, legendgroup=style.label,
            line={"color": style.color, "dash": style.dash, "width": s.line}, xaxis="x", yaxis="y",
            customdata=np.stack([np.arange(last + 1), shadow.true_loss[i], shadow.plane_loss[i],
                                 100 * shadow.off_share[i]], axis=-1),
            hovertemplate=(f"{style.label}, step %{{customdata[0]}}<br>true loss %{{customdata[1]:.4g}}<br>"
                           "plane's loss at its shadow %{customdata[2]:.4g}<br>off the plane %{customdata[3]:.0f}% "
                           "of its distance from the start<extra></extra>")))
    add("start", go.Scatter(x=[0.0], y=[0.0], mode="markers", name="start", xaxis="x", yaxis="y",
                            marker={"symbol": "circle-open-dot", "size": 1.3 * s.head, "color": INK,
                                    "line": {"width": 2}}, hovertemplate="the shared start<extra></extra>"))

    def heads(k):
        return {"x": [float(shadow.a[i, k]) for i in range(hands)], "y": [float(shadow.b[i, k]) for i in range(hands)]}

    add("heads", go.Scatter(
        **heads(last), mode="markers", xaxis="x", yaxis="y", showlegend=False, hoverinfo="skip",
        marker={"size": s.head, "color": [st.color for st in styles], "symbol": [st.symbol for st in styles],
                "line": {"color": "white", "width": 1.5}}))

    # -- loss and accuracy --------------------------------------------------------------------------------
    x_steps = np.arange(last + 1)
    for i, style in enumerate(styles):
        add(f"train{i}", go.Scatter(x=x_steps, y=f32(timeline.train_loss[i]), mode="lines", xaxis="x2", yaxis="y2",
                                    legendgroup=style.label, showlegend=False, line={"color": style.color,
                                                                                     "width": s.line},
                                    hovertemplate=f"{style.label}, step %{{x}}<br>training loss %{{y:.4g}}"
                                                  "<extra></extra>"))
        add(f"test{i}", go.Scatter(x=x_steps, y=f32(timeline.test_loss[i]), mode="lines", xaxis="x2", yaxis="y2",
                                   legendgroup=style.label, showlegend=False,
                                   line={"color": style.color, "width": 0.7 * s.line, "dash": "dot"},
                                   hovertemplate=f"{style.label}, step %{{x}}<br>test loss %{{y:.4g}}<extra></extra>"))
        add(f"accuracy{i}", go.Scatter(x=x_steps, y=f32(100 * timeline.test_accuracy[i]), mode="lines", xaxis="x3",
                                       yaxis="y3", legendgroup=style.label, showlegend=False,
                                       line={"color": style.color, "dash": style.dash, "width": s.line},
                                       hovertemplate=f"{style.label}, step %{{x}}<br>test accuracy %{{y:.1f}}%"
                                                     "<extra></extra>"))
    losses = np.concatenate([timeline.train_loss.ravel(), timeline.test_loss.ravel()])
    losses = losses[np.isfinite(losses) & (losses > 0)]
    loss_range = [float(np.log10(losses.min())) - 0.1, float(np.log10(losses.max())) + 0.1] if losses.size else None

    def cursors(k):
        return {"x": [k, k]}

    add("loss_cursor", go.Scatter(x=[last, last], y=[10 ** loss_range[0], 10 ** loss_range[1]] if loss_range else
                                  [0, 1], mode="lines", xaxis="x2", yaxis="y2", showlegend=False, hoverinfo="skip",
                                  line={"color": NEUTRAL, "width": 1.5}))
    add("accuracy_cursor", go.Scatter(x=[last, last], y=[0, 100], mode="lines", xaxis="x3", yaxis="y3",
                                      showlegend=False, hoverinfo="skip", line={"color": NEUTRAL, "width": 1.5}))

    # -- the strip of digits: the images as one layout image (frames never remove it), the guesses as text
    # rows under them, one row per hand ----------------------------------------------------------------
    k_digits = images.shape[0]
    width = 8 * k_digits + DIGIT_GAP * (k_digits - 1)
    canvas = np.full((8, width), np.nan)
    centres = []
    for j in range(k_digits):
        first = j * (8 + DIGIT_GAP)
        canvas[:, first:first + 8] = images[j]
        centres.append(first + 3.5)
    rows = np.array([(hands - 1 - i) * ROW_GAP for i in range(hands)])
    image_bottom = (hands - 1) * ROW_GAP + ROW_GAP * 0.8
    digits = {"source": png_data_uri(colorize(canvas, [[0, "#ffffff"], [1, INK]])), "xref": "x4", "yref": "y4",
              "x": -0.5, "y": image_bottom + 8, "sizex": float(width), "sizey": 8.0, "xanchor": "left",
              "yanchor": "top", "sizing": "stretch", "layer": "above"}
    truth = np.asarray(timeline.strip_truth)

    def guesses(k):
        g = timeline.guesses[:, k, :]
        ok = g == truth[None, :]
        return {"text": [str(int(v)) for v in g.ravel()],
                "textfont": {"color": [RIGHT if v else WRONG for v in ok.ravel()], "size": s.font + 2}}

    add("guesses", go.Scatter(
        x=np.tile(centres, hands), y=np.repeat(rows, k_digits), mode="text", xaxis="x4", yaxis="y4",
        showlegend=False, hoverinfo="skip", **guesses(last)))

    # -- the honesty meter: a bar per hand (its share off the plane) and the losses beside it --------------
    label_rows = [st.label for st in styles]

    def meter(k):
        return {"x": np.nan_to_num(100 * shadow.off_share[:, k], nan=0.0).tolist()}

    def meter_text(k):
        share = np.nan_to_num(100 * shadow.off_share[:, k], nan=0.0)
        off = "%" if phone else "% off ·"
        return {"text": [f"{share[i]:.0f}{off} loss {format_loss(shadow.true_loss[i, k])} "
                         f"(map: {format_loss(shadow.plane_loss[i, k])})" for i in range(hands)]}

    add("meter", go.Bar(**meter(last), y=label_rows, orientation="h", xaxis="x5", yaxis="y5", showlegend=False,
                        marker={"color": [st.color for st in styles]}, hoverinfo="skip", width=0.6))
    add("meter_text", go.Scatter(**meter_text(last), x=[METER_TEXT_AT] * hands, y=label_rows, mode="text",
                                 textposition="middle right", xaxis="x5", yaxis="y5", showlegend=False,
                                 hoverinfo="skip", textfont={"size": s.small}))

    # -- layout ------------------------------------------------------------------------------------------
    (mx, my), (lx, ly), (ax_, ay) = geo["map"], geo["loss"], geo["accuracy"]
    (sx, sy), (tx, ty) = geo["strip"], geo["meter"]
    small = axis_style(presenter)
    lay = base_layout(presenter, height=geo["height"], margin=geo["margin"], showlegend=True,
                      legend={**base_layout(presenter)["legend"], "orientation": "h", "x": 0, "y": 1.0,
                              "yanchor": "bottom", "xanchor": "left"})
    lay["xaxis"] = {**small, "domain": list(mx),
                    "title": {"text": "" if phone or presenter else "along the plane's 1st direction"},
                    "range": [float(shadow.xs[0]), float(shadow.xs[-1])], "constrain": "domain"}
    lay["yaxis"] = {**small, "domain": list(my), "title": {"text": "" if phone else "2nd direction"},
                    "range": [float(shadow.ys[0]), float(shadow.ys[-1])], "scaleanchor": "x", "scaleratio": 1,
                    "constrain": "domain"}
    lay["xaxis2"] = {**small, "domain": list(lx), "anchor": "y2", "range": [0, last], "title": {"text": ""}}
    lay["yaxis2"] = {**small, "domain": list(ly), "anchor": "x2", "type": "log",
                     "title": {"text": "loss (log)"}, **({"range": loss_range} if loss_range else {})}
    lay["xaxis3"] = {**small, "domain": list(ax_), "anchor": "y3", "range": [0, last], "title": {"text": "step"}}
    lay["yaxis3"] = {**small, "domain": list(ay), "anchor": "x3", "range": [0, 101],
                     "title": {"text": "test accuracy %"}}
    lay["xaxis4"] = {"domain": list(sx), "anchor": "y4", "visible": False, "range": [-0.5, width - 0.5],
                     "fixedrange": True, "constrain": "domain"}
    lay["yaxis4"] = {"domain": list(sy), "anchor": "x4", "range": [-1.4, image_bottom + 8.3], "fixedrange": True,
                     "scaleanchor": "x4", "scaleratio": 1, "constrain": "domain",
                     "tickvals": rows.tolist(), "ticktext": [st.label for st in styles], "showgrid": False,
                     "zeroline": False, "tickfont": {"size": s.small}}
    lay["xaxis5"] = {**small, "domain": list(tx), "anchor": "y5", "range": list(geo["meter_range"]), "fixedrange": True,
                     "tickvals": [0, 50, 100], "ticktext": ["0%", "50%", "100%"], "showgrid": False,
                     "title": {"text": "off the plane, as a share of the distance from the start"}}
    lay["yaxis5"] = {**small, "domain": list(ty), "anchor": "x5", "autorange": "reversed", "fixedrange": True,
                     "showgrid": False}
    corner = "x2 domain", "y2 domain"
    lay["annotations"] = [
        {"text": "training loss (solid) · test loss (dotted)", "xref": corner[0], "yref": corner[1], "x": 0,
         "y": 1.02, "xanchor": "left", "yanchor": "bottom", "showarrow": False, "font": {"size": s.small}},
        {"text": "each hand's guess (green right, red wrong)", "xref": "x4 domain", "yref": "y4 domain", "x": 0,
         "y": 1.0, "xanchor": "left", "yanchor": "bottom", "showarrow": False, "font": {"size": s.small}},
        {"text": "honesty meter: how far the point is off the plane", "xref": "x5 domain", "yref": "y5 domain",
         "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom", "showarrow": False, "font": {"size": s.small}},
    ]
    lay["shapes"] = [{"type": "rect", "xref": f"x{n} domain", "yref": f"y{n} domain", "x0": 0, "x1": 1, "y0": 0,
                      "y1": 1, "fillcolor": CARD, "line": {"width": 0}, "layer": "below"} for n in (2, 3, 5)]

    moving = [traces[name] for name in ("heads", "loss_cursor", "accuracy_cursor", "guesses", "meter", "meter_text")]
    fig.frames = [go.Frame(name=str(int(k)), traces=moving,
                           data=[go.Scatter(**heads(k)), go.Scatter(**cursors(k)), go.Scatter(**cursors(k)),
                                 go.Scatter(**guesses(k)), go.Bar(**meter(k)), go.Scatter(**meter_text(k))])
                  for k in steps]
    still = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    play_ms = int(np.clip(REPLAY_MS / len(steps), 40, 200))
    button_font = {"phone": s.title + 6, "presenter": s.title, "desk": s.small}[layout]
    lay["updatemenus"] = [{
        "type": "buttons", "direction": "left", "showactive": False, **geo["buttons"], "xanchor": "left",
        "pad": {"t": 0, "r": 10}, "font": {"size": button_font},
        "buttons": [
            {"label": "▶ Play", "method": "animate",
             "args": [None, {"frame": {"duration": play_ms, "redraw": False}, "transition": {"duration": 0},
                             "fromcurrent": True, "mode": "immediate"}]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
        ]}]
    readout = {"phone": s.title, "presenter": s.font, "desk": s.small}[layout]
    lay["sliders"] = [{
        "active": len(steps) - 1, **geo["slider"], "xanchor": "left", "pad": {"t": 10, "b": 0},
        "currentvalue": {"prefix": "step ", "xanchor": "left", "font": {"size": readout}},
        "font": {"size": max(s.small - 2, 9)}, "transition": {"duration": 0},
        "steps": [{"label": str(int(k)), "method": "animate", "args": [[str(int(k))], still]} for k in steps]}]
    lay["images"] = [image, digits]
    fig.update_layout(lay)
    return fig


def replay_table(labels, timeline) -> dict:
    """The replay in numbers, the figure's text alternative ({"caption", "header", "rows"}, as `ui.player.describe`
    takes): at the replay's own steps, each hand's training loss, test loss and test accuracy."""
    last = timeline.train_loss.shape[1] - 1
    steps = [int(k) for k in replay_steps(last)]
    header = ["step"]
    for label in labels:
        header += [f"{label} training loss", f"{label} test loss", f"{label} test accuracy"]
    rows = []
    for k in steps:
        row = [str(k)]
        for h in range(len(labels)):
            accuracy = timeline.test_accuracy[h, k]
            row += [format_loss(float(timeline.train_loss[h, k])), format_loss(float(timeline.test_loss[h, k])),
                    f"{100 * accuracy:.1f}%" if np.isfinite(accuracy) else "—"]
        rows.append(row)
    return {"caption": f"Each hand's losses and test accuracy at {len(steps)} of the {last + 1} steps.",
            "header": header, "rows": rows}
