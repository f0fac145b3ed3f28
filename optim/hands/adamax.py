r"""Adamax: Adam whose loudness memory is the largest recent click, not an average of squares.

Follows torch.optim.Adamax's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.rules` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import numpy as np

from optim.hands._phase1 import hand_spec
from optim.hyperparameters import UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.rules import _lerp, _power, _with_l2


def init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "u": zeros}


def _step_size(hp, lr, t):
    return lr / (1 - _power(hp["beta1"], t))


def step(params, grad, state, hp, lr, t):
    r"""One Adamax step.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t \\
        u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}

    ε is added to the click's size inside the max (not to the denominator afterwards), so u never falls
    below ε. Only m is bias-corrected: a running max needs no warm-up correction. The step is torch's
    `addcdiv`, θ + ((−η/(1−β₁ᵗ))·m)/u, in that order; m is updated with `lerp` as torch does.
    """
    g = _with_l2(grad, params, hp["weight_decay"])
    m = _lerp(state["m"], g, 1 - hp["beta1"])
    u = np.maximum(hp["beta2"] * state["u"], np.abs(g) + hp["eps"])
    return params + (-_step_size(hp, lr, t) * m) / u, {"m": m, "u": u}


def derive(history, hp, lr, t):
    """The bias-corrected momentum and each dial's reach, lr / ((1 − β₁ᵗ) u_t)."""
    return {"m_hat": history["m"] / (1 - _power(hp["beta1"], t)),
            "effective_lr": _step_size(hp, lr, t) / history["u"]}


def _shown_state(hp):
    return ("m", "u")


ADAMAX = hand_spec(
    key="adamax", title="Adamax",
    description=(
        "Adam's cousin that remembers the loudest click instead of an average loudness: each dial's step is "
        "divided by the largest recent click on that dial (slowly forgotten by β2), so one loud click makes "
        "the hand cautious at once and a quiet stretch lets it speed up only gradually. Like Adam it moves "
        "each dial about η per step whatever the slope. Teaching default lr 0.05 (PyTorch: 0.002)."),
    latex=(r"\begin{aligned} m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
           r"u_t &= \max(\beta_2\, u_{t-1},\ |g_t| + \epsilon) \\ "
           r"\theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t} \end{aligned}"),
    hyperparameters=(
        lr(0.05, torch_default=2e-3),
        Hyperparameter("beta1", r"\beta_1", 0.9, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.9,
                       help="The hand's momentum: how long it remembers which way the clicks pointed."),
        Hyperparameter("beta2", r"\beta_2", 0.999, UNIT_OPEN, low=0.5, high=0.9999, torch_default=0.999,
                       help="How slowly the hand forgets the loudest click it heard on each dial."),
        eps(1e-8), weight_decay()),
    init=init, step=step, derive=derive, torch_class="Adamax",
    shown_state=_shown_state,
)

NEW_HANDS = (ADAMAX,)
