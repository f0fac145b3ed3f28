"""The optimizers on offer, collected from `optim.hands`: each rule with its knobs, its formula and the hand it
stands for.

Keys and hyperparameter names follow torch.optim, so a setting learned here transfers to PyTorch. Where
a teaching default differs from PyTorch's, the description says so and `Hyperparameter.torch_default`
records PyTorch's value. The pages read `OPTIMIZERS` on every run, so a spec added with `register` shows up
on every page.
"""

from __future__ import annotations

from optim.hands import adagrad, adam, rmsprop, sgd
from optim.spec import MapAxis, OptimizerSpec, Stability

__all__ = ["OPTIMIZERS", "MapAxis", "OptimizerSpec", "Stability", "get", "register", "unregister"]

OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.key: spec for family in (sgd, adagrad, rmsprop, adam) for spec in family.SPECS
}


def register(spec: OptimizerSpec, *, replace: bool = False) -> OptimizerSpec:
    """Offer `spec` on every page, under `spec.key`; a key already taken is refused unless `replace`."""
    if spec.key in OPTIMIZERS and not replace:
        raise ValueError(f"an optimizer is already registered as {spec.key!r}")
    OPTIMIZERS[spec.key] = spec
    return spec


def unregister(key: str) -> None:
    """Withdraw the optimizer registered as `key` (tests register extra specs and take them back)."""
    OPTIMIZERS.pop(key, None)


def get(optimizer: str | OptimizerSpec) -> OptimizerSpec:
    """The spec itself, given a spec or a key."""
    if isinstance(optimizer, OptimizerSpec):
        return optimizer
    try:
        return OPTIMIZERS[optimizer]
    except (KeyError, TypeError):
        raise ValueError(f"unknown optimizer {optimizer!r}: choose one of {', '.join(OPTIMIZERS)}") from None
