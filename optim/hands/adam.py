"""Adam and AdamW (torch.optim.Adam, torch.optim.AdamW): momentum for direction, a running loudness per
dial for scale, and bias corrections for the first steps.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import descend, lerp, per_run, power, with_l2
from optim.hyperparameters import SWITCH, UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

WORDS = {
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
}


def _adam(s: Step, decoupled: bool) -> tuple:
    eta, g = s.eta(), s.gradient(decoupled)
    b1, b2, eps = float(s.hp["beta1"]), float(s.hp["beta2"]), float(s.hp["eps"])
    m = s.add(
        "m_t",
        r"\beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        WORDS["m"],
        r"<b1>\cdot<m> + <keep>\cdot<g>",
        {"b1": b1, "m": s.before("m"), "keep": 1 - b1, "g": g},
        lambda b1, m, keep, g: b1 * m + keep * g,
        s.now("m"),
    )
    v = s.add(
        "v_t",
        r"\beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
        WORDS["v"],
        r"<b2>\cdot<v> + <keep>\cdot<g>^2",
        {"b2": b2, "v": s.before("v"), "keep": 1 - b2, "g": g},
        lambda b2, v, keep, g: b2 * v + keep * g * g,
        s.now("v"),
    )
    if s.hp["amsgrad"]:
        v = s.add(
            r"v^{\max}_t",
            r"\max(v^{\max}_{t-1},\, v_t)",
            WORDS["v_max"],
            r"\max([old],\, [v])",
            {"old": s.before("v_max"), "v": v},
            lambda old, v: max(old, v),
            s.now("v_max"),
        )
    c1 = s.add(
        r"1-\beta_1^t", "", WORDS["c1"], "1 - <b1>^{[t]}", {"b1": b1, "t": s.t}, lambda b1, t: 1 - b1**t, shared=True
    )
    c2 = s.add(
        r"1-\beta_2^t", "", WORDS["c2"], "1 - <b2>^{[t]}", {"b2": b2, "t": s.t}, lambda b2, t: 1 - b2**t, shared=True
    )
    m_hat = s.add(
        r"\hat m_t",
        r"\frac{m_t}{1-\beta_1^t}",
        WORDS["m_hat"],
        r"\frac{[m]}{[c1]}",
        {"m": m, "c1": c1},
        lambda m, c1: m / c1,
        s.now("m_hat"),
    )
    v_hat = s.add(
        r"\hat v_t",
        r"\frac{v_t}{1-\beta_2^t}",
        WORDS["v_hat"],
        r"\frac{[v]}{[c2]}",
        {"v": v, "c2": c2},
        lambda v, c2: v / c2,
        s.now("v_hat"),
    )
    reach = s.add(
        r"\eta^{\text{dial}}_t",
        r"\frac{\eta}{\sqrt{\hat v_t} + \epsilon}",
        WORDS["adam_reach"],
        r"\frac{[eta]}{\sqrt{[v_hat]} + [eps]}",
        {"eta": eta, "v_hat": v_hat, "eps": eps},
        lambda eta, v_hat, eps: eta / (math.sqrt(v_hat) + eps),
        s.now("effective_lr"),
    )
    lam = float(s.hp.get("weight_decay", 0.0))
    if decoupled and lam:
        return s.turn(
            r"-\eta\lambda\,\theta_{t-1} - \eta^{\text{dial}}_t\, \hat m_t",
            WORDS["adamw_turn"],
            r"-<eta>\cdot<lam>\cdot<theta> - <reach>\cdot<m_hat>",
            {"eta": eta, "lam": lam, "theta": s.theta(), "reach": reach, "m_hat": m_hat},
            lambda eta, lam, theta, reach, m_hat: -eta * lam * theta - reach * m_hat,
        )
    return s.turn(
        r"-\eta^{\text{dial}}_t\, \hat m_t",
        WORDS["adam_turn"],
        r"-<reach>\cdot<m_hat>",
        {"reach": reach, "m_hat": m_hat},
        lambda reach, m_hat: -reach * m_hat,
    )


def adam_init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "v": zeros, "v_max": zeros}


def adam_step(params, grad, state, hp, lr, t, decoupled=False):
    r"""Adam, with weight decay as an L2 term in the gradient (AdamW: decoupled, see `adamw_step`).

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}
            \quad (\text{AMSGrad: } \hat v_t = \frac{\max(v_1,\dots,v_t)}{1-\beta_2^t}) \\
        \theta_t &= \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    ε sits outside the square root and is added after the bias correction, as in PyTorch.
    """
    b1, b2 = hp["beta1"], hp["beta2"]
    if decoupled:
        params = params * (1 - lr * hp["weight_decay"])
        g = grad
    else:
        g = with_l2(grad, params, hp["weight_decay"])
    m = lerp(state["m"], g, 1 - b1)
    v = b2 * state["v"]
    loudness = g * g
    loudness *= 1 - b2
    v += loudness
    amsgrad = hp["amsgrad"]
    if per_run(amsgrad):
        v_max = np.where(amsgrad, np.maximum(state["v_max"], v), state["v_max"])
        v_used = np.where(amsgrad, v_max, v)
    elif amsgrad:
        v_max = v_used = np.maximum(state["v_max"], v)
    else:
        v_max, v_used = state["v_max"], v
    denominator = np.sqrt(v_used)
    denominator /= np.sqrt(1 - power(b2, t))
    denominator += hp["eps"]
    step_size = lr / (1 - power(b1, t))
    np.divide(m, denominator, out=denominator)
    return descend(params, step_size, denominator, owned=True), {"m": m, "v": v, "v_max": v_max}


def adamw_step(params, grad, state, hp, lr, t):
    r"""AdamW: Adam whose weight decay shrinks the dials directly instead of entering the gradient.

    .. math::
        \theta' = \theta_{t-1} - \eta\lambda\theta_{t-1}, \qquad
        \theta_t = \theta' - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`m_t, v_t, \hat m_t, \hat v_t` exactly as in Adam (the gradient itself carries no λθ).
    """
    return adam_step(params, grad, state, hp, lr, t, decoupled=True)


def adam_derive(history, hp, lr, t):
    b1, b2, amsgrad = hp["beta1"], hp["beta2"], hp["amsgrad"]
    v_used = np.where(amsgrad, history["v_max"], history["v"])
    m_hat = history["m"] / (1 - b1**t)
    v_hat = v_used / (1 - b2**t)
    return {"m_hat": m_hat, "v_hat": v_hat, "effective_lr": lr / (np.sqrt(v_hat) + hp["eps"])}


def betas(beta1: float, beta2: float) -> tuple[Hyperparameter, Hyperparameter]:
    return (
        Hyperparameter(
            "beta1",
            r"\beta_1",
            beta1,
            UNIT_OPEN,
            low=0.0,
            high=0.99,
            torch_default=0.9,
            plain="β₁",
            help="Adam's momentum: how long the hand remembers which way the clicks pointed.",
        ),
        Hyperparameter(
            "beta2",
            r"\beta_2",
            beta2,
            UNIT_OPEN,
            low=0.5,
            high=0.9999,
            torch_default=0.999,
            plain="β₂",
            help="How long the hand remembers how loud the clicks were; it divides each dial's step by that loudness.",
        ),
    )


AMSGRAD = Hyperparameter(
    "amsgrad",
    r"\text{amsgrad}",
    False,
    SWITCH,
    torch_default=False,
    help="Divide by the loudest click remembered so far, so a loud click keeps the step short for good; "
    "because PyTorch still un-biases that maximum by (1 − β₂ᵗ), the step can grow back a little as t grows.",
)

ADAM_LATEX = (
    r"\begin{aligned} m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
    r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
    r"\hat m_t &= \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\ "
    r"\theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} \end{aligned}"
)


def _shown(hp: dict) -> tuple[str, ...]:
    return ("m", "v") + (("v_max",) if np.any(hp.get("amsgrad", False)) else ())


ADAM = OptimizerSpec(
    "adam",
    "Adam",
    "The precise hand: momentum for direction (β1), a running loudness per dial for scale (β2), and a "
    "correction for the first steps when both memories are still empty. It moves each dial about η "
    "per step whatever the slope, so it speeds up where the way is easy. Teaching default lr 0.05 "
    "(PyTorch: 0.001).",
    ADAM_LATEX,
    (lr(0.05, torch_default=1e-3), *betas(0.9, 0.999), eps(1e-8), weight_decay(), AMSGRAD),
    adam_init,
    adam_step,
    adam_derive,
    torch_class="Adam",
    shown_state=_shown,
    explain=lambda s: _adam(s, decoupled=False),
    map_axis=MapAxis(
        "beta1", "momentum β₁", "β₁", "Adam's β₁ is its momentum: how long it remembers which way the clicks pointed."
    ),
    arrows=(("m_hat", "m̂ (where the clicks point)"),),
)

ADAMW = OptimizerSpec(
    "adamw",
    "AdamW",
    "Adam whose pull toward zero is applied to the dials directly rather than mixed into the clicks, "
    "so the pull is not rescaled per dial. Teaching default lr 0.05 (PyTorch: 0.001); weight decay "
    "0.01 as in PyTorch.",
    ADAM_LATEX.replace(r"\theta_t &= \theta_{t-1} - ", r"\theta_t &= (1 - \eta\lambda)\,\theta_{t-1} - "),
    (lr(0.05, torch_default=1e-3), *betas(0.9, 0.999), eps(1e-8), weight_decay(0.01, how="decoupled"), AMSGRAD),
    adam_init,
    adamw_step,
    adam_derive,
    torch_class="AdamW",
    shown_state=_shown,
    explain=lambda s: _adam(s, decoupled=True),
    map_axis=MapAxis(
        "beta1", "momentum β₁", "β₁", "AdamW's β₁ is its momentum: how long it remembers which way the clicks pointed."
    ),
    arrows=(("m_hat", "m̂ (where the clicks point)"),),
)

SPECS = (ADAM, ADAMW)
