"""Learning-rate schedules: how the hand's reach changes over the run.

A schedule is any callable `(update_index, total_steps) -> multiplier` on a NumPy array of update indices
0, 1, ..., total_steps - 1; the lr used by update k is `lr * multiplier[k]`. This matches torch's
`lr_scheduler` stepped once after every optimizer step: update k sees the scheduler after k steps.
`SCHEDULES` holds the named ones with defaults relative to the run's length; add yours there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ScheduleFn = Callable[[np.ndarray, int], np.ndarray]


def constant() -> ScheduleFn:
    """The same reach on every step."""
    return lambda k, total: np.ones_like(k, dtype=np.float64)


def step_decay(step_size: int | None = None, gamma: float = 0.5) -> ScheduleFn:
    """Multiply the lr by `gamma` every `step_size` updates (torch's StepLR); default: thirds of the run."""
    _check_factor("gamma", gamma)

    def multiplier(k, total):
        size = step_size or max(1, -(-total // 3))  # ceil: exactly two halvings, at each third
        return gamma ** np.floor_divide(k, size).astype(np.float64)

    return multiplier


def exponential(gamma: float | None = None) -> ScheduleFn:
    """Multiply the lr by `gamma` after every update (torch's ExponentialLR); default: 1 % left at the end."""
    if gamma is not None:
        _check_factor("gamma", gamma)

    def multiplier(k, total):
        rate = gamma if gamma is not None else 0.01 ** (1 / max(total, 1))
        return rate ** k.astype(np.float64)

    return multiplier


def cosine(floor: float = 0.0) -> ScheduleFn:
    """Half a cosine from the full lr down to `floor`·lr at the end (torch's CosineAnnealingLR, T_max = steps)."""
    _check_factor("floor", floor)

    def multiplier(k, total):
        return floor + (1 - floor) * (1 + np.cos(np.pi * k / max(total, 1))) / 2

    return multiplier


def _check_factor(name: str, value: float) -> None:
    if not (np.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"schedule {name} must be a number in [0, 1], got {value!r}")


@dataclass(frozen=True)
class Schedule:
    key: str
    title: str
    description: str
    make: Callable[[], ScheduleFn]


SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule("constant", "Constant", "The same learning rate on every step.", constant),
    "step": Schedule("step", "Step decay", "Halve the learning rate at each third of the run.", step_decay),
    "exponential": Schedule("exponential", "Exponential decay",
                            "Shrink the learning rate a little after every step, to 1 % by the end.",
                            exponential),
    "cosine": Schedule("cosine", "Cosine annealing",
                       "Glide from the full learning rate down to zero along half a cosine.", cosine),
}


def multipliers(schedule: str | ScheduleFn | None, steps: int) -> np.ndarray:
    """The lr multiplier for each of `steps` updates, shape (steps,)."""
    if schedule is None:
        schedule = "constant"
    if isinstance(schedule, str):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}: choose one of {', '.join(SCHEDULES)}, "
                             "or pass a function (update_index, total_steps) -> multiplier")
        schedule = SCHEDULES[schedule].make()
    elif not callable(schedule):
        raise ValueError(f"schedule must be a name ({', '.join(SCHEDULES)}) or a function, got {schedule!r}")
    values = np.broadcast_to(np.asarray(schedule(np.arange(steps), steps), dtype=np.float64), (steps,))
    if not np.all(np.isfinite(values) & (values >= 0)):
        raise ValueError("a schedule's multipliers must be finite and non-negative")
    return values
