r"""Adadelta: a hand that sets its own step size from the sizes of its recent turns.

Follows torch.optim.Adadelta's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.hands` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import with_l2
from optim.hyperparameters import NON_NEGATIVE, UNIT_CLOSED, Hyperparameter, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step


WORDS = {
    "v": "**How loud the clicks have been (v).** ρ of the old loudness plus 1−ρ of the new click squared.",
    "delta": "**The unscaled turn (Δ).** The click, times the root of the recent squared turns, divided by "
             "the root of the recent squared clicks (ε inside both roots): the hand turns about as far as it "
             "has lately been turning.",
    "u": "**How far it has been turning (u).** ρ of the old memory of squared turns plus 1−ρ of this one "
         "squared: it feeds the next step's size.",
    "turn": "**The turn.** η times the unscaled turn, against it (η is 1 by default: it only scales).",
}


def _explain(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    rho, eps = float(s.hp["rho"]), float(s.hp["eps"])
    v = s.add("v_t", r"\rho\, v_{t-1} + (1-\rho)\, g_t^2", WORDS["v"], r"<rho>\cdot<v> + <keep>\cdot<g>^2",
              {"rho": rho, "v": s.before("square_avg"), "keep": 1 - rho, "g": g},
              lambda rho, v, keep, g: rho * v + keep * g * g, s.now("square_avg"))
    u_before = s.before("acc_delta")
    delta = s.add(r"\Delta_t", r"\frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t", WORDS["delta"],
                  r"\frac{\sqrt{[u] + [eps]}}{\sqrt{[v] + [eps]}}\cdot<g>", {"u": u_before, "eps": eps, "v": v, "g": g},
                  lambda u, eps, v, g: math.sqrt(u + eps) / math.sqrt(v + eps) * g)
    s.add("u_t", r"\rho\, u_{t-1} + (1-\rho)\, \Delta_t^2", WORDS["u"], r"<rho>\cdot<u> + <keep>\cdot<delta>^2",
          {"rho": rho, "u": u_before, "keep": 1 - rho, "delta": delta},
          lambda rho, u, keep, delta: rho * u + keep * delta * delta, s.now("acc_delta"))
    return s.turn(r"-\eta\, \Delta_t", WORDS["turn"], r"-<eta>\cdot<delta>", {"eta": eta, "delta": delta},
                  lambda eta, delta: -eta * delta)
def init(params, hp):
    zeros = np.zeros_like(params)
    return {"square_avg": zeros, "acc_delta": zeros}


def step(params, grad, state, hp, lr, t):
    r"""One Adadelta step.

    .. math::
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1-\rho) \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \eta\, \Delta_t

    with v the `square_avg` (recent squared clicks), u the `acc_delta` (recent squared turns) and
    g_t = ∇f + λθ. ε sits inside both roots, and is what gets the hand moving at all: with u_0 = 0 the
    first turn is √ε/√((1−ρ)g²+ε)·g, about √ε/√(1−ρ) per dial. No bias correction. torch's learning rate
    (default 1.0) only scales the turn Δ; Δ itself is unit-free.
    """
    g = with_l2(grad, params, hp["weight_decay"])
    rho, eps = hp["rho"], hp["eps"]
    square_avg = state["square_avg"] * rho + ((1 - rho) * g) * g
    delta = np.sqrt(state["acc_delta"] + eps) / np.sqrt(square_avg + eps) * g
    acc_delta = state["acc_delta"] * rho + ((1 - rho) * delta) * delta
    return params - lr * delta, {"square_avg": square_avg, "acc_delta": acc_delta}


def derive(history, hp, lr, t):
    """Each dial's reach, η √(u_{t−1}+ε)/√(v_t+ε): what multiplies the click in this step's turn."""
    before = np.concatenate([np.zeros_like(history["acc_delta"][:1]), history["acc_delta"][:-1]])
    return {"effective_lr": lr * np.sqrt(before + hp["eps"]) / np.sqrt(history["square_avg"] + hp["eps"])}


def _shown_state(hp):
    return ("square_avg", "acc_delta")


ADADELTA = OptimizerSpec(
    key="adadelta", title="Adadelta",
    description=(
        "The hand that needs no step size of its own: it divides each click by the root of recent squared "
        "clicks (like RMSprop) and multiplies it by the root of its own recent squared turns, so it turns "
        "about as far as it has lately been turning. It starts from almost nothing, a turn of about "
        "√ε/√(1−ρ) per dial, and gathers pace as its turns feed back, so ε sets how soon it gets going: "
        "0.1 per dial with the teaching default ε = 1e-3, 0.003 with PyTorch's 1e-6, where the hand creeps "
        "for a long while. lr only scales the result; lr 1.0 and ρ 0.9 as PyTorch."),
    latex=(r"\begin{aligned} v_t &= \rho\, v_{t-1} + (1-\rho)\, g_t^2 \\ "
           r"\Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \quad "
           r"u_t = \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2 \\ "
           r"\theta_t &= \theta_{t-1} - \eta\, \Delta_t \end{aligned}"),
    hyperparameters=(
        lr(1.0, low=1e-2, high=10.0, torch_default=1.0),
        Hyperparameter("rho", r"\rho", 0.9, UNIT_CLOSED, low=0.0, high=0.999, torch_default=0.9,
                       help="How long the hand remembers both the loudness of the clicks and the size of "
                            "its own turns."),
        Hyperparameter("eps", r"\epsilon", 1e-3, NON_NEGATIVE, low=1e-10, high=1e-1, log=True,
                       torch_default=1e-6,
                       help="Sits inside both roots: it sets the size of the very first turns, so a larger ε "
                            "gets the hand moving sooner."),
        weight_decay()),
    init=init, step=step, derive=derive, torch_class="Adadelta",
    shown_state=_shown_state,
    explain=_explain,
    map_axis=MapAxis("rho", "memory ρ", "ρ",
                     "Adadelta's ρ is how long it remembers both the loudness of the clicks and the size of its "
                     "own turns; with the learning rate only a scale, ρ is the knob that shapes its pace.",
                     low=0.5, high=0.99, lr_range=(0.01, 10.0)),
)

SPECS = (ADADELTA,)
