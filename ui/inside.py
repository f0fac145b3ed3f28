"""Inside the hand: one step of a run taken apart, with this step's own numbers put into the update rule.

`explain(optimizer, hyperparameters, table, step)` is pure (no Streamlit): from the run's table
(`Trajectory.to_frame()`) it rebuilds step `step` line by line, each `Line` holding its rule, plain words
and, per dial, the numbers that go into it. `render` writes a line as LaTeX at a precision `digits_for`
picks so that the numbers shown, worked out by hand, give the result shown.

Row convention: row t of the table is point t, the click heard there, the memory right after hearing it,
and the turn it then made to point t+1. So step k (the k-th turn, k >= 1) is row k-1, and the memory
it starts from is row k-2 (or the empty memory the optimizer starts with, for k = 1).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import viz
from ui import runs, url_state, widgets
from ui.figures import frozen

DIALS = ("x", "y")
RESULT_DIGITS, MAX_DIGITS = 4, 12  # significant digits of a result; most for its inputs
DEFAULT_STEP = 10
STEP_SETTING = url_state.number("step", DEFAULT_STEP, 1, 100_000, integer=True)
_PUBLISHED_STEP = "_inside_step_in_address"  # the `step` this page last wrote into the address bar

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

WORDS = {
    "click": "**The click.** How much louder the door gets as you nudge this dial: it points uphill, and "
             "the hand turns the other way.",
    "click_l2": "**The click, plus the pull home.** The click heard, plus λ times the dial's own setting: "
                "weight decay pulls every dial back toward zero.",
    "schedule": "**This step's reach.** The schedule scales the learning rate η for this step.",
    "sgd_turn": "**The turn.** A fixed share η of the click, against it. No memory: only this click counts.",
    "first_swing": "**The swing starts.** On the first step the swing is just the click.",
    "swing": "**The swing (momentum buffer).** Keep μ of the last swing, add the new click: steady clicks "
             "build speed, clicks that flip sides cancel out.",
    "swing_damped": "**The swing (momentum buffer).** Keep μ of the last swing, add the new click softened "
                    "by 1−τ.",
    "momentum_turn": "**The turn.** η times the swing, against it: the hand follows its momentum, not just "
                     "this click.",
    "nesterov_turn": "**The turn, looking ahead.** The click plus μ of the swing it is about to make, so the "
                     "hand brakes before it overshoots.",
    "decayed_reach": "**The tiring reach.** The learning rate shrinks a little on every step (lr decay δ).",
    "sum": "**Everything heard on this dial.** Every click so far, squared and added up: AdaGrad's fatigue.",
    "adagrad_reach": "**The reach of this dial.** The learning rate divided by the root of everything heard: "
                     "a dial that has been loud gets a short reach.",
    "adagrad_turn": "**The turn.** This dial's reach times the click, against it.",
    "square_avg": "**How loud this dial has been lately.** A running average of squared clicks: α of the old "
                  "loudness, 1−α of the new.",
    "grad_avg": "**The average click lately.** Centered RMSprop divides by the spread of the clicks around "
                "it, not by their loudness.",
    "loudness": "**The divider.** The root of the recent loudness (plus a tiny ε so it is never zero).",
    "loudness_centered": "**The divider.** The root of the spread of recent clicks (plus a tiny ε).",
    "rmsprop_reach": "**The reach of this dial.** η divided by the divider: loud dials take small steps, quiet "
                     "dials big ones.",
    "rmsprop_swing": "**The swing.** Keep μ of the last swing, add this click divided by the divider.",
    "rmsprop_turn": "**The turn.** This dial's reach times the click, against it.",
    "rmsprop_swing_turn": "**The turn.** η times the swing, against it.",
    "m": "**Which way the clicks point (m).** β₁ of the old memory plus 1−β₁ of the new click.",
    "v": "**How loud the clicks have been (v).** β₂ of the old loudness plus 1−β₂ of the new click squared.",
    "v_max": "**The loudest so far.** AMSGrad divides by the largest loudness remembered, so the reach never "
             "grows back.",
    "c1": "**Bias correction for m.** Both memories start empty, at zero, so early on they are too small; "
          "dividing by 1−β₁ᵗ scales m back up. It fades toward 1 as t grows.",
    "c2": "**Bias correction for v.** The same for the loudness, with β₂: it stays small for much longer.",
    "m_hat": "**Corrected direction (m̂).** Where the clicks point, scaled back up.",
    "v_hat": "**Corrected loudness (v̂).** How loud this dial has been, scaled back up.",
    "adam_reach": "**The reach of this dial.** η divided by the root of the loudness: every dial moves about "
                  "η per step, however steep or flat it is.",
    "adam_turn": "**The turn.** This dial's reach times the corrected direction, against it.",
    "adamw_turn": "**The turn.** The pull home (η·λ of the dial itself) plus this dial's reach times the "
                  "corrected direction, against it.",
    "point": "**Where the dial lands.** The old setting plus the turn: the next point of the path.",
}


class _Step:
    """The numbers of one step, per dial, read from the run's table."""

    def __init__(self, optimizer: str, hyperparameters: dict, table: pd.DataFrame, step: int):
        if not 1 <= step < len(table):
            raise ValueError(f"step must be between 1 and {len(table) - 1}, got {step}")
        self.optimizer, self.hp, self.t = optimizer, dict(hyperparameters), step
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
        """Append a line; `inputs` maps a name to a number or a per-dial pair. Returns the per-dial values."""
        per_dial = tuple({name: float(v[d]) if isinstance(v, tuple) else float(v) for name, v in inputs.items()}
                         for d in range(2))
        recorded = values is not None
        if values is None:
            with np.errstate(all="ignore"):
                values = tuple(float(compute(**per_dial[d])) for d in range(2))
        line = Line(symbol, rule, WORDS[words], template, per_dial, compute, tuple(float(v) for v in values),
                    recorded=recorded, shared=shared, kind=kind)
        self.lines.append(line)
        return line.values

    def eta(self) -> tuple[float, float]:
        eta = float(self.row["lr"])
        base = float(self.hp["lr"])
        if base > 0 and not math.isclose(eta, base, rel_tol=1e-12):
            return self.add(r"\eta_t", r"\eta \cdot \text{schedule}(t)", "schedule", r"<eta>\cdot<factor>",
                            {"eta": base, "factor": eta / base}, lambda eta, factor: eta * factor,
                            (eta, eta), shared=True)
        return eta, eta

    def gradient(self, decoupled: bool = False) -> tuple[float, float]:
        click = self.now("grad")
        lam = float(self.hp.get("weight_decay", 0.0))
        if lam and not decoupled:
            return self.add("g_t", r"\nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}", "click_l2",
                            r"<click> + <lam>\cdot<theta>", {"click": click, "lam": lam, "theta": self.theta()},
                            lambda click, lam, theta: click + lam * theta)
        return self.add("g_t", r"\nabla f(\theta_{t-1})", "click", "[click]", {"click": click},
                        lambda click: click, click)

    def turn(self, rule, words, template, inputs, compute) -> tuple[float, float]:
        # The turn as the rule computes it; the run records it as (θ + Δθ) - θ, which differs from it only
        # below the dial's float resolution, and is lost altogether on the turn that spins the hand off.
        return self.add(r"\Delta\theta_t", rule, words, template, inputs, compute, kind="update")

    def land(self, delta) -> None:
        landed = (float(self.next["x"]), float(self.next["y"]))
        values = landed if all(math.isfinite(v) for v in landed) else None
        self.add(r"\theta_t", r"\theta_{t-1} + \Delta\theta_t", "point", "<theta> + <delta>",
                 {"theta": self.theta(), "delta": delta}, lambda theta, delta: theta + delta, values, kind="point")


def _sgd(s: _Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    return s.turn(r"-\eta\, g_t", "sgd_turn", r"-<eta>\cdot<g>", {"eta": eta, "g": g}, lambda eta, g: -eta * g)


def _heavy_ball(s: _Step, nesterov: bool) -> tuple:
    eta, g = s.eta(), s.gradient()
    mu = float(s.hp["momentum"])
    if mu == 0:
        return s.turn(r"-\eta\, g_t", "sgd_turn", r"-<eta>\cdot<g>", {"eta": eta, "g": g}, lambda eta, g: -eta * g)
    if s.t == 1:
        b = s.add("b_1", "g_1", "first_swing", "[g]", {"g": g}, lambda g: g, s.now("buffer"))
    else:
        tau = 0.0 if nesterov else float(s.hp.get("dampening", 0.0))
        if tau:
            b = s.add("b_t", r"\mu\, b_{t-1} + (1-\tau)\, g_t", "swing_damped", r"<mu>\cdot<b> + <keep>\cdot<g>",
                      {"mu": mu, "b": s.before("buffer"), "keep": 1 - tau, "g": g},
                      lambda mu, b, keep, g: mu * b + keep * g, s.now("buffer"))
        else:
            b = s.add("b_t", r"\mu\, b_{t-1} + g_t", "swing", r"<mu>\cdot<b> + <g>",
                      {"mu": mu, "b": s.before("buffer"), "g": g}, lambda mu, b, g: mu * b + g, s.now("buffer"))
    if nesterov:
        return s.turn(r"-\eta\,(g_t + \mu\, b_t)", "nesterov_turn", r"-<eta>\cdot(<g> + <mu>\cdot<b>)",
                      {"eta": eta, "g": g, "mu": mu, "b": b}, lambda eta, g, mu, b: -eta * (g + mu * b))
    return s.turn(r"-\eta\, b_t", "momentum_turn", r"-<eta>\cdot<b>", {"eta": eta, "b": b},
                  lambda eta, b: -eta * b)


def _adagrad(s: _Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    delta = float(s.hp["lr_decay"])
    if delta:
        eta = s.add(r"\tilde\eta_t", r"\frac{\eta_t}{1 + (t-1)\,\delta}", "decayed_reach",
                    r"\frac{[eta]}{1 + [steps]\cdot[delta]}", {"eta": eta, "steps": s.t - 1, "delta": delta},
                    lambda eta, steps, delta: eta / (1 + steps * delta), shared=True)
    total = s.add("s_t", r"s_{t-1} + g_t^2", "sum", "<s> + <g>^2",
                  {"s": s.before("sum", s.hp["initial_accumulator_value"]), "g": g}, lambda s, g: s + g * g,
                  s.now("sum"))
    eps = float(s.hp["eps"])
    reach = s.add(r"\eta^{\text{dial}}_t", r"\frac{\eta}{\sqrt{s_t} + \epsilon}", "adagrad_reach",
                  r"\frac{[eta]}{\sqrt{[s]} + [eps]}", {"eta": eta, "s": total, "eps": eps},
                  lambda eta, s, eps: eta / (math.sqrt(s) + eps), s.now("effective_lr"))
    return s.turn(r"-\eta^{\text{dial}}_t\, g_t", "adagrad_turn", r"-<reach>\cdot<g>", {"reach": reach, "g": g},
                  lambda reach, g: -reach * g)


def _rmsprop(s: _Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    alpha, eps, mu = float(s.hp["alpha"]), float(s.hp["eps"]), float(s.hp["momentum"])
    v = s.add("v_t", r"\alpha\, v_{t-1} + (1-\alpha)\, g_t^2", "square_avg", r"<alpha>\cdot<v> + <keep>\cdot<g>^2",
              {"alpha": alpha, "v": s.before("square_avg"), "keep": 1 - alpha, "g": g},
              lambda alpha, v, keep, g: alpha * v + keep * g * g, s.now("square_avg"))
    if s.hp["centered"]:
        mean = s.add(r"\bar g_t", r"\alpha\, \bar g_{t-1} + (1-\alpha)\, g_t", "grad_avg",
                     r"<alpha>\cdot<mean> + <keep>\cdot<g>",
                     {"alpha": alpha, "mean": s.before("grad_avg"), "keep": 1 - alpha, "g": g},
                     lambda alpha, mean, keep, g: alpha * mean + keep * g, s.now("grad_avg"))
        divider = s.add(r"d_t", r"\sqrt{v_t - \bar g_t^2} + \epsilon", "loudness_centered",
                        r"\sqrt{[v] - [mean]^2} + [eps]", {"v": v, "mean": mean, "eps": eps},
                        lambda v, mean, eps: math.sqrt(max(v - mean * mean, 0.0)) + eps)
    else:
        divider = s.add(r"d_t", r"\sqrt{v_t} + \epsilon", "loudness", r"\sqrt{[v]} + [eps]", {"v": v, "eps": eps},
                        lambda v, eps: math.sqrt(v) + eps)
    reach = s.add(r"\eta^{\text{dial}}_t", r"\frac{\eta}{d_t}", "rmsprop_reach", r"\frac{[eta]}{[d]}",
                  {"eta": eta, "d": divider}, lambda eta, d: eta / d, s.now("effective_lr"))
    if mu > 0:
        b = s.add("b_t", r"\mu\, b_{t-1} + \frac{g_t}{d_t}", "rmsprop_swing", r"<mu>\cdot<b> + \frac{[g]}{[d]}",
                  {"mu": mu, "b": s.before("buffer"), "g": g, "d": divider}, lambda mu, b, g, d: mu * b + g / d,
                  s.now("buffer"))
        return s.turn(r"-\eta\, b_t", "rmsprop_swing_turn", r"-<eta>\cdot<b>", {"eta": eta, "b": b},
                      lambda eta, b: -eta * b)
    return s.turn(r"-\eta^{\text{dial}}_t\, g_t", "rmsprop_turn", r"-<reach>\cdot<g>", {"reach": reach, "g": g},
                  lambda reach, g: -reach * g)


def _adam(s: _Step, decoupled: bool) -> tuple:
    eta, g = s.eta(), s.gradient(decoupled)
    b1, b2, eps = float(s.hp["beta1"]), float(s.hp["beta2"]), float(s.hp["eps"])
    m = s.add("m_t", r"\beta_1 m_{t-1} + (1-\beta_1)\, g_t", "m", r"<b1>\cdot<m> + <keep>\cdot<g>",
              {"b1": b1, "m": s.before("m"), "keep": 1 - b1, "g": g},
              lambda b1, m, keep, g: b1 * m + keep * g, s.now("m"))
    v = s.add("v_t", r"\beta_2 v_{t-1} + (1-\beta_2)\, g_t^2", "v", r"<b2>\cdot<v> + <keep>\cdot<g>^2",
              {"b2": b2, "v": s.before("v"), "keep": 1 - b2, "g": g},
              lambda b2, v, keep, g: b2 * v + keep * g * g, s.now("v"))
    if s.hp["amsgrad"]:
        v = s.add(r"v^{\max}_t", r"\max(v^{\max}_{t-1},\, v_t)", "v_max", r"\max([old],\, [v])",
                  {"old": s.before("v_max"), "v": v}, lambda old, v: max(old, v), s.now("v_max"))
    c1 = s.add(r"1-\beta_1^t", "", "c1", "1 - <b1>^{[t]}", {"b1": b1, "t": s.t}, lambda b1, t: 1 - b1**t, shared=True)
    c2 = s.add(r"1-\beta_2^t", "", "c2", "1 - <b2>^{[t]}", {"b2": b2, "t": s.t}, lambda b2, t: 1 - b2**t, shared=True)
    m_hat = s.add(r"\hat m_t", r"\frac{m_t}{1-\beta_1^t}", "m_hat", r"\frac{[m]}{[c1]}", {"m": m, "c1": c1},
                  lambda m, c1: m / c1, s.now("m_hat"))
    v_hat = s.add(r"\hat v_t", r"\frac{v_t}{1-\beta_2^t}", "v_hat", r"\frac{[v]}{[c2]}", {"v": v, "c2": c2},
                  lambda v, c2: v / c2, s.now("v_hat"))
    reach = s.add(r"\eta^{\text{dial}}_t", r"\frac{\eta}{\sqrt{\hat v_t} + \epsilon}", "adam_reach",
                  r"\frac{[eta]}{\sqrt{[v_hat]} + [eps]}", {"eta": eta, "v_hat": v_hat, "eps": eps},
                  lambda eta, v_hat, eps: eta / (math.sqrt(v_hat) + eps), s.now("effective_lr"))
    lam = float(s.hp.get("weight_decay", 0.0))
    if decoupled and lam:
        return s.turn(r"-\eta\lambda\,\theta_{t-1} - \eta^{\text{dial}}_t\, \hat m_t", "adamw_turn",
                      r"-<eta>\cdot<lam>\cdot<theta> - <reach>\cdot<m_hat>",
                      {"eta": eta, "lam": lam, "theta": s.theta(), "reach": reach, "m_hat": m_hat},
                      lambda eta, lam, theta, reach, m_hat: -eta * lam * theta - reach * m_hat)
    return s.turn(r"-\eta^{\text{dial}}_t\, \hat m_t", "adam_turn", r"-<reach>\cdot<m_hat>",
                  {"reach": reach, "m_hat": m_hat}, lambda reach, m_hat: -reach * m_hat)


_RULES = {
    "sgd": _sgd,
    "momentum": lambda s: _heavy_ball(s, nesterov=False),
    "nesterov": lambda s: _heavy_ball(s, nesterov=True),
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": lambda s: _adam(s, decoupled=False),
    "adamw": lambda s: _adam(s, decoupled=True),
}


def explain(optimizer: str, hyperparameters: dict, table: pd.DataFrame, step: int) -> list[Line]:
    """Step `step` (the step-th turn, from 1) of a run, line by line, ending with the turn and the new point.

    `table` is the run's `Trajectory.to_frame()`; `hyperparameters` its resolved settings.
    """
    if optimizer not in _RULES:
        raise ValueError(f"no step-by-step explanation for optimizer {optimizer!r}")
    s = _Step(optimizer, hyperparameters, table, step)
    delta = _RULES[optimizer](s)
    s.land(delta)
    return s.lines


def last_step(table: pd.DataFrame) -> int:
    """The last step worth opening: the final turn, or the turn that spun the hand off (its click and memory
    were still heard, only where it landed is lost). 0 when not even the start could be heard."""
    heard = np.isfinite(table["grad_x"].to_numpy()) & np.isfinite(table["grad_y"].to_numpy())
    heard[-1] = False  # the last row has a click but makes no turn
    return int(np.flatnonzero(heard)[-1]) + 1 if heard.any() else 0


# ---------------------------------------------------------------------------------------------------------
# Cached pieces for the page (names and numbers in)

ARROW_NAMES = {
    "buffer": "swing b (momentum buffer)",
    "m_hat": "m̂ (where the clicks point)",
}


@st.cache_data(max_entries=64, show_spinner=False)
def table(scene_key: tuple) -> pd.DataFrame:
    return runs.scene_trajectory(scene_key).to_frame()


# Lines hold their arithmetic as functions, which do not pickle: kept as they are, not copied.
@st.cache_resource(max_entries=128, show_spinner=False)
def step_lines(scene_key: tuple, step: int) -> list[tuple[Line, int]]:
    """The lines of one step, each with the digits it is shown at."""
    trajectory = runs.scene_trajectory(scene_key)
    lines = explain(trajectory.optimizer, trajectory.hyperparameters, table(scene_key), step)
    return [(line, digits_for(line)) for line in lines]


# A shared figure, not a copy (unpickling a figure re-validates it); nothing mutates it.
@st.cache_resource(max_entries=128, show_spinner=False)
def internals(scene_key: tuple, step: int, presenter: bool):
    """The map around point step-1 with the click, the memory that steers and the turn, as arrows."""
    trajectory = runs.scene_trajectory(scene_key)
    row = table(scene_key).iloc[step - 1]
    turn = next(line for line, _ in step_lines(scene_key, step) if line.kind == "update").values
    point = (float(row["x"]), float(row["y"]))
    grad = (float(row["grad_x"]), float(row["grad_y"]))
    extra = {}
    for name, label in ARROW_NAMES.items():
        if f"{name}_x" in row.index and np.isfinite(row[f"{name}_x"]):
            extra[label] = (float(row[f"{name}_x"]), float(row[f"{name}_y"]))
    surface = trajectory.landscape
    if not all(math.isfinite(v) for v in turn):
        turn = (0.0, 0.0)  # flung to infinity: nothing to draw but the click and the memory
    reach = max(surface.extent)
    # Wide enough to show the lie of the land around the point (a closer view is flat and featureless),
    # never so wide that the vault shrinks to a dot when a turn flings the dials far away.
    half = min(max(3.0 * math.hypot(*turn), 0.15 * reach), 1.5 * reach)
    # Close up, the loss spans a fraction of a decade: a log colour scale anchored at the combination
    # would paint it one flat shade, so the close-up is coloured linearly over what it shows.
    close_up = dataclasses.replace(surface, log_scale=False)
    figure = viz.internals_figure(close_up, point, grad, turn, extra, zoom=half, presenter=presenter)
    figure.update_layout(height=640 if presenter else 560)
    return frozen(figure)


# ---------------------------------------------------------------------------------------------------------
# The step picker and what it opens (a fragment: moving the step reruns only this part)

ROW_CONVENTION = ("**Step k is the hand's k-th turn.** It stands at point k−1, presses its ear to the door and "
                  "hears the click there, updates its memory, and turns the dials to point k. In the table of "
                  "all steps below, that is row k−1: each row holds a point, the click heard there, the memory "
                  "right after hearing it, and the turn made from it.")


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
    return text + f" and the loss goes from {before:.4g} to {after:.4g}."


def restore_step() -> None:
    """Take `step` from the address when it is new there (a shared link, an edited address), with a
    warning when it cannot be used. Runs before the scene's controls, which rewrite the address without
    `step`; the step picker writes it back."""
    raw = st.query_params.get_all(STEP_SETTING.key)
    if not raw or raw[-1] == st.session_state.get(_PUBLISHED_STEP):
        st.session_state.setdefault(STEP_SETTING.key, DEFAULT_STEP)
        return
    st.session_state[_PUBLISHED_STEP] = raw[-1]
    try:
        st.session_state[STEP_SETTING.key] = STEP_SETTING.parse(raw)
    except ValueError as reason:
        st.session_state[STEP_SETTING.key] = DEFAULT_STEP
        st.warning(f"Ignored `step={raw[-1][:40]}` in the link ({reason}); opening step {DEFAULT_STEP} instead.",
                   icon=":material/warning:")


def _nudge(delta: int, last: int) -> None:
    st.session_state.step = int(min(max(int(st.session_state.get("step", 1)) + delta, 1), last))


def _show_lines(lines: list[tuple[Line, int]], point: tuple[float, float]) -> None:
    head = st.columns([3, 4, 4])
    head[0].markdown("**What it means**")
    head[1].markdown(f"**Dial x** (at {point[0]:.4g} before the turn)")
    head[2].markdown(f"**Dial y** (at {point[1]:.4g} before the turn)")
    for line, digits in lines:
        if line.shared:
            words, both = st.columns([3, 8], vertical_alignment="center")
            words.markdown(line.words)
            both.latex(render(line, 0, digits))
            continue
        words, dial_x, dial_y = st.columns([3, 4, 4], vertical_alignment="center")
        rule = f"\n\n${line.symbol} = {line.rule}$" if line.rule else ""
        words.markdown(line.words + rule)
        dial_x.latex(render(line, 0, digits))
        dial_y.latex(render(line, 1, digits))


@st.fragment
def step_view(scene, presenter: bool) -> None:
    """The step slider (key `step`, also in the URL) and the step it opens: arrows on the map, the numbers
    put into the update rule, per dial, with the words for each."""
    key = scene.key()
    frame = table(key)
    last = last_step(frame)
    if last == 0:
        st.warning("The hand could not even hear a click at its start (the loss is not defined there), so "
                   "there is no step to open. Move the start.", icon=":material/front_hand:")
        return
    st.session_state.step = int(min(max(int(st.session_state.get("step", DEFAULT_STEP)), 1), last))
    pick, back, forward = st.columns([10, 1, 1], vertical_alignment="bottom")
    back.button("◀", key="step_back", on_click=_nudge, args=(-1, last), disabled=st.session_state.step <= 1,
                help="The turn before.", width="stretch")
    forward.button("▶", key="step_next", on_click=_nudge, args=(1, last), disabled=st.session_state.step >= last,
                   help="The turn after.", width="stretch")
    if last > 1:
        step = pick.slider("Step to open (the k-th turn of the dials)", 1, last, key="step",
                           help="Which turn to take apart. Step 1 is the first turn, from the start; the numbers "
                                "below are the ones the hand used on that turn.")
    else:
        step = 1
        pick.markdown("**Step 1** is the only turn this hand made.")
    st.query_params[STEP_SETTING.key] = st.session_state[_PUBLISHED_STEP] = str(step)
    st.markdown(ROW_CONVENTION)

    lines = step_lines(key, step)
    plain = [line for line, _ in lines]
    spun_off = not np.isfinite(frame.iloc[step]["x"])
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.plotly_chart(internals(key, step, presenter), width="stretch", key="internals",
                        config={"displaylogo": False})
    with right:
        text = step_summary(plain, frame, step, scene.spec.title)
        widgets.summary(text, spun_off=spun_off)
        st.markdown("**Reading the arrows.** The orange-red arrow is the click (it points uphill, toward a louder "
                    "door). Coloured arrows are the hand's memory. The black arrow is the turn it actually "
                    "made, from the filled dot to the open one. Arrows other than the turn are rescaled so "
                    "you can see their direction; the legend gives each scale.")
        row = frame.iloc[step - 1]
        metrics = st.columns(2)
        metrics[0].metric("Loss before the turn", f"{row['loss']:.4g}")
        after = frame.iloc[step]["loss"]
        metrics[1].metric("Loss after", "spun off" if spun_off else f"{after:.4g}",
                          None if spun_off else f"{after - row['loss']:+.3g}", delta_color="inverse")
    st.subheader(f"Step {step}, number by number")
    st.caption("Results are rounded to four digits for reading. Worked out by hand, the numbers on each line "
               "give its result to the last digit shown; where a result is much smaller than the numbers it "
               "comes from, those numbers are shown with more digits so that it still does.")
    _show_lines(lines, (float(row["x"]), float(row["y"])))
