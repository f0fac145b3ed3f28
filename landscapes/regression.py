"""A real model's loss as a landscape: mean squared error of a straight-line fit, over slope and intercept."""

from __future__ import annotations

import numpy as np

from landscapes.base import Landscape

_SEED = 7
_N_POINTS = 40
_TRUE_SLOPE = 1.5
_TRUE_INTERCEPT = -1.0
_NOISE = 0.6
# All inputs lie right of x = 0, so a steeper slope and a lower intercept nearly cancel: the loss valley is
# long and diagonal (its curvatures differ about 23-fold), which is what makes this surface worth watching.
_X_RANGE = (0.0, 4.0)


def _make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    xs = rng.uniform(*_X_RANGE, size=_N_POINTS)
    ys = _TRUE_SLOPE * xs + _TRUE_INTERCEPT + rng.normal(0.0, _NOISE, size=_N_POINTS)
    return xs, ys


_XS, _YS = _make_data()


def linear_regression_data() -> tuple[np.ndarray, np.ndarray]:
    """The fitted dataset as (xs, ys), each of shape (40,); fresh copies, safe to modify."""
    return _XS.copy(), _YS.copy()


def linear_regression() -> Landscape:
    """Mean squared error of the line y = w x + b on the built-in dataset, with dials x = w and y = b.

    The loss is evaluated from the data's moments, as the quadratic form
    w^2 <x^2> + 2 w b <x> + b^2 - 2 w <xy> - 2 b <y> + <y^2>, so a plotting grid costs no more than the
    grid itself, whatever the number of data points.
    """
    mean_x, mean_xx = _XS.mean(), (_XS * _XS).mean()
    mean_y, mean_xy, mean_yy = _YS.mean(), (_XS * _YS).mean(), (_YS * _YS).mean()

    def value(w, b):
        return w * (w * mean_xx + 2 * b * mean_x - 2 * mean_xy) + b * (b - 2 * mean_y) + mean_yy

    def grad(w, b):
        return 2 * (w * mean_xx + b * mean_x - mean_xy), 2 * (w * mean_x + b - mean_y)

    design = np.column_stack([_XS, np.ones_like(_XS)])
    (w_best, b_best), *_ = np.linalg.lstsq(design, _YS, rcond=None)
    w_best, b_best = float(w_best), float(b_best)

    return Landscape(
        key="linear_regression",
        title="Fitting a line (linear regression)",
        description=(
            "A real model's loss is a landscape too: the two dials are the slope w and intercept b of a "
            "line through the data points, and the loss is how badly the line misses them on average. "
            "Tilting the line up while sliding it down nearly cancels out, so the valley runs long and "
            "diagonal: its two curvatures differ about 23-fold. The default start already sits on the "
            "valley floor, so gradient descent does not zig-zag here; it slides down the gentle floor, "
            "and that is what takes the time."
        ),
        latex=r"L(w, b) = \frac{1}{n} \sum_{i=1}^{n} \left(w\,x_i + b - y_i\right)^2",
        bounds=((-1.0, 3.0), (-4.0, 5.0)),
        minima=((w_best, b_best),),
        min_value=float(value(w_best, b_best)),
        start=(-0.5, 4.0),
        value_fn=value,
        grad_fn=grad,
    )
