"""Small pieces several pages show: the scene's caption, outcome metrics, the summary, downloads."""

from __future__ import annotations

import html
import math

import numpy as np
import streamlit as st

from lab import numbers, outcome
from lab.numbers import format_number
from optim.schedules import SCHEDULES
from ui import figures, narrow_math, page, runs
from viz.scales import format_loss

MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>^~$")


def plain(text: str) -> str:
    """`text` shown as written in Markdown: a typed formula's * and ^ are not emphasis."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in text)


def vault_caption(surface, details: str) -> None:
    """The vault's name and story; for a typed formula, the formula and its exact gradient in LaTeX."""
    estimate = " (its minimum is estimated on a grid)" if surface.minimum_is_estimate else ""
    st.markdown(f"**{plain(surface.title)}**{estimate} · {details}")
    if surface.formula is None:
        st.caption(surface.description)
        return
    parsed = runs.parsed_formula(surface.formula)
    columns = st.columns(2)
    equation(rf"f(x, y) = {parsed.latex}", columns[0])
    equation(rf"\nabla f = \left( {parsed.grad_latex[0]},\; {parsed.grad_latex[1]} \right)", columns[1])
    st.caption(plain(surface.description))


def on_phone() -> bool:
    """Whether the page is laid out for a phone (a narrow window, not presenter mode)."""
    return page.figure_layout()[0] == "phone"


def equation(tex: str, container=st, label: str = "") -> None:
    """A display equation; on a phone its rows are broken to fit the screen's width (KaTeX never breaks
    one, so a long line would run off the edge), with `label` (LaTeX) before its first row."""
    if on_phone():
        container.latex(narrow_math.wrap(tex, label=label))
    else:
        container.latex(label + tex)


def formula_refused(reason: str) -> None:
    """In the page itself, not only beside the formula box: on a phone the sidebar is closed, and a page
    with a title and nothing under it would not say why. Nothing else is drawn until the formula is fixed."""
    st.error(f"**Your vault was refused, so nothing is drawn.** {reason}", icon=":material/front_hand:")
    st.markdown("Fix the formula (or the ranges of x and y) under **The vault** in the sidebar, or pick one of "
                "**Examples: one click away** there. On a phone the sidebar opens with the **»** at the top left.")


def conditions(steps: int, start, noise: float = 0.0, seed: int = 0, schedule: str = "constant") -> str:
    """The run's conditions in words: steps, start, and the gradient noise and the lr schedule when they
    are on (a run under noise or a schedule must say so wherever it is shown)."""
    parts = [f"{steps} steps from {numbers.format_point(start)}"]
    if noise:
        parts.append(f"gradient noise {numbers.format_number(noise)} (seed {seed})")
    if schedule and schedule != "constant":
        title = SCHEDULES[schedule].title if schedule in SCHEDULES else schedule
        parts.append(f"{title.lower()} lr schedule")
    return " · ".join(parts)


def scene_words(scene) -> str:
    """One line for the scene: hand, vault and conditions (the offline animation's caption, for one)."""
    settings = ", ".join(f"{name} {numbers.format_number(value)}" for name, value in scene.hyperparameters
                         if not isinstance(value, bool))
    return (f"{scene.spec.title} ({settings}) on {scene.surface.title} · "
            f"{conditions(scene.steps, scene.start, scene.noise, scene.seed, scene.schedule)}")


def scene_caption(scene) -> None:
    vault_caption(scene.surface, f"{scene.spec.title} · "
                                 f"{conditions(scene.steps, scene.start, scene.noise, scene.seed, scene.schedule)}")


def outcome_metrics(trajectory, path) -> None:
    """Final loss, the step the safe cracked at (the step from which it stays there, as every page counts
    it: `lab.outcome`), or what happened instead, and the distance left or the step it spun off at."""
    columns = st.columns(3)
    final = trajectory.loss[~np.isnan(trajectory.loss)][-1] if np.isfinite(trajectory.loss).any() else np.nan
    result = outcome.outcome(path, trajectory.landscape)
    columns[0].metric("Final loss" if path.diverged_at is None else "Last finite loss",
                      format_loss(final, trajectory.landscape.min_value))
    if result.cracked:
        columns[1].metric("Safe cracked", f"step {result.cracked_at}")
    elif result.reached_at is not None:
        then = "then spun off" if result.kind == outcome.SPUN_OFF else "then swung away"
        columns[1].metric("Safe cracked", "no", f"reached at step {result.reached_at}, {then}",
                          delta_color="inverse")
    elif not trajectory.landscape.minima:
        columns[1].metric("Safe cracked", "nothing to crack")
    else:
        columns[1].metric("Safe cracked", "not yet")
    if path.diverged_at is not None:
        columns[2].metric("Outcome", f"spun off at step {path.diverged_at}")
    else:
        distance = float(trajectory.distance_to_minimum()[-1])
        columns[2].metric("Distance to the combination",
                          "unknown" if not np.isfinite(distance) else format_number(distance, 3))


def fragile_note(verdict) -> None:
    """Under a run whose story a nudge of its start changes: say so, and what the nudged run does instead, so
    the sentence above is read as this machine's rendition of a chaotic path, not a fact."""
    if verdict.robust:
        return
    st.caption("⚠ This run is chaotic: from a start moved by a billionth it tells another story ("
               + "; ".join(verdict.changes) + "). Another computer, whose arithmetic differs in the last bit, may "
               "draw it differently. Every scene the app opens with is one that does not.")


def summary(text: str, *, spun_off: bool = False) -> None:
    """The one-sentence reading of a chart, beside it."""
    st.markdown(f'<div class="summary{" spun-off" if spun_off else ""}">{html.escape(text)}</div>',
                unsafe_allow_html=True)


def clicked_point(event) -> tuple[float, float] | None:
    """(x, y) of the first point of a plotly selection event; None for no or malformed selection."""
    try:
        points = (event or {}).get("selection", {}).get("points", [])
        x, y = float(points[0]["x"]), float(points[0]["y"])
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


def start_from_click() -> None:
    """A click on the map moves the start there (called before the rerun, so the sliders can take it)."""
    clicked = clicked_point(st.session_state.get("map"))
    if clicked is not None:
        st.session_state.start_x, st.session_state.start_y = clicked


def downloads(scene, trajectory) -> None:
    """The run as a table (CSV) and as an animation that plays offline (HTML); both built only on click."""
    columns = st.columns(2)
    name = f"safecracker-{scene.optimizer}-{scene.landscape}"
    columns[0].download_button(
        "Trajectory (CSV)", data=lambda: trajectory.to_frame().to_csv(index=False), file_name=f"{name}.csv",
        mime="text/csv", icon=":material/download:", width="stretch", on_click="ignore",
        help="Every step: dials, loss, click, memory and turn.")
    columns[1].download_button(
        "Animation (HTML, plays offline)", data=lambda: figures.standalone_html(
            figures.crack(scene), f"Safecracker: {scene.spec.title} on {scene.surface.title}", scene_words(scene)),
        file_name=f"{name}.html", mime="text/html", icon=":material/download:", width="stretch",
        on_click="ignore", help="The animated map as one file you can open without internet.")
