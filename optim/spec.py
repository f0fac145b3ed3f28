"""What the app knows about one optimizer, in one object: its rule, its knobs, and how to show and explain it.

Nothing else in the app is keyed by an optimizer's name: a page that needs to know how to explain a step,
which knob to put on the Map of settings or where theory says a run turns unstable asks the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from optim.hyperparameters import Hyperparameter

if TYPE_CHECKING:
    from optim.explain import Step


@dataclass(frozen=True)
class MapAxis:
    """The knob the Map of settings puts on its vertical axis (the learning rate is the horizontal one)."""

    name: str  # the hyperparameter, as optim and the address bar of Crack the safe name it
    label: str  # axis title
    symbol: str  # plain text, for hover labels and sentences
    note: str  # why this knob, in a sentence or two
    low: float | None = None  # the range shown by default; None: the hyperparameter's slider range
    high: float | None = None
    lr_range: tuple[float, float] = (1e-3, 1.0)  # the learning rates the map spans by default


@dataclass(frozen=True)
class Stability:
    """Theory's largest stable learning rate on a convex quadratic f = ½ θᵀHθ."""

    formula: str  # plain text, e.g. "lr < 2 (1 + μ) / L"
    # (L, the largest curvature; the settings by name, numbers or arrays) -> the largest stable lr
    limit: Callable[[float, dict], np.ndarray] = field(repr=False)


def _nothing_shown(hp: dict) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer: its pure update rule, its hyperparameters, and how to explain it."""

    key: str
    title: str
    description: str  # the hand on the dial, in plain words
    latex: str  # the update rule, in PyTorch's convention
    hyperparameters: tuple[Hyperparameter, ...]
    init: Callable = field(repr=False)
    step: Callable = field(repr=False)
    derive: Callable | None = field(default=None, repr=False)
    torch_class: str = ""  # how to build the same optimizer in PyTorch, e.g. "SGD(momentum=0.9)"
    # Names of the state worth recording and showing for these settings (an unused buffer is only zeros).
    shown_state: Callable[[dict], tuple[str, ...]] = field(default=_nothing_shown, repr=False)
    # One step taken apart for Inside the hand: adds its lines to the Step and returns the turn (optim.explain).
    explain: Callable[[Step], tuple[float, float]] | None = field(default=None, repr=False)
    map_axis: MapAxis | None = None  # None: the hand has no grid on the Map of settings
    stability: Stability | None = None  # None: theory draws no line for it
    uses_closure: bool = False  # the rule evaluates the loss itself (step gets closure=)
    # The memory Inside the hand draws as arrows beside the click and the turn: (state name, label) pairs,
    # drawn where the run recorded that state.
    arrows: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyperparameters)

    @property
    def defaults(self) -> dict[str, float | bool]:
        return {h.name: h.default for h in self.hyperparameters}

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise KeyError(name)

    def resolve(self, given: dict, n_runs: int | None = None) -> dict:
        """Defaults filled in and every value checked. `betas=(b1, b2)` is accepted for beta1 and beta2."""
        given = dict(given)
        if "betas" in given:
            if "beta1" in given or "beta2" in given:
                raise ValueError("give either betas=(beta1, beta2) or beta1/beta2, not both")
            betas = given.pop("betas")
            try:
                given["beta1"], given["beta2"] = betas
            except (TypeError, ValueError):
                raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
        unknown = set(given) - set(self.names)
        if unknown:
            raise ValueError(f"{self.key} has no hyperparameter {', '.join(sorted(unknown))}; "
                             f"it takes {', '.join(self.names)}")
        return {h.name: h.validate(given.get(h.name, h.default), n_runs) for h in self.hyperparameters}

    def axis_range(self) -> tuple[float, float]:
        """The map axis's default range: its own, or its hyperparameter's slider range."""
        axis = self.map_axis
        h = self.hyperparameter(axis.name)
        return (float(h.low if axis.low is None else axis.low), float(h.high if axis.high is None else axis.high))
