r"""NAdam: Adam with Nesterov's look-ahead, and a momentum that warms up step by step.

Follows torch.optim.NAdam's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.rules` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import numpy as np

from optim.hands._phase1 import hand_spec
from optim.hands._torch_scalars import float32_product
from optim.hyperparameters import NON_NEGATIVE, SWITCH, UNIT_OPEN, Hyperparameter, eps, lr, weight_decay
from optim.rules import _lerp, _power, _select, _with_l2


def init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "v": zeros, "mu_product": np.ones(params.shape[1])}


def momentum_at(hp, t):
    r""":math:`\mu_t = \beta_1 (1 - \tfrac12\, 0.96^{t\psi})`: the momentum coefficient of step t."""
    return hp["beta1"] * (1.0 - 0.5 * _power(0.96, t * hp["momentum_decay"]))


def _denominator(v, hp, t):
    return np.sqrt(v / (1 - _power(hp["beta2"], t))) + hp["eps"]


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
    g = _select(decoupled, grad, _with_l2(grad, params, weight_decay))
    params = _select(decoupled, params * (1 - lr * weight_decay), params)
    mu, mu_next = momentum_at(hp, t), momentum_at(hp, t + 1)
    mu_product = float32_product(state["mu_product"], mu)
    b1, b2 = hp["beta1"], hp["beta2"]
    m = _lerp(state["m"], g, 1 - b1)
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


NADAM = hand_spec(
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
)

NEW_HANDS = (NADAM,)
