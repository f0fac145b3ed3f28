r"""RAdam: Adam that holds back its per-dial scaling until it has heard enough clicks to trust it.

Follows torch.optim.RAdam's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.hands` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import lerp, power, select, with_l2
from optim.hyperparameters import SWITCH, UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

RECTIFIER_THRESHOLD = 5.0  # torch switches the adaptive scaling on once rho_t exceeds this


WORDS = {
    "m": "**Which way the clicks point (m).** β₁ of the old memory plus 1−β₁ of the new click.",
    "v": "**How loud the clicks have been (v).** β₂ of the old loudness plus 1−β₂ of the new click squared.",
    "c1": "**Bias correction for m.** m started empty, at zero; dividing by 1−β₁ᵗ scales it back up.",
    "m_hat": "**Corrected direction (m̂).** Where the clicks point, scaled back up.",
    "rho_inf": "**The longest memory (ρ∞).** How many clicks the loudness memory would average if it had "
               "heard forever.",
    "rho": "**How many clicks it has really averaged (ρₜ).** Small at first; the per-dial scaling is trusted "
           "only once this passes 5.",
    "rectified": "**The rectifier's switch.** 1: the loudness memory is trusted and scales each dial; 0: not "
                 "yet, the hand turns like plain momentum.",
    "r": "**How much of the scaling to let in (rₜ).** The rectifier: small just after the switch, growing "
         "toward 1 as the memory fills.",
    "reach_on": "**The reach of this dial.** η times rₜ, divided by the corrected root of the loudness (ε "
                "added before the correction).",
    "reach_off": "**The reach of this dial.** Just η: until the switch, a loud dial moves as far as its click "
                 "says, as in SGD with momentum.",
    "turn": "**The turn.** This dial's reach times the corrected direction, against it.",
    "turn_decoupled": "**The turn.** The pull home (η·λ of the dial itself) plus this dial's reach times the "
                      "corrected direction, against it.",
}


def _explain(s: Step) -> tuple:
    decoupled = bool(s.hp["decoupled_weight_decay"])
    eta, g = s.eta(), s.gradient(decoupled)
    b1, b2, eps = float(s.hp["beta1"]), float(s.hp["beta2"]), float(s.hp["eps"])
    m = s.add("m_t", r"\beta_1 m_{t-1} + (1-\beta_1)\, g_t", WORDS["m"], r"<b1>\cdot<m> + <keep>\cdot<g>",
              {"b1": b1, "m": s.before("m"), "keep": 1 - b1, "g": g},
              lambda b1, m, keep, g: b1 * m + keep * g, s.now("m"))
    v = s.add("v_t", r"\beta_2 v_{t-1} + (1-\beta_2)\, g_t^2", WORDS["v"], r"<b2>\cdot<v> + <keep>\cdot<g>^2",
              {"b2": b2, "v": s.before("v"), "keep": 1 - b2, "g": g},
              lambda b2, v, keep, g: b2 * v + keep * g * g, s.now("v"))
    c1 = s.add(r"1-\beta_1^t", "", WORDS["c1"], "1 - <b1>^{[t]}", {"b1": b1, "t": s.t},
               lambda b1, t: 1 - b1**t, shared=True)
    m_hat = s.add(r"\hat m_t", r"\frac{m_t}{1-\beta_1^t}", WORDS["m_hat"], r"\frac{[m]}{[c1]}",
                  {"m": m, "c1": c1}, lambda m, c1: m / c1, s.now("m_hat"))
    rho_inf = s.add(r"\rho_\infty", r"\frac{2}{1-\beta_2} - 1", WORDS["rho_inf"], r"\frac{2}{1 - [b2]} - 1",
                    {"b2": b2}, lambda b2: 2 / (1 - b2) - 1, shared=True)
    rho = s.add(r"\rho_t", r"\rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}", WORDS["rho"],
                r"[rho_inf] - \frac{2\cdot[t]\cdot[b2]^{[t]}}{1 - [b2]^{[t]}}",
                {"rho_inf": rho_inf, "t": s.t, "b2": b2},
                lambda rho_inf, t, b2: rho_inf - 2 * t * b2**t / (1 - b2**t), s.now("rho_t"), shared=True)
    on = s.add(r"\text{rectified}", r"\rho_t > 5", WORDS["rectified"], r"[rho] > 5", {"rho": rho},
               lambda rho: float(rho > RECTIFIER_THRESHOLD), s.now("rectified"), shared=True)
    if on[0]:
        r = s.add("r_t", r"\sqrt{\frac{(\rho_t-4)(\rho_t-2)\,\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\,\rho_t}}",
                  WORDS["r"],
                  r"\sqrt{\frac{([rho]-4)([rho]-2)\cdot[rho_inf]}{([rho_inf]-4)([rho_inf]-2)\cdot[rho]}}",
                  {"rho": rho, "rho_inf": rho_inf},
                  lambda rho, rho_inf: math.sqrt((rho - 4) * (rho - 2) * rho_inf
                                                 / ((rho_inf - 4) * (rho_inf - 2) * rho)),
                  shared=True)
        reach = s.add(r"\eta^{\text{dial}}_t", r"\eta\, r_t\, \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon}",
                      WORDS["reach_on"], r"[eta]\cdot[r]\cdot\frac{\sqrt{1 - [b2]^{[t]}}}{\sqrt{[v]} + [eps]}",
                      {"eta": eta, "r": r, "b2": b2, "t": s.t, "v": v, "eps": eps},
                      lambda eta, r, b2, t, v, eps: eta * r * math.sqrt(1 - b2**t) / (math.sqrt(v) + eps),
                      s.now("effective_lr"))
    else:
        reach = s.add(r"\eta^{\text{dial}}_t", r"\eta", WORDS["reach_off"], "[eta]", {"eta": eta},
                      lambda eta: eta, s.now("effective_lr"))
    lam = float(s.hp["weight_decay"])
    if decoupled and lam:
        return s.turn(r"-\eta\lambda\,\theta_{t-1} - \eta^{\text{dial}}_t\, \hat m_t", WORDS["turn_decoupled"],
                      r"-<eta>\cdot<lam>\cdot<theta> - <reach>\cdot<m_hat>",
                      {"eta": eta, "lam": lam, "theta": s.theta(), "reach": reach, "m_hat": m_hat},
                      lambda eta, lam, theta, reach, m_hat: -eta * lam * theta - reach * m_hat)
    return s.turn(r"-\eta^{\text{dial}}_t\, \hat m_t", WORDS["turn"], r"-<reach>\cdot<m_hat>",
                  {"reach": reach, "m_hat": m_hat}, lambda reach, m_hat: -reach * m_hat)
def init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "v": zeros}


def _second_moment_terms(hp, t):
    """ρ_t, r_t and √(1−β₂ᵗ) of step t, with β₂ᵗ computed once."""
    b2 = hp["beta2"]
    b2_t = power(b2, t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2_t / (1 - b2_t)
    with np.errstate(invalid="ignore", divide="ignore"):
        rect = np.power((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5)
    return rho_t, rect, np.power(1 - b2_t, 0.5)


def rectifier(hp, t):
    r"""(ρ_t, r_t) of step t: the length of the approximated simple moving average and the variance
    rectification term, :math:`\rho_\infty = 2/(1-\beta_2) - 1`,
    :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t)`,
    :math:`r_t = \sqrt{(\rho_t-4)(\rho_t-2)\rho_\infty / ((\rho_\infty-4)(\rho_\infty-2)\rho_t)}`.
    r_t is NaN where the root's argument is negative (2 < ρ_t < 4) and meaningless wherever ρ_t ≤ 5:
    torch uses it only where ρ_t > 5."""
    return _second_moment_terms(hp, t)[:2]


def _adaptive(v, hp, root_of_correction):
    # torch writes bias_correction2 ** 0.5 / (sqrt(v) + eps), which a tensor computes as reciprocal * scalar
    return (1 / (np.sqrt(v) + hp["eps"])) * root_of_correction


def step(params, grad, state, hp, lr, t):
    r"""One RAdam step.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
            \qquad \hat m_t = \frac{m_t}{1-\beta_1^t} \\
        \theta_t &= \theta_{t-1} - \eta\, \hat m_t\, r_t\, \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon}
            \quad \text{if}\ \rho_t > 5, \qquad \text{else}\quad \theta_t = \theta_{t-1} - \eta\, \hat m_t

    with ρ_t and r_t as in `rectifier`. Until ρ_t passes 5 (the sixth step for β₂ ≥ 0.85, later as β₂
    nears 2/3: the tenth at 0.7; never when β₂ ≤ 2/3, since then ρ∞ ≤ 5) the hand is SGD with
    bias-corrected momentum and unscaled clicks. ε is
    added to √v_t before the bias correction multiplies (Adam adds it after): ε/√(1−β₂ᵗ) in Adam's terms.
    The product is formed as torch does, ((m̂·η)·√(1−β₂ᵗ)/(√v+ε))·r_t. Weight decay is L2 (g_t = ∇f + λθ)
    or, with `decoupled_weight_decay`, AdamW's θ ← (1 − ηλ)θ before the step.
    """
    weight_decay, decoupled = hp["weight_decay"], hp["decoupled_weight_decay"]
    g = select(decoupled, grad, with_l2(grad, params, weight_decay))
    params = select(decoupled, params * (1 - lr * weight_decay), params)
    b1, b2 = hp["beta1"], hp["beta2"]
    m = lerp(state["m"], g, 1 - b1)
    v = b2 * state["v"] + ((1 - b2) * g) * g
    m_hat = m / (1 - power(b1, t))
    rho_t, rect, root_of_correction = _second_moment_terms(hp, t)
    rectified = rho_t > RECTIFIER_THRESHOLD
    if not np.any(rectified):
        return params - m_hat * lr, {"m": m, "v": v}
    update = select(rectified, m_hat * lr * _adaptive(v, hp, root_of_correction) * rect, m_hat * lr)
    return params - update, {"m": m, "v": v}


def derive(history, hp, lr, t):
    """ρ_t and whether the rectifier has switched the scaling on (1) or not (0), the same on both dials;
    the bias-corrected momentum; and each dial's reach, what multiplies m̂_t: η r_t √(1−β₂ᵗ)/(√v_t+ε) once
    rectified, plainly η before."""
    shape = history["m"].shape
    rho_t, rect, root_of_correction = _second_moment_terms(hp, t)
    rectified = rho_t > RECTIFIER_THRESHOLD
    reach = select(rectified, lr * _adaptive(history["v"], hp, root_of_correction) * rect, lr)
    return {"rho_t": np.broadcast_to(rho_t, shape).copy(),
            "rectified": np.broadcast_to(rectified, shape).astype(np.float64),
            "m_hat": history["m"] / (1 - power(hp["beta1"], t)),
            "effective_lr": np.broadcast_to(reach, shape).copy()}


def _shown_state(hp):
    return ("m", "v")


RADAM = OptimizerSpec(
    key="radam", title="RAdam",
    description=(
        "Adam that does not trust its loudness memory too early: for the first few steps (until ρ_t, the "
        "number of clicks its memory effectively averages, passes 5; the sixth step for β2 ≥ 0.85) it turns "
        "the dials like plain momentum, by η times the remembered click, loud or quiet. Then the "
        "rectifier r_t switches the per-dial scaling on and lets it in gradually. So the first steps are as "
        "big as the click: on a steep vault an Adam-sized lr throws the hand before the scaling starts. "
        "With β2 ≤ 2/3 the memory is too short ever to be trusted and it stays plain momentum. "
        "Teaching default lr 0.005 (PyTorch: 0.001)."),
    latex=(r"\begin{aligned} m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \quad "
           r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
           r"\rho_t &= \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}, \quad \rho_\infty = \frac{2}{1-\beta_2} - 1 \\ "
           r"\theta_t &= \theta_{t-1} - \eta\, \frac{m_t}{1-\beta_1^t} \cdot \begin{cases} "
           r"r_t\, \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon} & \rho_t > 5 \\ 1 & \text{otherwise} "
           r"\end{cases} \end{aligned}"),
    hyperparameters=(
        lr(0.005, torch_default=1e-3),
        Hyperparameter("beta1", r"\beta_1", 0.9, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.9,
                       help="The hand's momentum: how long it remembers which way the clicks pointed."),
        Hyperparameter("beta2", r"\beta_2", 0.999, UNIT_OPEN, low=0.5, high=0.9999, torch_default=0.999,
                       help="How long the hand remembers how loud the clicks were. At 2/3 or less that "
                            "memory is too short to be trusted and the scaling never switches on."),
        eps(1e-8), weight_decay(),
        Hyperparameter("decoupled_weight_decay", r"\text{decoupled}", False, SWITCH, torch_default=False,
                       help="Apply the pull toward zero to the dials directly, as AdamW does, instead of "
                            "adding λθ to the click.")),
    init=init, step=step, derive=derive, torch_class="RAdam",
    shown_state=_shown_state,
    explain=_explain,
    map_axis=MapAxis("beta2", "loudness memory β₂", "β₂",
                     "RAdam's β₂ decides when, and whether, it trusts its loudness memory: at 2/3 or below the "
                     "rectifier never switches on and the hand stays plain momentum, however long it runs.",
                     low=0.5, high=0.999, lr_range=(1e-4, 0.1)),
    arrows=(("m_hat", "m̂ (where the clicks point)"),),
)

SPECS = (RADAM,)
