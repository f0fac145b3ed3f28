"""Stopgaps for the new hands until helper A's OptimizerSpec (optim/spec.py) lands; delete after the merge.

The hand modules are written against the agreed contract (/work/wt/CONTRACTS.md): `shown_state` and
`uses_closure` are fields of the spec. `hand_spec` passes them as fields when OptimizerSpec already
declares them, and otherwise through a subclass that carries them. `Bounded` is a Hyperparameter whose
allowed range today's `validate` does not know: open or closed ends, or whole numbers only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from optim.hyperparameters import Hyperparameter
from optim.registry import OptimizerSpec


@dataclass(frozen=True)
class _SpecWithContractFields(OptimizerSpec):
    shows: Callable[[dict], tuple[str, ...]] = lambda hp: ()
    closure: bool = False

    def shown_state(self, hp: dict) -> tuple[str, ...]:
        return self.shows(hp)

    @property
    def uses_closure(self) -> bool:
        return self.closure


def hand_spec(*, shown_state: Callable[[dict], tuple[str, ...]], uses_closure: bool = False,
              **spec_fields) -> OptimizerSpec:
    if "shown_state" in {f.name for f in fields(OptimizerSpec)}:
        return OptimizerSpec(shown_state=shown_state, uses_closure=uses_closure, **spec_fields)
    return _SpecWithContractFields(shows=shown_state, closure=uses_closure, **spec_fields)


@dataclass(frozen=True)
class Bounded(Hyperparameter):
    """A number allowed only between `minimum` and `maximum`, each end open or closed, optionally whole.

    `allowed` must spell the same range for the error message, e.g. "(0, 1)" or "[1, inf) whole".
    """

    plain: str = ""  # the plain-text symbol helper A's Hyperparameter gains; repeated here until then
    minimum: float = -np.inf
    maximum: float = np.inf
    open_below: bool = False
    open_above: bool = False
    whole: bool = False

    def validate(self, value, n_runs: int | None = None):
        checked = super().validate(value, n_runs)
        array = np.asarray(checked)
        outside = (array <= self.minimum) if self.open_below else (array < self.minimum)
        outside |= (array >= self.maximum) if self.open_above else (array > self.maximum)
        if self.whole:
            outside |= array != np.round(array)
        if np.any(outside):
            example = array[outside].flat[0] if array.ndim else checked
            raise ValueError(f"{self.name} must be a {'whole' if self.whole else 'finite'} number in "
                             f"{self.allowed}, got {example!r}")
        return checked


@dataclass(frozen=True)
class NamedSwitch(Hyperparameter):
    """A switch that torch spells as a name: `on` (e.g. "strong_wolfe") means True; None and the names in
    `off` mean False. The app shows it as a toggle; `simulate` accepts torch's spelling too."""

    plain: str = ""
    on: str = ""
    off: tuple[str, ...] = ()

    def validate(self, value, n_runs: int | None = None):
        if value is None or (isinstance(value, str) and value in self.off):
            value = False
        elif isinstance(value, str):
            if value != self.on:
                allowed = ", ".join(repr(v) for v in (self.on, *self.off, None))
                raise ValueError(f"{self.name} must be one of {allowed} (or True/False), got {value!r}")
            value = True
        return super().validate(value, n_runs)
