"""RMSprop (torch.optim.RMSprop): each click divided by the root of recent loudness, plain or centered,
with optional momentum.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import descend, lerp, per_run, select, with_l2
from optim.hyperparameters import SWITCH, UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

WORDS = {
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
}


def _rmsprop(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    alpha, eps, mu = float(s.hp["alpha"]), float(s.hp["eps"]), float(s.hp["momentum"])
    v = s.add(
        "v_t",
        r"\alpha\, v_{t-1} + (1-\alpha)\, g_t^2",
        WORDS["square_avg"],
        r"<alpha>\cdot<v> + <keep>\cdot<g>^2",
        {"alpha": alpha, "v": s.before("square_avg"), "keep": 1 - alpha, "g": g},
        lambda alpha, v, keep, g: alpha * v + keep * g * g,
        s.now("square_avg"),
    )
    if s.hp["centered"]:
        mean = s.add(
            r"\bar g_t",
            r"\alpha\, \bar g_{t-1} + (1-\alpha)\, g_t",
            WORDS["grad_avg"],
            r"<alpha>\cdot<mean> + <keep>\cdot<g>",
            {"alpha": alpha, "mean": s.before("grad_avg"), "keep": 1 - alpha, "g": g},
            lambda alpha, mean, keep, g: alpha * mean + keep * g,
            s.now("grad_avg"),
        )
        divider = s.add(
            r"d_t",
            r"\sqrt{v_t - \bar g_t^2} + \epsilon",
            WORDS["loudness_centered"],
            r"\sqrt{[v] - [mean]^2} + [eps]",
            {"v": v, "mean": mean, "eps": eps},
            lambda v, mean, eps: math.sqrt(max(v - mean * mean, 0.0)) + eps,
        )
    else:
        divider = s.add(
            r"d_t",
            r"\sqrt{v_t} + \epsilon",
            WORDS["loudness"],
            r"\sqrt{[v]} + [eps]",
            {"v": v, "eps": eps},
            lambda v, eps: math.sqrt(v) + eps,
        )
    reach = s.add(
        r"\eta^{\text{dial}}_t",
        r"\frac{\eta}{d_t}",
        WORDS["rmsprop_reach"],
        r"\frac{[eta]}{[d]}",
        {"eta": eta, "d": divider},
        lambda eta, d: eta / d,
        s.now("effective_lr"),
    )
    if mu > 0:
        b = s.add(
            "b_t",
            r"\mu\, b_{t-1} + \frac{g_t}{d_t}",
            WORDS["rmsprop_swing"],
            r"<mu>\cdot<b> + \frac{[g]}{[d]}",
            {"mu": mu, "b": s.before("buffer"), "g": g, "d": divider},
            lambda mu, b, g, d: mu * b + g / d,
            s.now("buffer"),
        )
        return s.turn(
            r"-\eta\, b_t",
            WORDS["rmsprop_swing_turn"],
            r"-<eta>\cdot<b>",
            {"eta": eta, "b": b},
            lambda eta, b: -eta * b,
        )
    return s.turn(
        r"-\eta^{\text{dial}}_t\, g_t",
        WORDS["rmsprop_turn"],
        r"-<reach>\cdot<g>",
        {"reach": reach, "g": g},
        lambda reach, g: -reach * g,
    )


def rmsprop_init(params, hp):
    zeros = np.zeros_like(params)
    return {"square_avg": zeros, "grad_avg": zeros, "buffer": zeros}


def _rmsprop_denominator(square_avg, grad_avg, centered, eps):
    """√ṽ + ε as a new array."""
    if per_run(centered) or centered:
        with np.errstate(invalid="ignore"):
            variance = square_avg - grad_avg * grad_avg
        root = np.sqrt(select(centered, variance, square_avg))
    else:
        root = np.sqrt(square_avg)
    root += eps
    return root


def rmsprop_step(params, grad, state, hp, lr, t):
    r"""RMSprop: divide each click by the root of a running average of recent squared clicks.

    .. math::
        v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2 \\
        \tilde v_t &= v_t - \bar g_t^2 \ \text{(centered, with}\ \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t)
                     \quad\text{else}\ v_t \\
        b_t &= \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \qquad \theta_t = \theta_{t-1} - \eta b_t
              \quad (\mu = 0:\ \theta_t = \theta_{t-1} - \eta\,\tfrac{g_t}{\sqrt{\tilde v_t} + \epsilon})

    ε sits outside the square root, as in PyTorch (TensorFlow puts it inside).
    """
    g = with_l2(grad, params, hp["weight_decay"])
    alpha, mu, centered = hp["alpha"], hp["momentum"], hp["centered"]
    square_avg = alpha * state["square_avg"]
    loudness = g * g
    loudness *= 1 - alpha
    square_avg += loudness
    grad_avg = lerp(state["grad_avg"], g, 1 - alpha) if np.any(centered) else state["grad_avg"]
    scaled = _rmsprop_denominator(square_avg, grad_avg, centered, hp["eps"])
    np.divide(g, scaled, out=scaled)
    # Like torch, a hand without momentum keeps no buffer: it stays as it was (zeros), per run too.
    if per_run(mu):
        swing = mu * state["buffer"]
        swing += scaled
        buffer = np.where(mu > 0, swing, state["buffer"])
        direction = np.where(mu > 0, buffer, scaled)
    elif mu > 0:
        buffer = mu * state["buffer"]
        buffer += scaled
        direction = buffer
    else:
        buffer, direction = state["buffer"], scaled
    new_params = descend(params, lr, direction, owned=direction is scaled)
    return new_params, {"square_avg": square_avg, "grad_avg": grad_avg, "buffer": buffer}


def rmsprop_derive(history, hp, lr, t):
    denominator = _rmsprop_denominator(history["square_avg"], history["grad_avg"], hp["centered"], hp["eps"])
    return {"effective_lr": lr / denominator}


def _shown(hp: dict) -> tuple[str, ...]:
    return (
        ("square_avg",)
        + (("grad_avg",) if np.any(hp.get("centered", False)) else ())
        + (("buffer",) if np.any(hp.get("momentum", 0)) else ())
    )


RMSPROP = OptimizerSpec(
    "rmsprop",
    "RMSprop",
    "The hand with a short memory for loudness: it divides each dial's step by the root of a running "
    "average of recent squared clicks, so it never tires the way AdaGrad does. "
    "Teaching default lr 0.01 (as PyTorch).",
    r"\begin{aligned} v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\ "
    r"\theta_t &= \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon} \end{aligned}",
    (
        lr(0.01, torch_default=1e-2),
        Hyperparameter(
            "alpha",
            r"\alpha",
            0.99,
            UNIT_OPEN,
            low=0.5,
            high=0.999,
            torch_default=0.99,
            plain="α",
            help="How long the hand remembers how loud the clicks were.",
        ),
        eps(1e-8),
        weight_decay(),
        Hyperparameter(
            "momentum",
            r"\mu",
            0.0,
            UNIT_OPEN,
            low=0.0,
            high=0.99,
            torch_default=0.0,
            plain="μ",
            help="Keep a share of the last swing, on top of the scaling.",
        ),
        Hyperparameter(
            "centered",
            r"\text{centered}",
            False,
            SWITCH,
            torch_default=False,
            help="Divide by the spread of the clicks (their variance), not their loudness.",
        ),
    ),
    rmsprop_init,
    rmsprop_step,
    rmsprop_derive,
    torch_class="RMSprop",
    shown_state=_shown,
    explain=_rmsprop,
    map_axis=MapAxis(
        "alpha", "memory of loudness α", "α", "RMSprop's α says how long it remembers how loud the clicks were."
    ),
    arrows=(("buffer", "swing b (momentum buffer)"),),
)

SPECS = (RMSPROP,)
