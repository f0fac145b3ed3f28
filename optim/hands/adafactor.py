r"""Adafactor, as much of it as two dials leave: torch.optim.Adafactor on a parameter that is a 2-vector.

Adafactor's point is memory: for a weight matrix it keeps one second-moment statistic per row and one per
column instead of one per entry. torch applies that factorization only to tensors of two or more
dimensions; the two dials are a vector, so torch keeps a full per-dial variance and none of that remains.
Nor is there momentum: torch's Adafactor keeps no first moment. What remains is below.

Follows torch.optim.Adafactor's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.hands` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import lerp, power
from optim.hands import _layout
from optim.hyperparameters import NON_NEGATIVE, Bounded, Hyperparameter, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

SQRT_OF_TWO = 2**0.5  # torch divides norms by numel ** 0.5 to get root-mean-squares; numel is 2 here


def _root_mean_square(pair):
    return np.sqrt(pair[0] * pair[0] + pair[1] * pair[1]) / SQRT_OF_TWO


WORDS = {
    "forget": "**How much of the new click (tᶜ).** 1 − β̂₂ₜ: all of it on the first step, less and less as "
              "the memory lengthens.",
    "v": "**How loud the clicks have been (v).** The old loudness plus tᶜ of the way to the new click squared.",
    "u": "**The scaled click (u).** The click divided by the root of its loudness (at least ε₁): about ±1 "
         "per dial.",
    "rms_u": "**How big the scaled click is (RMS u).** Its root-mean-square over the two dials; above d it "
             "gets clipped.",
    "rho": "**The relative step (ρₜ).** min(η, 1/√t): the share of the dials' own size one step may move them.",
    "rms_theta": "**How big the dials are (RMS θ).** Their root-mean-square before the turn.",
    "alpha": "**The step's size (αₜ).** ρₜ times the dials' size, at least ε₂: far from the origin it strides, "
             "near it it tiptoes.",
    "step": "**The step size used.** αₜ, cut back when the scaled click is larger than d.",
    "turn": "**The turn.** The step size times the scaled click, against it.",
    "turn_decoupled": "**The turn.** The pull home (η·λ of the dial itself) plus the step size times the scaled "
                      "click, against it.",
}


def _explain(s: Step) -> tuple:
    eta, g = s.eta(), s.gradient(decoupled=True)
    c, eps1, eps2, d = (float(s.hp[name]) for name in ("beta2_decay", "eps1", "eps2", "d"))
    forget = s.add(r"t^{c}", "", WORDS["forget"], "[t]^{[c]}", {"t": s.t, "c": c}, lambda t, c: t**c, shared=True)
    v = s.add("v_t", r"v_{t-1} + t^{c}\,(g_t^2 - v_{t-1})", WORDS["v"], r"<v> + [w]\cdot(<g>^2 - <v>)",
              {"v": s.before("variance"), "w": forget, "g": g}, lambda v, w, g: v + w * (g * g - v), s.now("variance"))
    u = s.add("u_t", r"\frac{g_t}{\sqrt{\max(v_t,\ \epsilon_1^2)}}", WORDS["u"],
              r"\frac{<g>}{\sqrt{\max([v],\ [e]^2)}}",
              {"g": g, "v": v, "e": eps1}, lambda g, v, e: g / math.sqrt(max(v, e * e)))
    rms_u = s.add(r"\mathrm{RMS}(u_t)", r"\sqrt{(u_x^2 + u_y^2)/2}", WORDS["rms_u"], r"\sqrt{(<ux>^2 + <uy>^2)/2}",
                  {"ux": u[0], "uy": u[1]}, lambda ux, uy: math.sqrt((ux * ux + uy * uy) / 2), shared=True)
    rho = s.add(r"\rho_t", r"\min(\eta,\ 1/\sqrt{t})", WORDS["rho"], r"\min([eta],\ 1/\sqrt{[t]})",
                {"eta": eta, "t": s.t}, lambda eta, t: min(eta, 1 / math.sqrt(t)), s.now("rho_t"), shared=True)
    x, y = s.theta()
    rms_theta = s.add(r"\mathrm{RMS}(\theta_{t-1})", r"\sqrt{(x^2 + y^2)/2}", WORDS["rms_theta"],
                      r"\sqrt{(<x>^2 + <y>^2)/2}", {"x": x, "y": y},
                      lambda x, y: math.sqrt((x * x + y * y) / 2), shared=True)
    alpha = s.add(r"\alpha_t", r"\max(\epsilon_2,\ \mathrm{RMS}(\theta_{t-1}))\, \rho_t", WORDS["alpha"],
                  r"\max([e2],\ [size])\cdot[rho]", {"e2": eps2, "size": rms_theta, "rho": rho},
                  lambda e2, size, rho: max(e2, size) * rho, shared=True)
    step = s.add(r"\alpha'_t", r"\frac{\alpha_t}{\max(1,\ \mathrm{RMS}(u_t)/d)}", WORDS["step"],
                 r"\frac{[alpha]}{\max(1,\ [rms]/[d])}", {"alpha": alpha, "rms": rms_u, "d": d},
                 lambda alpha, rms, d: alpha / max(1.0, rms / d), s.now("step_size"), shared=True)
    lam = float(s.hp["weight_decay"])
    if lam:
        return s.turn(r"-\eta\lambda\,\theta_{t-1} - \alpha'_t\, u_t", WORDS["turn_decoupled"],
                      r"-<eta>\cdot<lam>\cdot<theta> - [step]\cdot<u>",
                      {"eta": eta, "lam": lam, "theta": s.theta(), "step": step, "u": u},
                      lambda eta, lam, theta, step, u: -eta * lam * theta - step * u)
    return s.turn(r"-\alpha'_t\, u_t", WORDS["turn"], r"-[step]\cdot<u>", {"step": step, "u": u},
                  lambda step, u: -step * u)
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
    variance = lerp(state["variance"], grad * grad, power(float(t), hp["beta2_decay"]))
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



def adafactor_on_tensors(layout):
    r"""(init, step) for a network laid out as `layout`, as torch.optim.Adafactor treats each tensor.

    Every tensor is stepped on its own: its relative step α uses its own RMS, its clipping its own RMS of
    u. A vector keeps a loudness per entry, as on two dials. A matrix (R, C) keeps only a loudness per row
    r and per column c, and reads its entries' loudness off them:

    .. math::
        r_t = (1-\hat\beta_{2,t})\,r_{t-1} + \hat\beta_{2,t}\,\tfrac{1}{C}\textstyle\sum_j g_{ij}^2, \quad
        c_t = (1-\hat\beta_{2,t})\,c_{t-1} + \hat\beta_{2,t}\,\tfrac{1}{R}\textstyle\sum_i g_{ij}^2, \quad
        \hat v_{ij} = \frac{r_i\, c_j}{\max(\bar r,\ \epsilon_1)}

    with r̄ the mean of the row statistics: R + C numbers instead of R·C. torch takes each row's and
    column's mean square as a norm squared divided by the count, and so does this rule.
    """
    pieces = _layout.pieces(layout)
    if any(len(shape) > 2 for _, _, shape in pieces):
        raise ValueError("Adafactor here factors matrices; a tensor of more than two dimensions has no rule")

    def init(params, hp):
        _layout.check(layout, params)
        n_runs, state = params.shape[1], {}
        for name, rows, shape in pieces:
            if len(shape) == 2:
                state[name] = (np.zeros((shape[0], n_runs)), np.zeros((shape[1], n_runs)))
            else:
                state[name] = np.zeros((rows.stop - rows.start, n_runs))
        return state

    def step(params, grad, state, hp, lr, t):
        rho = relative_step(lr, t)
        forget = power(float(t), hp["beta2_decay"])
        eps1 = hp["eps1"]
        decay = np.ndim(hp["weight_decay"]) or hp["weight_decay"]
        new, new_state = np.empty_like(params), {}
        for name, rows, shape in pieces:
            p, g = params[rows], grad[rows]
            root_size = np.sqrt(p.shape[0])
            alpha = np.maximum(hp["eps2"], np.sqrt(np.einsum("ij,ij->j", p, p)) / root_size) * rho
            if decay:
                p = p * (1 - lr * hp["weight_decay"])
            if len(shape) == 2:
                squares = (g * g).reshape(*shape, -1)
                row_mean = np.sqrt(squares.sum(axis=1)) ** 2 / shape[1]
                col_mean = np.sqrt(squares.sum(axis=0)) ** 2 / shape[0]
                row_var, col_var = lerp(state[name][0], row_mean, forget), lerp(state[name][1], col_mean, forget)
                estimate = row_var[:, None, :] * col_var[None, :, :] / np.maximum(row_var.mean(axis=0), eps1)
                estimate = estimate.reshape(p.shape)
                new_state[name] = (row_var, col_var)
            else:
                estimate = new_state[name] = lerp(state[name], g * g, forget)
            update = 1 / np.sqrt(np.maximum(estimate, eps1 * eps1)) * g
            clip = np.maximum(1.0, np.sqrt(np.einsum("ij,ij->j", update, update)) / (root_size * hp["d"]))
            new[rows] = p - (alpha / clip) * update
        return new, new_state

    return init, step


ADAFACTOR = OptimizerSpec(
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
        # torch.optim.Adafactor's weight_decay defaults to 0.0 (its docstring's "1e-2" is not what the code does).
        weight_decay(how="decoupled", torch_default=0.0)),
    init=init, step=step, derive=derive, torch_class="Adafactor(eps=(ε1, ε2))",
    shown_state=_shown_state,
    explain=_explain,
    map_axis=MapAxis("beta2_decay", "memory growth c", "c",
                     "Adafactor's c sets how fast its loudness memory lengthens (1 − β₂ = tᶜ): at 0 it hears only "
                     "the latest click, like signSGD scaled to the dials' size; toward −1 it averages ever more.",
                     low=-1.0, high=0.0),
    pairs=(("eps", ("eps1", "eps2")),),
    on_tensors=adafactor_on_tensors,
)

SPECS = (ADAFACTOR,)
