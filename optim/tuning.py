"""A learning rate that suits a vault, found by one batched run over a ladder of rates.

This is how the app opens every vault with a hand that shows something, instead of one fixed teaching
default that crawls on one surface and spins off on the next. A rung counts only if its run reaches the
combination and stays there (`Trajectory.settled_at`): a path that flies past it and leaves has not
cracked the safe, and one that spins off never wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landscapes import Landscape
from optim import registry
from optim.simulate import simulate

LADDER_MANTISSAS = (1, 2, 3, 5, 7)
# "calm": the smallest rung that settles with a quarter of the steps to spare, a path worth watching;
# "fast": the rung that settles soonest, each hand at its best (the race).
PREFERENCES = ("calm", "fast")


def lr_ladder(low: float, high: float) -> np.ndarray:
    """Learning rates 1, 2, 3, 5, 7 × 10^k between `low` and `high`: even steps on a log scale."""
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    values = sorted({round(m * 10.0**e, 12) for e in decades for m in LADDER_MANTISSAS})
    return np.array([v for v in values if low <= v <= high])


def choose_rung(settled, final_loss, diverged_at, steps: int, prefer: str = "calm") -> int:
    """Index of the rung to use, given each rung's settling step (-1: never), final loss and divergence.

    Rungs that spin off never win. "calm" takes the smallest rung that settles within 3/4 of `steps`,
    "fast" (and "calm" when none does) the one that settles soonest, the lower final loss breaking ties;
    failing both, the lowest final loss; if every rung spins off, the smallest.
    """
    if prefer not in PREFERENCES:
        raise ValueError(f"prefer must be one of {', '.join(PREFERENCES)}, got {prefer!r}")
    settled, final_loss, diverged_at = (np.asarray(a) for a in (settled, final_loss, diverged_at))
    calm = diverged_at < 0
    arrives = calm & (settled >= 0)
    if prefer == "calm" and (arrives & (settled <= 0.75 * steps)).any():
        return int(np.argmax(arrives & (settled <= 0.75 * steps)))
    if arrives.any():
        order = np.where(arrives, settled, np.iinfo(np.int64).max)
        ties = np.flatnonzero(order == order.min())
        return int(ties[np.argmin(np.nan_to_num(final_loss[ties], nan=np.inf))])
    loss = np.where(calm & np.isfinite(final_loss), final_loss, np.inf)
    return int(np.argmin(loss)) if np.isfinite(loss).any() else 0


@dataclass(frozen=True)
class Suggestion:
    """The rung chosen, and what its batch showed: when it settled (-1: never), whether it spun off (only when
    every rung did), and how many of the rungs tried spun off."""

    lr: float
    settled_at: int
    diverged: bool
    rungs: int
    spun_off: int


def ladder_for(optimizer) -> np.ndarray:
    """The optimizer's lr ladder across its slider's range: the rungs tuning tries and the slider offers."""
    h = registry.get(optimizer).hyperparameter("lr")
    return lr_ladder(h.low, h.high)


def suggest(optimizer, landscape: str | Landscape, start=None, steps: int = 200, *, prefer: str = "calm",
            **settings) -> Suggestion:
    """The rung of the optimizer's lr ladder chosen by `choose_rung` from one batched run (two, if every
    rung of the slider's range spins off); `settings` go to `simulate` (other hyperparameters, noise,
    schedule)."""
    spec = registry.get(optimizer)
    h = spec.hyperparameter("lr")
    # On the steepest vaults (Goldstein-Price) even the slider's lowest rung spins off: look further down.
    for low, high in ((h.low, h.high), (h.low * 1e-3, h.low)):
        ladder = lr_ladder(low, high)
        tr = simulate(spec, landscape, start=start, steps=steps, lr=ladder, record_state=False, **settings)
        if (tr.diverged_at < 0).any():
            break
    settled = tr.settled_at()
    best = choose_rung(settled, tr.final_loss, tr.diverged_at, steps, prefer)
    return Suggestion(float(ladder[best]), int(settled[best]), bool(tr.diverged_at[best] >= 0), len(ladder),
                      int((tr.diverged_at >= 0).sum()))


def suggest_lr(optimizer, landscape: str | Landscape, start=None, steps: int = 200, *, prefer: str = "calm",
               **settings) -> float:
    """The learning rate `suggest` picks."""
    return suggest(optimizer, landscape, start, steps, prefer=prefer, **settings).lr
