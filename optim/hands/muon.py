r"""Muon (torch.optim.Muon): momentum, then Newton–Schulz orthogonalisation of the update, in bfloat16.

torch's Muon accepts only matrices, so the two dials are one 1×2 matrix θ = [x y]. The rule, as
torch.optim.Muon's single-tensor implementation computes it::

    B_t = lerp(B_{t-1}, g_t, 1 − μ)                 (= μ B_{t-1} + (1 − μ) g_t)
    U_t = lerp(g_t, B_t, μ) if nesterov else B_t    (= (1 − μ) g_t + μ B_t)
    O_t = NS_k(U_t)                                 (k Newton–Schulz steps, in bfloat16)
    θ_t = θ_{t-1} · (1 − η λ) − η · r · O_t          (r = 1, or 0.2·√2 with adjust_lr_fn="match_rms_adamw")

with NS: X ← U / max(‖U‖_F, ε), then k times A = X Xᵀ, B = b A + c A², X ← a X + B X, with torch's
(a, b, c) = (3.4445, −4.7750, 2.0315).

Conventions worth knowing:

- Both momentum formulas are *interpolations* (torch's `lerp`), not PyTorch's documented
  "B = μB + g; g + μB": the buffer is an exponential average, so the update does not grow by 1/(1 − μ).
- On a 1×2 matrix orthogonalising only normalises: the matrix has one singular value, which the
  normalisation sets to 1 and the k steps map to a fixed number s_k (about 0.70 to 1.12, not 1, because
  the polynomial is tuned for speed, not convergence). So every step turns the dials by the same
  distance η·r·s_k (before weight decay) in the direction of the momentum, whatever the click's loudness.
- bfloat16: torch casts U to bfloat16 (through float32), and every product, sum, norm and division of
  the iteration is computed in float32 and rounded to bfloat16. `newton_schulz` emulates exactly that
  with NumPy's float32 and round-to-nearest-even on the bit pattern. Measured against torch 2.13's own
  `_zeropower_via_newtonschulz`: identical to the last bit on all 4,000 recorded random 1×2 matrices
  (norms from 1e-6 to 1e6, 3 and 5 steps; tests/test_hands_muon.py) and on 9,000 more spanning 1e-12 to
  1e2 with ε of 1e-7, 1e-3 and 0.5 (measured once while writing this). Whole paths agree with
  torch.optim.Muon within 9e-16 over 120 steps on four vaults, two of them bit for bit.
  The momentum (torch's `lerp`) and the update (`add_` with `alpha`) are fused multiply-adds in torch
  on FMA hardware; `optim.hands._fused` rounds them the same way.
- ε is PyTorch's (1e-7): the floor under the norm, so a silent vault (U ≈ 0) does not divide by zero.
"""

from __future__ import annotations

import math

import numpy as np

from optim.hands._fused import fused_lerp, fused_multiply_add
from optim.hands._interim import Bounded, NamedSwitch, hand_spec
from optim.hyperparameters import NON_NEGATIVE, SWITCH, UNIT_OPEN, Hyperparameter, lr
from optim.rules import _select

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)  # torch.optim._muon's DEFAULT_A, DEFAULT_B, DEFAULT_C
MATCH_RMS_ADAMW = 0.2 * math.sqrt(2)  # torch's 0.2·√max(A, B) for a 1×2 matrix ("original": √max(1, A/B) = 1)


def to_bfloat16(values):
    """float32 → bfloat16 (round to nearest, ties to even), returned as float32 holding the rounded value.

    bfloat16 is the top 16 bits of a float32: add half of the dropped part (plus one if the kept part is
    odd, for ties to even), then clear the low 16 bits. NaN is kept as it is.
    """
    values = np.asarray(values, dtype=np.float32)
    bits = values.view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    rounded = bits.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(values), values, rounded)


def newton_schulz(update, steps, eps, coefficients=NS_COEFFICIENTS):
    """torch's `_zeropower_via_newtonschulz` for each column of `update` (2, N), read as a 1×2 matrix.

    Every intermediate is rounded to bfloat16 where torch rounds it; returns float64 (2, N). `steps` and
    `eps` may be per run.
    """
    a, b, c = (np.float32(k) for k in coefficients)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # eps = 0 on a silent vault: NaN, as torch
        return _newton_schulz(update, steps, eps, a, b, c)


def _newton_schulz(update, steps, eps, a, b, c):
    x = to_bfloat16(np.asarray(update, dtype=np.float64).astype(np.float32))  # torch: double → float → bf16
    norm = to_bfloat16(np.sqrt(x[0] * x[0] + x[1] * x[1]))
    norm = to_bfloat16(np.maximum(norm, np.asarray(eps, dtype=np.float64).astype(np.float32)))
    x = to_bfloat16(x / norm)
    steps = np.asarray(steps)
    for k in range(int(steps.max())):
        gram = to_bfloat16(x[0] * x[0] + x[1] * x[1])  # X Xᵀ, a 1×1 matrix
        gram_update = to_bfloat16(c * (gram * gram) + b * gram)  # addmm(A, A, A, beta=b, alpha=c)
        x = _select(k < steps, to_bfloat16(gram_update * x + a * x), x)  # addmm(X, B, X, beta=a)
    return x.astype(np.float64)


def muon_init(params, hp):
    zeros = np.zeros_like(params)
    return {"momentum_buffer": zeros, "orthogonalized": zeros}


def muon_step(params, grad, state, hp, lr, t):
    r"""One Muon step on the 1×2 matrix of dials (module docstring: the rule and its conventions).

    .. math::
        B_t = \mu B_{t-1} + (1-\mu) g_t, \quad U_t = (1-\mu) g_t + \mu B_t \ (\text{nesterov}),\quad
        \theta_t = (1-\eta\lambda)\,\theta_{t-1} - \eta\, r\, \mathrm{NS}_k(U_t)
    """
    mu = hp["momentum"]
    buffer = fused_lerp(state["momentum_buffer"], grad, 1 - mu)
    update = _select(hp["nesterov"], fused_lerp(grad, buffer, mu), buffer)
    orthogonalized = newton_schulz(update, hp["ns_steps"], hp["eps"])
    adjusted_lr = lr * _select(hp["adjust_lr_fn"], MATCH_RMS_ADAMW, 1.0)
    params = params * (1 - lr * hp["weight_decay"])
    new_state = {"momentum_buffer": buffer, "orthogonalized": orthogonalized}
    return fused_multiply_add(-adjusted_lr, orthogonalized, params), new_state


MUON = hand_spec(
    key="muon",
    title="Muon",
    description=(
        "The hand built for matrices, here holding a 1×2 one: it keeps a momentum of the clicks, then "
        "'orthogonalises' it with a few cheap polynomial steps (Newton–Schulz) in bfloat16. On a single row "
        "that only normalises: every turn has the same length (about 0.7·lr with 5 steps, 0.72·lr with 3), "
        "pointed where the momentum points, however loud or faint the clicks. Like Lion it never slows down "
        "near the combination, but it measures its stride across both dials together instead of per dial. "
        "Its bfloat16 arithmetic is emulated bit for bit (each of 4,000 random 1×2 matrices orthogonalises "
        "exactly as torch 2.13 does, with 3 steps and with 5); paths then match torch.optim.Muon bit for bit "
        "(within 1e-15 under a learning-rate schedule). Teaching defaults lr 0.02, weight decay 0 (PyTorch: "
        "lr 0.001, weight decay 0.1); momentum 0.95 with Nesterov, 5 steps, as PyTorch."),
    latex=(r"\begin{aligned} B_t &= \mu B_{t-1} + (1-\mu)\, g_t \\ "
           r"U_t &= (1-\mu)\, g_t + \mu B_t \quad (\text{Nesterov; else } U_t = B_t) \\ "
           r"O_t &= \mathrm{NS}_k(U_t):\ X \leftarrow \tfrac{U}{\lVert U\rVert},\ "
           r"X \leftarrow aX + (b\,XX^\top + c\,(XX^\top)^2)\,X \\ "
           r"\theta_t &= (1-\eta\lambda)\,\theta_{t-1} - \eta\, O_t \end{aligned}"),
    hyperparameters=(
        lr(0.02, low=1e-4, high=0.5, torch_default=1e-3),
        Hyperparameter("momentum", r"\mu", 0.95, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.95,
                       help="How much of its past clicks the hand keeps in the direction it turns."),
        Hyperparameter("nesterov", r"\text{nesterov}", True, SWITCH, torch_default=True,
                       help="Lean the direction back toward the newest click (look ahead) before "
                            "orthogonalising."),
        Hyperparameter("weight_decay", r"\lambda", 0.0, NON_NEGATIVE, low=0.0, high=0.2, torch_default=0.1,
                       help="Shrinks the dials toward zero by η·λ of themselves on every step "
                                       "(decoupled, as AdamW)."),
        Bounded("ns_steps", "k", 5, "[1, 99] whole", low=1, high=10, torch_default=5, plain="k",
                minimum=1, maximum=99, whole=True,
                help="How many Newton–Schulz steps orthogonalise the update; it sets the stride's length."),
        Hyperparameter("eps", r"\epsilon", 1e-7, NON_NEGATIVE, low=1e-10, high=1e-1, log=True,
                       torch_default=1e-7, help="The floor under the update's length before it is divided by "
                                                "it: below this, the hand moves less."),
        NamedSwitch("adjust_lr_fn", r"r", False, SWITCH, torch_default=False, on="match_rms_adamw",
                    off=("original",), plain="match AdamW",
                    help="Scale the stride by 0.2·√2 to match AdamW's typical step (Moonshot's rule) instead "
                         "of Keller Jordan's original, which leaves a 1×2 matrix's stride as it is."),
    ),
    init=muon_init,
    step=muon_step,
    torch_class="Muon (the two dials as one 1×2 matrix)",
    shown_state=lambda hp: ("momentum_buffer", "orthogonalized"),
)
