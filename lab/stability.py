"""Where theory says a run turns unstable: the largest stable learning rate on every convex quadratic vault,
from each hand's own `Stability` (see optim/hands/sgd.py for the derivations)."""

from __future__ import annotations

from functools import cache

import numpy as np

import landscapes
import optim


@cache
def curvatures(landscape: str) -> tuple[float, float] | None:
    """The Hessian's eigenvalues (ascending) where the vault is a quadratic, f = ½ θᵀHθ + gᵀθ + c: the
    bowl, the ravine, the saddle, Booth, Matyas, linear regression. Read off the vault's own gradient (affine
    for a quadratic: H's columns are grad(eₖ) − grad(0)) and checked at a few other points; None elsewhere."""
    surface = landscapes.LANDSCAPES.get(landscape)
    if surface is None:
        return None
    g0 = surface.grad(np.zeros(2))
    hessian = np.stack([surface.grad(np.eye(2)[k]) - g0 for k in range(2)], axis=1)
    (x0, x1), (y0, y1) = surface.bounds
    probes = np.array([[x0, y0], [x1, y1], [x0, y1], [0.37 * x1, 0.61 * y0]])
    expected = probes @ hessian.T + g0
    actual = surface.grad(probes)
    if not np.all(np.isfinite(actual)) or not np.allclose(actual, expected, rtol=1e-9,
                                                          atol=1e-9 * max(1.0, np.abs(actual).max())):
        return None
    values = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    return float(values[0]), float(values[1])


def largest_curvature(landscape: str) -> float | None:
    """L, the largest Hessian eigenvalue, for the convex quadratic vaults (bowl, ravine, Booth, Matyas,
    linear regression); None elsewhere (the saddle is quadratic but has no bottom)."""
    curvature = curvatures(landscape)
    if curvature is None or curvature[0] <= 0:
        return None
    return curvature[1]


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
