"""Where theory says a run turns unstable: the largest stable learning rate on the convex quadratic vaults,
from each hand's own `Stability` (see optim/hands/sgd.py for the derivations)."""

from __future__ import annotations

import numpy as np

import optim
from landscapes.classic import QUADRATIC_CURVATURE


def largest_curvature(landscape: str) -> float | None:
    """L, the largest Hessian eigenvalue, for the convex quadratic vaults (bowl, ravine); None elsewhere."""
    curvature = QUADRATIC_CURVATURE.get(landscape)
    if curvature is None or min(curvature) <= 0:
        return None
    return float(max(curvature))


def stability_limit(landscape: str, optimizer: str, values, knob: str | None = None) -> np.ndarray | None:
    """The largest stable learning rate for each value of the hand's map knob (or of `knob`), where theory
    gives one; None where it does not.

    On f = ½ θᵀHθ every rule with a `Stability` is linear in θ, and each eigen-direction of H evolves on its
    own; the run stays bounded iff every direction does, and the stiffest (h = L) gives out first. The
    adaptive hands rescale each click by its own history, so they have no such line.
    """
    L = largest_curvature(landscape)
    spec = optim.get(optimizer)
    if L is None or spec.stability is None:
        return None
    name = knob or spec.map_axis.name
    settings = {**spec.defaults, name: np.asarray(values, dtype=np.float64)}
    return np.asarray(spec.stability.limit(L, settings), dtype=np.float64)


def theory(optimizer: str) -> str | None:
    """The limit as a formula, for a sentence; None without one."""
    stability = optim.get(optimizer).stability
    return None if stability is None else stability.formula
