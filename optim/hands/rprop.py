r"""Rprop (resilient backpropagation): each dial keeps its own step size and listens only to the click's sign.

The rule, as torch.optim.Rprop's single-tensor implementation computes it (float64, operation for
operation)::

    init:  prev = 0,  step_size = lr                      (per dial)
    step:  s      = sign(g_t · prev)                     (did the click keep its direction?)
           factor = etaplus where s > 0, etaminus where s < 0, 1 where s = 0
           step_size = clamp(step_size · factor, step_size_min, step_size_max)
           g'     = 0 where s < 0, else g_t                (a sign flip skips this turn)
           θ_t    = θ_{t-1} − sign(g') · step_size
           prev   = g'

Conventions worth knowing:

- The learning rate is only the *initial* step size: `lr` is read once, by `init`, so a learning-rate
  schedule changes nothing (as in PyTorch, whose Rprop reads `group["lr"]` only when it creates the state).
- The clamp applies on the first step too, where `prev` is 0 and the factor is 1: an `lr` above
  `step_size_max` is cut down before the first turn.
- After a sign flip the stored `prev` is 0, so the next step neither grows nor shrinks the step size.
- torch's `etas=(etaminus, etaplus)` and `step_sizes=(step_size_min, step_size_max)` are split into
  their own names here, as Adam's `betas` are split into `beta1`, `beta2`.
"""

from __future__ import annotations

import numpy as np

from optim.hands._interim import Bounded, hand_spec
from optim.hyperparameters import lr


def rprop_init(params, hp):
    step_size = np.zeros_like(params) + hp["lr"]
    if np.any(np.asarray(hp["step_size_min"]) > np.asarray(hp["step_size_max"])):
        raise ValueError("step_size_min must not exceed step_size_max")
    return {"prev": np.zeros_like(params), "step_size": step_size}


def rprop_step(params, grad, state, hp, lr, t):
    r"""One Rprop step; see the module docstring for the rule. `lr` is ignored after `init` (as torch does).

    .. math::
        \eta^i_t = \begin{cases} \min(\eta^i_{t-1}\eta_+, \Gamma_{\max}) & g^i_t g^i_{t-1} > 0 \\
                                 \max(\eta^i_{t-1}\eta_-, \Gamma_{\min}) & g^i_t g^i_{t-1} < 0
                                   \ (\text{and } g^i_t \leftarrow 0) \\
                                 \eta^i_{t-1} & \text{otherwise} \end{cases}, \qquad
        \theta_t = \theta_{t-1} - \eta_t \operatorname{sign}(g_t)
    """
    agreement = np.sign(grad * state["prev"])
    factor = np.where(agreement > 0, hp["etaplus"], np.where(agreement < 0, hp["etaminus"], 1.0))
    factor = np.where(np.isnan(agreement), agreement, factor)  # torch leaves a NaN sign in place
    step_size = np.minimum(np.maximum(state["step_size"] * factor, hp["step_size_min"]), hp["step_size_max"])
    heard = np.where(agreement < 0, 0.0, grad)
    return params - np.sign(heard) * step_size, {"prev": heard, "step_size": step_size}


RPROP = hand_spec(
    key="rprop",
    title="Rprop",
    description=(
        "The hand that ignores how loud a click is and only asks which way it points. Each dial has its own "
        "stride: while the clicks keep pointing the same way the stride grows (×η₊), and the moment a click "
        "flips it shrinks (×η₋) and that dial skips a turn. So it strides across a flat plateau and creeps "
        "over a sharp cliff edge, each dial at its own pace. The learning rate is only the first stride; "
        "a schedule does nothing to it. Defaults as PyTorch: lr 0.01, η₋ 0.5, η₊ 1.2, strides between "
        "1e-6 and 50."),
    latex=(r"\begin{aligned} s_t &= \operatorname{sign}(g_t\, g_{t-1}) \\ "
           r"\eta_t &= \operatorname{clamp}\big(\eta_{t-1} \cdot \{\eta_+ \text{ if } s_t>0;\ "
           r"\eta_- \text{ if } s_t<0;\ 1\},\ \Gamma_{\min}, \Gamma_{\max}\big) \\ "
           r"g_t &\leftarrow 0 \ \text{ if } s_t < 0 \\ "
           r"\theta_t &= \theta_{t-1} - \eta_t \operatorname{sign}(g_t) \end{aligned}"),
    hyperparameters=(
        lr(0.01, low=1e-4, high=1.0, torch_default=1e-2),
        Bounded("etaminus", r"\eta_-", 0.5, "(0, 1)", low=0.1, high=0.9, torch_default=0.5, plain="η₋",
                minimum=0.0, maximum=1.0, open_below=True, open_above=True,
                help="How much a dial's stride shrinks when its click flips direction."),
        Bounded("etaplus", r"\eta_+", 1.2, "(1, inf)", low=1.01, high=2.0, torch_default=1.2, plain="η₊",
                minimum=1.0, open_below=True,
                help="How much a dial's stride grows while its clicks keep pointing the same way."),
        Bounded("step_size_min", r"\Gamma_{\min}", 1e-6, "[0, inf)", low=1e-8, high=1e-2, log=True,
                torch_default=1e-6, plain="Γmin", minimum=0.0,
                help="The shortest stride a dial may shrink to."),
        Bounded("step_size_max", r"\Gamma_{\max}", 50.0, "[0, inf)", low=1e-2, high=50.0, log=True,
                torch_default=50.0, plain="Γmax", minimum=0.0,
                help="The longest stride a dial may grow to."),
    ),
    init=rprop_init,
    step=rprop_step,
    torch_class="Rprop(etas=(η₋, η₊), step_sizes=(Γmin, Γmax))",
    shown_state=lambda hp: ("step_size",),
)
