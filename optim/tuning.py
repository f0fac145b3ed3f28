"""A learning rate that suits a vault, found by one batched run over a ladder of rates.

This is how the app opens every vault with a hand that shows something, instead of one fixed teaching
default that crawls on one surface and spins off on the next. It picks the calmest rate that still
cracks the safe with a quarter of the steps to spare: a path worth watching, not a single leap.
"""

from __future__ import annotations

import numpy as np

from landscapes import Landscape
from optim import registry
from optim.simulate import simulate

LADDER_MANTISSAS = (1, 2, 3, 5, 7)


def lr_ladder(low: float, high: float) -> np.ndarray:
    """Learning rates 1, 2, 3, 5, 7 × 10^k between `low` and `high`: even steps on a log scale."""
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    values = sorted({round(m * 10.0**e, 12) for e in decades for m in LADDER_MANTISSAS})
    return np.array([v for v in values if low <= v <= high])


def suggest_lr(optimizer: str, landscape: str | Landscape, start=None, steps: int = 200, **hyperparameters) -> float:
    """The smallest rung of the optimizer's lr ladder that cracks the safe within 3/4 of `steps`.

    Failing that, the rung that cracks it soonest; if none does, the one with the lowest final loss; if
    every rung spins off, the smallest. Other hyperparameters stay at their defaults unless given.
    """
    spec = registry.get(optimizer)
    h = spec.hyperparameter("lr")
    ladder = lr_ladder(h.low, h.high)
    tr = simulate(spec, landscape, start=start, steps=steps, lr=ladder, record_state=False, **hyperparameters)
    cracked = tr.cracked_at()
    in_time = (cracked >= 0) & (cracked <= 0.75 * steps)
    if in_time.any():
        return float(ladder[in_time.argmax()])
    if (cracked >= 0).any():
        return float(ladder[np.where(cracked >= 0, cracked, np.iinfo(np.int64).max).argmin()])
    final = np.where(tr.diverged_at >= 0, np.inf, tr.final_loss)
    return float(ladder[final.argmin()]) if np.isfinite(final).any() else float(ladder[0])
