"""How loss values become colours and axis positions, with labels that show real losses, not logs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import numbers

# Below this the gap to the minimum is "there": a log axis would otherwise stretch over 30 decades of
# floating-point dust once a run has converged.
LOSS_FLOOR = numbers.LOSS_FLOOR
# And above this a run is spinning off: the exact size of an astronomically large loss tells nothing.
LOSS_CEILING = 1e30
# How far above the highest starting loss a log loss axis reaches.
SKY_DECADES = 3
# The log colour scale starts this many decades below the landscape's span, so the valley floor keeps
# some contour lines without every rounding error getting its own.
LOG_DECADES = 6


def format_loss(value: float, minimum: float | None = None) -> str:
    """A loss for a label: `lab.numbers.format_loss` ("≈ 0" below the floor, 12.95 rather than 1.295e+1)."""
    return numbers.format_loss(value, minimum)


@dataclass(frozen=True)
class LossColour:
    """The colour axis of a landscape. With `log`, colour follows log10(loss - floor + eps)."""

    log: bool
    floor: float
    eps: float
    zmin: float
    zmax: float

    def to_plot(self, loss) -> np.ndarray:
        """Loss values in colour units (NaN stays NaN)."""
        loss = np.asarray(loss, dtype=np.float64)
        if not self.log:
            return loss
        with np.errstate(invalid="ignore"):
            return np.log10(np.clip(loss - self.floor, 0.0, None) + self.eps)

    def to_loss(self, z) -> np.ndarray:
        """Inverse of `to_plot`: colour units back to loss."""
        z = np.asarray(z, dtype=np.float64)
        return self.floor + 10.0 ** z - self.eps if self.log else z

    def levels(self, n: int) -> np.ndarray:
        """`n` evenly spaced contour levels strictly inside (zmin, zmax), in colour units."""
        return np.linspace(self.zmin, self.zmax, n + 2)[1:-1]

    def normalise(self, loss) -> np.ndarray:
        """Loss mapped to 0..1 along the colour scale (clipped; NaN stays NaN)."""
        span = self.zmax - self.zmin or 1.0
        with np.errstate(invalid="ignore"):
            return np.clip((self.to_plot(loss) - self.zmin) / span, 0.0, 1.0)

    def colorbar(self, title: str = "loss") -> dict:
        """Colourbar settings; on a log scale the ticks sit on round losses (or on powers of ten above the
        floor, near it) and read as real losses in one notation (`lab.numbers.log_ticks`), and the title
        says what the colour measures."""
        if not self.log:
            return {"title": {"text": title}}
        ticks, text = numbers.log_ticks(self.floor, self.eps, self.zmin, self.zmax)
        note = "log scale" if self.floor == 0 else f"log scale of the loss above {format_loss(self.floor)}"
        return {"title": {"text": f"{title}<br><sub>{note}</sub>"}, "tickvals": ticks, "ticktext": text}


def loss_colour(landscape, Z: np.ndarray) -> LossColour:
    """The colour axis for a landscape sampled as `Z`: log when `landscape.log_scale`, else linear."""
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        return LossColour(False, 0.0, 0.0, 0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if not landscape.log_scale:
        return LossColour(False, 0.0, 0.0, lo, hi if hi > lo else lo + 1.0)
    # The known minimum when there is one (so "loss - floor" is the honest gap to the combination); the
    # sampled minimum otherwise, which a coarse grid may overshoot slightly: clipping at 0 covers that.
    floor = landscape.min_value if landscape.min_value is not None else lo
    floor = min(floor, lo)
    span = max(hi - floor, 1e-300)
    eps = 10.0 ** (math.floor(math.log10(span)) - LOG_DECADES)
    colour = LossColour(True, floor, eps, 0.0, 1.0)
    zmin, zmax = float(np.log10(eps)), float(colour.to_plot(hi))
    return LossColour(True, floor, eps, zmin, zmax if zmax > zmin else zmin + 1.0)


@dataclass(frozen=True)
class LossAxis:
    """The y axis of a loss curve: log of the gap above `offset` when that is positive, else linear."""

    log: bool
    offset: float
    name: str  # what is plotted: "loss", or "loss above the minimum (3)" for the gap above a known minimum

    @property
    def title(self) -> str:
        return f"{self.name} (log scale)" if self.log else self.name

    def y(self, loss) -> np.ndarray:
        """Loss in axis units (NaN stays NaN, so curves break where runs diverged)."""
        loss = np.asarray(loss, dtype=np.float64)
        if not self.log:
            return np.clip(loss, -LOSS_CEILING, LOSS_CEILING)
        return np.clip(loss - self.offset, LOSS_FLOOR, LOSS_CEILING)

    def range(self, ys: list[np.ndarray]) -> list[float] | None:
        """A fixed axis range covering every finite value (log10 units on a log axis), with a margin. On a
        log axis the top stops `SKY_DECADES` above the highest starting loss: a run that spins off leaves
        through the top instead of squashing every other curve into a line."""
        ys = [np.asarray(y, dtype=np.float64).ravel() for y in ys]
        values = np.concatenate(ys) if ys else np.array([])
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None
        if self.log:
            lo, hi = np.log10(values.min()), np.log10(values.max())
            starts = [y[np.isfinite(y)][0] for y in ys if np.isfinite(y).any()]
            # The median guards against a run that starts right on the minimum (a start at the floor).
            hi = min(hi, np.log10(max(*starts, np.median(values))) + SKY_DECADES)
            pad = max(0.1 * (hi - lo), 0.2)
        else:
            lo, hi = values.min(), values.max()
            pad = max(0.05 * (hi - lo), 1e-9)
        return [float(lo - pad), float(hi + pad)]


def loss_axis(losses: list[np.ndarray], min_value: float | None = None) -> LossAxis:
    """Log y axis for loss curves. With a known `min_value` it plots loss - min_value (the gap to the
    combination); without one it plots the raw loss when it is positive, and falls back to linear."""
    if min_value is not None:
        name = "loss" if min_value == 0 else f"loss above the minimum ({format_loss(min_value)})"
        return LossAxis(True, float(min_value), name)
    finite = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in losses]) if losses else []
    finite = np.asarray(finite)[np.isfinite(finite)]
    if finite.size and finite.min() > 0:
        return LossAxis(True, 0.0, "loss")
    return LossAxis(False, 0.0, "loss")


def log_ticks(axis: LossAxis, y_range: list[float] | None) -> dict:
    """Axis settings for a loss axis: on a log axis, one labelled tick per decade (fewer when the range
    spans many), rather than plotly's 2 and 5 in between, which crowd a small chart, labelled in one
    notation (`lab.numbers.decade_labels`). A range that holds fewer than two round decades (a run that
    stops in a notch, 32 to 40) gets round losses in between instead (`within_a_decade`), so the axis
    never stands unnumbered or with a lone "10"."""
    if not axis.log:
        return {"type": "linear", "range": y_range}
    decades = (y_range[1] - y_range[0]) if y_range else 6
    stride = max(1, math.ceil(decades / 7))
    settings = {"type": "log", "range": y_range, "dtick": stride, "exponentformat": "power"}
    if y_range:
        first = stride * math.ceil(y_range[0] / stride)
        exponents = list(range(first, math.floor(y_range[1]) + 1, stride))
        if len(exponents) >= 2:
            settings.update(tickmode="array", tickvals=[10.0**k for k in exponents],
                            ticktext=numbers.decade_labels(exponents))
        else:
            values = within_a_decade(10.0 ** y_range[0], 10.0 ** y_range[1])
            settings.update(tickmode="array", tickvals=values, ticktext=numbers.tick_labels(values))
    return settings


def within_a_decade(low: float, high: float, most: int = 6) -> list[float]:
    """Round values between `low` and `high` (0 < low < high) for a log axis that spans too little for decade
    ticks: the coarsest 1-2-5 step of a linear axis over the same span that gives three to `most` of them
    (two when no step does)."""
    span = high - low
    top = math.floor(math.log10(span)) + 1
    steps = [m * 10.0**size for size in range(top, top - 4, -1) for m in (5, 2, 1)]
    candidates = [[k * step for k in range(math.ceil(low / step), math.floor(high / step) + 1) if k > 0]
                  for step in steps]
    for enough in (3, 2):
        for values in candidates:
            if enough <= len(values) <= most:
                return [float(f"{v:.12g}") for v in values]
    return [float(f"{low:.3g}"), float(f"{high:.3g}")]
