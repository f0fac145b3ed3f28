r"""Two real dials: the digits network's loss on a plane through trained weights, as a vault like any other.

    θ(x, y) = θ* + x·d₁ + y·d₂

θ* is the network trained (`trained_weights`); d₁ and d₂ are random directions, filter-normalised as Li et
al. (2018, "Visualizing the loss landscape of neural nets") propose: each row of a weight matrix (the
weights into one unit) is rescaled to the length of the same row of θ*, and the biases are left out
(their directions are zero). So x = 1 moves every unit's incoming weights by as much as they are long, and
the picture does not depend on how the network happens to scale its layers. The gradient is exact: the
network's own gradient projected on d₁ and d₂ (`landscapes.plane.LossPlane`).

Nothing heavy happens until the vault is used: building `LANDSCAPES` neither trains the network nor
imports scikit-learn. The first evaluation does both, once per process (a second or two); the lowest point
is then found by a grid search polished by Newton's method on the exact gradient.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from landscapes.base import Landscape
from landscapes.network import digits_network
from landscapes.plane import LossPlane

# θ*: full-batch Adam (torch's defaults but lr 0.01) for this many steps from net.init(seed=0). Training
# accuracy is then 100 % and the loss has fallen a hundredfold; a longer run only inflates the weights.
TRAINING_STEPS = 600
TRAINING_LR = 0.01
DIRECTION_SEEDS = (1, 2)
BOUNDS = ((-1.0, 1.0), (-1.0, 1.0))
START = (-0.7, 0.75)
SEARCH_RESOLUTION = 21
# Points whose loss the vault keeps from their click (`LossPlane`'s `remember`): a 20-rung ladder of 200-step
# runs, several times over. About 15 MB.
REMEMBERED_POINTS = 100_000


@lru_cache(maxsize=1)
def trained_weights() -> np.ndarray:
    """θ*, (2410,): the network after `TRAINING_STEPS` full-batch Adam steps (β 0.9/0.999, ε 1e-8, lr
    `TRAINING_LR`) from `net.init(seed=0)`. Deterministic; computed once per process."""
    net = digits_network()
    theta = net.init(seed=0)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, TRAINING_STEPS + 1):
        g = net.grad(theta)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        theta = theta - TRAINING_LR * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    theta.flags.writeable = False
    return theta


def filter_normalised_direction(theta: np.ndarray, seed: int) -> np.ndarray:
    """A random direction (standard normal from PCG64 seeded with `seed`) with each weight matrix's rows
    rescaled to the lengths of θ's rows, and zero on every bias (Li et al. 2018)."""
    net = digits_network()
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(net.size)
    for rows, shape in net.slices().values():
        if len(shape) == 2:
            d, w = direction[rows].reshape(shape), theta[rows].reshape(shape)
            d *= (np.linalg.norm(w, axis=1) / np.linalg.norm(d, axis=1))[:, None]
        else:
            direction[rows] = 0.0
    return direction


@lru_cache(maxsize=1)
def digits_plane() -> LossPlane:
    """The plane the vault lies on, built once per process."""
    theta = trained_weights()
    d1, d2 = (filter_normalised_direction(theta, seed) for seed in DIRECTION_SEEDS)
    return LossPlane(digits_network(), theta, d1, d2, remember=REMEMBERED_POINTS)


def _value(x, y):
    return digits_plane().value(x, y)


def _grad(x, y):
    return digits_plane().grad(x, y)


@lru_cache(maxsize=1)
def lowest_point() -> tuple[tuple[float, float], float]:
    """The plane's lowest point in the bounds and its loss: the best point of a grid, then Newton's method
    on the exact gradient with the Hessian from central differences of it."""
    (x0, x1), (y0, y1) = BOUNDS
    xs, ys = np.linspace(x0, x1, SEARCH_RESOLUTION), np.linspace(y0, y1, SEARCH_RESOLUTION)
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = _value(grid_x, grid_y)
    row, col = np.unravel_index(np.argmin(values), values.shape)
    point = np.array([xs[col], ys[row]])
    h = 1e-5
    for _ in range(20):
        g = np.array(_grad(point[0], point[1]))
        if np.max(np.abs(g)) < 1e-13:
            break
        probes = point + h * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])
        gx, gy = _grad(probes[:, 0], probes[:, 1])
        hessian = np.array([[gx[0] - gx[1], gx[2] - gx[3]], [gy[0] - gy[1], gy[2] - gy[3]]]) / (2 * h)
        hessian = (hessian + hessian.T) / 2
        point = point - np.linalg.solve(hessian, g)
    point = np.clip(point, [x0, y0], [x1, y1])
    return (float(point[0]), float(point[1])), float(_value(point[0], point[1]))


class _DigitsVault(Landscape):
    """The `Landscape` whose combination is found on first use: `minima` and `min_value` are computed the
    first time anything asks for them (that trains θ*), not when `LANDSCAPES` is built."""

    def __getattr__(self, name):
        # Only called for attributes not set: the two removed in `digits_vault` below.
        if name in ("minima", "min_value"):
            (point, value) = lowest_point()
            object.__setattr__(self, "minima", (point,))
            object.__setattr__(self, "min_value", value)
            return getattr(self, name)
        raise AttributeError(name)


DESCRIPTION = (
    "A real network's loss, seen through two of its 2,410 dials. The network reads 8×8 handwritten digits "
    "(64 pixels in, 32 tanh units, 10 scores out); after training, its weights θ* sit at the centre of the "
    "map. Each dial moves every weight at once along one random direction, scaled unit by unit to the "
    "weights' own size (Li et al. 2018), so x = 1 shifts every unit's weights by as much as they are long. "
    "At the map's corners the network is so scrambled that its loss is worse than a blind guess's (ln 10, "
    "about 2.3) and it reads fewer than half of its training digits; at the bottom of the basin it reads all of "
    "them. Each "
    "click is the network's real gradient, projected on the two directions; computing it means running all "
    "1,437 training images through the network, which is why this vault is slower than the others and its "
    "maps are drawn on coarser grids.")


# What `optim.tuning.tune` finds for each hand from the vault's start over 200 steps, climbing its whole ladder
# beside nudged twins (about a minute per hand here): worked out by scripts/tune_heavy_vaults.py and kept, so a
# page opens in a second. tests/test_digits_vault.py climbs again for one hand; tests/test_teaching_truth.py
# checks that every kept rate's scene tells a robust story.
TUNED_LR = {
    "calm": {"sgd": 0.07, "momentum": 0.005, "nesterov": 0.005, "adagrad": 0.5, "rmsprop": 0.03, "adam": 0.03,
             "adamw": 0.03, "adamax": 0.2, "nadam": 0.07, "radam": 0.2, "adadelta": 0.3, "asgd": 0.07,
             "adafactor": 1.0, "rprop": 0.0001, "lion": 0.01, "lbfgs": 2.0, "muon": 0.02},
    "fast": {"sgd": 0.2, "momentum": 0.03, "nesterov": 0.1, "adagrad": 0.7, "rmsprop": 0.07, "adam": 0.03,
             "adamw": 0.03, "adamax": 0.5, "nadam": 1.0, "radam": 0.3, "adadelta": 7.0, "asgd": 0.2,
             "adafactor": 1.0, "rprop": 0.7, "lion": 0.01, "lbfgs": 2.0, "muon": 0.02},
}


def build_digits_vault() -> Landscape:
    vault = _DigitsVault(
        key="digits",
        title="A real network (handwritten digits)",
        description=DESCRIPTION,
        latex=(r"L(x, y) = \frac{1}{n}\sum_{i=1}^{n} -\log \mathrm{softmax}\big(f_{\theta^* + x\,d_1 + y\,d_2}"
               r"(\mathrm{image}_i)\big)_{\mathrm{digit}_i}"),
        bounds=BOUNDS,
        minima=(),
        min_value=None,
        start=START,
        value_fn=_value,
        grad_fn=_grad,
        log_scale=True,
        minimum_is_estimate=True,
        heavy=True,
        tuned_lr=TUNED_LR,
    )
    object.__delattr__(vault, "minima")
    object.__delattr__(vault, "min_value")
    return vault
