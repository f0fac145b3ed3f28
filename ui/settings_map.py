"""The map of settings, the page's pieces: cached batches, the figures (viz's, made clickable) and their
sentences, and the callbacks that keep the grid's ranges sensible. The grids, batches, basins and theory
are `lab.sweeps` and `lab.stability`.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import streamlit as st

import landscapes
import optim
import viz
from lab import stability, sweeps
from lab.numbers import LOSS_FLOOR, format_loss, format_lr, format_number, format_point
from lab.sweeps import (
    METRICS,
    BasinGrid,
    Grid,
    GridOutcome,
    axis,
    basin_index,
    basin_rows,
    best_cell,
    grid_outcome,
    run_rows,
    theory_agreement,
)
from ui import page, player, scene, url_state, widgets
from viz.style import INK, SPUN_OFF, phone_layout, sizes

CRACK_PAGE = "pages/1_Crack_the_safe.py"
# On a projector, what the page puts above the heatmap on the first screen: the header, the title, the tabs and
# the colouring's choice.
PRESENTER_AROUND_PX = 330
NOT_CRACKED_COLOR = "#e3e8ee"


# --- cached calls (frozen grids in, small arrays out) ----------------------------------------------------

@st.cache_data(max_entries=256, show_spinner=False)
def cached_rows(grid: Grid, first: int, stop: int) -> GridOutcome:
    return run_rows(grid, first, stop)


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_basin_rows(grid: BasinGrid, first: int, stop: int) -> np.ndarray:
    return basin_rows(grid, first, stop)


def cached_basins(grid: BasinGrid) -> np.ndarray:
    return basin_index(grid, rows=_cached_basin_rows)


def open_in_crack(query: dict[str, str]) -> None:
    """Switch to Crack the safe with these settings (stops this run)."""
    url_state.open_page(CRACK_PAGE, query)


# --- figures and sentences ------------------------------------------------------------------------------

def metric_values(grid: Grid, outcome: GridOutcome, metric: str) -> np.ndarray:
    """The number each cell shows for `metric`; NaN where the run spun off."""
    if metric == "steps_to_crack":
        values = outcome.settled_at.astype(np.float64)
        values[outcome.not_cracked] = grid.steps  # drawn pale on top; the value only keeps the colour range
    elif metric == "final_loss":
        values = outcome.final_gap.copy()
        if grid.surface.min_value is not None:
            values = np.maximum(values, LOSS_FLOOR)
    else:
        values = np.zeros(outcome.spun_off.shape)
    values[outcome.spun_off] = np.nan
    return values


def _cell_texts(grid: Grid, outcome: GridOutcome) -> np.ndarray:
    """What happened in each cell, in words (`lab.numbers` for every number), for the hover label."""
    texts = np.empty(outcome.spun_off.shape, dtype=object)
    symbol = grid.axis.symbol
    above = "above the minimum " if grid.surface.min_value is not None else ""
    for (i, j), diverged in np.ndenumerate(outcome.diverged_at):
        head = f"lr {format_lr(grid.lrs[j])} · {symbol} {format_number(grid.betas[i], 3)}<br>"
        if diverged >= 0:
            texts[i, j] = head + f"spun off at step {diverged}"
            continue
        gap = format_loss(float(outcome.final_gap[i, j]))
        if outcome.settled_at[i, j] >= 0:
            what = f"cracked at step {outcome.settled_at[i, j]}"
        elif outcome.cracked_at[i, j] >= 0:
            what = f"reached at step {outcome.cracked_at[i, j]}, swung away: not cracked"
        else:
            what = f"not cracked in {grid.steps} steps"
        if outcome.left_map_at[i, j] >= 0:
            what += f"<br>left the map at step {outcome.left_map_at[i, j]} and came back"
        texts[i, j] = head + what + f"<br>final loss {above}{gap}"
    return texts


def heatmap_figure(grid: Grid, outcome: GridOutcome, metric: str, presenter: bool = False) -> go.Figure:
    """viz's settings heatmap, plus a pale layer for runs that never cracked (steps to crack), the right
    name on the vertical axis, and one invisible marker per cell that carries the hover label and makes a
    click select the cell (plotly cannot select heatmap cells themselves)."""
    axis = grid.axis
    values = metric_values(grid, outcome, metric)
    limit = stability.stability_limit(grid.landscape, grid.optimizer, grid.betas)
    log_color = metric == "final_loss" and grid.surface.min_value is not None
    fig = viz.settings_heatmap(grid.lrs, grid.betas, values, metric_label=METRICS[metric].label,
                               stability=None if limit is None else (grid.betas, limit), presenter=presenter,
                               log_color=log_color)
    xpos = np.log10(grid.lrs)
    for trace in fig.data:
        if trace.type == "heatmap":
            trace.update(hoverinfo="skip", hovertemplate=None)
            if metric == "diverged" and trace.showscale is not False:
                trace.update(showscale=False, zmin=0.0, zmax=1.0)
    if metric == "steps_to_crack" and outcome.not_cracked.any():
        fig.add_trace(go.Heatmap(x=xpos.astype(np.float32), y=grid.betas.astype(np.float32),
                                 z=np.where(outcome.not_cracked, 1.0, np.nan).astype(np.float32),
                                 colorscale=[[0, NOT_CRACKED_COLOR], [1, NOT_CRACKED_COLOR]], showscale=False,
                                 hoverinfo="skip", name="not cracked"))
    s = sizes(presenter)
    legend = [("spun off", SPUN_OFF, outcome.spun_off.any())]
    if metric == "steps_to_crack":
        legend.append((f"not cracked in {grid.steps} steps", NOT_CRACKED_COLOR, outcome.not_cracked.any()))
    if metric == "diverged":
        legend.append(("stayed on the dial", _cividis_low(), (~outcome.spun_off).any()))
    for name, color, present in legend:
        if present:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                                     marker={"symbol": "square", "size": s.head, "color": color,
                                             "line": {"color": INK, "width": 0.5}}))
    X, Y = np.meshgrid(xpos, grid.betas)
    LR, B = np.meshgrid(grid.lrs, grid.betas)
    fig.add_trace(go.Scatter(
        x=X.ravel().astype(np.float32), y=Y.ravel().astype(np.float32), mode="markers", name="cells",
        showlegend=False, text=_cell_texts(grid, outcome).ravel(),
        customdata=np.stack([LR.ravel(), B.ravel()], axis=1).astype(np.float32),
        hovertemplate="%{text}<br><i>click to open it in Crack the safe</i><extra></extra>",
        marker={"symbol": "square-open", "size": max(6, 520 // grid.resolution), "opacity": 0,
                "color": INK, "line": {"width": 2}},
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 0}},
    ))
    fig.update_layout(yaxis_title_text=axis.label, clickmode="event+select", dragmode=False)
    fig.update_xaxes(**lr_ticks(grid.lrs))
    return fig


def lr_ticks(lrs: np.ndarray) -> dict:
    """Round learning rates as ticks (1, 2, 5 per decade; whole decades on a wide axis), at log10 positions."""
    lo, hi = float(lrs[0]), float(lrs[-1])
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    mantissas = (1, 2, 5) if len(decades) <= 4 else (1,)
    ticks = [m * 10.0**e for e in decades for m in mantissas if lo * (1 - 1e-9) <= m * 10.0**e <= hi * (1 + 1e-9)]
    if len(ticks) < 2:
        ticks = [lo, hi]
    return {"tickvals": [math.log10(t) for t in ticks], "ticktext": [f"{t:g}" for t in ticks]}


def _cividis_low() -> str:
    return plotly.colors.get_colorscale("Cividis")[0][1]


@st.cache_data(max_entries=64, show_spinner=False)
def cached_best_cell(grid: Grid, metric: str) -> tuple[int, int] | None:
    """`lab.sweeps.best_cell` once per grid and colouring: the sentence and the replay button share it."""
    return best_cell(grid, grid_outcome(grid, rows=cached_rows), metric)


def best_run_sentence(grid: Grid, outcome: GridOutcome, metric: str, best=False) -> str:
    """The run "Replay the best run" opens (`lab.sweeps.best_cell`, or `best` when given), named in words."""
    best = best_cell(grid, outcome, metric) if best is False else best
    if best is None:
        return "Every setting spun off: there is no run to replay."
    i, j = best
    where = f"at learning rate {format_lr(grid.lrs[j])} and {grid.axis.symbol} {format_number(grid.betas[i], 3)}"
    minimum = grid.surface.min_value
    loss = format_loss(float(outcome.final_gap[i, j]) + (minimum or 0.0), minimum)
    left = outcome.left_map_at[i, j]
    leaves = f" (it leaves the map at step {left} on the way: every run that cracks it does)" if left >= 0 else ""
    if outcome.cracked[best]:
        text = f"Fastest crack: step {outcome.settled_at[best]}, {where}{leaves}."
        if metric == "final_loss":
            text = f"Lowest final loss: {loss}, {where}; it cracks the safe at step {outcome.settled_at[best]}{leaves}."
        return text
    prefix = f"No setting cracked the safe within {grid.steps} steps. " if metric != "final_loss" else ""
    swung = " (it reached the combination and swung away)" if outcome.swung_away[best] else ""
    return f"{prefix}Lowest final loss: {loss}, {where}{swung}{leaves}."


def heatmap_sentence(grid: Grid, outcome: GridOutcome, metric: str, best=False) -> str:
    """The reading beside the heatmap: the best run (the one the replay button opens), then the counts."""
    total = outcome.spun_off.size
    spun = int(outcome.spun_off.sum())
    parts = [best_run_sentence(grid, outcome, metric, best)]
    if metric == "steps_to_crack":
        lagging = int(outcome.not_cracked.sum())
        swung = int(outcome.swung_away.sum())
        if lagging:
            parts.append(f"{lagging:,} of {total:,} settings did not crack it in time (grey)"
                         + (f", {swung:,} of them after reaching it and swinging away." if swung else "."))
        if lagging > 0.8 * total:
            parts.append("Give the hands more steps, or colour the map by final loss to see which came close.")
    if spun:
        parts.append(f"{spun:,} of {total:,} settings spun off (pale red).")
    else:
        parts.append("None spun off.")
    agreement = theory_agreement(grid, outcome)
    if agreement is not None:
        agree, cells = agreement
        parts.append(f"Theory says {stability.theory(grid.optimizer)} (dashed line, "
                     f"L = {format_number(stability.largest_curvature(grid.landscape))}); the runs agree on "
                     f"{agree:,} of {cells:,} cells.")
    return " ".join(parts)


def basin_figure(grid: BasinGrid, index: np.ndarray, presenter: bool = False) -> go.Figure:
    """viz's basin map with one invisible marker per start, so a click opens that start on Crack the safe."""
    surface = grid.surface
    fig = viz.basin_figure(surface, grid.xs, grid.ys, index, surface.minima, presenter=presenter)
    for trace in fig.data:
        if trace.type == "heatmap":
            trace.update(hoverinfo="skip", hovertemplate=None)
    X, Y = np.meshgrid(grid.xs, grid.ys)
    words = np.array(["reaches no minimum"] + [f"reaches minimum {k + 1}" for k in range(len(surface.minima))],
                     dtype=object)
    fig.add_trace(go.Scatter(
        x=X.ravel().astype(np.float32), y=Y.ravel().astype(np.float32), mode="markers", name="starts",
        showlegend=False, text=words[index.ravel() + 1],
        hovertemplate="start x %{x:.3g}, y %{y:.3g}<br>%{text}<br><i>click to open it in Crack the safe</i>"
                      "<extra></extra>",
        marker={"symbol": "square-open", "size": max(6, 460 // grid.resolution), "opacity": 0, "color": INK,
                "line": {"width": 2}},
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 0}},
    ))
    fig.update_layout(clickmode="event+select", dragmode=False)
    return fig


# Figures are kept as objects (cache_resource), not pickled copies (cache_data): unpickling a Figure re-validates
# every property, which costs more than building these; st.plotly_chart only reads them (it copies via to_dict).
@st.cache_resource(max_entries=32, show_spinner=False)
def cached_heatmap_figure(grid: Grid, metric: str, presenter: bool = False, phone: bool = False,
                          height: int | None = None) -> go.Figure:
    fig = heatmap_figure(grid, grid_outcome(grid, rows=cached_rows), metric, presenter)
    if height:
        fig.update_layout(height=height)
    return phone_layout(fig) if phone else fig


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_basin_figure(grid: BasinGrid, presenter: bool = False, phone: bool = False) -> go.Figure:
    fig = basin_figure(grid, cached_basins(grid), presenter)
    return phone_layout(fig) if phone else fig


# --- the maps in numbers, for a screen reader ------------------------------------------------------------

@st.cache_data(max_entries=32, show_spinner=False)
def cached_grid_table(grid: Grid, metric: str) -> dict:
    return grid_table(grid, grid_outcome(grid, rows=cached_rows), metric)


def grid_table(grid: Grid, outcome: GridOutcome, metric: str) -> dict:
    """The heatmap as a table: a row per value of the second knob (top of the map first), a column per
    learning rate, each cell what its run did in the map's colouring."""
    rows = []
    for i in range(len(grid.betas) - 1, -1, -1):
        row = [format_number(grid.betas[i], 3)]
        for j in range(len(grid.lrs)):
            if outcome.spun_off[i, j]:
                row.append("spun off")
            elif metric == "steps_to_crack":
                row.append(str(int(outcome.settled_at[i, j])) if outcome.settled_at[i, j] >= 0 else "not cracked")
            elif metric == "final_loss":
                row.append(format_loss(float(outcome.final_gap[i, j])))
            else:
                row.append("stayed")
        rows.append(row)
    return {"caption": f"{METRICS[metric].title} for each {grid.axis.symbol} (rows) and learning rate (columns).",
            "header": [grid.axis.symbol, *(format_lr(lr) for lr in grid.lrs)], "rows": rows}


def basin_table(grid: BasinGrid, index: np.ndarray) -> dict:
    """The basin map as a table: a row per start y (top first), a column per start x, each cell the minimum its
    run reaches."""
    rows = [[format_number(grid.ys[i], 3), *("none" if v < 0 else str(int(v) + 1) for v in index[i])]
            for i in range(len(grid.ys) - 1, -1, -1)]
    return {"caption": "The minimum reached from each start (rows: start y; columns: start x); none: spun off or "
                       "stalled.",
            "header": ["start y, start x", *(format_number(x, 3) for x in grid.xs)], "rows": rows}


# --- callbacks: defaults that follow the chosen vault and hand ------------------------------------------

def reset_start() -> None:
    """A new vault starts from its own story start."""
    st.session_state.start_x = np.nan
    st.session_state.start_y = np.nan


def reset_ranges() -> None:
    """A new hand gets its own grid: its second knob's full range and learning rates that suit it."""
    knob = axis(st.session_state.optimizer)
    st.session_state.lr_min, st.session_state.lr_max = knob.lr_range
    st.session_state.beta_min, st.session_state.beta_max = knob.default_range


def reset_basin_lr() -> None:
    st.session_state.basin_lr = float(optim.get(st.session_state.basin_optimizer).hyperparameter("lr").default)


# --- the page's sidebar and tabs -------------------------------------------------------------------------

PAGE = "map"
DEFAULT_LANDSCAPE = "ravine"
DEFAULT_OPTIMIZER = "momentum"
DEFAULT_BASIN_LANDSCAPE = "himmelblau"
DEFAULT_BASIN_OPTIMIZER = "sgd"


def mapped_optimizers() -> list[str]:
    """The hands with a knob to put on the map (read on every run: a registered hand joins at once)."""
    return [key for key in optim.OPTIMIZERS if sweeps.mapped(key)]


def _settings() -> list[url_state.Setting]:
    lr_low, lr_high = min(sweeps.LR_CHOICES), max(sweeps.LR_CHOICES)
    knob = axis(DEFAULT_OPTIMIZER)
    return [
        url_state.choice("landscape", DEFAULT_LANDSCAPE, list(landscapes.LANDSCAPES)),
        url_state.choice("optimizer", DEFAULT_OPTIMIZER, mapped_optimizers()),
        url_state.number("steps", 200, *scene.STEPS, integer=True),
        url_state.number("start_x", np.nan, -1e4, 1e4),
        url_state.number("start_y", np.nan, -1e4, 1e4),
        url_state.choice("metric", "steps_to_crack", list(METRICS)),
        url_state.number("lr_min", knob.lr_range[0], lr_low, lr_high),
        url_state.number("lr_max", knob.lr_range[1], lr_low, lr_high),
        url_state.number("beta_min", knob.low, 0.0, 0.9999),
        url_state.number("beta_max", knob.high, 0.0, 0.9999),
        url_state.number("resolution", sweeps.DEFAULT_RESOLUTION, *sweeps.RESOLUTION, integer=True),
        url_state.choice("basin_landscape", DEFAULT_BASIN_LANDSCAPE, sweeps.basin_landscapes()),
        url_state.choice("basin_optimizer", DEFAULT_BASIN_OPTIMIZER, list(optim.OPTIMIZERS)),
        url_state.number("basin_lr", float(optim.get(DEFAULT_BASIN_OPTIMIZER).hyperparameter("lr").default),
                         1e-6, 100.0),
    ]


def restore() -> list[url_state.Setting]:
    """Read the address (on arrival) and put what the page cannot show right, with a warning for each change."""
    settings = _settings()
    url_state.restore(PAGE, settings)
    url_state.show_problems(PAGE)
    # Keys shared with other pages may hold what this page cannot show (a typed formula, say): fall back.
    for key, options, default in (("landscape", list(landscapes.LANDSCAPES), DEFAULT_LANDSCAPE),
                                  ("optimizer", mapped_optimizers(), DEFAULT_OPTIMIZER),
                                  ("basin_landscape", sweeps.basin_landscapes(), DEFAULT_BASIN_LANDSCAPE),
                                  ("basin_optimizer", list(optim.OPTIMIZERS), DEFAULT_BASIN_OPTIMIZER)):
        if st.session_state.get(key) not in options:
            st.session_state[key] = default
    for problem in sweeps.tidy_ranges(st.session_state):
        st.warning(problem, icon=":material/warning:")
    return settings


def grid_controls() -> Grid:
    """The sidebar: the vault and the hand, then the grid's ends and resolution."""
    sidebar = st.sidebar
    sidebar.header("The vault and the hand")
    landscape = sidebar.selectbox("Vault (loss landscape)", list(landscapes.LANDSCAPES), key="landscape",
                                  format_func=lambda k: landscapes.LANDSCAPES[k].title, on_change=reset_start,
                                  help="The surface every run on the map explores. The quadratic vaults (bowl, "
                                       "ravine, Booth, Matyas, linear regression) come with theory's stability "
                                       "line.")
    optimizer = sidebar.selectbox("Optimizer", mapped_optimizers(), key="optimizer",
                                  format_func=lambda k: optim.get(k).title, on_change=reset_ranges,
                                  help="The hand whose settings the map explores.")
    steps = sidebar.slider("steps", *scene.STEPS, key="steps", step=10,
                           help="How many clicks every run gets. More steps let slow settings crack the safe too.")
    start = scene.start_sliders(landscapes.LANDSCAPES[landscape], sidebar)
    knob = axis(optimizer)
    sidebar.header("The grid")
    lr_columns = sidebar.columns(2)
    lr_low = lr_columns[0].select_slider(
        "lr from", sweeps.lr_options(st.session_state.lr_min), key="lr_min", format_func=scene.format_number,
        help="The smallest learning rate on the map (left edge; the axis is logarithmic).")
    lr_high = lr_columns[1].select_slider(
        "lr to", sweeps.lr_options(st.session_state.lr_max), key="lr_max", format_func=scene.format_number,
        help="The largest learning rate on the map (right edge).")
    beta_columns = sidebar.columns(2)
    beta_step = 0.01 if knob.high - knob.low > 0.2 else 0.005
    beta_low = beta_columns[0].number_input(
        f"{knob.symbol} from", knob.low, knob.high, key="beta_min", step=beta_step, format="%.3f",
        help=f"The bottom of the vertical axis: {knob.label}.")
    beta_high = beta_columns[1].number_input(
        f"{knob.symbol} to", knob.low, knob.high, key="beta_max", step=beta_step, format="%.3f",
        help=f"The top of the vertical axis: {knob.label}.")
    resolution = sidebar.slider("resolution (squares per side)", *sweeps.RESOLUTION, key="resolution", step=5,
                                help="How many learning rates and how many β values: 40 means 40 × 40 = 1,600 runs.")
    used = sweeps.resolution_for(landscape, resolution)
    if used < resolution:
        st.info(f"**A coarser grid on this vault: {used} × {used} runs, not {resolution} × {resolution}.** Every "
                "step of every run here passes all 1,437 training images through the network, so a full grid "
                "would take minutes.", icon=":material/grid_on:")
    return Grid(landscape, optimizer, int(steps), start, (float(lr_low), float(lr_high)),
                (float(beta_low), float(beta_high)), used)


def heatmap_tab(grid: Grid, presenter: bool) -> None:
    """The learning rate × knob map: the metric picker, the batch with its progress, the map and its reading."""
    metric = st.radio("Colour the map by", list(METRICS), key="metric", horizontal=True,
                      format_func=lambda k: METRICS[k].title,
                      help=" ".join(f"{m.title}: {m.help}" for m in METRICS.values()))
    runs = grid.resolution**2
    bar = st.progress(0.0, text=f"Turning {runs:,} hands at once…")
    outcome = grid_outcome(grid, lambda done: bar.progress(done, text=f"Turning {runs:,} hands at once…"),
                           rows=cached_rows)
    bar.empty()
    chart, notes = st.columns([3, 1], gap="medium")
    with notes:
        best = cached_best_cell(grid, metric)
        widgets.summary(heatmap_sentence(grid, outcome, metric, best), spun_off=bool(outcome.spun_off.all()))
        st.caption(f"**{grid.surface.title}** · {optim.get(grid.optimizer).title} · {grid.steps} steps from "
                   f"{format_point(grid.start)}. {grid.axis.note}")
        if best is not None and st.button("▶ Replay the best run", key="open_best", width="stretch",
                                          help="Replay the run named above, step by step, on Crack the safe."):
            open_in_crack(sweeps.cell_query(grid, *best))
    with chart:
        height = page.presenter_height(PRESENTER_AROUND_PX) if presenter else None
        figure = cached_heatmap_figure(grid, metric, presenter, widgets.on_phone(), height)
        event = st.plotly_chart(figure, width="stretch", key="settings_cells", on_select="rerun",
                                selection_mode="points", config={"displaylogo": False})
        player.describe("settings_cells", name=f"Map of settings: learning rate × {grid.axis.symbol}, coloured by "
                        f"{METRICS[metric].title.lower()}", description=heatmap_sentence(grid, outcome, metric, best),
                        table=cached_grid_table(grid, metric))
        st.caption("Hover over a square to read its run; click it to open that run in Crack the safe.")
    clicked = widgets.clicked_point(event)
    if clicked is not None:
        open_in_crack(sweeps.cell_query(grid, *sweeps.cell_at(grid, *clicked)))
    with st.expander("How to read the map, and where the dashed line comes from"):
        st.markdown(READING_NOTES)


def basin_tab(steps: int, presenter: bool) -> None:
    """Which combination each start finds, for one hand at one learning rate."""
    st.markdown("Start the same hand from every point of the vault and colour each start by the combination "
                "it ends at. With plain SGD the borders between colours are the ridges that divide the vault. "
                "Then try **Momentum**: its swing carries runs over the ridges, and the basins shatter into "
                "stripes, where a nudge of the start changes the combination found.")
    columns = st.columns(3)
    landscape = columns[0].selectbox(
        "Vault", sweeps.basin_landscapes(), key="basin_landscape",
        format_func=lambda k: landscapes.LANDSCAPES[k].title,
        help="Vaults with several combinations (Himmelblau's four, the camel's two) make the most striking maps; "
             "on the others the map shows which starts reach the one combination at all.")
    optimizer = columns[1].selectbox(
        "Optimizer", list(optim.OPTIMIZERS), key="basin_optimizer", format_func=lambda k: optim.get(k).title,
        on_change=reset_basin_lr, help="The hand started from every point.")
    spec = optim.get(optimizer)
    lr = columns[2].select_slider(
        "learning rate, log scale", scene.lr_options(spec, float(st.session_state.basin_lr)),
        key="basin_lr", format_func=scene.format_number,
        help="How far the hand turns per click. Larger steps can jump a ridge into a neighbouring basin.")
    basins = BasinGrid(landscape, optimizer, float(lr), int(steps),
                       sweeps.resolution_for(landscape, sweeps.BASIN_RESOLUTION, sweeps.HEAVY_BASIN_RESOLUTION))
    if basins.resolution < sweeps.BASIN_RESOLUTION:
        st.info(f"**A coarser grid on this vault: {basins.resolution} × {basins.resolution} starts, not "
                f"{sweeps.BASIN_RESOLUTION} × {sweeps.BASIN_RESOLUTION}**: every step of every run passes all 1,437 "
                "training images through the network.", icon=":material/grid_on:")
    with st.spinner(f"Starting {basins.resolution**2:,} hands…"):
        index = cached_basins(basins)
    widgets.summary(viz.basin_summary(index, basins.surface.minima), spun_off=bool((index < 0).all()))
    event = st.plotly_chart(cached_basin_figure(basins, presenter, widgets.on_phone()), width="stretch",
                            key="basin_cells", on_select="rerun", selection_mode="points",
                            config={"displaylogo": False})
    player.describe("basin_cells", name=f"Basins of {basins.surface.title}: which combination each start finds",
                    description=viz.basin_summary(index, basins.surface.minima), table=basin_table(basins, index))
    st.caption(f"{spec.title} with learning rate {format_lr(lr)} and its other settings at their defaults, "
               f"{steps} steps from each of {basins.resolution}×{basins.resolution} starts. A start counts for a "
               "combination when its run ends within 1 % of the map's longer side of it. Click a start to watch its "
               "run.")
    clicked = widgets.clicked_point(event)
    if clicked is not None:
        row, column = sweeps.nearest_index(basins.ys, clicked[1]), sweeps.nearest_index(basins.xs, clicked[0])
        open_in_crack(basins.query(row, column))


READING_NOTES = """
**Colours.** With *steps to crack*, dark squares open the safe quickly and yellow ones slowly; grey squares
did not crack it: they never came within 1 % of the map's longer side of the combination and stayed there
(a run that got there and swung away has not cracked it; hover to see which). Pale red squares **spun off**:
the dials left the map (by fifty map-widths) or the loss stopped being a number. With *final loss*, dark is
low, on a log scale. *Spun off?* keeps only the yes-or-no.

**The best run** named beside the map, and replayed by its button, is chosen as the race chooses a learning
rate: among the runs that never spin off, never leave the map and never jump a hump in one step, the one
that cracks the safe soonest (colouring by final loss: the lowest final loss).

**The dashed line** is theory's stability limit, drawn on every quadratic vault with a bottom: the bowl,
the ravine, Booth, Matyas and the linear regression. There the loss is a bowl f = ½ θᵀHθ (shifted), and one
step of plain descent multiplies the distance from the combination along each of H's axes by (1 − lr·h),
with h that axis's curvature. Once the learning rate passes 2/L, with L the largest curvature (2 on the
bowl, 20 on the ravine, 18 on Booth, 1 on Matyas, 11.4 on the regression), that factor is beyond −1: every
turn overshoots by more than the last, and the dials spin off. A kept swing changes the count: heavy-ball
momentum stays stable up to lr = 2(1 + μ)/L, almost twice as far at μ = 0.9; Nesterov looks ahead and
brakes, 2(1 + μ)/((1 + 2μ)L); weight decay λ adds to every curvature, 2/(L + λ). The runs on the map are
computed, not drawn from the formula: where the squares turn pale red right at the line, the theory is
confirmed.

**No line for the adaptive hands.** AdaGrad, RMSprop, Adam and AdamW divide each click by how loud the
clicks have been, so their step stops growing with the slope and no single curvature sets a limit.
"""
