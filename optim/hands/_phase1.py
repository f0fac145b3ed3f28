"""What the new hands need until helper A's OptimizerSpec (optim/spec.py) lands; delete after the merge.

Two stopgaps, both keeping the hand modules written against the agreed contract (/work/wt/CONTRACTS.md):
`hand_spec` passes `shown_state` as the field the new OptimizerSpec declares, or, on today's class,
through a subclass whose `shown_state` method calls it; `Bounded` is a Hyperparameter whose allowed range
today's `validate` does not know (Adafactor's `beta2_decay <= 0` and `d >= 1`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from optim.hyperparameters import Hyperparameter

try:  # helper A's layout: the registry imports the hands, so the spec must come from its own module
    from optim.spec import OptimizerSpec
except ImportError:  # today's layout
    from optim.registry import OptimizerSpec


@dataclass(frozen=True)
class _SpecShowingState(OptimizerSpec):
    shows: Callable[[dict], tuple[str, ...]] = lambda hp: ()

    def shown_state(self, hp: dict) -> tuple[str, ...]:
        return self.shows(hp)


def hand_spec(*, shown_state: Callable[[dict], tuple[str, ...]], **spec_fields) -> OptimizerSpec:
    if "shown_state" in {f.name for f in fields(OptimizerSpec)}:
        return OptimizerSpec(shown_state=shown_state, **spec_fields)
    return _SpecShowingState(shows=shown_state, **spec_fields)


@dataclass(frozen=True)
class Bounded(Hyperparameter):
    """A number allowed only in [minimum, maximum] (either end may be infinite)."""

    minimum: float = -np.inf
    maximum: float = np.inf

    def validate(self, value, n_runs: int | None = None):
        checked = super().validate(value, n_runs)
        outside = (np.asarray(checked) < self.minimum) | (np.asarray(checked) > self.maximum)
        if np.any(outside):
            example = np.asarray(checked)[outside].flat[0] if np.ndim(checked) else checked
            raise ValueError(f"{self.name} must be a finite number in {self.allowed}, got {example!r}")
        return checked
