"""The built-in landscapes: gradients against finite differences, minima, bounds, shapes and hygiene."""

from __future__ import annotations

import numpy as np
import pytest

from landscapes import LANDSCAPES
from landscapes.classic import CLASSIC_LANDSCAPES, QUADRATIC_CURVATURE
from landscapes.regression import linear_regression_data

CLASSIC_KEYS = [
    "bowl", "ravine", "saddle", "rosenbrock", "beale", "himmelblau", "booth", "matyas", "three_hump_camel",
    "six_hump_camel", "rastrigin", "ackley", "goldstein_price", "styblinski_tang",
]
KEYS = list(LANDSCAPES)
KEYS_WITH_MINIMUM = [key for key in KEYS if LANDSCAPES[key].min_value is not None]
EPS = np.finfo(np.float64).eps


@pytest.fixture(params=KEYS)
def landscape(request):
    return LANDSCAPES[request.param]


@pytest.fixture(params=KEYS_WITH_MINIMUM)
def landscape_with_minimum(request):
    return LANDSCAPES[request.param]


def _random_points(landscape, n: int, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = landscape.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def _dense_grid(landscape, n: int = 401) -> np.ndarray:
    """An (n, n, 2) grid over the bounds; n odd puts the centre of symmetric bounds (Ackley's tip) on it.
    A heavy vault (a real network's loss: each point is a pass over its training images) gets 61 × 61."""
    if landscape.heavy:
        n = min(n, 61)
    (x0, x1), (y0, y1) = landscape.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([X, Y], axis=-1)


def _inside(point, bounds) -> bool:
    (x0, x1), (y0, y1) = bounds
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


# --- the catalogue ---------------------------------------------------------------------------------------


def test_classic_keys_in_order():
    assert list(CLASSIC_LANDSCAPES) == CLASSIC_KEYS
    assert [*CLASSIC_KEYS, "linear_regression", "digits"] == KEYS


def test_metadata(landscape):
    assert LANDSCAPES[landscape.key] is landscape
    assert landscape.title and landscape.description and landscape.latex
    (x0, x1), (y0, y1) = landscape.bounds
    assert x0 < x1 and y0 < y1


def test_log_scale_for_surfaces_spanning_decades():
    for key in ("rosenbrock", "beale", "goldstein_price"):
        assert LANDSCAPES[key].log_scale, key
    for key in ("bowl", "ravine", "saddle"):
        assert not LANDSCAPES[key].log_scale, key


def test_start_inside_bounds(landscape):
    assert _inside(landscape.start, landscape.bounds)


# --- gradients -------------------------------------------------------------------------------------------


def test_gradient_matches_central_differences(landscape):
    points = _random_points(landscape, 200, seed=1)
    h = 1e-6 * max(landscape.extent)
    analytic = landscape.grad(points)
    for axis in range(2):
        step = np.zeros(2)
        step[axis] = h
        numeric = (landscape.f(points + step) - landscape.f(points - step)) / (2 * h)
        # Cancellation in f(p + h) - f(p - h) costs about eps |f| / h; truncation is O(h^2) and far smaller.
        rounding = 64 * EPS * (np.abs(landscape.f(points)) + 1) / h
        error = np.abs(numeric - analytic[:, axis])
        np.testing.assert_array_less(error, 1e-6 * np.abs(analytic[:, axis]) + rounding + 1e-8)


def test_gradient_finite_on_dense_grid_without_warnings(landscape):
    points = _dense_grid(landscape).reshape(-1, 2)
    points = np.concatenate([points, np.asarray(landscape.minima).reshape(-1, 2), [landscape.start]])
    x, y = points[:, 0], points[:, 1]
    # Call the raw functions: Landscape.f and .grad silence floating-point errors, and they must not need to.
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        value = landscape.value_fn(x, y)
        gx, gy = landscape.grad_fn(x, y)
    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gy))


def test_ackley_gradient_at_and_near_its_tip():
    ackley = LANDSCAPES["ackley"]
    tiny = np.finfo(np.float64).smallest_subnormal
    near = np.array([[1e-300, -1e-300], [1e-9, 2e-9], [0.0, -1e-12]])
    subnormal = np.array([[tiny, 0.0], [-tiny, tiny], [3 * tiny, -2 * tiny]])
    points = np.concatenate([[[0.0, 0.0]], near, subnormal])
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        gx, gy = ackley.grad_fn(points[:, 0], points[:, 1])
    norms = np.hypot(gx, gy)
    assert norms[0] == 0.0
    # However close to the tip, the gradient keeps the cone's slope 2 sqrt(2) ...
    np.testing.assert_allclose(norms[1:4], 2 * np.sqrt(2), rtol=1e-6)
    # ... and for subnormal inputs rounding may bend the unit vector, but never blows it up.
    assert np.all(np.isfinite(norms)) and np.all(norms <= 4.0)


# --- minima ----------------------------------------------------------------------------------------------


def test_value_at_every_minimum(landscape_with_minimum):
    landscape = landscape_with_minimum
    assert landscape.minima
    values = landscape.f(landscape.minima)
    np.testing.assert_allclose(values, landscape.min_value, rtol=1e-12, atol=1e-12)


def test_gradient_vanishes_at_every_minimum(landscape_with_minimum):
    gradient = landscape_with_minimum.grad(landscape_with_minimum.minima)
    np.testing.assert_allclose(gradient, 0.0, atol=1e-8)


def test_minima_inside_bounds(landscape_with_minimum):
    for point in landscape_with_minimum.minima:
        assert _inside(point, landscape_with_minimum.bounds), point


def test_nothing_on_a_dense_grid_lies_below_the_minimum(landscape_with_minimum):
    landscape = landscape_with_minimum
    lowest = landscape.f(_dense_grid(landscape)).min()
    assert lowest >= landscape.min_value - 1e-12 * (1 + abs(landscape.min_value))


def test_saddle_has_no_minimum():
    saddle = LANDSCAPES["saddle"]
    assert saddle.minima == ()
    assert saddle.min_value is None
    # Started exactly on the ridge y = 0 the gradient could never push y off it.
    assert saddle.start[1] != 0.0


def test_himmelblau_and_six_hump_camel_list_every_global_minimum():
    assert len(LANDSCAPES["himmelblau"].minima) == 4
    assert len(LANDSCAPES["six_hump_camel"].minima) == 2


def test_styblinski_tang_minimum_to_full_precision():
    landscape = LANDSCAPES["styblinski_tang"]
    assert landscape.min_value == pytest.approx(-78.33233140754282, rel=4 * EPS)
    np.testing.assert_allclose(landscape.minima, [(-2.903534, -2.903534)], atol=1e-6)


# --- shapes ----------------------------------------------------------------------------------------------


def test_shapes_broadcast(landscape):
    single = np.asarray(landscape.start, dtype=np.float64)
    batch = _random_points(landscape, 7)
    grid = _random_points(landscape, 15).reshape(3, 5, 2)
    for points, shape in ((single, ()), (batch, (7,)), (grid, (3, 5))):
        assert landscape.f(points).shape == shape
        assert landscape.grad(points).shape == (*shape, 2)
    # Batched evaluation agrees with pointwise evaluation.
    np.testing.assert_allclose(landscape.f(grid)[1, 2], landscape.f(grid[1, 2]), rtol=1e-14)
    np.testing.assert_allclose(landscape.grad(grid)[2, 4], landscape.grad(grid[2, 4]), rtol=1e-14)


# --- quadratics and the stability limit ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["bowl", "ravine", "saddle"])
def test_quadratic_curvature_matches_finite_difference_hessian(key):
    landscape = LANDSCAPES[key]
    h = 1e-3
    ex, ey = np.array([h, 0.0]), np.array([0.0, h])
    for p in _random_points(landscape, 5, seed=2):
        f = landscape.f
        hxx = (f(p + ex) - 2 * f(p) + f(p - ex)) / h**2
        hyy = (f(p + ey) - 2 * f(p) + f(p - ey)) / h**2
        hxy = (f(p + ex + ey) - f(p + ex - ey) - f(p - ex + ey) + f(p - ex - ey)) / (4 * h**2)
        np.testing.assert_allclose([hxx, hyy], QUADRATIC_CURVATURE[key], rtol=1e-5)
        assert abs(hxy) < 1e-5


def test_quadratic_curvature_table():
    assert set(QUADRATIC_CURVATURE) == {"bowl", "ravine", "saddle"}
    assert QUADRATIC_CURVATURE["saddle"] == (2.0, -2.0)
    low, high = sorted(abs(c) for c in QUADRATIC_CURVATURE["ravine"])
    assert 50 <= high / low <= 200


# --- linear regression -----------------------------------------------------------------------------------


def test_linear_regression_minimum_matches_polyfit():
    xs, ys = linear_regression_data()
    slope, intercept = np.polyfit(xs, ys, 1)
    np.testing.assert_allclose(LANDSCAPES["linear_regression"].minima, [(slope, intercept)], rtol=1e-10)


def test_linear_regression_loss_is_the_mean_squared_error():
    landscape = LANDSCAPES["linear_regression"]
    xs, ys = linear_regression_data()
    points = _random_points(landscape, 50, seed=3)
    residuals = points[:, :1] * xs + points[:, 1:] - ys
    np.testing.assert_allclose(landscape.f(points), (residuals**2).mean(axis=1), rtol=1e-12)
    gradient = np.column_stack([2 * (residuals * xs).mean(axis=1), 2 * residuals.mean(axis=1)])
    np.testing.assert_allclose(landscape.grad(points), gradient, rtol=1e-10, atol=1e-12)


def test_linear_regression_data_is_fixed_and_private():
    xs, ys = linear_regression_data()
    assert xs.shape == ys.shape == (40,)
    xs[:] = 0.0
    again_xs, again_ys = linear_regression_data()
    assert np.any(again_xs != 0.0)
    np.testing.assert_array_equal(again_ys, ys)
