"""Hyperparameters: what each knob on the hand means, which values are allowed, and how a slider shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Allowed ranges, written the way the error message reads them.
NON_NEGATIVE = "[0, inf)"
UNIT_OPEN = "[0, 1)"
UNIT_CLOSED = "[0, 1]"
SWITCH = "True or False"


_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "lambda": "λ",
          "mu": "μ", "rho": "ρ", "psi": "ψ", "tau": "τ", "Gamma": "Γ", "Delta": "Δ"}
_SUBSCRIPT = dict(zip("0123456789aehklmnopst", "₀₁₂₃₄₅₆₇₈₉ₐₑₕₖₗₘₙₒₚₛₜ", strict=True))
_LATEX_SYMBOL = re.compile(r"^(?:\\(?P<greek>[A-Za-z]+)|(?P<letter>[A-Za-z]))(?:_(?P<sub>[0-9a-z]))?$")


def _plain_text(latex: str) -> str:
    """A one-letter LaTeX symbol with at most one subscript as Unicode text; anything else: ""."""
    found = _LATEX_SYMBOL.match(latex.strip())
    if not found:
        return ""
    head = _GREEK.get(found["greek"], "") if found["greek"] else found["letter"]
    if not head:
        return ""
    sub = found["sub"]
    if sub and sub not in _SUBSCRIPT:
        return ""
    return head + (_SUBSCRIPT[sub] if sub else "")


@dataclass(frozen=True)
class Hyperparameter:
    """One knob of an optimizer.

    `allowed` is the mathematical range `simulate` accepts (anything else raises ValueError); `low`/`high`
    are the slider's range in the app, `log` says whether the slider moves in powers of ten.
    """

    name: str
    symbol: str  # LaTeX, as it appears in the update rule
    default: float | bool
    allowed: str
    help: str
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    torch_default: float | bool | None = None  # shown where the teaching default differs from PyTorch's
    plain: str = ""  # the symbol in plain text (μ, β₁) for labels; empty: labels use the name

    @property
    def plain_symbol(self) -> str:
        """The symbol as plain text for labels and screen readers: `plain` when the spec gives one, else read
        off the LaTeX symbol (\\beta_1 -> β₁); empty when it has no plain-text spelling."""
        return self.plain or _plain_text(self.symbol)

    @property
    def is_switch(self) -> bool:
        return self.allowed == SWITCH

    def validate(self, value, n_runs: int | None = None):
        """`value` checked: a float (a bool for a switch) or a float64 array of shape (N,), one per run.

        Raises ValueError naming the parameter and its allowed range.
        """
        if self.is_switch:
            array = np.asarray(value)
            if array.dtype != np.bool_:
                raise ValueError(f"{self.name} must be {SWITCH} (or one per run), got {value!r}")
        else:
            try:
                array = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"{self.name} must be a number in {self.allowed}, got {value!r}") from None
        if array.ndim > 1 or (array.ndim == 1 and array.shape[0] != n_runs):
            raise ValueError(f"{self.name} must be one value or one per run (shape ({n_runs or 'N'},)), "
                             f"got shape {array.shape}")
        if self.is_switch:
            return bool(array) if array.ndim == 0 else array
        bad = ~np.isfinite(array)
        if self.allowed == NON_NEGATIVE:
            bad |= array < 0
        elif self.allowed == UNIT_OPEN:
            bad |= (array < 0) | (array >= 1)
        elif self.allowed == UNIT_CLOSED:
            bad |= (array < 0) | (array > 1)
        if bad.any():
            example = array[bad].flat[0] if array.ndim else array
            raise ValueError(f"{self.name} must be a finite number in {self.allowed}, got {example!r}")
        return float(array) if array.ndim == 0 else array


@dataclass(frozen=True)
class Bounded(Hyperparameter):
    """A number allowed only between `minimum` and `maximum`, each end open or closed, optionally whole.

    `allowed` spells the same range for the error message, e.g. "(0, 1)", "(-inf, 0]" or "[1, inf) whole".
    """

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


def lr(default: float, low: float = 1e-4, high: float = 1.0, torch_default: float | None = None):
    return Hyperparameter(
        "lr", r"\eta", default, NON_NEGATIVE, low=low, high=high, log=True, torch_default=torch_default,
        help="How far the hand turns the dials on each click. Too small and it never finishes; too large "
             "and it overshoots and spins off.")


def weight_decay(default: float = 0.0, how: str = "L2", torch_default: float | None = None):
    """λ; torch's default is AdamW's 0.01 for decoupled decay and 0 for L2, unless `torch_default` says."""
    text = ("Pulls the dials back toward zero on every step (decoupled: applied to the dials directly, "
            "as AdamW does)." if how == "decoupled" else
            "Adds λ·θ to the click (an L2 penalty): the hand is also pulled toward zero.")
    if torch_default is None:
        torch_default = 1e-2 if how == "decoupled" else 0.0
    return Hyperparameter("weight_decay", r"\lambda", default, NON_NEGATIVE, low=0.0, high=0.1, help=text, plain="λ",
                          torch_default=torch_default)


def eps(default: float):
    return Hyperparameter("eps", r"\epsilon", default, NON_NEGATIVE, low=1e-10, high=1e-1, log=True,
                          help="A tiny number added below the fraction so the hand never divides by zero.")
