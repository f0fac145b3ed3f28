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


def _no_line_search(hp: dict) -> bool:
    return False


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
    # A state holding a point that is drawn as a ghost beside the hand (ASGD's averaged point `ax`).
    ghost: str | None = None
    # Settings torch takes as one tuple, each split into two hyperparameters: (tuple's name, (first, second)).
    pairs: tuple[tuple[str, tuple[str, str]], ...] = (("betas", ("beta1", "beta2")),)
    # Whether, with these settings, a line search chooses the stride and the learning rate is only its first
    # trial (L-BFGS): the tuner then has no calmer rate to offer than its fastest (optim.tuning).
    line_search: Callable[[dict], bool] = field(default=_no_line_search, repr=False)
    # For a hand that sees the shapes of a network's parameters (Adafactor's row and column statistics, Muon's
    # matrices): given a layout ((name, shape), ...), the (init, step) pair that acts on those tensors as torch
    # does. None: the rule acts dial by dial and works on any number of dials as it is.
    on_tensors: Callable[[tuple], tuple[Callable, Callable]] | None = field(default=None, repr=False)

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

    def rules_for(self, layout: tuple | None) -> tuple[Callable, Callable]:
        """(init, step) for dials laid out as `layout`'s tensors (None: loose dials, as on a two-dial vault)."""
        if layout is None or self.on_tensors is None:
            return self.init, self.step
        return self.on_tensors(tuple(layout))

    def split_pairs(self, given: dict) -> dict:
        """`given` with every tuple torch takes whole (`betas=(b1, b2)`, Rprop's `etas=`) split into its two
        hyperparameters; a None in a pair leaves that one at its default (Adafactor's `eps=(None, 1e-3)`)."""
        given = dict(given)
        for pair, names in self.pairs:
            if pair not in given or pair in self.names:
                continue
            if any(name in given for name in names):
                raise ValueError(f"give either {pair}=({', '.join(names)}) or {'/'.join(names)}, not both")
            values = given.pop(pair)
            try:
                first, second = values
            except (TypeError, ValueError):
                raise ValueError(f"{pair} must be a pair ({', '.join(names)}), got {values!r}") from None
            given.update({name: value for name, value in zip(names, (first, second), strict=True)
                          if value is not None})
        return given

    def resolve(self, given: dict, n_runs: int | None = None) -> dict:
        """Defaults filled in and every value checked. Pairs such as `betas=(b1, b2)` are split first."""
        given = self.split_pairs(given)
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
