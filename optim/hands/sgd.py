"""The hands of torch.optim.SGD: plain descent, heavy-ball momentum and Nesterov's look-ahead.

This module holds everything about them: their update rules (sgd_step, momentum_step, nesterov_step),
knobs, formulas, the story of each hand, how Inside the hand opens a step, the Map of settings' second
knob and theory's stability limit on a quadratic vault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import descend, per_run, with_l2
from optim.hyperparameters import UNIT_CLOSED, UNIT_OPEN, Bounded, Hyperparameter, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec, Stability

if TYPE_CHECKING:
    from optim.explain import Step

WORDS = {
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
}


def _sgd(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    return s.turn(r"-\eta\, g_t", WORDS["sgd_turn"], r"-<eta>\cdot<g>", {"eta": eta, "g": g}, lambda eta, g: -eta * g)


def _heavy_ball(s: Step, nesterov: bool) -> tuple:
    eta, g = s.eta(), s.gradient()
    mu = float(s.hp["momentum"])
    if mu == 0:
        return s.turn(
            r"-\eta\, g_t", WORDS["sgd_turn"], r"-<eta>\cdot<g>", {"eta": eta, "g": g}, lambda eta, g: -eta * g
        )
    if s.t == 1:
        b = s.add("b_1", "g_1", WORDS["first_swing"], "[g]", {"g": g}, lambda g: g, s.now("buffer"))
    else:
        tau = 0.0 if nesterov else float(s.hp.get("dampening", 0.0))
        if tau:
            b = s.add(
                "b_t",
                r"\mu\, b_{t-1} + (1-\tau)\, g_t",
                WORDS["swing_damped"],
                r"<mu>\cdot<b> + <keep>\cdot<g>",
                {"mu": mu, "b": s.before("buffer"), "keep": 1 - tau, "g": g},
                lambda mu, b, keep, g: mu * b + keep * g,
                s.now("buffer"),
            )
        else:
            b = s.add(
                "b_t",
                r"\mu\, b_{t-1} + g_t",
                WORDS["swing"],
                r"<mu>\cdot<b> + <g>",
                {"mu": mu, "b": s.before("buffer"), "g": g},
                lambda mu, b, g: mu * b + g,
                s.now("buffer"),
            )
    if nesterov:
        return s.turn(
            r"-\eta\,(g_t + \mu\, b_t)",
            WORDS["nesterov_turn"],
            r"-<eta>\cdot(<g> + <mu>\cdot<b>)",
            {"eta": eta, "g": g, "mu": mu, "b": b},
            lambda eta, g, mu, b: -eta * (g + mu * b),
        )
    return s.turn(
        r"-\eta\, b_t", WORDS["momentum_turn"], r"-<eta>\cdot<b>", {"eta": eta, "b": b}, lambda eta, b: -eta * b
    )


# --- SGD -------------------------------------------------------------------------------------------------

def sgd_init(params, hp):
    return {}


def sgd_step(params, grad, state, hp, lr, t):
    r"""Plain gradient descent.

    .. math::  g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}, \qquad \theta_t = \theta_{t-1} - \eta g_t
    """
    g = with_l2(grad, params, hp["weight_decay"])
    return descend(params, lr, g, owned=g is not grad), {}


# --- SGD with momentum (heavy ball) and Nesterov ---------------------------------------------------------

def momentum_init(params, hp):
    return {"buffer": np.zeros_like(params)}


def momentum_step(params, grad, state, hp, lr, t, nesterov=False):
    r"""SGD with momentum, in PyTorch's convention (not Sutskever's: the lr multiplies the buffer).

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        b_t &= g_t \ \text{at}\ t = 1, \quad \text{else}\ \mu b_{t-1} + (1-\tau) g_t \\
        \theta_t &= \theta_{t-1} - \eta\, b_t \quad (\text{Nesterov: } \theta_{t-1} - \eta\,(g_t + \mu b_t))

    Dampening τ is skipped on the first step, where the buffer starts as the gradient itself. With μ = 0
    the buffer is not used at all, exactly as torch.optim.SGD ignores it.
    """
    g = with_l2(grad, params, hp["weight_decay"])
    mu, dampening = hp["momentum"], hp["dampening"]
    if t == 1:
        buffer = g
    else:
        buffer = mu * state["buffer"]
        # (1 - 0) * g is g exactly, so an undamped buffer skips the multiplication.
        buffer += g if not per_run(dampening) and dampening == 0 else (1 - dampening) * g
    if per_run(mu):
        direction = np.where(mu == 0, g, g + mu * buffer if nesterov else buffer)
        return descend(params, lr, direction, owned=True), {"buffer": buffer}
    if mu == 0:
        return descend(params, lr, g), {"buffer": buffer}
    if nesterov:
        ahead = mu * buffer
        ahead += g
        return descend(params, lr, ahead, owned=True), {"buffer": buffer}
    return descend(params, lr, buffer), {"buffer": buffer}


def nesterov_step(params, grad, state, hp, lr, t):
    return momentum_step(params, grad, state, {**hp, "dampening": 0.0}, lr, t, nesterov=True)


def momentum_hyperparameter(default: float) -> Hyperparameter:
    return Hyperparameter(
        "momentum",
        r"\mu",
        default,
        UNIT_OPEN,
        low=0.0,
        high=0.99,
        torch_default=0.0,
        plain="μ",
        help="How much of the last swing the hand keeps. High momentum speeds along "
        "ravines but can overshoot and circle the combination.",
    )


# torch.optim.SGD's own words when it refuses nesterov=True without a momentum.
NESTEROV_NEEDS_MOMENTUM = "Nesterov momentum requires a momentum and zero dampening"


@dataclass(frozen=True)
class LookAheadMomentum(Bounded):
    """Nesterov's μ, in (0, 1): a look-ahead needs a swing to look along. torch.optim.SGD refuses
    nesterov=True with momentum 0, and so does `simulate`, with torch's reason."""

    def validate(self, value, n_runs: int | None = None):
        try:
            zero = bool(np.any(np.asarray(value, dtype=np.float64) == 0))
        except (TypeError, ValueError):
            zero = False  # not a number at all: the general message says so
        if zero:
            raise ValueError(f"momentum must be above 0 for Nesterov, got {value!r}: as torch.optim.SGD says, "
                             f"\"{NESTEROV_NEEDS_MOMENTUM}\"")
        return super().validate(value, n_runs)


def nesterov_momentum_hyperparameter(default: float) -> Hyperparameter:
    plain = momentum_hyperparameter(default)
    # torch's SGD defaults to momentum 0, which it refuses with nesterov=True: there is no torch default to show.
    return LookAheadMomentum(plain.name, plain.symbol, default, "(0, 1)", plain.help, low=0.01, high=plain.high,
                             plain=plain.plain, minimum=0.0, maximum=1.0, open_below=True, open_above=True)


def _buffer(hp: dict) -> tuple[str, ...]:
    return ("buffer",)


# On f = ½ θᵀHθ each eigen-direction of H (curvature h) evolves on its own, and the stiffest (h = L) gives
# out first. Plain descent multiplies by 1 − lr·(h + λ) per step (L2 weight decay adds λ to every
# curvature); heavy-ball momentum (PyTorch's form) has characteristic roots z² − (1 + μ − lr·h) z + μ = 0,
# inside the unit circle iff lr·h < 2(1 + μ); Nesterov's are z² − (1 + μ)(1 − lr·h) z + μ(1 − lr·h) = 0,
# inside iff lr·h < 2(1 + μ)/(1 + 2μ).
SGD_STABILITY = Stability("lr < 2 / (L + λ)", lambda L, hp: 2.0 / (L + hp["weight_decay"]))
MOMENTUM_STABILITY = Stability("lr < 2 (1 + μ) / L", lambda L, hp: 2.0 * (1.0 + hp["momentum"]) / L)
NESTEROV_STABILITY = Stability(
    "lr < 2 (1 + μ) / ((1 + 2μ) L)", lambda L, hp: 2.0 * (1.0 + hp["momentum"]) / ((1.0 + 2.0 * hp["momentum"]) * L)
)

SGD = OptimizerSpec(
    "sgd",
    "SGD",
    "The careful beginner: it turns each dial in proportion to the click it just heard, and remembers "
    "nothing. Steady on a round bowl; in a narrow ravine a zig-zag that dies down into a crawl along "
    "the floor; and it stalls where the clicks go quiet. Teaching default lr 0.01 (PyTorch: 0.001).",
    r"\begin{aligned} g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\ "
    r"\theta_t &= \theta_{t-1} - \eta\, g_t \end{aligned}",
    (lr(0.01, torch_default=1e-3), weight_decay()),
    sgd_init,
    sgd_step,
    torch_class="SGD",
    explain=_sgd,
    map_axis=MapAxis(
        "weight_decay",
        "weight decay λ",
        "λ",
        "Plain SGD keeps no memory, so it has no β: its only other knob, weight decay λ, takes the "
        "vertical axis. It adds λ to every curvature, so it lowers the largest safe learning rate a "
        "little.",
    ),
    stability=SGD_STABILITY,
)

MOMENTUM = OptimizerSpec(
    "momentum",
    "Momentum",
    "The heavy hand: it keeps a share μ of its last swing, so steady clicks build up speed: along a "
    "ravine's floor it travels many times faster than plain descent, though it weaves across the valley "
    "for longer; with too much swing it circles the combination. "
    "Teaching defaults lr 0.01, μ 0.9 (PyTorch's SGD: momentum 0).",
    r"\begin{aligned} b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \quad (b_1 = g_1) \\ "
    r"\theta_t &= \theta_{t-1} - \eta\, b_t \end{aligned}",
    (
        lr(0.01, torch_default=1e-3),
        momentum_hyperparameter(0.9),
        Hyperparameter(
            "dampening",
            r"\tau",
            0.0,
            UNIT_CLOSED,
            low=0.0,
            high=0.9,
            torch_default=0.0,
            plain="τ",
            help="Softens each new click before it joins the swing.",
        ),
        weight_decay(),
    ),
    momentum_init,
    momentum_step,
    torch_class="SGD(momentum=μ)",
    shown_state=_buffer,
    explain=lambda s: _heavy_ball(s, nesterov=False),
    map_axis=MapAxis(
        "momentum",
        "momentum μ",
        "μ",
        "How much of its last swing the hand keeps: more swing goes faster, and also lets a "
        "larger learning rate stay stable.",
    ),
    stability=MOMENTUM_STABILITY,
    arrows=(("buffer", "swing b (momentum buffer)"),),
)

NESTEROV = OptimizerSpec(
    "nesterov",
    "Nesterov",
    "The hand that looks ahead: like momentum, but it corrects its turn by where the swing is about "
    "to carry it, so it brakes earlier and overshoots less. Teaching defaults lr 0.01, μ 0.9.",
    r"\begin{aligned} b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1) \\ "
    r"\theta_t &= \theta_{t-1} - \eta\, (g_t + \mu\, b_t) \end{aligned}",
    (lr(0.01, torch_default=1e-3), nesterov_momentum_hyperparameter(0.9), weight_decay()),
    momentum_init,
    nesterov_step,
    torch_class="SGD(momentum=μ, nesterov=True)",
    shown_state=_buffer,
    explain=lambda s: _heavy_ball(s, nesterov=True),
    map_axis=MapAxis(
        "momentum",
        "momentum μ",
        "μ",
        "Nesterov's look-ahead brakes early, so its stable region is narrower than heavy-ball "
        "momentum's for the same μ.",
    ),
    stability=NESTEROV_STABILITY,
    arrows=(("buffer", "swing b (momentum buffer)"),),
)

SPECS = (SGD, MOMENTUM, NESTEROV)
