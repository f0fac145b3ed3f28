r"""Adamax: Adam whose loudness memory is the largest recent click, not an average of squares.

Follows torch.optim.Adamax's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.hands` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import lerp, power, with_l2
from optim.hyperparameters import UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

WORDS = {
    "m": "**Which way the clicks point (m).** β₁ of the old memory plus 1−β₁ of the new click, as in Adam.",
    "u": "**The loudest click, slowly forgotten (u).** The larger of the old loudest click shrunk by β₂ and "
         "this click's size (plus ε): one loud click takes over at once, a quiet one changes nothing.",
    "c1": "**Bias correction for m.** m started empty, at zero; dividing by 1−β₁ᵗ scales it back up. "
          "The loudest click needs no correction: a maximum is not dragged down by its empty start.",
    "reach": "**The reach of this dial.** η, corrected, divided by the loudest click: a dial that has heard "
             "a loud click moves cautiously until β₂ lets it forget.",
    "turn": "**The turn.** This dial's reach times the remembered direction, against it.",
}


def _explain(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient()
    b1, b2, eps = float(s.hp["beta1"]), float(s.hp["beta2"]), float(s.hp["eps"])
    m = s.add("m_t", r"\beta_1 m_{t-1} + (1-\beta_1)\, g_t", WORDS["m"], r"<b1>\cdot<m> + <keep>\cdot<g>",
              {"b1": b1, "m": s.before("m"), "keep": 1 - b1, "g": g},
              lambda b1, m, keep, g: b1 * m + keep * g, s.now("m"))
    u = s.add("u_t", r"\max(\beta_2 u_{t-1},\ |g_t| + \epsilon)", WORDS["u"],
              r"\max(<b2>\cdot<u>,\ |[g]| + [eps])", {"b2": b2, "u": s.before("u"), "g": g, "eps": eps},
              lambda b2, u, g, eps: max(b2 * u, abs(g) + eps), s.now("u"))
    c1 = s.add(r"1-\beta_1^t", "", WORDS["c1"], "1 - <b1>^{[t]}", {"b1": b1, "t": s.t},
               lambda b1, t: 1 - b1**t, shared=True)
    reach = s.add(r"\eta^{\text{dial}}_t", r"\frac{\eta}{(1-\beta_1^t)\, u_t}", WORDS["reach"],
                  r"\frac{[eta]}{[c1]\cdot[u]}", {"eta": eta, "c1": c1, "u": u},
                  lambda eta, c1, u: eta / c1 / u, s.now("effective_lr"))
    return s.turn(r"-\eta^{\text{dial}}_t\, m_t", WORDS["turn"], r"-<reach>\cdot<m>", {"reach": reach, "m": m},
                  lambda reach, m: -reach * m)


def init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "u": zeros}


def _step_size(hp, lr, t):
    return lr / (1 - power(hp["beta1"], t))


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
    g = with_l2(grad, params, hp["weight_decay"])
    m = lerp(state["m"], g, 1 - hp["beta1"])
    u = np.maximum(hp["beta2"] * state["u"], np.abs(g) + hp["eps"])
    return params + (-_step_size(hp, lr, t) * m) / u, {"m": m, "u": u}


def derive(history, hp, lr, t):
    """The bias-corrected momentum and each dial's reach, lr / ((1 − β₁ᵗ) u_t)."""
    return {"m_hat": history["m"] / (1 - power(hp["beta1"], t)),
            "effective_lr": _step_size(hp, lr, t) / history["u"]}


def _shown_state(hp):
    return ("m", "u")


ADAMAX = OptimizerSpec(
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
    explain=_explain,
    map_axis=MapAxis("beta2", "forgetting β₂", "β₂",
                     "Adamax's β₂ sets how slowly it forgets the loudest click: near 1 one loud click keeps the "
                     "hand cautious for hundreds of steps, lower it speeds up again soon after."),
    arrows=(("m_hat", "m̂ (where the clicks point)"),),
)

SPECS = (ADAMAX,)
