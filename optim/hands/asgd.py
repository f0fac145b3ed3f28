r"""ASGD: SGD whose step size slowly shrinks, and which keeps the running average of the points it visits.

Follows torch.optim.ASGD's single-tensor code (torch 2.13) operation for operation, on (2, N) float64
arrays as `optim.hands` describes (state in, state out, a batch of runs in one call).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optim.arithmetic import power, select, with_l2
from optim.hands._torch_scalars import stored_as_float32
from optim.hyperparameters import NON_NEGATIVE, Hyperparameter, lr, weight_decay
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step


WORDS = {
    "eta": "**This step's reach (ηₜ₋₁).** Worked out at the end of the previous step (from its learning "
           "rate) and kept as PyTorch keeps it, in float32.",
    "mu": "**The ghost's pull (μₜ₋₁).** 1 until averaging starts (the ghost sits on the hand), then 1/(steps "
          "averaged): each new point counts as much as every earlier one.",
    "ghost": "**The ghost, the averaged point (θ̄).** It moves toward where the hand lands by μ of the way: "
             "the plain average of the points visited since averaging started.",
    "ghost_follows": "**The ghost, the averaged point (θ̄).** Averaging has not started: it sits where the "
                     "hand lands.",
    "eta_next": "**Next step's reach (ηₜ).** The learning rate shrunk by (1 + ληt)^α: slowly, for small λ.",
    "mu_next": "**Next step's pull (μₜ).** 1/max(1, t − t₀): averaging starts after t₀ steps.",
    "turn": "**The turn.** The pull toward zero (λη of the dial) plus η times the click, against it: plain "
            "SGD with a shrinking reach.",
}


def _explain(s: Step) -> tuple:
    g = s.gradient()
    lam, alpha, t0 = float(s.hp["lambd"]), float(s.hp["alpha"]), float(s.hp["t0"])
    eta = s.add(r"\eta_{t-1}", r"\frac{\eta}{(1 + \lambda\eta (t-1))^{\alpha}}", WORDS["eta"], "[eta]",
                {"eta": s.before("eta", initial=float(stored_as_float32(s.hp["lr"])))}, lambda eta: eta, shared=True)
    mu = s.add(r"\mu_{t-1}", r"\frac{1}{\max(1,\ t - 1 - t_0)}", WORDS["mu"], "[mu]",
               {"mu": s.before("mu", initial=1.0)}, lambda mu: mu, shared=True)
    # Where the hand lands, as the rule computes it (the table loses it on a turn that spins the hand off).
    landed = tuple(theta * (1 - lam * eta[0]) - eta[0] * click for theta, click in zip(s.theta(), g, strict=True))
    if mu[0] != 1:
        s.add(r"\bar\theta_t", r"\bar\theta_{t-1} + \mu_{t-1}\,(\theta_t - \bar\theta_{t-1})", WORDS["ghost"],
              r"<ghost> + [mu]\cdot(<theta> - <ghost>)", {"ghost": s.before("ax"), "mu": mu, "theta": landed},
              lambda ghost, mu, theta: ghost + (theta - ghost) * mu, s.now("ax"))
    else:
        s.add(r"\bar\theta_t", r"\theta_t", WORDS["ghost_follows"], "[theta]", {"theta": landed},
              lambda theta: theta, s.now("ax"))
    lr = s.eta()
    s.add(r"\eta_t", r"\frac{\eta}{(1 + \lambda\eta t)^{\alpha}}", WORDS["eta_next"],
          r"\frac{[lr]}{(1 + [lam]\cdot[lr]\cdot[t])^{[alpha]}}", {"lr": lr, "lam": lam, "t": s.t, "alpha": alpha},
          lambda lr, lam, t, alpha: float(stored_as_float32(lr / (1 + lam * lr * t) ** alpha)), s.now("eta"),
          shared=True)
    s.add(r"\mu_t", r"\frac{1}{\max(1,\ t - t_0)}", WORDS["mu_next"], r"\frac{1}{\max(1,\ [t] - [t0])}",
          {"t": s.t, "t0": t0}, lambda t, t0: float(stored_as_float32(1 / max(1, t - t0))), s.now("mu"), shared=True)
    return s.turn(r"-\lambda\eta_{t-1}\,\theta_{t-1} - \eta_{t-1}\, g_t", WORDS["turn"],
                  r"-<lam>\cdot<eta>\cdot<theta> - <eta>\cdot<g>", {"lam": lam, "eta": eta, "theta": s.theta(), "g": g},
                  lambda lam, eta, theta, g: -lam * eta * theta - eta * g)
def init(params, hp):
    n_runs = params.shape[1]
    return {"ax": np.zeros_like(params), "eta": stored_as_float32(np.broadcast_to(hp["lr"], (n_runs,))),
            "mu": np.ones(n_runs)}


def step(params, grad, state, hp, lr, t):
    r"""One ASGD step.

    .. math::
        \theta_t &= (1 - \lambda\eta_{t-1})\,\theta_{t-1} - \eta_{t-1}\, g_t \\
        \bar\theta_t &= \bar\theta_{t-1} + \mu_{t-1}\,(\theta_t - \bar\theta_{t-1})
            \quad (\bar\theta_t = \theta_t \ \text{while}\ \mu_{t-1} = 1) \\
        \eta_t &= \frac{\eta}{(1 + \lambda\eta t)^\alpha}, \qquad \mu_t = \frac{1}{\max(1,\ t - t_0)}

    with η_0 = η (the lr), λ the `lambd`, θ̄ the averaged point `ax` and g_t = ∇f + λ_wd θ (L2
    `weight_decay`). λ plays two parts: it shrinks the dials toward zero by λη each step and it sets how
    fast η decays. A step uses the η and μ computed at the end of the previous one, from that step's lr
    (so a schedule reaches η one step late). θ̄ follows θ exactly until t > t0 + 2, then is the plain
    average of the points from step t0 + 2 on. η_t and μ_t are kept as torch keeps them: float32 numbers
    (torch's default dtype), rounded each time they are stored; η_0 is the lr rounded to float32.
    """
    eta, mu = state["eta"], state["mu"]
    g = with_l2(grad, params, hp["weight_decay"])
    params = params * (1 - hp["lambd"] * eta)
    params = params - eta * g
    ax = select(mu != 1, state["ax"] + (params - state["ax"]) * mu, params)
    eta = stored_as_float32(lr / power(1 + hp["lambd"] * lr * t, hp["alpha"]))
    mu = stored_as_float32(1 / np.maximum(1, t - hp["t0"]))
    return params, {"ax": ax, "eta": eta, "mu": mu}


def _shown_state(hp):
    return ("ax", "eta", "mu")


ASGD = OptimizerSpec(
    key="asgd", title="ASGD",
    description=(
        "Plain SGD with a ghost: after t0 steps the hand starts keeping the average of every point it has "
        "visited since (the ghost, ax), which settles near the combination even while the hand itself keeps "
        "jittering around it, as it does with noisy clicks. Its reach also shrinks slowly, "
        "η_t = η/(1 + ληt)^α, and λ pulls the dials gently toward zero. The hand you see is what "
        "PyTorch's ASGD moves; the ghost is what you would keep at the end. Teaching default t0 50 so the "
        "ghost appears within a run (PyTorch: 1e6, averaging that in practice never starts); lr 0.01, "
        "λ 1e-4 and α 0.75 as PyTorch."),
    latex=(r"\begin{aligned} \theta_t &= (1-\lambda\eta_{t-1})\,\theta_{t-1} - \eta_{t-1}\, g_t \\ "
           r"\bar\theta_t &= \bar\theta_{t-1} + \mu_{t-1}\,(\theta_t - \bar\theta_{t-1}) \\ "
           r"\eta_t &= \frac{\eta}{(1 + \lambda\eta t)^{\alpha}}, \quad "
           r"\mu_t = \frac{1}{\max(1,\ t - t_0)} \end{aligned}"),
    hyperparameters=(
        lr(0.01, torch_default=1e-2),
        Hyperparameter("lambd", r"\lambda", 1e-4, NON_NEGATIVE, low=1e-4, high=10.0, log=True, torch_default=1e-4,
                       help="How fast the reach η decays, and how hard the dials are pulled toward zero."),
        Hyperparameter("alpha", r"\alpha", 0.75, NON_NEGATIVE, low=0.0, high=1.0, torch_default=0.75,
                       help="The power of the decay: at 1 the reach falls like 1/t, at 0 it never falls."),
        Hyperparameter("t0", "t_0", 50.0, NON_NEGATIVE, low=0.0, high=500.0, torch_default=1e6,
                       help="The step after which the ghost starts averaging the hand's points."),
        weight_decay()),
    init=init, step=step, torch_class="ASGD",
    shown_state=_shown_state,
    explain=_explain,
    map_axis=MapAxis("lambd", "decay λ", "λ",
                     "ASGD's λ does two jobs: it shrinks the reach over the run and pulls the dials toward zero. "
                     "Small λ is plain SGD; large λ stalls the hand short of the combination or drags it off it.",
                     low=1e-4, high=1.0, lr_range=(1e-4, 0.1)),
    ghost="ax",
)

SPECS = (ASGD,)
