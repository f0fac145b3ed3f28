"""The optimizers on offer: each rule with its knobs, its formula and the hand it stands for.

Keys and hyperparameter names follow torch.optim, so a setting learned here transfers to PyTorch. Where
a teaching default differs from PyTorch's, the description says so and `Hyperparameter.torch_default`
records PyTorch's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from optim import rules
from optim.hyperparameters import (
    NON_NEGATIVE,
    SWITCH,
    UNIT_CLOSED,
    UNIT_OPEN,
    Hyperparameter,
    eps,
    lr,
    weight_decay,
)


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer: its pure update rule, its hyperparameters, and how to explain it."""

    key: str
    title: str
    description: str  # the hand on the dial, in plain words
    latex: str  # the update rule, in PyTorch's convention
    hyperparameters: tuple[Hyperparameter, ...]
    init: Callable = field(repr=False)
    step: Callable = field(repr=False)
    derive: Callable | None = field(default=None, repr=False)
    torch_class: str = ""  # how to build the same optimizer in PyTorch, e.g. "SGD(momentum=0.9)"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyperparameters)

    @property
    def defaults(self) -> dict[str, float | bool]:
        return {h.name: h.default for h in self.hyperparameters}

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise KeyError(name)

    def resolve(self, given: dict, n_runs: int | None = None) -> dict:
        """Defaults filled in and every value checked. `betas=(b1, b2)` is accepted for beta1 and beta2."""
        given = dict(given)
        if "betas" in given:
            if "beta1" in given or "beta2" in given:
                raise ValueError("give either betas=(beta1, beta2) or beta1/beta2, not both")
            betas = given.pop("betas")
            try:
                given["beta1"], given["beta2"] = betas
            except (TypeError, ValueError):
                raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
        unknown = set(given) - set(self.names)
        if unknown:
            raise ValueError(f"{self.key} has no hyperparameter {', '.join(sorted(unknown))}; "
                             f"it takes {', '.join(self.names)}")
        return {h.name: h.validate(given.get(h.name, h.default), n_runs) for h in self.hyperparameters}

    def shown_state(self, hp: dict) -> tuple[str, ...]:
        """Names of the state worth showing for these settings (an unused buffer is only zeros)."""
        shown = {
            "momentum": ("buffer",), "nesterov": ("buffer",), "adagrad": ("sum",),
            "rmsprop": ("square_avg",)
            + (("grad_avg",) if np.any(hp.get("centered", False)) else ())
            + (("buffer",) if np.any(hp.get("momentum", 0)) else ()),
            "adam": ("m", "v") + (("v_max",) if np.any(hp.get("amsgrad", False)) else ()),
        }
        shown["adamw"] = shown["adam"]
        return shown.get(self.key, ())


def _momentum(default: float) -> Hyperparameter:
    return Hyperparameter("momentum", r"\mu", default, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.0,
                          help="How much of the last swing the hand keeps. High momentum glides through "
                               "ravines but can overshoot and circle the combination.")


def _betas(beta1: float, beta2: float) -> tuple[Hyperparameter, Hyperparameter]:
    return (
        Hyperparameter("beta1", r"\beta_1", beta1, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.9,
                       help="Adam's momentum: how long the hand remembers which way the clicks pointed."),
        Hyperparameter("beta2", r"\beta_2", beta2, UNIT_OPEN, low=0.5, high=0.9999, torch_default=0.999,
                       help="How long the hand remembers how loud the clicks were; it divides each "
                            "dial's step by that loudness."),
    )


_AMSGRAD = Hyperparameter("amsgrad", r"\text{amsgrad}", False, SWITCH, torch_default=False,
                          help="Divide by the loudest click remembered so far, so the step never grows back.")

_ADAM_LATEX = (r"\begin{aligned} m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
               r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
               r"\hat m_t &= \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\ "
               r"\theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} \end{aligned}")

OPTIMIZERS: dict[str, OptimizerSpec] = {
    "sgd": OptimizerSpec(
        "sgd", "SGD",
        "The careful beginner: it turns each dial in proportion to the click it just heard, and remembers "
        "nothing. Steady on a round bowl, a zig-zag in a narrow ravine, and it stalls where the clicks go "
        "quiet. Teaching default lr 0.01 (PyTorch: 0.001).",
        r"\begin{aligned} g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\ "
        r"\theta_t &= \theta_{t-1} - \eta\, g_t \end{aligned}",
        (lr(0.01, torch_default=1e-3), weight_decay()),
        rules.sgd_init, rules.sgd_step, torch_class="SGD"),
    "momentum": OptimizerSpec(
        "momentum", "Momentum",
        "The heavy hand: it keeps a share μ of its last swing, so steady clicks build up speed and "
        "zig-zags cancel out. Glides down ravines; with too much swing it circles the combination. "
        "Teaching defaults lr 0.01, μ 0.9 (PyTorch's SGD: momentum 0).",
        r"\begin{aligned} b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \quad (b_1 = g_1) \\ "
        r"\theta_t &= \theta_{t-1} - \eta\, b_t \end{aligned}",
        (lr(0.01, torch_default=1e-3), _momentum(0.9),
         Hyperparameter("dampening", r"\tau", 0.0, UNIT_CLOSED, low=0.0, high=0.9, torch_default=0.0,
                        help="Softens each new click before it joins the swing."),
         weight_decay()),
        rules.momentum_init, rules.momentum_step, torch_class="SGD(momentum=μ)"),
    "nesterov": OptimizerSpec(
        "nesterov", "Nesterov",
        "The hand that looks ahead: like momentum, but it corrects its turn by where the swing is about "
        "to carry it, so it brakes earlier and overshoots less. Teaching defaults lr 0.01, μ 0.9.",
        r"\begin{aligned} b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1) \\ "
        r"\theta_t &= \theta_{t-1} - \eta\, (g_t + \mu\, b_t) \end{aligned}",
        (lr(0.01, torch_default=1e-3), _momentum(0.9), weight_decay()),
        rules.momentum_init, rules.nesterov_step, torch_class="SGD(momentum=μ, nesterov=True)"),
    "adagrad": OptimizerSpec(
        "adagrad", "AdaGrad",
        "The hand that tires: each dial's step is divided by the root of every click it has ever heard "
        "on that dial, so loud dials calm down quickly. Great early on, but in the end it may stop short. "
        "Teaching default lr 0.5 (PyTorch: 0.01).",
        r"\begin{aligned} s_t &= s_{t-1} + g_t^2 \\ "
        r"\theta_t &= \theta_{t-1} - \frac{\eta}{1 + (t-1)\delta}\, \frac{g_t}{\sqrt{s_t} + \epsilon} \end{aligned}",
        (lr(0.5, low=1e-3, high=10.0, torch_default=1e-2),
         Hyperparameter("lr_decay", r"\delta", 0.0, NON_NEGATIVE, low=0.0, high=0.1, torch_default=0.0,
                        help="Shrinks the reach a little more on every step."),
         weight_decay(),
         Hyperparameter("initial_accumulator_value", "s_0", 0.0, NON_NEGATIVE, low=0.0, high=1.0,
                        torch_default=0.0, help="How much click the hand pretends to have heard already."),
         eps(1e-10)),
        rules.adagrad_init, rules.adagrad_step, rules.adagrad_derive, torch_class="Adagrad"),
    "rmsprop": OptimizerSpec(
        "rmsprop", "RMSprop",
        "The hand with a short memory for loudness: it divides each dial's step by the root of a running "
        "average of recent squared clicks, so it never tires the way AdaGrad does. "
        "Teaching default lr 0.01 (as PyTorch).",
        r"\begin{aligned} v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\ "
        r"\theta_t &= \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon} \end{aligned}",
        (lr(0.01, torch_default=1e-2),
         Hyperparameter("alpha", r"\alpha", 0.99, UNIT_OPEN, low=0.5, high=0.999, torch_default=0.99,
                        help="How long the hand remembers how loud the clicks were."),
         eps(1e-8), weight_decay(),
         Hyperparameter("momentum", r"\mu", 0.0, UNIT_OPEN, low=0.0, high=0.99, torch_default=0.0,
                        help="Keep a share of the last swing, on top of the scaling."),
         Hyperparameter("centered", r"\text{centered}", False, SWITCH, torch_default=False,
                        help="Divide by the spread of the clicks (their variance), not their loudness.")),
        rules.rmsprop_init, rules.rmsprop_step, rules.rmsprop_derive, torch_class="RMSprop"),
    "adam": OptimizerSpec(
        "adam", "Adam",
        "The precise hand: momentum for direction (β1), a running loudness per dial for scale (β2), and a "
        "correction for the first steps when both memories are still empty. It moves each dial about η "
        "per step whatever the slope, so it speeds up where the way is easy. Teaching default lr 0.05 "
        "(PyTorch: 0.001).",
        _ADAM_LATEX,
        (lr(0.05, torch_default=1e-3), *_betas(0.9, 0.999), eps(1e-8), weight_decay(), _AMSGRAD),
        rules.adam_init, rules.adam_step, rules.adam_derive, torch_class="Adam"),
    "adamw": OptimizerSpec(
        "adamw", "AdamW",
        "Adam whose pull toward zero is applied to the dials directly rather than mixed into the clicks, "
        "so the pull is not rescaled per dial. Teaching default lr 0.05 (PyTorch: 0.001); weight decay "
        "0.01 as in PyTorch.",
        _ADAM_LATEX.replace(r"\theta_t &= \theta_{t-1} - ",
                            r"\theta_t &= (1 - \eta\lambda)\,\theta_{t-1} - "),
        (lr(0.05, torch_default=1e-3), *_betas(0.9, 0.999), eps(1e-8),
         weight_decay(0.01, how="decoupled"), _AMSGRAD),
        rules.adam_init, rules.adamw_step, rules.adam_derive, torch_class="AdamW"),
}


def get(optimizer: str | OptimizerSpec) -> OptimizerSpec:
    """The spec itself, given a spec or a key."""
    if isinstance(optimizer, OptimizerSpec):
        return optimizer
    try:
        return OPTIMIZERS[optimizer]
    except (KeyError, TypeError):
        raise ValueError(f"unknown optimizer {optimizer!r}: choose one of {', '.join(OPTIMIZERS)}") from None
