r"""NAdam: Adam with Nesterov's look-ahead, and a momentum that warms up step by step.

Follows torch.optim.NAdam's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.hands` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import lerp, power, select, with_l2
from optim.hands._torch_scalars import float32_product
from optim.hyperparameters import NON_NEGATIVE, SWITCH, UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step


WORDS = {
    "mu": "**This step's momentum (μₜ).** It warms up with the step count: about β₁/2 at first, nearing β₁ "
          "only after many steps at PyTorch's ψ.",
    "mu_next": "**Next step's momentum (μₜ₊₁).** The look-ahead weighs the memory with the momentum the hand "
               "will have on its next step.",
    "product": "**Momentum used so far (Πₜ).** The product of every μ up to this step (kept in float32, as "
               "PyTorch keeps it): it plays the part of Adam's β₁ᵗ in the bias correction.",
    "m": "**Which way the clicks point (m).** β₁ of the old memory plus 1−β₁ of the new click.",
    "v": "**How loud the clicks have been (v).** β₂ of the old loudness plus 1−β₂ of the new click squared.",
    "c2": "**Bias correction for v.** v started empty; dividing it by 1−β₂ᵗ scales it back up.",
    "reach": "**The reach of this dial.** η divided by the root of the corrected loudness: every dial moves "
             "about η per step, however steep it is.",
    "weight_g": "**How much of the new click.** (1−μₜ)/(1−Πₜ): the click's own share of the look-ahead.",
    "weight_m": "**How much of the memory.** μₜ₊₁/(1−Πₜμₜ₊₁): the remembered direction, as it will have been "
                "carried one step further.",
    "mix": "**The look-ahead direction.** The new click and the remembered direction, each with its weight: "
           "where the hand would be pointing after the momentum's next push.",
    "turn": "**The turn.** This dial's reach times the look-ahead direction, against it.",
    "turn_decoupled": "**The turn.** The pull home (η·λ of the dial itself) plus this dial's reach times the "
                      "look-ahead direction, against it.",
}


def _explain(s: Step) -> tuple:
    decoupled = bool(s.hp["decoupled_weight_decay"])
    eta, g = s.eta(), s.gradient(decoupled)
    b1, b2, eps, psi = (float(s.hp[name]) for name in ("beta1", "beta2", "eps", "momentum_decay"))
    mu = s.add(r"\mu_t", r"\beta_1\,(1 - \tfrac12\, 0.96^{t\psi})", WORDS["mu"],
               r"<b1>\cdot(1 - 0.5\cdot0.96^{[t]\cdot[psi]})",
               {"b1": b1, "t": s.t, "psi": psi}, lambda b1, t, psi: b1 * (1 - 0.5 * 0.96 ** (t * psi)),
               s.now("mu"), shared=True)
    mu_next = s.add(r"\mu_{t+1}", r"\beta_1\,(1 - \tfrac12\, 0.96^{(t+1)\psi})", WORDS["mu_next"],
                    r"<b1>\cdot(1 - 0.5\cdot0.96^{[t]\cdot[psi]})", {"b1": b1, "t": s.t + 1, "psi": psi},
                    lambda b1, t, psi: b1 * (1 - 0.5 * 0.96 ** (t * psi)), shared=True)
    product = s.add(r"\Pi_t", r"\Pi_{t-1}\, \mu_t", WORDS["product"], r"[old]\cdot[mu]",
                    {"old": s.before("mu_product", initial=1.0), "mu": mu},
                    lambda old, mu: float(np.float32(old) * np.float32(mu)), s.now("mu_product"), shared=True)
    m = s.add("m_t", r"\beta_1 m_{t-1} + (1-\beta_1)\, g_t", WORDS["m"], r"<b1>\cdot<m> + <keep>\cdot<g>",
              {"b1": b1, "m": s.before("m"), "keep": 1 - b1, "g": g},
              lambda b1, m, keep, g: b1 * m + keep * g, s.now("m"))
    v = s.add("v_t", r"\beta_2 v_{t-1} + (1-\beta_2)\, g_t^2", WORDS["v"], r"<b2>\cdot<v> + <keep>\cdot<g>^2",
              {"b2": b2, "v": s.before("v"), "keep": 1 - b2, "g": g},
              lambda b2, v, keep, g: b2 * v + keep * g * g, s.now("v"))
    c2 = s.add(r"1-\beta_2^t", "", WORDS["c2"], "1 - <b2>^{[t]}", {"b2": b2, "t": s.t},
               lambda b2, t: 1 - b2**t, shared=True)
    reach = s.add(r"\eta^{\text{dial}}_t", r"\frac{\eta}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}", WORDS["reach"],
                  r"\frac{[eta]}{\sqrt{[v] / [c2]} + [eps]}", {"eta": eta, "v": v, "c2": c2, "eps": eps},
                  lambda eta, v, c2, eps: eta / (math.sqrt(v / c2) + eps), s.now("effective_lr"))
    weight_g = s.add(r"a_t", r"\frac{1-\mu_t}{1-\Pi_t}", WORDS["weight_g"], r"\frac{1 - [mu]}{1 - [product]}",
                     {"mu": mu, "product": product}, lambda mu, product: (1 - mu) / (1 - product), shared=True)
    weight_m = s.add(r"b_t", r"\frac{\mu_{t+1}}{1-\Pi_t\,\mu_{t+1}}", WORDS["weight_m"],
                     r"\frac{[mu_next]}{1 - [product]\cdot[mu_next]}", {"mu_next": mu_next, "product": product},
                     lambda mu_next, product: mu_next / (1 - product * mu_next), shared=True)
    mix = s.add(r"d_t", r"a_t\, g_t + b_t\, m_t", WORDS["mix"], r"[a]\cdot<g> + [b]\cdot<m>",
                {"a": weight_g, "g": g, "b": weight_m, "m": m}, lambda a, g, b, m: a * g + b * m)
    lam = float(s.hp["weight_decay"])
    if decoupled and lam:
        return s.turn(r"-\eta\lambda\,\theta_{t-1} - \eta^{\text{dial}}_t\, d_t", WORDS["turn_decoupled"],
                      r"-<eta>\cdot<lam>\cdot<theta> - <reach>\cdot<mix>",
                      {"eta": eta, "lam": lam, "theta": s.theta(), "reach": reach, "mix": mix},
                      lambda eta, lam, theta, reach, mix: -eta * lam * theta - reach * mix)
    return s.turn(r"-\eta^{\text{dial}}_t\, d_t", WORDS["turn"], r"-<reach>\cdot<mix>", {"reach": reach, "mix": mix},
                  lambda reach, mix: -reach * mix)
def init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "v": zeros, "mu_product": np.ones(params.shape[1])}


def momentum_at(hp, t):
    r""":math:`\mu_t = \beta_1 (1 - \tfrac12\, 0.96^{t\psi})`: the momentum coefficient of step t."""
    return hp["beta1"] * (1.0 - 0.5 * power(0.96, t * hp["momentum_decay"]))


def _denominator(v, hp, t):
    return np.sqrt(v / (1 - power(hp["beta2"], t))) + hp["eps"]


def step(params, grad, state, hp, lr, t):
    r"""One NAdam step.

    .. math::
        \mu_t &= \beta_1\,(1 - \tfrac12\, 0.96^{t\psi}), \qquad \Pi_t = \mu_1 \mu_2 \cdots \mu_t \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \theta_t &= \theta_{t-1} - \eta \left[\frac{1-\mu_t}{1-\Pi_t}\, g_t
            + \frac{\mu_{t+1}}{1-\Pi_t\,\mu_{t+1}}\, m_t\right] \Big/
            \left(\sqrt{v_t / (1-\beta_2^t)} + \epsilon\right)

    with ψ the `momentum_decay`. Weight decay is L2 (g_t = ∇f + λθ) or, with `decoupled_weight_decay`,
    AdamW's θ ← (1 − ηλ)θ before the step. ε sits outside the root, after v's bias correction (torch
    divides v by 1 − β₂ᵗ and then takes the root, where Adam divides the root). The two terms are added to
    θ one after the other, each as torch's `addcdiv`. Π is kept as torch keeps it: a float32 number
    (torch's default dtype), rounded at each product, while μ_{t+1} and Π_t μ_{t+1} stay float64.
    """
    weight_decay, decoupled = hp["weight_decay"], hp["decoupled_weight_decay"]
    g = select(decoupled, grad, with_l2(grad, params, weight_decay))
    params = select(decoupled, params * (1 - lr * weight_decay), params)
    mu, mu_next = momentum_at(hp, t), momentum_at(hp, t + 1)
    mu_product = float32_product(state["mu_product"], mu)
    b1, b2 = hp["beta1"], hp["beta2"]
    m = lerp(state["m"], g, 1 - b1)
    v = b2 * state["v"] + ((1 - b2) * g) * g
    denominator = _denominator(v, hp, t)
    params = params + ((-lr * (1.0 - mu) / (1.0 - mu_product)) * g) / denominator
    params = params + (((-lr * mu_next) / (1.0 - mu_product * mu_next)) * m) / denominator
    return params, {"m": m, "v": v, "mu_product": mu_product}


def derive(history, hp, lr, t):
    """This step's momentum coefficient μ_t (the same on both dials) and each dial's reach, lr over the
    denominator."""
    mu = np.broadcast_to(momentum_at(hp, t), history["m"].shape)
    return {"mu": mu.copy(), "effective_lr": lr / _denominator(history["v"], hp, t)}


def _shown_state(hp):
    return ("m", "v", "mu_product")


NADAM = OptimizerSpec(
    key="nadam", title="NAdam",
    description=(
        "Adam that looks ahead: it turns each dial as if the momentum had already carried it one step "
        "further (Nesterov's trick), mixing this click with the remembered direction. Its momentum μ_t also "
        "warms up: μ_t = β1(1 − ½·0.96^(tψ)) starts near β1/2 and grows towards β1 at a pace set by the "
        "momentum decay ψ. With PyTorch's ψ = 0.004 it reaches 0.9·β1 only after about 10,000 steps, so on these "
        "vaults the hand runs with about half of β1 throughout; a larger ψ lets the momentum grow within a "
        "run. Teaching default lr 0.05 (PyTorch: 0.002); ψ 0.004 and β as PyTorch."),
    latex=(r"\begin{aligned} \mu_t &= \beta_1\,(1 - \tfrac12\, 0.96^{t\psi}), \quad "
           r"\Pi_t = \textstyle\prod_{i\le t} \mu_i \\ "
           r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
           r"\theta_t &= \theta_{t-1} - \eta\, \frac{\frac{1-\mu_t}{1-\Pi_t}\, g_t "
           r"+ \frac{\mu_{t+1}}{1-\Pi_{t+1}}\, m_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon} \end{aligned}"),
    hyperparameters=(
        lr(0.05, torch_default=2e-3),
        Hyperparameter("beta1", r"\beta_1", 0.9, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.9,
                       help="The most momentum the hand can reach; it starts at about half of it."),
        Hyperparameter("beta2", r"\beta_2", 0.999, UNIT_OPEN, low=0.5, high=0.9999, torch_default=0.999,
                       help="How long the hand remembers how loud the clicks were; it divides each "
                            "dial's step by that loudness."),
        eps(1e-8), weight_decay(),
        Hyperparameter("momentum_decay", r"\psi", 4e-3, NON_NEGATIVE, low=0.0, high=0.5, torch_default=4e-3,
                       help="How fast the momentum warms up from β1/2 towards β1 (0: it never does)."),
        Hyperparameter("decoupled_weight_decay", r"\text{decoupled}", False, SWITCH, torch_default=False,
                       help="Apply the pull toward zero to the dials directly, as AdamW does, instead of "
                            "adding λθ to the click.")),
    init=init, step=step, derive=derive, torch_class="NAdam",
    shown_state=_shown_state,
    explain=_explain,
    map_axis=MapAxis("momentum_decay", "momentum warm-up ψ", "ψ",
                     "NAdam's ψ sets how soon its momentum grows from β₁/2 toward β₁. At PyTorch's 0.004 that "
                     "takes thousands of steps, so on these vaults the hand keeps about half its momentum; "
                     "larger ψ lets the full momentum in within a run.", low=0.0, high=0.5),
    arrows=(("m", "m (where the clicks point)"),),
)

SPECS = (NADAM,)
