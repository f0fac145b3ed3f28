"""`PathView`: the plain data a chart needs from one run, so that viz never depends on `optim`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viz.style import label_for


@dataclass(frozen=True, eq=False)
class PathView:
    """One run as drawn: where the dials stood at every step, and the two moments that make its story.

    `points` is (steps+1, 2) with row 0 the start and NaN rows from `diverged_at` on; `loss` is (steps+1,).
    `cracked_at` is the first step within the cracking tolerance of a global minimum, or None;
    `settled_at` the step from which it stays there to the end, or None (it passed by and swung away).
    """

    label: str
    key: str
    points: np.ndarray
    loss: np.ndarray
    diverged_at: int | None = None
    cracked_at: int | None = None
    settled_at: int | None = None
    ghost: np.ndarray | None = None  # (steps+1, 2): a point the hand keeps beside it (ASGD's average), or None

    def __post_init__(self):
        points = np.asarray(self.points, dtype=np.float64)
        loss = np.asarray(self.loss, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"points must have shape (steps+1, 2); got {points.shape}")
        if loss.shape != (len(points),):
            raise ValueError(f"loss must have shape ({len(points)},) to match the points; got {loss.shape}")
        # Frozen, so the coerced arrays go in through object.__setattr__.
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "loss", loss)
        if self.ghost is not None:
            ghost = np.asarray(self.ghost, dtype=np.float64)
            if ghost.shape != points.shape:
                raise ValueError(f"ghost must have the points' shape {points.shape}; got {ghost.shape}")
            object.__setattr__(self, "ghost", ghost)
        for name in ("diverged_at", "cracked_at", "settled_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, int(value))

    @property
    def steps(self) -> int:
        """Number of updates recorded (rows minus the start)."""
        return len(self.points) - 1

    @property
    def finite(self) -> np.ndarray:
        """(steps+1,) bool: rows where both dials have a finite value."""
        return np.isfinite(self.points).all(axis=1)

    @property
    def last_finite(self) -> int:
        """Index of the last finite point (-1 if not even the start is finite)."""
        idx = np.flatnonzero(self.finite)
        return int(idx[-1]) if len(idx) else -1

    def head_index(self) -> np.ndarray:
        """(steps+1,) int: for each step t, the last finite step <= t (-1 if none): where the hand rests."""
        idx = np.where(self.finite, np.arange(len(self.points)), -1)
        return np.maximum.accumulate(idx)

    def last_seen(self, bounds) -> tuple[float, float] | None:
        """Where a run that spun off was last seen on the map: its last finite point, or, if that lies off
        the map, the point where it crossed the map's edge. None if it never had a finite point."""
        stop = self.steps + 1 if self.diverged_at is None else min(self.diverged_at, self.steps + 1)
        finite = np.flatnonzero(self.finite[:stop])
        if len(finite) == 0:
            return None
        (x0, x1), (y0, y1) = bounds
        lo, hi = np.array([x0, y0]), np.array([x1, y1])
        last = self.points[finite[-1]]
        pts = self.points[finite]
        inside = np.flatnonzero(((pts >= lo) & (pts <= hi)).all(axis=1))
        if len(inside) and inside[-1] == len(pts) - 1:
            return float(last[0]), float(last[1])
        if len(inside) == 0:
            return tuple(float(v) for v in np.clip(last, lo, hi))
        # Leave along the segment from the last point inside to the next one, at the first edge it hits.
        p, q = pts[inside[-1]], pts[inside[-1] + 1]
        d = q - p
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(q > hi, (hi - p) / d, np.where(q < lo, (lo - p) / d, np.inf))
        edge = p + float(np.min(t)) * d
        return tuple(float(v) for v in np.clip(edge, lo, hi))

    @property
    def final_loss(self) -> float:
        """Loss at the last finite step (NaN if there is none)."""
        i = self.last_finite
        return float(self.loss[i]) if i >= 0 else float("nan")


def path_view(trajectory, label: str | None = None, tol: float | None = None) -> PathView:
    """A `PathView` of a single-run trajectory (duck-typed: `.optimizer`, `.points`, `.loss`,
    `.diverged_at`, `.cracked_at(tol)` and `.settled_at(tol)`); `tol=None` keeps the trajectory's own
    cracking tolerance."""
    points = np.asarray(trajectory.points)
    if points.ndim != 2:
        raise ValueError("path_view takes a single run; pick one run of a batch first")
    cracked = trajectory.cracked_at() if tol is None else trajectory.cracked_at(tol)
    settled = trajectory.settled_at() if tol is None else trajectory.settled_at(tol)
    key = str(trajectory.optimizer)
    ghost = trajectory.ghost() if hasattr(trajectory, "ghost") else None
    return PathView(label or label_for(key), key, points, trajectory.loss, trajectory.diverged_at, cracked, settled,
                    ghost)
