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

from typing import TYPE_CHECKING

import numpy as np

from optim.hyperparameters import Bounded, lr
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step


WORDS = {
    "agree": "**Did the click keep its direction?** The sign of this click times the one remembered: +1 it "
             "kept it, −1 it flipped, 0 on the first step or just after a flip.",
    "stride": "**This dial's stride.** The old stride times η₊ if the click kept its direction, η₋ if it "
              "flipped, unchanged otherwise, and kept between Γmin and Γmax. How loud the click is plays no part.",
    "heard": "**The click it acts on.** The click itself, or 0 on a dial whose click just flipped: that dial "
             "skips this turn (and remembers 0, so its next stride neither grows nor shrinks).",
    "turn": "**The turn.** One stride against the sign of the click it acts on.",
}


def _factor(agree: float, grow: float, shrink: float) -> float:
    return grow if agree > 0 else shrink if agree < 0 else 1.0


def _since_the_start(s: Step) -> str:
    """Where this step's strides came from: every dial starts at the learning rate and grows by η₊ per turn
    the click keeps its direction, so a small learning rate means tiny first turns (and hardly a change in the
    loss) that take a while to grow."""
    lr = float(s.hp["lr"])
    x, y = (float(v) for v in s.now("step_size"))
    if s.t == 1:
        return f" Every dial's stride starts at the learning rate, {lr:.3g}: the first turns are that small."
    return (f" Every dial's stride started at the learning rate, {lr:.3g}, and after {s.t} turns it is {x:.3g} on x "
            f"and {y:.3g} on y ({max(x, y) / lr:.3g} times the start at most): a small learning rate means tiny "
            f"first turns that grow by η₊ each turn the click keeps its direction.")


def _explain(s: Step) -> tuple:
    g = s.gradient()
    grow, shrink = float(s.hp["etaplus"]), float(s.hp["etaminus"])
    low, high = float(s.hp["step_size_min"]), float(s.hp["step_size_max"])
    agree = s.add("s_t", r"\operatorname{sign}(g_t\, g_{t-1})", WORDS["agree"], r"\operatorname{sign}(<g>\cdot<prev>)",
                  {"g": g, "prev": s.before("prev")}, lambda g, prev: float(np.sign(g * prev)))
    factor = tuple(_factor(a, grow, shrink) for a in agree)
    stride = s.add(r"\eta^{\text{dial}}_t", r"\operatorname{clamp}(\eta^{\text{dial}}_{t-1}\cdot\eta_{\pm},\ "
                   r"\Gamma_{\min},\ \Gamma_{\max})", WORDS["stride"] + _since_the_start(s),
                   r"\operatorname{clamp}([old]\cdot[factor],\ [low],\ [high])",
                   {"old": s.before("step_size", initial=float(s.hp["lr"])), "factor": factor, "low": low,
                    "high": high},
                   lambda old, factor, low, high: min(max(old * factor, low), high), s.now("step_size"))
    heard = s.add(r"g'_t", r"g_t \cdot [s_t \ge 0]", WORDS["heard"], r"<g>\cdot[keep]",
                  {"g": g, "keep": tuple(0.0 if a < 0 else 1.0 for a in agree)}, lambda g, keep: g * keep,
                  s.now("prev"))
    return s.turn(r"-\operatorname{sign}(g'_t)\, \eta^{\text{dial}}_t", WORDS["turn"],
                  r"-\operatorname{sign}(<heard>)\cdot[stride]", {"heard": heard, "stride": stride},
                  lambda heard, stride: -float(np.sign(heard)) * stride)
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


RPROP = OptimizerSpec(
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
    shown_state=lambda hp: ("step_size", "prev"),
    explain=_explain,
    map_axis=MapAxis("etaplus", "stride growth η₊", "η₊",
                     "Rprop's η₊ is how fast a dial's stride grows while its clicks keep their direction: "
                     "near 1 it creeps across plateaus, large it races and then has to brake hard at every flip.",
                     low=1.01, high=2.0, lr_range=(1e-4, 1.0)),
    pairs=(("etas", ("etaminus", "etaplus")), ("step_sizes", ("step_size_min", "step_size_max"))),
)

SPECS = (RPROP,)
