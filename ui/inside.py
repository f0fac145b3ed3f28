"""Inside the hand, the page's pieces: cached steps and figures, the step picker and what it opens.

The step itself is taken apart by `optim.explain` (pure), with each optimizer's own lines from its spec.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import streamlit as st

import viz
from lab.numbers import format_loss, format_number, losses_apart, same_loss
from lab.scene import Scene
from optim.explain import Line, digits_for, explain, last_step, render, step_summary
from ui import page, player, runs, url_state, widgets
from ui.figures import frozen
from viz.style import phone_layout

DEFAULT_STEP = 10
STEP_SETTING = url_state.number("step", DEFAULT_STEP, 1, 100_000, integer=True)

# ---------------------------------------------------------------------------------------------------------
# Cached pieces for the page (names and numbers in)

@st.cache_data(max_entries=64, show_spinner=False)
def table(scene: Scene) -> pd.DataFrame:
    return runs.trajectory(scene).to_frame()


# Lines hold their arithmetic as functions, which do not pickle: kept as they are, not copied.
@st.cache_resource(max_entries=128, show_spinner=False)
def step_lines(scene: Scene, step: int) -> list[tuple[Line, int]]:
    """The lines of one step, each with the digits it is shown at."""
    trajectory = runs.trajectory(scene)
    lines = explain(scene.spec, trajectory.hyperparameters, table(scene), step)
    return [(line, digits_for(line)) for line in lines]


# A shared figure, not a copy (unpickling a figure re-validates it); nothing mutates it.
@st.cache_resource(max_entries=128, show_spinner=False)
def internals(scene: Scene, step: int, presenter: bool, height: int | None = None):
    """The map around point step-1 with the click, the memory that steers and the turn, as arrows; `height`
    in px (a projector's first screen), else the default for the screen."""
    trajectory = runs.trajectory(scene)
    row = table(scene).iloc[step - 1]
    turn = next(line for line, _ in step_lines(scene, step) if line.kind == "update").values
    point = (float(row["x"]), float(row["y"]))
    grad = (float(row["grad_x"]), float(row["grad_y"]))
    extra = {}
    for name, label in scene.spec.arrows:
        if f"{name}_x" in row.index and np.isfinite(row[f"{name}_x"]):
            extra[label] = (float(row[f"{name}_x"]), float(row[f"{name}_y"]))
    surface = trajectory.landscape
    if not all(math.isfinite(v) for v in turn):
        turn = (0.0, 0.0)  # flung to infinity: nothing to draw but the click and the memory
    reach = max(surface.extent)
    # Wide enough to show the lie of the land around the point (a closer view is flat and featureless),
    # never so wide that the vault shrinks to a dot when a turn flings the dials far away.
    half = min(max(3.0 * math.hypot(*turn), 0.15 * reach), 1.5 * reach)
    # Close up, the loss spans a fraction of a decade: a log colour scale anchored at the combination
    # would paint it one flat shade, so the close-up is coloured linearly over what it shows.
    close_up = dataclasses.replace(surface, log_scale=False)
    figure = viz.internals_figure(close_up, point, grad, turn, extra, zoom=half, presenter=presenter)
    figure.update_layout(height=height or (640 if presenter else 560))
    return frozen(figure)


# ---------------------------------------------------------------------------------------------------------
# The step picker and what it opens (a fragment: moving the step reruns only this part)

# On a projector, what the page puts around the step's figure on the first screen: the header and the title,
# the step slider and its arrows.
PRESENTER_AROUND_PX = 270
ROW_CONVENTION = ("**Step k is the hand's k-th turn.** It stands at point k−1, presses its ear to the door and "
                  "hears the click there, updates its memory, and turns the dials to point k. In the table of "
                  "all steps below, that is row k−1: each row holds a point, the click heard there, the memory "
                  "right after hearing it, and the turn made from it.")


def arrows_table(figure) -> dict:
    """The step's arrows in numbers, for a screen reader: each legend entry (an arrow's name and scale) with the
    arrow of its colour as drawn from the current point (none drawn: a zero arrow)."""
    drawn = {a.arrowcolor: a for a in figure.layout.annotations if a.showarrow}
    rows = []
    for trace in figure.data:
        if trace.type != "scatter" or trace.mode != "lines" or not trace.name:
            continue
        arrow = drawn.get(trace.line.color)
        along = (0.0, 0.0) if arrow is None else (arrow.x - arrow.ax, arrow.y - arrow.ay)
        rows.append([trace.name, format_number(along[0], 4), format_number(along[1], 4)])
    return {"caption": "Each arrow from the current point, as drawn (the legend gives each one's scale).",
            "header": ["arrow", "along x", "along y"], "rows": rows}


def _nudge(delta: int, last: int) -> None:
    st.session_state.step = int(min(max(int(st.session_state.get("step", 1)) + delta, 1), last))


DIAL_LABELS = (r"\textcolor{gray}{\text{dial }x\!:}\quad ", r"\textcolor{gray}{\text{dial }y\!:}\quad ")


def _show_lines(lines: list[tuple[Line, int]], point: tuple[float, float]) -> None:
    if widgets.on_phone():
        _show_lines_stacked(lines, point)
        return
    head = st.columns([3, 4, 4])
    head[0].markdown("**What it means**")
    head[1].markdown(f"**Dial x** (at {point[0]:.4g} before the turn)")
    head[2].markdown(f"**Dial y** (at {point[1]:.4g} before the turn)")
    for line, digits in lines:
        if line.shared:
            words, both = st.columns([3, 8], vertical_alignment="center")
            words.markdown(line.words)
            both.latex(render(line, 0, digits))
            continue
        words, dial_x, dial_y = st.columns([3, 4, 4], vertical_alignment="center")
        rule = f"\n\n${line.symbol} = {line.rule}$" if line.rule else ""
        words.markdown(line.words + rule)
        dial_x.latex(render(line, 0, digits))
        dial_y.latex(render(line, 1, digits))


def _show_lines_stacked(lines: list[tuple[Line, int]], point: tuple[float, float]) -> None:
    """The lines for a phone, too narrow for three columns: the words, then each dial's numbers under them,
    named, every equation broken into rows that fit the screen."""
    st.markdown(f"**Dial x** is at {point[0]:.4g} before the turn, **dial y** at {point[1]:.4g}.")
    for line, digits in lines:
        rule = f"\n\n${line.symbol} = {line.rule}$" if line.rule else ""
        st.markdown(line.words + rule)
        if line.shared:
            widgets.equation(render(line, 0, digits))
            continue
        for dial, label in enumerate(DIAL_LABELS):
            widgets.equation(render(line, dial, digits), label=label)


@st.fragment
def step_view(scene: Scene, presenter: bool) -> None:
    """The step slider (key `step`, also in the URL) and the step it opens: arrows on the map, the numbers
    put into the update rule, per dial, with the words for each."""
    if scene.spec.explain is None:
        st.info(f"{scene.spec.title} has no step-by-step explanation yet; the table below still holds every "
                "number of every step.", icon=":material/front_hand:")
        return
    frame = table(scene)
    last = last_step(frame)
    if last == 0:
        st.warning("The hand could not even hear a click at its start (the loss is not defined there), so "
                   "there is no step to open. Move the start.", icon=":material/front_hand:")
        return
    st.session_state.step = int(min(max(int(st.session_state.get("step", DEFAULT_STEP)), 1), last))
    if widgets.on_phone():
        # Columns stack on a phone, one full-width row per arrow: the slider gets its row, the arrows share one.
        pick = st.container()
        arrows = st.container(horizontal=True, horizontal_alignment="distribute")
        back = forward = arrows
    else:
        pick, back, forward = st.columns([10, 1, 1], vertical_alignment="bottom")
    back.button("◀", key="step_back", on_click=_nudge, args=(-1, last), disabled=st.session_state.step <= 1,
                help="The turn before.", width="stretch")
    forward.button("▶", key="step_next", on_click=_nudge, args=(1, last), disabled=st.session_state.step >= last,
                   help="The turn after.", width="stretch")
    if last > 1:
        step = pick.slider("Step to open (the k-th turn of the dials)", 1, last, key="step",
                           help="Which turn to take apart. Step 1 is the first turn, from the start; the numbers "
                                "below are the ones the hand used on that turn.")
    else:
        step = 1
        pick.markdown("**Step 1** is the only turn this hand made.")
    url_state.publish_one(STEP_SETTING, step)
    if not presenter:
        st.markdown(ROW_CONVENTION)

    lines = step_lines(scene, step)
    plain = [line for line, _ in lines]
    spun_off = not np.isfinite(frame.iloc[step]["x"])
    left, right = st.columns([3, 2], gap="large")
    with left:
        figure = internals(scene, step, presenter, page.presenter_height(PRESENTER_AROUND_PX) if presenter else None)
        if widgets.on_phone():
            # The colour bar lies flat under the map so the map gets the phone's width; the legend, whose
            # entries are sentences, stays a column under both.
            figure = phone_layout(figure, height=670)
            figure.update_layout(margin={"b": 260}, legend={"orientation": "v", "y": -0.4, "yanchor": "top"})
            figure.update_traces(colorbar={"y": -0.19}, selector={"type": "contour"})
        st.plotly_chart(figure, width="stretch", key="internals", config={"displaylogo": False})
        text = step_summary(plain, frame, step, scene.spec.title)
        player.describe("internals", name=f"Step {step} of {scene.spec.title} up close: the click, the memory and "
                        "the turn as arrows", description=text, table=arrows_table(figure))
    with right:
        widgets.summary(text, spun_off=spun_off)
        st.markdown("**Reading the arrows.** The orange-red arrow is the click (it points uphill, toward a louder "
                    "door). The thicker coloured arrows are the hand's memory; one that points the click's way shows "
                    "as a coloured rim around it. The black arrow is the turn it actually "
                    "made, from the filled dot to the open one. Arrows other than the turn are rescaled so "
                    "you can see their direction; the legend gives each scale.")
        row = frame.iloc[step - 1]
        metrics = st.columns(2)
        minimum = scene.surface.min_value
        after = frame.iloc[step]["loss"]
        shown = format_loss(row["loss"], minimum), format_loss(after, minimum)
        # No change shown where the two losses read the same at the combination (both ≈ 0, say): the difference
        # is rounding dust. Elsewhere a turn too small for four digits (Rprop's first strides) gets the digits
        # that tell the two apart.
        dust = spun_off or (same_loss(after, row["loss"], minimum) and shown[0].startswith("≈"))
        if not dust and shown[0] == shown[1] and after != row["loss"]:
            shown = losses_apart(float(row["loss"]), float(after))
        change = None if dust or after == row["loss"] else after - row["loss"]
        metrics[0].metric("Loss before the turn", shown[0])
        metrics[1].metric("Loss after", "spun off" if spun_off else shown[1],
                          None if change is None else ("+" if change > 0 else "") + format_number(change, 3),
                          delta_color="inverse")
    if presenter:
        st.markdown(ROW_CONVENTION)
    st.subheader(f"Step {step}, number by number")
    st.caption("Results are rounded to four digits for reading. Worked out by hand, the numbers on each line "
               "give its result to the last digit shown; where a result is much smaller than the numbers it "
               "comes from, those numbers are shown with more digits so that it still does.")
    _show_lines(lines, (float(row["x"]), float(row["y"])))
