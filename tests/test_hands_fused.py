"""The emulated fused multiply-add that lets LBFGS and Muon round as torch's CPU kernels do."""

from fractions import Fraction

import numpy as np

from optim.hands._fused import fused_lerp, fused_multiply_add


def exact(a, b, c):
    return float(Fraction(a) * Fraction(b) + Fraction(c))  # Fraction → float rounds once, to nearest


def test_one_rounding_even_where_the_sum_cancels():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(3000) * 10.0 ** rng.integers(-30, 30, 3000)
    b = rng.standard_normal(3000) * 10.0 ** rng.integers(-30, 30, 3000)
    c = -(a * b) * (1 + rng.standard_normal(3000) * 10.0 ** rng.integers(-17, 0, 3000))
    c[::3] = rng.standard_normal(1000)
    fused = fused_multiply_add(a, b, c)
    np.testing.assert_array_equal(fused, [exact(*v) for v in zip(a, b, c, strict=True)])
    assert np.any(fused != a * b + c)  # it is not the plain rounding


def test_a_case_where_the_plain_rounding_loses_everything():
    a = 1 + 2.0**-30
    # a·a = 1 + 2⁻²⁹ + 2⁻⁶⁰: rounding the product first drops the 2⁻⁶⁰ that the fused sum keeps.
    assert fused_multiply_add(a, a, -(1 + 2.0**-29)) == 2.0**-60
    assert a * a - (1 + 2.0**-29) == 0.0


def test_special_values_follow_the_plain_arithmetic():
    out = fused_multiply_add(np.array([np.inf, np.nan, 1e300]), np.array([1.0, 1.0, 1e300]), 0.0)
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == np.inf


def test_lerp_picks_torchs_formula_by_weight():
    start, end = np.array([0.1, -3.0]), np.array([0.7, 2.0])
    np.testing.assert_allclose(fused_lerp(start, end, 0.25), start + 0.25 * (end - start), rtol=1e-15)
    np.testing.assert_allclose(fused_lerp(start, end, 0.75), end - (end - start) * 0.25, rtol=1e-15)
    np.testing.assert_array_equal(fused_lerp(start, end, 1.0), end)
    np.testing.assert_array_equal(fused_lerp(start, end, np.array([0.0, 1.0])), [0.1, 2.0])
