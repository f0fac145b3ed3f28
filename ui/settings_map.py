"""The map of settings: a learning-rate × β grid of runs computed as one batch, and the basins of a vault's minima.

Pure logic first (the grids, what a batch of runs comes to, the stability theory, a clicked cell as a link),
then the cached calls the page makes, then thin wrappers around `viz` figures that make their cells clickable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import streamlit as st

import landscapes
import optim
import viz
from landscapes.classic import QUADRATIC_CURVATURE
from viz.scales import format_loss
from viz.style import INK, SPUN_OFF, sizes

CRACK_PAGE = "pages/1_Crack_the_safe.py"
# The name Crack the safe registers its settings under in url_state: a jump from here clears that page's
# "already read the address" mark, so the settings carried in the link are read again even on a return visit.

RESOLUTION = (10, 80)
DEFAULT_RESOLUTION = 40
BASIN_RESOLUTION = 60
# Runs × recorded steps per batch: keeps one batch's paths near 10 MB however large the grid or the run.
RUN_STEPS_PER_BATCH = 400_000
MIN_BATCHES = 4  # so the progress bar moves even when one batch would do
# Learning rates the grid's two ends can take: 1, 2 and 5 per decade.
LR_CHOICES = tuple(round(m * 10.0**e, 12) for e in range(-5, 2) for m in (1, 2, 5))
LOSS_FLOOR = 1e-12  # final losses below this read as "at the minimum": a log colour scale needs a floor
NOT_CRACKED_COLOR = "#e3e8ee"


# --- the second axis -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BetaAxis:
    """The hyperparameter an optimizer's map puts on its vertical axis."""

    name: str  # the hyperparameter, as optim and the URL of Crack the safe name it
    label: str  # axis title
    symbol: str  # short, for hover text and sentences
    low: float
    high: float
    note: str  # why this knob, in a sentence

    @property
    def default_range(self) -> tuple[float, float]:
        return self.low, self.high


def _axis(optimizer: str, name: str, label: str, symbol: str, note: str) -> BetaAxis:
    h = optim.OPTIMIZERS[optimizer].hyperparameter(name)
    return BetaAxis(name, label, symbol, float(h.low), float(h.high), note)


BETA_AXES: dict[str, BetaAxis] = {
    "sgd": _axis("sgd", "weight_decay", "weight decay λ", "λ",
                 "Plain SGD keeps no memory, so it has no β: its only other knob, weight decay λ, takes the "
                 "vertical axis. It adds λ to every curvature, so it lowers the largest safe learning rate a "
                 "little."),
    "momentum": _axis("momentum", "momentum", "momentum μ", "μ",
                      "How much of its last swing the hand keeps: more swing goes faster, and also lets a "
                      "larger learning rate stay stable."),
    "nesterov": _axis("nesterov", "momentum", "momentum μ", "μ",
                      "Nesterov's look-ahead brakes early, so its stable region is narrower than heavy-ball "
                      "momentum's for the same μ."),
    "adagrad": _axis("adagrad", "lr_decay", "learning-rate decay δ", "δ",
                     "AdaGrad has no β either: its memory is the sum of every click. Its learning-rate decay δ "
                     "takes the vertical axis, shrinking the reach a little more on every step."),
    "rmsprop": _axis("rmsprop", "alpha", "memory of loudness α", "α",
                     "RMSprop's α says how long it remembers how loud the clicks were."),
    "adam": _axis("adam", "beta1", "momentum β₁", "β₁", "Adam's β₁ is its momentum: how long it remembers "
                  "which way the clicks pointed."),
    "adamw": _axis("adamw", "beta1", "momentum β₁", "β₁", "AdamW's β₁ is its momentum: how long it remembers "
                   "which way the clicks pointed."),
}


def default_lr_range(optimizer: str) -> tuple[float, float]:
    """Three decades for most hands; AdaGrad, whose reach shrinks by itself, is shown one decade higher."""
    return (1e-3, 10.0) if optimizer == "adagrad" else (1e-3, 1.0)


# --- metrics ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    title: str  # for the picker
    label: str  # for the colour bar
    help: str


METRICS: dict[str, Metric] = {
    "steps_to_crack": Metric("Steps to crack", "steps to crack",
                             "How many clicks until the dials first come within 1% of the map's width of the "
                             "combination (dark is fast)."),
    "final_loss": Metric("Final loss", "final loss",
                         "The loss after the last step, above the vault's lowest loss, on a log scale "
                         "(dark is low)."),
    "diverged": Metric("Spun off?", "spun off",
                       "Just the yes-or-no: which settings threw the dials off the map."),
}


# --- the learning-rate × β grid -------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """One optimizer on one vault, over learning rates (log-spaced, columns) × its second knob (rows)."""

    landscape: str
    optimizer: str
    steps: int
    start: tuple[float, float]
    lr_range: tuple[float, float]
    beta_range: tuple[float, float]
    resolution: int = DEFAULT_RESOLUTION

    @property
    def axis(self) -> BetaAxis:
        return BETA_AXES[self.optimizer]

    @property
    def lrs(self) -> np.ndarray:
        lo, hi = self.lr_range
        return np.logspace(math.log10(lo), math.log10(hi), self.resolution)

    @property
    def betas(self) -> np.ndarray:
        return np.linspace(*self.beta_range, self.resolution)

    @property
    def surface(self) -> landscapes.Landscape:
        return landscapes.LANDSCAPES[self.landscape]

    def key(self) -> tuple:
        """The grid as names and numbers, for the cache."""
        return (self.landscape, self.optimizer, self.steps, self.start, self.lr_range, self.beta_range,
                self.resolution)

    def row_batches(self) -> list[tuple[int, int]]:
        """Rows [first, stop) per batch: at least MIN_BATCHES, and few enough runs × steps per batch."""
        return _row_batches(self.resolution, self.resolution, self.steps)


def _row_batches(rows: int, per_row: int, steps: int) -> list[tuple[int, int]]:
    batches = max(MIN_BATCHES, math.ceil(rows * per_row * (steps + 1) / RUN_STEPS_PER_BATCH))
    size = max(1, math.ceil(rows / batches))
    return [(first, min(first + size, rows)) for first in range(0, rows, size)]


@dataclass(frozen=True)
class GridOutcome:
    """What every run on the grid came to, (rows = β, columns = lr): small arrays, never the paths."""

    final_gap: np.ndarray  # final loss above the vault's minimum (or the loss itself); NaN if spun off
    cracked_at: np.ndarray  # first step within the cracking tolerance, -1 if never
    diverged_at: np.ndarray  # step it spun off at, -1 if never

    @property
    def spun_off(self) -> np.ndarray:
        return self.diverged_at >= 0

    @property
    def not_cracked(self) -> np.ndarray:
        return (self.cracked_at < 0) & ~self.spun_off


def run_rows(grid: Grid, first: int, stop: int) -> GridOutcome:
    """Rows [first, stop) of the grid, as one vectorised batch: one `optim.simulate` call."""
    betas = grid.betas[first:stop]
    LR, B = np.meshgrid(grid.lrs, betas)
    trajectory = optim.simulate(grid.optimizer, grid.landscape, np.asarray(grid.start, dtype=np.float64),
                                grid.steps, record_state=False, lr=LR.ravel(), **{grid.axis.name: B.ravel()})
    shape = LR.shape
    minimum = grid.surface.min_value
    final = np.asarray(trajectory.final_loss, dtype=np.float64)
    gap = final if minimum is None else final - minimum
    return GridOutcome(gap.reshape(shape), np.asarray(trajectory.cracked_at()).reshape(shape),
                       np.asarray(trajectory.diverged_at).reshape(shape))


def combine(parts: list[GridOutcome]) -> GridOutcome:
    return GridOutcome(*(np.concatenate([getattr(p, name) for p in parts]) for name in
                         ("final_gap", "cracked_at", "diverged_at")))


def grid_outcome(grid: Grid, on_progress: Callable[[float], None] | None = None,
                 rows: Callable[[Grid, int, int], GridOutcome] = run_rows) -> GridOutcome:
    """Every run on the grid, batch by batch (each one vectorised), reporting the share done after each."""
    batches = grid.row_batches()
    parts = []
    for done, (first, stop) in enumerate(batches, start=1):
        parts.append(rows(grid, first, stop))
        if on_progress is not None:
            on_progress(done / len(batches))
    return combine(parts)


# --- theory ---------------------------------------------------------------------------------------------

THEORY = {
    "sgd": "lr < 2 / (L + λ)",
    "momentum": "lr < 2 (1 + μ) / L",
    "nesterov": "lr < 2 (1 + μ) / ((1 + 2μ) L)",
}


def largest_curvature(landscape: str) -> float | None:
    """L, the largest Hessian eigenvalue, for the convex quadratic vaults (bowl, ravine); None elsewhere."""
    curvature = QUADRATIC_CURVATURE.get(landscape)
    if curvature is None or min(curvature) <= 0:
        return None
    return float(max(curvature))


def stability_limit(landscape: str, optimizer: str, betas) -> np.ndarray | None:
    """The largest stable learning rate for each β, where theory gives one; None where it does not.

    On f = ½ θᵀHθ every rule here is linear in θ, and each eigen-direction of H (curvature h) evolves on
    its own; the run stays bounded iff every direction does, and the stiffest (h = L) gives out first:
    plain descent multiplies by 1 − lr·(h + λ) per step (L2 weight decay adds λ to every curvature);
    heavy-ball momentum (PyTorch's form) has characteristic roots z² − (1 + μ − lr·h) z + μ = 0, inside the
    unit circle iff lr·h < 2(1 + μ); Nesterov's are z² − (1 + μ)(1 − lr·h) z + μ(1 − lr·h) = 0, inside iff
    lr·h < 2(1 + μ)/(1 + 2μ). The adaptive hands rescale each click by its own history, so no such line.
    """
    L = largest_curvature(landscape)
    if L is None or optimizer not in THEORY:
        return None
    b = np.asarray(betas, dtype=np.float64)
    if optimizer == "sgd":
        return 2.0 / (L + b)
    if optimizer == "momentum":
        return 2.0 * (1.0 + b) / L
    return 2.0 * (1.0 + b) / ((1.0 + 2.0 * b) * L)


def theory_agreement(grid: Grid, outcome: GridOutcome) -> tuple[int, int] | None:
    """(cells where the runs and theory agree on spinning off, cells), or None without a theory."""
    limit = stability_limit(grid.landscape, grid.optimizer, grid.betas)
    if limit is None:
        return None
    predicted = grid.lrs[None, :] >= limit[:, None]
    return int((predicted == outcome.spun_off).sum()), outcome.spun_off.size


# --- a clicked cell, as a link to Crack the safe --------------------------------------------------------

def fmt(value: float) -> str:
    """A number as a URL carries it (as url_state writes numbers)."""
    return f"{float(value):.6g}"


def nearest_index(values: np.ndarray, target: float) -> int:
    return int(np.argmin(np.abs(np.asarray(values, dtype=np.float64) - target)))


def clicked_point(event) -> tuple[float, float] | None:
    """(x, y) of the first point of a plotly selection event; None for no or malformed selection."""
    try:
        points = (event or {}).get("selection", {}).get("points", [])
        x, y = float(points[0]["x"]), float(points[0]["y"])
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


def cell_at(grid: Grid, x: float, y: float) -> tuple[int, int]:
    """(row, column) of the grid cell under a click; x is log10(lr), as the heatmap plots it."""
    return nearest_index(grid.betas, y), nearest_index(np.log10(grid.lrs), x)


def cell_query(grid: Grid, row: int, column: int) -> dict[str, str]:
    """The query parameters that open cell (row, column) on Crack the safe: the same run, one hand."""
    return {"landscape": grid.landscape, "optimizer": grid.optimizer, "lr": fmt(grid.lrs[column]),
            grid.axis.name: fmt(grid.betas[row]), "steps": str(int(grid.steps)),
            "start_x": fmt(grid.start[0]), "start_y": fmt(grid.start[1])}


def best_cell(grid: Grid, outcome: GridOutcome) -> tuple[int, int] | None:
    """The fastest crack among settings that do not spin off afterwards, else the lowest final loss; None
    if every setting spun off."""
    cracked = (outcome.cracked_at >= 0) & (outcome.diverged_at < 0)
    if cracked.any():
        steps = np.where(cracked, outcome.cracked_at, np.iinfo(np.int64).max)
        return tuple(int(v) for v in np.unravel_index(np.argmin(steps), steps.shape))
    if np.isnan(outcome.final_gap).all():
        return None
    return tuple(int(v) for v in np.unravel_index(np.nanargmin(outcome.final_gap), outcome.final_gap.shape))


def open_in_crack(query: dict[str, str]) -> None:
    """Switch to Crack the safe with these settings (stops this run)."""
    st.switch_page(CRACK_PAGE, query_params=query)


# --- basins ---------------------------------------------------------------------------------------------

def basin_landscapes() -> list[str]:
    """Vaults with a known combination to reach; those with several make the most striking map."""
    keys = [k for k, v in landscapes.LANDSCAPES.items() if v.minima]
    return sorted(keys, key=lambda k: -len(landscapes.LANDSCAPES[k].minima))


@dataclass(frozen=True)
class BasinGrid:
    """One hand started from every point of a resolution × resolution grid over a vault's bounds."""

    landscape: str
    optimizer: str
    lr: float
    steps: int
    resolution: int = BASIN_RESOLUTION

    @property
    def surface(self) -> landscapes.Landscape:
        return landscapes.LANDSCAPES[self.landscape]

    @property
    def xs(self) -> np.ndarray:
        return np.linspace(*self.surface.bounds[0], self.resolution)

    @property
    def ys(self) -> np.ndarray:
        return np.linspace(*self.surface.bounds[1], self.resolution)

    def key(self) -> tuple:
        return self.landscape, self.optimizer, self.lr, self.steps, self.resolution

    def query(self, row: int, column: int) -> dict[str, str]:
        """Crack the safe, with this hand started from the start at (row, column)."""
        return {"landscape": self.landscape, "optimizer": self.optimizer, "lr": fmt(self.lr),
                "steps": str(int(self.steps)), "start_x": fmt(self.xs[column]), "start_y": fmt(self.ys[row])}


def basin_rows(grid: BasinGrid, first: int, stop: int) -> np.ndarray:
    """Rows [first, stop) of the basin map: for each start, the index of the global minimum the run ends
    within the cracking tolerance of, or -1 (spun off, or stopped somewhere else)."""
    X, Y = np.meshgrid(grid.xs, grid.ys[first:stop])
    starts = np.stack([X.ravel(), Y.ravel()], axis=1)
    trajectory = optim.simulate(grid.optimizer, grid.landscape, starts, grid.steps, record_state=False, lr=grid.lr)
    which, distance = grid.surface.nearest_minimum(trajectory.points[:, -1])
    reached = distance <= trajectory.default_tolerance()
    return np.where(reached, which, -1).reshape(X.shape)


def basin_index(grid: BasinGrid, rows: Callable[[BasinGrid, int, int], np.ndarray] = basin_rows) -> np.ndarray:
    batches = _row_batches(grid.resolution, grid.resolution, grid.steps)
    return np.concatenate([rows(grid, first, stop) for first, stop in batches])


# --- cached calls (names and numbers in, small arrays out) ----------------------------------------------

@st.cache_data(max_entries=256, show_spinner=False)
def _cached_rows(grid_key: tuple, first: int, stop: int) -> GridOutcome:
    return run_rows(Grid(*grid_key), first, stop)


def cached_rows(grid: Grid, first: int, stop: int) -> GridOutcome:
    return _cached_rows(grid.key(), first, stop)


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_basin_rows(basin_key: tuple, first: int, stop: int) -> np.ndarray:
    return basin_rows(BasinGrid(*basin_key), first, stop)


def cached_basins(grid: BasinGrid) -> np.ndarray:
    return basin_index(grid, rows=lambda g, first, stop: _cached_basin_rows(g.key(), first, stop))


# --- figures and sentences ------------------------------------------------------------------------------

def metric_values(grid: Grid, outcome: GridOutcome, metric: str) -> np.ndarray:
    """The number each cell shows for `metric`; NaN where the run spun off."""
    if metric == "steps_to_crack":
        values = outcome.cracked_at.astype(np.float64)
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
    """What happened in each cell, in words, for the hover label."""
    texts = np.empty(outcome.spun_off.shape, dtype=object)
    for (i, j), diverged in np.ndenumerate(outcome.diverged_at):
        if diverged >= 0:
            texts[i, j] = f"spun off at step {diverged}"
            continue
        gap = format_loss(float(outcome.final_gap[i, j]))
        cracked = outcome.cracked_at[i, j]
        texts[i, j] = (f"cracked at step {cracked}" if cracked >= 0 else f"not cracked in {grid.steps} steps") + \
            f"<br>final loss {'above the minimum ' if grid.surface.min_value is not None else ''}{gap}"
    return texts


def heatmap_figure(grid: Grid, outcome: GridOutcome, metric: str, presenter: bool = False) -> go.Figure:
    """viz's settings heatmap, plus a pale layer for runs that never cracked (steps to crack), the right
    name on the vertical axis, and one invisible marker per cell that carries the hover label and makes a
    click select the cell (plotly cannot select heatmap cells themselves)."""
    axis = grid.axis
    values = metric_values(grid, outcome, metric)
    limit = stability_limit(grid.landscape, grid.optimizer, grid.betas)
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
        hovertemplate=(f"lr %{{customdata[0]:.3g}} · {axis.symbol} %{{customdata[1]:.3g}}<br>%{{text}}"
                       "<br><i>click to open it in Crack the safe</i><extra></extra>"),
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


def heatmap_sentence(grid: Grid, outcome: GridOutcome, metric: str) -> str:
    """The one-sentence reading beside the heatmap."""
    axis = grid.axis
    total = outcome.spun_off.size
    spun = int(outcome.spun_off.sum())
    parts = []
    if metric == "steps_to_crack":
        best = best_cell(grid, outcome)
        if best is not None and outcome.cracked_at[best] >= 0:
            i, j = best
            parts.append(f"Fastest crack: step {outcome.cracked_at[i, j]}, at learning rate {grid.lrs[j]:.3g} and "
                         f"{axis.symbol} {grid.betas[i]:.3g}.")
        else:
            parts.append(f"No setting cracked the safe within {grid.steps} steps.")
        lagging = int(outcome.not_cracked.sum())
        if lagging:
            parts.append(f"{lagging:,} of {total:,} settings did not crack it in time (pale).")
        if lagging > 0.8 * total:
            parts.append("Give the hands more steps, or colour the map by final loss to see which came close.")
    elif metric == "final_loss" and not np.isnan(outcome.final_gap).all():
        i, j = np.unravel_index(np.nanargmin(outcome.final_gap), outcome.final_gap.shape)
        lowest = float(outcome.final_gap[i, j])
        if grid.surface.min_value is None:
            reading = f"Lowest final loss: {format_loss(lowest)}"
        elif lowest <= LOSS_FLOOR:
            reading = f"Lowest final loss: at the minimum (within {LOSS_FLOOR:g})"
        else:
            reading = f"Lowest final loss above the minimum: {format_loss(lowest)}"
        parts.append(f"{reading}, at learning rate "
                     f"{grid.lrs[j]:.3g} and {axis.symbol} {grid.betas[i]:.3g}.")
    if spun:
        parts.append(f"{spun:,} of {total:,} settings spun off (pale red).")
    else:
        parts.append("None spun off.")
    agreement = theory_agreement(grid, outcome)
    if agreement is not None:
        agree, cells = agreement
        parts.append(f"Theory says {THEORY[grid.optimizer]} (dashed line, L = {largest_curvature(grid.landscape):g});"
                     f" the runs agree on {agree:,} of {cells:,} cells.")
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
def _heatmap_figure(grid_key: tuple, metric: str, presenter: bool) -> go.Figure:
    grid = Grid(*grid_key)
    return heatmap_figure(grid, grid_outcome(grid, rows=cached_rows), metric, presenter)


def cached_heatmap_figure(grid: Grid, metric: str, presenter: bool = False) -> go.Figure:
    return _heatmap_figure(grid.key(), metric, presenter)


@st.cache_resource(max_entries=16, show_spinner=False)
def _basin_figure(basin_key: tuple, presenter: bool) -> go.Figure:
    grid = BasinGrid(*basin_key)
    return basin_figure(grid, cached_basins(grid), presenter)


def cached_basin_figure(grid: BasinGrid, presenter: bool = False) -> go.Figure:
    return _basin_figure(grid.key(), presenter)


# --- the page's settings: defaults that follow the optimizer, and ranges kept sensible -------------------

def lr_options(current: float | None = None) -> list[float]:
    """The learning rates a grid end can take, with the current one (from a link, say) among them."""
    options = set(LR_CHOICES)
    if current is not None and math.isfinite(current):
        options.add(float(current))
    return sorted(options)


def reset_start() -> None:
    """A new vault starts from its own story start."""
    st.session_state.start_x = np.nan
    st.session_state.start_y = np.nan


def reset_ranges() -> None:
    """A new hand gets its own grid: its second knob's full range and learning rates that suit it."""
    optimizer = st.session_state.optimizer
    st.session_state.lr_min, st.session_state.lr_max = default_lr_range(optimizer)
    st.session_state.beta_min, st.session_state.beta_max = BETA_AXES[optimizer].default_range


def reset_basin_lr() -> None:
    st.session_state.basin_lr = float(optim.OPTIMIZERS[st.session_state.basin_optimizer].hyperparameter("lr").default)


def tidy_ranges(state) -> list[str]:
    """Put the grid's ends in order and the β ends inside the current hand's range (before the widgets are
    drawn); returns a sentence for each change the learner should hear about."""
    problems = []
    axis = BETA_AXES[state["optimizer"]]
    for key in ("beta_min", "beta_max"):
        value = float(state[key])
        if not axis.low <= value <= axis.high:
            state[key] = float(min(max(value, axis.low), axis.high))
            problems.append(f"`{key}={value:g}` lies outside {axis.label}'s range [{axis.low:g}, {axis.high:g}]; "
                            f"using {state[key]:g}.")
    for low_key, high_key, default in (("lr_min", "lr_max", default_lr_range(state["optimizer"])),
                                       ("beta_min", "beta_max", axis.default_range)):
        low, high = float(state[low_key]), float(state[high_key])
        if low > high:
            state[low_key], state[high_key] = high, low
        elif low == high:
            state[low_key], state[high_key] = default
            problems.append(f"The grid needs two different ends for `{low_key}` and `{high_key}`; using "
                            f"{default[0]:g} to {default[1]:g}.")
    return problems


READING_NOTES = """
**Colours.** With *steps to crack*, dark squares open the safe quickly and yellow ones slowly; pale squares
never got within 1% of the map's width of the combination in the steps allowed. Grey squares **spun off**:
the dials left the map (by fifty map-widths) or the loss stopped being a number. With *final loss*, dark is
low, on a log scale. *Spun off?* keeps only the yes-or-no.

**The dashed line** is theory's stability limit, drawn on the two quadratic vaults. There the loss is
f = ½(a·x² + b·y²), and one step of plain descent multiplies a dial's distance from the combination by
(1 − lr·a) or (1 − lr·b). Once the learning rate passes 2/L, with L the larger curvature (2 on the bowl,
20 on the ravine), that factor is beyond −1: every turn overshoots by more than the last, and the dials spin
off. A kept swing changes the count: heavy-ball momentum stays stable up to lr = 2(1 + μ)/L, almost twice as
far at μ = 0.9; Nesterov looks ahead and brakes, 2(1 + μ)/((1 + 2μ)L); weight decay λ adds to every
curvature, 2/(L + λ). The runs on the map are computed, not drawn from the formula: where the squares turn
pale red right at the line, the theory is confirmed.

**No line for the adaptive hands.** AdaGrad, RMSprop, Adam and AdamW divide each click by how loud the
clicks have been, so their step stops growing with the slope and no single curvature sets a limit.
"""
