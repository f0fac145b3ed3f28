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
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import select
from optim.hands import _layout
from optim.hands._fused import fused_lerp, fused_multiply_add
from optim.hands.adam import ADAMW, adam_init, adamw_step
from optim.hyperparameters import NON_NEGATIVE, SWITCH, UNIT_OPEN, Bounded, Hyperparameter, NamedSwitch, lr
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

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
        x = select(k < steps, to_bfloat16(gram_update * x + a * x), x)  # addmm(X, B, X, beta=a)
    return x.astype(np.float64)


WORDS = {
    "buffer": "**The momentum (B).** μ of the old momentum plus 1−μ of the new click (an average, as PyTorch "
              "computes it: it does not grow by 1/(1−μ)).",
    "nesterov": "**Looking ahead (U).** 1−μ of the click plus μ of the momentum: the direction leans back "
                "toward the newest click.",
    "plain": "**The direction (U).** The momentum itself (Nesterov off).",
    "norm": "**How long the direction is (‖U‖).** Over both dials together: the two dials are one 1×2 matrix.",
    "orthogonal": "**Orthogonalised (O).** For a single row, Newton–Schulz only normalises: U divided by its "
                  "length, then k polynomial steps in bfloat16 map that length 1 to a fixed number.",
    "length": "**How long a turn is before η (‖O‖).** About 0.70 with 5 steps (0.72 with 3), whatever the click: "
              "the loudness is gone, only the direction is left.",
    "turn": "**The turn.** η times the orthogonalised direction, against it: the same length every step.",
    "turn_decay": "**The turn.** The pull home (η·λ of the dial) plus η·r times the orthogonalised direction, "
                  "against it.",
}


def _orthogonal_dial(u, ux, uy, k, eps):
    x, y = newton_schulz(np.array([[ux], [uy]]), k, eps)[:, 0]
    return float(x if u == ux else y)


def _explain(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient(decoupled=True)
    mu, lam = float(s.hp["momentum"]), float(s.hp["weight_decay"])
    steps, eps = int(s.hp["ns_steps"]), float(s.hp["eps"])
    buffer = s.add("B_t", r"\mu B_{t-1} + (1-\mu)\, g_t", WORDS["buffer"], r"<mu>\cdot<b> + <keep>\cdot<g>",
                   {"mu": mu, "b": s.before("momentum_buffer"), "keep": 1 - mu, "g": g},
                   lambda mu, b, keep, g: mu * b + keep * g, s.now("momentum_buffer"))
    if s.hp["nesterov"]:
        u = s.add("U_t", r"(1-\mu)\, g_t + \mu B_t", WORDS["nesterov"], r"<keep>\cdot<g> + <mu>\cdot<b>",
                  {"keep": 1 - mu, "g": g, "mu": mu, "b": buffer}, lambda keep, g, mu, b: keep * g + mu * b)
    else:
        u = s.add("U_t", "B_t", WORDS["plain"], "[b]", {"b": buffer}, lambda b: b)
    norm = s.add(r"\lVert U_t \rVert", r"\sqrt{U_x^2 + U_y^2}", WORDS["norm"], r"\sqrt{<ux>^2 + <uy>^2}",
                 {"ux": u[0], "uy": u[1]}, lambda ux, uy: math.hypot(ux, uy), shared=True)
    o = s.add("O_t", r"\mathrm{NS}_k\Big(\frac{U_t}{\lVert U_t \rVert}\Big)", WORDS["orthogonal"],
              r"\mathrm{NS}_{[k]}\Big(\frac{<u>}{[norm]}\Big)",
              {"u": u, "norm": norm, "ux": u[0], "uy": u[1], "k": steps, "eps": eps},
              lambda u, norm, ux, uy, k, eps: _orthogonal_dial(u, ux, uy, k, eps), s.now("orthogonalized"))
    s.add(r"\lVert O_t \rVert", r"\sqrt{O_x^2 + O_y^2}", WORDS["length"], r"\sqrt{<ox>^2 + <oy>^2}",
          {"ox": o[0], "oy": o[1]}, lambda ox, oy: math.hypot(ox, oy), shared=True)
    scale = MATCH_RMS_ADAMW if s.hp["adjust_lr_fn"] else 1.0
    if lam or scale != 1.0:
        return s.turn(r"-\eta\lambda\,\theta_{t-1} - \eta\, r\, O_t", WORDS["turn_decay"],
                      r"-<eta>\cdot<lam>\cdot<theta> - <eta>\cdot[r]\cdot<o>",
                      {"eta": eta, "lam": lam, "theta": s.theta(), "r": scale, "o": o},
                      lambda eta, lam, theta, r, o: -eta * lam * theta - eta * r * o)
    return s.turn(r"-\eta\, O_t", WORDS["turn"], r"-<eta>\cdot<o>", {"eta": eta, "o": o}, lambda eta, o: -eta * o)
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
    update = select(hp["nesterov"], fused_lerp(grad, buffer, mu), buffer)
    orthogonalized = newton_schulz(update, hp["ns_steps"], hp["eps"])
    adjusted_lr = lr * select(hp["adjust_lr_fn"], MATCH_RMS_ADAMW, 1.0)
    params = params * (1 - lr * hp["weight_decay"])
    new_state = {"momentum_buffer": buffer, "orthogonalized": orthogonalized}
    return fused_multiply_add(-adjusted_lr, orthogonalized, params), new_state



# --- Muon on a network's matrices ------------------------------------------------------------------------
# torch.optim.Muon takes only 2-D parameters; its users hand the rest (biases) to AdamW. So does this rule:
# every weight matrix is orthogonalised, every other tensor gets AdamW at the same learning rate with
# torch.optim.AdamW's own defaults.
ADAMW_FOR_THE_REST = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False}


def float32_matmul(a, b):
    """a @ b for stacks of bfloat16 matrices (..., m, k) @ (..., k, n) as torch's CPU kernel sums them:
    every product is exact in float32; the sum over k is taken in float32, two terms at a time added to the
    running total (k = 0 and 1, then 2 and 3, ...). Measured against torch 2.13 on this machine's kernel
    (scripts/make_torch_fixtures.py records the network's Muon paths)."""
    products = a[..., :, :, None] * b[..., None, :, :]  # (..., m, k, n), exact
    k = products.shape[-2]
    pairs = products[..., : k - k % 2, :].reshape(*products.shape[:-2], k // 2, 2, products.shape[-1])
    pair_sums = pairs[..., 0, :] + pairs[..., 1, :]
    total = pair_sums[..., 0, :].copy()
    for j in range(1, pair_sums.shape[-2]):  # one pair after another: the order fixes the rounding
        total += pair_sums[..., j, :]
    if k % 2:
        total = total + products[..., -1, :]
    return total


def fused_float32(scale, values, addend):
    """scale·values + addend rounded once to float32 (the kernel's final multiply-add; the product of a
    float32 by a bfloat16 value is exact in float64, so one float64 sum and one rounding reproduce it)."""
    return (np.float64(scale) * values.astype(np.float64) + addend.astype(np.float64)).astype(np.float32)


def newton_schulz_matrices(update, steps, eps, coefficients=NS_COEFFICIENTS):
    """torch's `_zeropower_via_newtonschulz` for a stack of matrices (N, R, C), each run its own, with every
    intermediate rounded to bfloat16 where torch rounds it; float64 (N, R, C) out. A tall matrix is
    orthogonalised transposed, as torch does."""
    a, b, c = (np.float32(k) for k in coefficients)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = to_bfloat16(np.asarray(update, dtype=np.float64).astype(np.float32))
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.swapaxes(-1, -2)
        squares = x.astype(np.float64) ** 2
        norm = to_bfloat16(np.sqrt(squares.sum(axis=(-2, -1))).astype(np.float32))
        eps32 = np.asarray(eps, dtype=np.float64).astype(np.float32)
        norm = to_bfloat16(np.maximum(norm, eps32))
        x = to_bfloat16(x / norm[..., None, None])
        steps = np.asarray(steps)
        for k in range(int(steps.max())):
            gram = to_bfloat16(float32_matmul(x, x.swapaxes(-1, -2)))
            gram_update = to_bfloat16(fused_float32(b, gram, c * float32_matmul(gram, gram)))
            x_next = to_bfloat16(fused_float32(a, x, float32_matmul(gram_update, x)))
            x = x_next if steps.ndim == 0 else np.where((k < steps)[:, None, None], x_next, x)
    if tall:
        x = x.swapaxes(-1, -2)
    return x.astype(np.float64)


def adjust_ratio(shape, match_rms_adamw):
    """torch's `_adjust_lr` factor for an (A, B) matrix: √max(1, A/B) ("original"), or 0.2·√max(A, B)."""
    rows, cols = shape
    return select(match_rms_adamw, 0.2 * math.sqrt(max(rows, cols)), math.sqrt(max(1.0, rows / cols)))


def muon_on_tensors(layout):
    """(init, step) for a network laid out as `layout`: Muon on each 2-D tensor, AdamW (torch's defaults,
    Muon's learning rate) on all the others, as torch.optim.Muon and torch.optim.AdamW side by side."""
    pieces = _layout.pieces(layout)
    matrices = [(name, rows, shape) for name, rows, shape in pieces if len(shape) == 2]
    others = [rows for _, rows, shape in pieces if len(shape) != 2]
    if any(len(shape) > 2 for _, _, shape in pieces):
        raise ValueError("Muon here orthogonalises matrices; a tensor of more than two dimensions has no rule")
    rest_hp = ADAMW.resolve(ADAMW_FOR_THE_REST)

    def gather(array):
        return np.concatenate([array[rows] for rows in others]) if others else array[:0]

    def init(params, hp):
        _layout.check(layout, params)
        return {"momentum_buffer": np.zeros_like(params), "rest": adam_init(gather(params), rest_hp)}

    def step(params, grad, state, hp, lr, t):
        mu = hp["momentum"]
        buffer = fused_lerp(state["momentum_buffer"], grad, 1 - mu)
        update = select(hp["nesterov"], fused_lerp(grad, buffer, mu), buffer)
        new = np.empty_like(params)
        for _, rows, shape in matrices:
            n_runs = params.shape[1]
            stacked = np.moveaxis(_layout.view(update, rows, shape), -1, 0)  # (N, R, C)
            orthogonalized = np.moveaxis(newton_schulz_matrices(stacked, hp["ns_steps"], hp["eps"]), 0, -1)
            adjusted_lr = lr * adjust_ratio(shape, hp["adjust_lr_fn"])
            decayed = params[rows] * (1 - lr * hp["weight_decay"])
            new[rows] = fused_multiply_add(-adjusted_lr, orthogonalized.reshape(-1, n_runs), decayed)
        rest_params, rest_state = adamw_step(gather(params), gather(grad), state["rest"], rest_hp, lr, t)
        first = 0
        for rows in others:
            size = rows.stop - rows.start
            new[rows] = rest_params[first:first + size]
            first += size
        return new, {"momentum_buffer": buffer, "rest": rest_state}

    return init, step


MUON = OptimizerSpec(
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
    explain=_explain,
    map_axis=MapAxis("momentum", "momentum μ", "μ",
                     "Muon's stride is fixed by η; μ decides where it points: low and it follows each click, high "
                     "and it carries its heading through bends and overshoots.", low=0.0, high=0.99,
                     lr_range=(1e-4, 0.5)),
    arrows=(("momentum_buffer", "B (the momentum)"),),
    on_tensors=muon_on_tensors,
)

SPECS = (MUON,)
