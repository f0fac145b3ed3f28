"""The `Landscape`: a loss surface over two dials, with its analytic gradient and its story."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import numpy as np

Bounds = tuple[tuple[float, float], tuple[float, float]]
Point = tuple[float, float]

# f(x, y) -> loss and grad(x, y) -> (dloss/dx, dloss/dy), on NumPy arrays of any (equal) shape.
ScalarField = Callable[[np.ndarray, np.ndarray], np.ndarray]
GradientField = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class Landscape:
    """A loss surface the optimizers walk on: the vault whose combination is a global minimum.

    `f` and `grad` take points of shape (..., 2), so one call serves a single point, a batch of runs
    (N, 2) and a plotting grid (H, W, 2). Values outside the surface's domain come back as NaN, never as
    an exception or a NumPy warning.
    """

    key: str
    title: str
    description: str
    latex: str
    bounds: Bounds
    minima: tuple[Point, ...]
    min_value: float | None
    start: Point
    value_fn: ScalarField = field(repr=False)
    grad_fn: GradientField = field(repr=False)
    # Surfaces whose values span many decades (Rosenbrock, Goldstein-Price) read best on a log colour scale.
    log_scale: bool = False
    # True where `minima` and `min_value` come from a grid search rather than from mathematics.
    minimum_is_estimate: bool = False
    # The learner's text, for a surface built by `from_expression`; None for a built-in one.
    formula: str | None = None
    # Rates the vault's story is told at, per optimizer key, where the story needs one (a hand caught in a
    # dip); `optim.tuning.tune` uses them from the vault's own start. Read-only once built.
    teaching_lr: Mapping[str, float] = field(default_factory=dict, repr=False)
    # True where one evaluation costs a network's forward pass over its training images (the digits vault):
    # pages draw it on coarser grids and run smaller batches on it, and say so.
    heavy: bool = False
    # On a heavy vault, the rates `optim.tuning.tune` finds from the vault's own start with default settings for
    # 200 steps (`optim.tuning.KEPT_STEPS`), worked out once (scripts/tune_heavy_vaults.py) and kept:
    # {"calm": {key: lr}, "fast": {key: lr}}. Climbing a ladder there costs a minute per hand; the tests check
    # that every kept rate tells a robust story and that the tuner still finds it.
    tuned_lr: Mapping[str, Mapping[str, float]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "teaching_lr", MappingProxyType(dict(self.teaching_lr)))
        object.__setattr__(self, "tuned_lr", MappingProxyType(
            {prefer: MappingProxyType(dict(rates)) for prefer, rates in self.tuned_lr.items()}))

    def __reduce__(self):
        # Pickled as a recipe, not by value (its functions are closures), so the app's caches can hold
        # trajectories: a built-in comes back by key, a typed surface from its formula and bounds.
        import landscapes

        if self.formula is not None:
            return typed_landscape, (self.formula, self.bounds)
        if landscapes.LANDSCAPES.get(self.key) is self:
            return landscapes.get, (self.key,)
        raise TypeError(f"landscape {self.key!r} is neither built in nor typed, so it cannot be pickled")

    def f(self, points) -> np.ndarray:
        """Loss at `points` (..., 2), shape (...)."""
        points = np.asarray(points, dtype=np.float64)
        _check_last_axis(points)
        with np.errstate(all="ignore"):
            value = self.value_fn(points[..., 0], points[..., 1])
        return np.broadcast_to(np.asarray(value, dtype=np.float64), points.shape[:-1]).copy()

    def grad(self, points) -> np.ndarray:
        """Gradient at `points` (..., 2), shape (..., 2): d loss / dx and d loss / dy."""
        points = np.asarray(points, dtype=np.float64)
        _check_last_axis(points)
        with np.errstate(all="ignore"):
            gx, gy = self.grad_fn(points[..., 0], points[..., 1])
        out = np.empty(points.shape, dtype=np.float64)
        out[..., 0] = gx
        out[..., 1] = gy
        return out

    @property
    def extent(self) -> tuple[float, float]:
        """Width and height of the bounds."""
        (x0, x1), (y0, y1) = self.bounds
        return x1 - x0, y1 - y0

    def grid(self, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs, ys, Z) over the bounds, Z[i, j] = f(xs[j], ys[i]); ready for a contour plot."""
        (x0, x1), (y0, y1) = self.bounds
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        X, Y = np.meshgrid(xs, ys)
        return xs, ys, self.f(np.stack([X, Y], axis=-1))

    def nearest_minimum(self, points) -> tuple[np.ndarray, np.ndarray]:
        """For points (..., 2): index of the closest global minimum and the distance to it (inf for NaN)."""
        points = np.asarray(points, dtype=np.float64)
        minima = np.asarray(self.minima, dtype=np.float64)
        dist = np.linalg.norm(points[..., None, :] - minima, axis=-1)
        dist = np.where(np.isnan(dist), np.inf, dist)
        return dist.argmin(axis=-1), dist.min(axis=-1)


@lru_cache(maxsize=64)
def typed_landscape(formula: str, bounds: Bounds) -> Landscape:
    """`from_expression(formula, bounds)`, built once per formula and bounds (hashable tuples) and shared:
    the app asks for the same typed surface on every rerun, and unpickles it from its caches too."""
    import landscapes

    return landscapes.from_expression(formula, bounds)


def _check_last_axis(points: np.ndarray) -> None:
    if points.ndim == 0 or points.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), one (x, y) pair per point; got {points.shape}")
