"""One step of a run taken apart, with this step's own numbers put into the update rule.

`explain(optimizer, hyperparameters, table, step)` rebuilds step `step` of a run from its table
(`Trajectory.to_frame()`) line by line, each `Line` holding its rule, plain words and, per dial, the numbers
that go into it. The optimizer's spec supplies the lines (`OptimizerSpec.explain`, given a `Step`); this
module supplies what every hand shares (the click, the schedule, where the dial lands) and the arithmetic of
showing them: `render` writes a line as LaTeX at a precision `digits_for` picks so that the numbers shown,
worked out by hand, give the result shown.

Row convention: row t of the table is point t, the click heard there, the memory right after hearing it,
and the turn it then made to point t+1. So step k (the k-th turn, k >= 1) is row k-1, and the memory
it starts from is row k-2 (or the empty memory the optimizer starts with, for k = 1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optim import registry
from optim.spec import OptimizerSpec

DIALS = ("x", "y")
RESULT_DIGITS, MAX_DIGITS = 4, 12  # significant digits of a result; most for its inputs

# ---------------------------------------------------------------------------------------------------------
# The lines of one step


@dataclass(frozen=True)
class Line:
    """One quantity of one step: `symbol = rule`, then per dial `template` with numbers = `value`.

    In `template`, `<name>` stands for a number that gets parentheses when it is negative or written with
    a power of ten, `[name]` for one written bare (inside a fraction, a root or an exponent). `compute`
    takes the inputs by name and returns the result; `values` is what the run recorded (or, where the run
    keeps no record, what `compute` gives at full precision). `shared` lines are the same on both dials.
    """

    symbol: str
    rule: str
    words: str
    template: str
    inputs: tuple[dict[str, float], ...]
    compute: Callable[..., float]
    values: tuple[float, ...]
    recorded: bool = True
    shared: bool = False
    kind: str = ""  # "update" and "point" mark the turn and where it lands

    def computed(self, dial: int, digits: int | None = None) -> float:
        """The result from this dial's inputs, at full precision or rounded to `digits` as shown."""
        inputs = self.inputs[dial]
        if digits is not None:
            inputs = {name: _round(value, digits) for name, value in inputs.items()}
        with np.errstate(all="ignore"):
            return float(self.compute(**inputs))


def _round(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}") if math.isfinite(value) else value


def tex_number(value: float, digits: int) -> str:
    """A number as LaTeX at `digits` significant digits: -37.42, 0.001, 3.2\\times10^{-5}."""
    if value is None or math.isnan(value):
        return r"\text{NaN}"
    if math.isinf(value):
        return r"-\infty" if value < 0 else r"\infty"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if float(text) != value and abs(float(text) - value) > 1e-12 * abs(value):
        # A rounded reading keeps its trailing zeros (16.20, not 16.2), so every reading shows its digits;
        # an exact setting such as β₁ = 0.9 stays short.
        text = f"{value:#.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = f"10^{{{int(exponent)}}}"
        return power if mantissa == "1" else ("-" + power if mantissa == "-1" else rf"{mantissa}\times{power}")
    return text


def _operand(value: float, digits: int) -> str:
    text = tex_number(value, digits)
    return f"({text})" if text.startswith("-") or r"\times" in text else text


_TOKEN = re.compile(r"<(\w+)>|\[(\w+)\]")


WRAP_AT = 34  # characters of LaTeX source (commands excluded) beyond which the result goes on its own line
_COMMAND = re.compile(r"\\[a-zA-Z]+|[{}^_]")


def render(line: Line, dial: int, digits: int = RESULT_DIGITS) -> str:
    """`symbol = numbers = result` for one dial, as LaTeX, the numbers at `digits` significant digits and
    the result at `RESULT_DIGITS` (the rule itself goes beside it, in words); a long line puts
    `= result` on a second line so it fits a column."""
    inputs = line.inputs[dial]

    def number(match):
        wrapped, bare = match.groups()
        return _operand(inputs[wrapped], digits) if wrapped else tex_number(inputs[bare], digits)

    numbers = _TOKEN.sub(number, line.template)
    result = tex_number(line.values[dial], RESULT_DIGITS)
    if numbers == result:
        return f"{line.symbol} = {result}"
    # Where two nearly equal numbers cancel, no number of digits may carry the result: say so rather
    # than claim an equality the shown numbers do not give.
    equals = "=" if reproduces(line, dial, digits) else r"\approx"
    text = f"{line.symbol} = {numbers} {equals} {result}"
    if len(_COMMAND.sub("", text)) <= WRAP_AT:
        return text
    return rf"\begin{{aligned}} {line.symbol} &= {numbers} \\ &{equals} {result} \end{{aligned}}"


def last_digit(value: float, digits: int = RESULT_DIGITS) -> float:
    """The size of one unit in the last digit of `value` written with `digits` significant digits."""
    shown = _round(value, digits)
    if shown == 0 or not math.isfinite(shown):
        return 0.0
    return 10.0 ** (math.floor(math.log10(abs(shown))) - digits + 1)


def reproduces(line: Line, dial: int, digits: int) -> bool:
    """Whether the numbers as shown at `digits`, worked out by hand and rounded like the result, give the
    result as shown to within one unit of its last digit."""
    value = line.values[dial]
    if not math.isfinite(value):
        return True
    by_hand = _round(line.computed(dial, digits), RESULT_DIGITS)
    return abs(by_hand - _round(value, RESULT_DIGITS)) <= last_digit(value) * (1 + 1e-9)


def digits_for(line: Line) -> int:
    """The fewest significant digits for the numbers going into the line (at least as many as the result
    has) at which it checks out on both dials. When the result is much smaller than those numbers (a dial
    landing next to zero, a swing that reverses), they need more digits than the result."""
    for digits in range(RESULT_DIGITS, MAX_DIGITS + 1):
        if all(reproduces(line, dial, digits) for dial in range(len(line.values))):
            return digits
    return MAX_DIGITS


# ---------------------------------------------------------------------------------------------------------
# Building a step's lines from the run's table

# ---------------------------------------------------------------------------------------------------------
# Building a step's lines from the run's table: what every hand shares

CLICK_WORDS = ("**The click.** How much louder the door gets as you nudge this dial: it points uphill, and the "
               "hand turns the other way.")
CLICK_L2_WORDS = ("**The click, plus the pull home.** The click heard, plus λ times the dial's own setting: "
                  "weight decay pulls every dial back toward zero.")
SCHEDULE_WORDS = "**This step's reach.** The schedule scales the learning rate η for this step."
POINT_WORDS = "**Where the dial lands.** The old setting plus the turn: the next point of the path."


class Step:
    """The numbers of one step, per dial, read from the run's table; an optimizer's `explain` adds its lines
    with `add` and ends with `turn`."""

    def __init__(self, optimizer: OptimizerSpec, hyperparameters: dict, table: pd.DataFrame, step: int):
        if not 1 <= step < len(table):
            raise ValueError(f"step must be between 1 and {len(table) - 1}, got {step}")
        self.spec, self.hp, self.t = optimizer, dict(hyperparameters), step
        self.row = table.iloc[step - 1]
        self.previous = table.iloc[step - 2] if step >= 2 else None
        self.next = table.iloc[step]
        self.lines: list[Line] = []

    def now(self, name: str) -> tuple[float, float]:
        return tuple(float(self.row[f"{name}_{d}"]) for d in DIALS)

    def before(self, name: str, initial: float = 0.0) -> tuple[float, float]:
        """The memory the step starts from: the previous row's, or the optimizer's empty start."""
        if self.previous is None:
            return (float(initial), float(initial))
        return tuple(float(self.previous[f"{name}_{d}"]) for d in DIALS)

    def theta(self) -> tuple[float, float]:
        return float(self.row["x"]), float(self.row["y"])

    def add(self, symbol, rule, words, template, inputs, compute, values=None, *, shared=False, kind=""):
        """Append a line; `words` is the sentence beside it, `inputs` maps a name to a number or a per-dial
        pair. Returns the per-dial values."""
        per_dial = tuple({name: float(v[d]) if isinstance(v, tuple) else float(v) for name, v in inputs.items()}
                         for d in range(2))
        recorded = values is not None
        if values is None:
            with np.errstate(all="ignore"):
                values = tuple(float(compute(**per_dial[d])) for d in range(2))
        line = Line(symbol, rule, words, template, per_dial, compute, tuple(float(v) for v in values),
                    recorded=recorded, shared=shared, kind=kind)
        self.lines.append(line)
        return line.values

    def eta(self) -> tuple[float, float]:
        eta = float(self.row["lr"])
        base = float(self.hp["lr"])
        if base > 0 and not math.isclose(eta, base, rel_tol=1e-12):
            return self.add(r"\eta_t", r"\eta \cdot \text{schedule}(t)", SCHEDULE_WORDS, r"<eta>\cdot<factor>",
                            {"eta": base, "factor": eta / base}, lambda eta, factor: eta * factor,
                            (eta, eta), shared=True)
        return eta, eta

    def gradient(self, decoupled: bool = False) -> tuple[float, float]:
        click = self.now("grad")
        lam = float(self.hp.get("weight_decay", 0.0))
        if lam and not decoupled:
            return self.add("g_t", r"\nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}", CLICK_L2_WORDS,
                            r"<click> + <lam>\cdot<theta>", {"click": click, "lam": lam, "theta": self.theta()},
                            lambda click, lam, theta: click + lam * theta)
        return self.add("g_t", r"\nabla f(\theta_{t-1})", CLICK_WORDS, "[click]", {"click": click},
                        lambda click: click, click)

    def turn(self, rule, words, template, inputs, compute) -> tuple[float, float]:
        # The turn as the rule computes it; the run records it as (θ + Δθ) - θ, which differs from it only
        # below the dial's float resolution, and is lost altogether on the turn that spins the hand off.
        return self.add(r"\Delta\theta_t", rule, words, template, inputs, compute, kind="update")

    def land(self, delta) -> None:
        landed = (float(self.next["x"]), float(self.next["y"]))
        values = landed if all(math.isfinite(v) for v in landed) else None
        self.add(r"\theta_t", r"\theta_{t-1} + \Delta\theta_t", POINT_WORDS, "<theta> + <delta>",
                 {"theta": self.theta(), "delta": delta}, lambda theta, delta: theta + delta, values, kind="point")


def explain(optimizer: str | OptimizerSpec, hyperparameters: dict, table: pd.DataFrame, step: int) -> list[Line]:
    """Step `step` (the step-th turn, from 1) of a run, line by line, ending with the turn and the new point.

    `table` is the run's `Trajectory.to_frame()`; `hyperparameters` its resolved settings.
    """
    spec = registry.get(optimizer)
    if spec.explain is None:
        raise ValueError(f"no step-by-step explanation for optimizer {spec.key!r}")
    s = Step(spec, hyperparameters, table, step)
    delta = spec.explain(s)
    s.land(delta)
    return s.lines


def last_step(table: pd.DataFrame) -> int:
    """The last step worth opening: the final turn, or the turn that spun the hand off (its click and memory
    were still heard, only where it landed is lost). 0 when not even the start could be heard."""
    heard = np.isfinite(table["grad_x"].to_numpy()) & np.isfinite(table["grad_y"].to_numpy())
    heard[-1] = False  # the last row has a click but makes no turn
    return int(np.flatnonzero(heard)[-1]) + 1 if heard.any() else 0


def step_summary(lines: list[Line], table: pd.DataFrame, step: int, title: str) -> str:
    """The step in one sentence: the click, the turn, and whether the turn went straight downhill."""
    row = table.iloc[step - 1]
    click = np.array([row["grad_x"], row["grad_y"]], dtype=float)
    turn = np.array(next(line for line in lines if line.kind == "update").values)
    before, after = float(row["loss"]), float(table.iloc[step]["loss"])
    text = (f"At step {step} the click points ({click[0]:.3g}, {click[1]:.3g}), uphill; {title} turns the dials "
            f"by ({turn[0]:.3g}, {turn[1]:.3g}).")
    if not np.isfinite(after):
        return text + " That turn throws the dials off the map: the hand spun off here."
    norms = np.linalg.norm(click) * np.linalg.norm(turn)
    if norms > 0:
        angle = math.degrees(math.acos(float(np.clip(-click @ turn / norms, -1.0, 1.0))))
        text += f" The turn is {angle:.0f}° away from straight downhill"
        text += "," if angle < 90 else " (it climbs against the click, carried by its memory),"
    else:
        text += " The hand does not move,"
    shown_before, shown_after = losses_apart(before, after)
    text += f" and the loss goes from {shown_before} to {shown_after}"
    if before != after and abs(after - before) < 1e-3 * abs(before):
        text += f", a change of {after - before:+.2g}"
    return text + "."


def losses_apart(before: float, after: float) -> tuple[str, str]:
    """Two losses with as many significant digits (4 to 12) as it takes to tell them apart, so a turn that
    changed the loss never reads "181.6 to 181.6"."""
    for digits in range(RESULT_DIGITS, MAX_DIGITS + 1):
        a, b = f"{before:.{digits}g}", f"{after:.{digits}g}"
        if a != b:
            break
    return a, b
