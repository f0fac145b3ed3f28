"""The map of settings, without the page: a learning-rate × knob grid of runs computed in batches, the basins
of a vault's minima, and a clicked cell as the link that opens its run.

A grid or a basin map is a frozen object of names and numbers, so it keys the page's caches; what its runs
come to is a few small arrays, never the paths.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import landscapes
import optim
from lab import outcome as lab_outcome
from lab.stability import stability_limit
from optim import story, tuning

RESOLUTION = (10, 80)
DEFAULT_RESOLUTION = 40
BASIN_RESOLUTION = 60
# Runs × recorded steps per batch: keeps one batch's paths near 10 MB however large the grid or the run.
RUN_STEPS_PER_BATCH = 400_000
MIN_BATCHES = 4  # so the progress bar moves even when one batch would do
# On a heavy vault (a real network's loss: every step of every run is a forward and a backward pass over its
# training images) the grids have at most this many squares per side, and the page says so.
HEAVY_RESOLUTION = 10
HEAVY_BASIN_RESOLUTION = 12
# Learning rates the grid's two ends can take: 1, 2 and 5 per decade.
LR_CHOICES = tuple(round(m * 10.0**e, 12) for e in range(-5, 2) for m in (1, 2, 5))


# --- the second axis -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """The knob a hand's map puts on its vertical axis (its spec's `map_axis`), with its range resolved."""

    name: str  # the hyperparameter, as optim and the URL of Crack the safe name it
    label: str  # axis title
    symbol: str  # short, for hover text and sentences
    low: float
    high: float
    note: str  # why this knob, in a sentence
    lr_range: tuple[float, float]  # the learning rates the map spans by default

    @property
    def default_range(self) -> tuple[float, float]:
        return self.low, self.high


def resolution_for(landscape: str, asked: int, heavy_cap: int = HEAVY_RESOLUTION) -> int:
    """The squares per side a grid on `landscape` gets: as asked, or at most `heavy_cap` on a heavy vault."""
    surface = landscapes.LANDSCAPES.get(landscape)
    return min(int(asked), heavy_cap) if surface is not None and surface.heavy else int(asked)


def mapped(optimizer: str) -> bool:
    """Whether the hand has a knob to put on the map."""
    return optim.get(optimizer).map_axis is not None


def axis(optimizer: str) -> Axis:
    spec = optim.get(optimizer)
    knob = spec.map_axis
    if knob is None:
        raise ValueError(f"{spec.title} has no knob for the map of settings")
    low, high = spec.axis_range()
    return Axis(knob.name, knob.label, knob.symbol, low, high, knob.note, knob.lr_range)





# --- metrics ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    title: str  # for the picker
    label: str  # for the colour bar
    help: str


METRICS: dict[str, Metric] = {
    "steps_to_crack": Metric("Steps to crack", "steps to crack",
                             "How many clicks until the dials come within 1 % of the map's longer side of the "
                             "combination and stay there (dark is fast); pale: not cracked."),
    "final_loss": Metric("Final loss", "final loss",
                         "The loss after the last step, above the vault's lowest loss, on a log scale "
                         "(dark is low)."),
    "diverged": Metric("Spun off?", "spun off",
                       "Just the yes-or-no: which settings threw the dials off the map."),
}


# --- the learning-rate × knob grid -------------------------------------------------------------------

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
    def axis(self) -> Axis:
        return axis(self.optimizer)

    @property
    def lrs(self) -> np.ndarray:
        lo, hi = self.lr_range
        return np.logspace(math.log10(lo), math.log10(hi), self.resolution)

    @property
    def betas(self) -> np.ndarray:
        values = np.linspace(*self.beta_range, self.resolution)
        # A count (L-BFGS's remembered pairs) takes whole numbers only: neighbouring rows may repeat one.
        return np.round(values) if getattr(optim.get(self.optimizer).hyperparameter(self.axis.name), "whole", False) \
            else values

    @property
    def surface(self) -> landscapes.Landscape:
        return landscapes.LANDSCAPES[self.landscape]

    def row_batches(self) -> list[tuple[int, int]]:
        """Rows [first, stop) per batch: at least MIN_BATCHES, and few enough runs × steps per batch."""
        return _row_batches(self.resolution, self.resolution, self.steps)


def _row_batches(rows: int, per_row: int, steps: int) -> list[tuple[int, int]]:
    batches = max(MIN_BATCHES, math.ceil(rows * per_row * (steps + 1) / RUN_STEPS_PER_BATCH))
    size = max(1, math.ceil(rows / batches))
    return [(first, min(first + size, rows)) for first in range(0, rows, size)]


@dataclass(frozen=True)
class GridOutcome:
    """What every run on the grid came to, (rows = β, columns = lr): small arrays, never the paths.

    "Cracked" means what it means on every page (`lab.outcome`): within reach of the combination from
    `settled_at` to the end. A run that reached it (`cracked_at`) and swung away has not cracked it.
    """

    final_gap: np.ndarray  # final loss above the vault's minimum (or the loss itself); NaN if spun off
    cracked_at: np.ndarray  # first step within the cracking tolerance, -1 if never
    diverged_at: np.ndarray  # step it spun off at, -1 if never
    settled_at: np.ndarray  # the step from which it stays within the tolerance, -1 if it is not there at the end
    left_map_at: np.ndarray  # first step off the map (optim.tuning's yardstick), -1 if never

    @property
    def spun_off(self) -> np.ndarray:
        return self.diverged_at >= 0

    @property
    def cracked(self) -> np.ndarray:
        return (self.settled_at >= 0) & ~self.spun_off

    @property
    def swung_away(self) -> np.ndarray:
        return (self.cracked_at >= 0) & (self.settled_at < 0) & ~self.spun_off

    @property
    def not_cracked(self) -> np.ndarray:
        return ~self.cracked & ~self.spun_off


FIELDS = ("final_gap", "cracked_at", "diverged_at", "settled_at", "left_map_at")


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
                       np.asarray(trajectory.diverged_at).reshape(shape),
                       np.asarray(trajectory.settled_at()).reshape(shape),
                       np.asarray(tuning.left_map_at(trajectory)).reshape(shape))


def combine(parts: list[GridOutcome]) -> GridOutcome:
    return GridOutcome(*(np.concatenate([getattr(p, name) for p in parts]) for name in FIELDS))


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


def cell_at(grid: Grid, x: float, y: float) -> tuple[int, int]:
    """(row, column) of the grid cell under a click; x is log10(lr), as the heatmap plots it."""
    return nearest_index(grid.betas, y), nearest_index(np.log10(grid.lrs), x)


def cell_query(grid: Grid, row: int, column: int) -> dict[str, str]:
    """The query parameters that open cell (row, column) on Crack the safe: the same run, one hand."""
    return {"landscape": grid.landscape, "optimizer": grid.optimizer, "lr": fmt(grid.lrs[column]),
            grid.axis.name: fmt(grid.betas[row]), "steps": str(int(grid.steps)),
            "start_x": fmt(grid.start[0]), "start_y": fmt(grid.start[1])}


# Candidates checked for a hump leap and a robust story per batch when picking the run to name and replay.
CANDIDATE_BATCH = 32


def _usable(grid: Grid, cells: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The first cell of `cells` whose run never crosses a hump in one step (`optim.tuning.leapt_at`) and tells
    the same story from its start moved by a hair (`optim.story`), checked a batch at a time, each candidate
    beside its nudged twins; None if none does."""
    starts = story.nudged_starts(grid.start)
    for first in range(0, len(cells), CANDIDATE_BATCH):
        chunk = cells[first:first + CANDIDATE_BATCH]
        rows, columns = (np.repeat(np.array(v), len(starts)) for v in zip(*chunk, strict=True))
        batch = optim.simulate(grid.optimizer, grid.landscape, np.tile(starts, (len(chunk), 1)), grid.steps,
                               record_state=False, lr=grid.lrs[columns], **{grid.axis.name: grid.betas[rows]})
        off, leapt = tuning.left_map_at(batch), np.asarray(tuning.leapt_at(batch))
        robust = story.agree(story.tell(batch, off, leapt))
        for cell, leap, same in zip(chunk, leapt[::len(starts)], robust, strict=True):
            if leap < 0 and same:
                return cell
    return None


def best_cell(grid: Grid, outcome: GridOutcome, metric: str = "steps_to_crack") -> tuple[int, int] | None:
    """The run the sentence beside the map names and "Replay the best run" opens, for the colouring chosen.

    Only runs a careful practitioner would show count, as for the tuner: never spinning off, never leaving
    the map, never crossing a hump in one step, and telling the same story from a start moved by a hair.
    By steps to crack (and by spun off?): the one that cracks the safe soonest (stays from the earliest
    step), the lower final loss and then the smaller lr breaking ties; if none cracks, and by final loss:
    the lowest final loss as it reads (`lab.numbers`), the soonest to settle and then the smaller lr among
    runs that read the same. Falls back to runs that leave the map when every run does; None if every
    setting spun off.
    """
    stable = ~outcome.spun_off
    if not stable.any():
        return None
    minimum = grid.surface.min_value
    gap = np.where(stable, outcome.final_gap, np.inf)
    base = 0.0 if minimum is None else minimum
    read = np.vectorize(lambda g: lab_outcome.as_read(g + base, minimum))(gap)
    settled = np.where(outcome.cracked, outcome.settled_at, np.iinfo(np.int64).max)
    rows, columns = np.indices(gap.shape)
    if metric != "final_loss" and outcome.cracked.any():
        order = np.lexsort((columns.ravel(), read.ravel(), settled.ravel()))
        pool = outcome.cracked
    else:
        order = np.lexsort((columns.ravel(), settled.ravel(), read.ravel()))
        pool = stable
    on_map = pool & (outcome.left_map_at < 0)
    for allowed in (on_map, pool):
        cells = [tuple(int(v) for v in np.unravel_index(k, gap.shape)) for k in order if allowed.ravel()[k]]
        if cells:
            chosen = _usable(grid, cells[:4 * CANDIDATE_BATCH])
            return chosen if chosen is not None else cells[0]
    return None


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


# --- the page's settings, kept sensible -----------------------------------------------------------------

def lr_options(current: float | None = None) -> list[float]:
    """The learning rates a grid end can take, with the current one (from a link, say) among them."""
    options = set(LR_CHOICES)
    if current is not None and math.isfinite(current):
        options.add(float(current))
    return sorted(options)


def tidy_ranges(state) -> list[str]:
    """Put the grid's ends in order and the β ends inside the current hand's range (before the widgets are
    drawn); returns a sentence for each change the learner should hear about."""
    problems = []
    knob = axis(state["optimizer"])
    for key in ("beta_min", "beta_max"):
        value = float(state[key])
        if not knob.low <= value <= knob.high:
            state[key] = float(min(max(value, knob.low), knob.high))
            problems.append(f"`{key}={value:g}` lies outside {knob.label}'s range [{knob.low:g}, {knob.high:g}]; "
                            f"using {state[key]:g}.")
    for low_key, high_key, default in (("lr_min", "lr_max", knob.lr_range),
                                       ("beta_min", "beta_max", knob.default_range)):
        low, high = float(state[low_key]), float(state[high_key])
        if low > high:
            state[low_key], state[high_key] = high, low
        elif low == high:
            state[low_key], state[high_key] = default
            problems.append(f"The grid needs two different ends for `{low_key}` and `{high_key}`; using "
                            f"{default[0]:g} to {default[1]:g}.")
    return problems
