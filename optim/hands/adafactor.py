r"""Adafactor, as much of it as two dials leave: torch.optim.Adafactor on a parameter that is a 2-vector.

Adafactor's point is memory: for a weight matrix it keeps one second-moment statistic per row and one per
column instead of one per entry. torch applies that factorization only to tensors of two or more
dimensions; the two dials are a vector, so torch keeps a full per-dial variance and none of that remains.
Nor is there momentum: torch's Adafactor keeps no first moment. What remains is below.

Follows torch.optim.Adafactor's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.rules` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import numpy as np

from optim.hands._phase1 import Bounded, hand_spec
from optim.hyperparameters import NON_NEGATIVE, Hyperparameter, lr, weight_decay
from optim.rules import _lerp, _power

SQRT_OF_TWO = 2**0.5  # torch divides norms by numel ** 0.5 to get root-mean-squares; numel is 2 here


def _root_mean_square(pair):
    return np.sqrt(pair[0] * pair[0] + pair[1] * pair[1]) / SQRT_OF_TWO


def init(params, hp):
    return {"variance": np.zeros_like(params), "step_size": np.zeros(params.shape[1])}


def relative_step(lr, t):
    """ρ_t = min(lr, 1/√t): the share of the dials' own size that step t may move them."""
    return np.minimum(lr, 1 / np.sqrt(t))


def step(params, grad, state, hp, lr, t):
    r"""One Adafactor step on a vector.

    .. math::
        \hat\beta_{2,t} &= 1 - t^{c}, \qquad v_t = \hat\beta_{2,t}\, v_{t-1} + (1-\hat\beta_{2,t})\, g_t^2 \\
        u_t &= \frac{g_t}{\sqrt{\max(v_t,\ \epsilon_1^2)}}, \qquad
            \alpha_t = \max\big(\epsilon_2,\ \mathrm{RMS}(\theta_{t-1})\big)\, \min\big(\eta, \tfrac{1}{\sqrt t}\big) \\
        \theta_t &= (1-\eta\lambda)\,\theta_{t-1} - \frac{\alpha_t}{\max(1,\ \mathrm{RMS}(u_t)/d)}\, u_t

    with c the `beta2_decay` (so v_1 = g_1², and the memory lengthens as t grows: no bias correction), RMS
    the root-mean-square over the two dials, d the clipping threshold and λ the decoupled `weight_decay`.
    ε₁ bounds v from below before the root (torch's default, None, is the dtype's machine epsilon: 2⁻⁵²
    for float64 dials); ε₂ is the smallest size of the dials the relative step assumes. α_t is computed from
    θ before the decay. The root is torch's `rsqrt`, 1/√x, then multiplied by g. `step_size`, the
    α_t/max(1, RMS(u_t)/d) actually used, is recorded for the learner and never read back.
    """
    rho = relative_step(lr, t)
    alpha = np.maximum(hp["eps2"], _root_mean_square(params)) * rho
    if np.ndim(hp["weight_decay"]) or hp["weight_decay"]:
        params = params * (1 - lr * hp["weight_decay"])
    variance = _lerp(state["variance"], grad * grad, _power(float(t), hp["beta2_decay"]))
    eps1 = hp["eps1"]
    update = 1 / np.sqrt(np.maximum(variance, eps1 * eps1)) * grad
    step_size = alpha / np.maximum(1.0, _root_mean_square(update) / hp["d"])
    return params - step_size * update, {"variance": variance, "step_size": step_size}


def derive(history, hp, lr, t):
    """ρ_t (the same on both dials) and each dial's reach, what multiplies this step's click."""
    shape = history["variance"].shape
    floor = hp["eps1"] * hp["eps1"]
    return {"rho_t": np.broadcast_to(np.minimum(lr, 1 / np.sqrt(t)), shape).copy(),
            "effective_lr": history["step_size"] / np.sqrt(np.maximum(history["variance"], floor))}


def _shown_state(hp):
    return ("variance", "step_size")


ADAFACTOR = hand_spec(
    key="adafactor", title="Adafactor",
    description=(
        "Honestly, little of Adafactor survives on two dials. Its trick is to save memory on weight "
        "matrices by remembering loudness per row and per column instead of per entry; the two dials are a "
        "vector, so PyTorch keeps an ordinary loudness per dial, and there is no momentum either. What is "
        "left is an RMSprop-like hand with three twists: its loudness memory lengthens as it goes "
        "(β2 = 1 − t^c, so the first click is all it knows at first), each scaled turn is clipped to a "
        "root-mean-square size d, and its reach is relative: each step moves the dials by "
        "min(lr, 1/√t) times their own root-mean-square size (at least ε2). So it strides far from the "
        "origin and tiptoes near it, whatever the vault. Teaching default lr 0.05 (PyTorch: 0.01)."),
    latex=(r"\begin{aligned} v_t &= (1 - t^{c})\, v_{t-1} + t^{c}\, g_t^2, \quad "
           r"u_t = \frac{g_t}{\sqrt{\max(v_t, \epsilon_1^2)}} \\ "
           r"\alpha_t &= \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\, \min(\eta, 1/\sqrt{t}) \\ "
           r"\theta_t &= (1-\eta\lambda)\,\theta_{t-1} - \frac{\alpha_t}{\max(1, \mathrm{RMS}(u_t)/d)}\, u_t "
           r"\end{aligned}"),
    hyperparameters=(
        lr(0.05, torch_default=1e-2),
        Bounded("beta2_decay", "c", -0.8, "(-inf, 0]", low=-1.0, high=0.0, torch_default=-0.8, maximum=0.0,
                help="How fast the loudness memory lengthens: 1 − β2 = t^c. At 0 the hand remembers only "
                     "the latest click."),
        Hyperparameter("eps1", r"\epsilon_1", float(np.finfo(np.float64).eps), NON_NEGATIVE, low=1e-16,
                       high=1e-2, log=True, torch_default=float(np.finfo(np.float64).eps),
                       help="The smallest loudness the hand divides by (PyTorch's eps[0]; its None means "
                            "this machine epsilon)."),
        Hyperparameter("eps2", r"\epsilon_2", 1e-3, NON_NEGATIVE, low=1e-5, high=1e-1, log=True,
                       torch_default=1e-3,
                       help="The smallest dial size the relative step assumes, so the hand still moves at "
                            "the origin (PyTorch's eps[1])."),
        Bounded("d", "d", 1.0, "[1, inf)", low=1.0, high=10.0, torch_default=1.0, minimum=1.0,
                help="The clipping threshold: a scaled turn larger than d (root-mean-square) is cut back."),
        weight_decay(how="decoupled")),
    init=init, step=step, derive=derive, torch_class="Adafactor(eps=(ε1, ε2))",
    shown_state=_shown_state,
)

NEW_HANDS = (ADAFACTOR,)
