r"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolated
momentum, so every dial turns by exactly the learning rate on every step.

The rule, in the paper's arithmetic (its Program 1), per dial::

    c_t = β1 · m_{t-1} + (1 − β1) · g_t          (interpolate the memory toward the click)
    θ_t = θ_{t-1} − η · (sign(c_t) + λ θ_{t-1})    (decoupled weight decay, as in AdamW)
    m_t = β2 · m_{t-1} + (1 − β2) · g_t          (the memory itself uses the other β)

Conventions worth knowing:

- Two βs with swapped roles: β1 mixes the click into the *direction* of this step, β2 sets how long the
  *memory* lasts. With the paper's defaults (0.9, 0.99) the step listens to the click more than the
  memory keeps it.
- Weight decay is decoupled and multiplied by η, as AdamW's; `sign(0) = 0`, so a dial whose
  interpolation is exactly zero does not move.
- There is no torch.optim class; the tests check this module against the rule written out independently.
"""

from __future__ import annotations

import numpy as np

from optim.hands._interim import hand_spec
from optim.hyperparameters import NON_NEGATIVE, UNIT_OPEN, Hyperparameter, lr


def lion_init(params, hp):
    return {"m": np.zeros_like(params)}


def lion_step(params, grad, state, hp, lr, t):
    r"""One Lion step (module docstring: the rule and its conventions).

    .. math::
        c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        \theta_t = \theta_{t-1} - \eta\,\big(\operatorname{sign}(c_t) + \lambda\theta_{t-1}\big), \quad
        m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t
    """
    m, b1, b2 = state["m"], hp["beta1"], hp["beta2"]
    direction = np.sign(b1 * m + (1 - b1) * grad) + hp["weight_decay"] * params
    return params - lr * direction, {"m": b2 * m + (1 - b2) * grad}


LION = hand_spec(
    key="lion",
    title="Lion",
    description=(
        "The metronome: it only ever asks which way to turn, never how far. It blends its memory of past "
        "clicks with the new one (β₁), takes the sign, and turns every dial by exactly the learning rate, "
        "loud click or faint. So it crosses a flat plateau as fast as a steep wall, and near the "
        "combination it ticks back and forth by one stride instead of settling. Its memory keeps a longer "
        "view (β₂). Found by a program search at Google (Chen et al. 2023); there is no torch.optim class. "
        "Teaching default lr 0.01 (the paper uses 3–10× smaller rates than AdamW's, e.g. 1e-4); "
        "β₁ 0.9, β₂ 0.99, weight decay 0 as in the paper."),
    latex=(r"\begin{aligned} c_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
           r"\theta_t &= \theta_{t-1} - \eta\, \big(\operatorname{sign}(c_t) + \lambda\, \theta_{t-1}\big) \\ "
           r"m_t &= \beta_2 m_{t-1} + (1-\beta_2)\, g_t \end{aligned}"),
    hyperparameters=(
        # No torch_default anywhere: there is no PyTorch class to quote; the description gives the paper's.
        lr(0.01, low=1e-4, high=0.5),
        Hyperparameter("beta1", r"\beta_1", 0.9, UNIT_OPEN, low=0.0, high=0.99,
                       help="How much of the memory goes into this step's direction (the rest is the new "
                            "click)."),
        Hyperparameter("beta2", r"\beta_2", 0.99, UNIT_OPEN, low=0.5, high=0.999,
                       help="How long the memory of past clicks lasts."),
        Hyperparameter("weight_decay", r"\lambda", 0.0, NON_NEGATIVE, low=0.0, high=0.1,
                       help="Pulls the dials toward zero on every step, applied to the dials directly and "
                            "scaled by the learning rate (decoupled, as AdamW does)."),
    ),
    init=lion_init,
    step=lion_step,
    torch_class="none in torch.optim (Chen et al. 2023, Program 1)",
    shown_state=lambda hp: ("m",),
)
