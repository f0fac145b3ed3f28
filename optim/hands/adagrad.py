"""AdaGrad (torch.optim.Adagrad): every click ever heard on a dial shortens that dial's reach."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import descend, with_l2
from optim.hyperparameters import NON_NEGATIVE, Hyperparameter, eps, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

WORDS = {
    "decayed_reach": "**The tiring reach.** The learning rate shrinks a little on every step (lr decay δ).",
    "sum": "**Everything heard on this dial.** Every click so far, squared and added up: AdaGrad's fatigue.",
    "adagrad_reach": "**The reach of this dial.** The learning rate divided by the root of everything heard: "
                     "a dial that has been loud gets a short reach.",
    "adagrad_turn": "**The turn.** This dial's reach times the click, against it.",
}


def _adagrad(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    delta = float(s.hp["lr_decay"])
    if delta:
        eta = s.add(
            r"\tilde\eta_t",
            r"\frac{\eta_t}{1 + (t-1)\,\delta}",
            WORDS["decayed_reach"],
            r"\frac{[eta]}{1 + [steps]\cdot[delta]}",
            {"eta": eta, "steps": s.t - 1, "delta": delta},
            lambda eta, steps, delta: eta / (1 + steps * delta),
            shared=True,
        )
    total = s.add(
        "s_t",
        r"s_{t-1} + g_t^2",
        WORDS["sum"],
        "<s> + <g>^2",
        {"s": s.before("sum", s.hp["initial_accumulator_value"]), "g": g},
        lambda s, g: s + g * g,
        s.now("sum"),
    )
    eps = float(s.hp["eps"])
    reach = s.add(
        r"\eta^{\text{dial}}_t",
        r"\frac{\eta}{\sqrt{s_t} + \epsilon}",
        WORDS["adagrad_reach"],
        r"\frac{[eta]}{\sqrt{[s]} + [eps]}",
        {"eta": eta, "s": total, "eps": eps},
        lambda eta, s, eps: eta / (math.sqrt(s) + eps),
        s.now("effective_lr"),
    )
    return s.turn(
        r"-\eta^{\text{dial}}_t\, g_t",
        WORDS["adagrad_turn"],
        r"-<reach>\cdot<g>",
        {"reach": reach, "g": g},
        lambda reach, g: -reach * g,
    )


def adagrad_init(params, hp):
    return {"sum": np.zeros_like(params) + hp["initial_accumulator_value"]}


def adagrad_step(params, grad, state, hp, lr, t):
    r"""AdaGrad: each dial's step shrinks with the sum of every click it has heard.

    .. math::
        \tilde\eta_t = \frac{\eta}{1 + (t-1)\,\delta}, \quad
        s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}

    with δ the `lr_decay`, :math:`s_0` the `initial_accumulator_value`, and ε added outside the root.
    """
    g = with_l2(grad, params, hp["weight_decay"])
    clr = lr / (1 + (t - 1) * hp["lr_decay"])
    total = g * g
    total += state["sum"]
    scaled = np.sqrt(total)
    scaled += hp["eps"]
    np.divide(g, scaled, out=scaled)
    return descend(params, clr, scaled, owned=True), {"sum": total}


def adagrad_derive(history, hp, lr, t):
    clr = lr / (1 + (t - 1) * hp["lr_decay"])
    return {"effective_lr": clr / (np.sqrt(history["sum"]) + hp["eps"])}


ADAGRAD = OptimizerSpec(
    "adagrad",
    "AdaGrad",
    "The hand that tires: each dial's step is divided by the root of every click it has ever heard "
    "on that dial, so loud dials calm down quickly. Great early on, but in the end it may stop short. "
    "Teaching default lr 0.5 (PyTorch: 0.01).",
    r"\begin{aligned} s_t &= s_{t-1} + g_t^2 \\ "
    r"\theta_t &= \theta_{t-1} - \frac{\eta}{1 + (t-1)\delta}\, \frac{g_t}{\sqrt{s_t} + \epsilon} \end{aligned}",
    (
        lr(0.5, low=1e-3, high=10.0, torch_default=1e-2),
        Hyperparameter(
            "lr_decay",
            r"\delta",
            0.0,
            NON_NEGATIVE,
            low=0.0,
            high=0.1,
            torch_default=0.0,
            plain="δ",
            help="Shrinks the reach a little more on every step.",
        ),
        weight_decay(),
        Hyperparameter(
            "initial_accumulator_value",
            "s_0",
            0.0,
            NON_NEGATIVE,
            low=0.0,
            high=1.0,
            torch_default=0.0,
            plain="s₀",
            help="How much click the hand pretends to have heard already.",
        ),
        eps(1e-10),
    ),
    adagrad_init,
    adagrad_step,
    adagrad_derive,
    torch_class="Adagrad",
    shown_state=lambda hp: ("sum",),
    explain=_adagrad,
    # Its reach shrinks by itself, so its map spans one decade higher than the other hands'.
    map_axis=MapAxis(
        "lr_decay",
        "learning-rate decay δ",
        "δ",
        "AdaGrad has no β either: its memory is the sum of every click. Its learning-rate decay δ "
        "takes the vertical axis, shrinking the reach a little more on every step.",
        lr_range=(1e-3, 10.0),
    ),
)

SPECS = (ADAGRAD,)
