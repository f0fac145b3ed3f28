"""torch's fused multiply-add, emulated exactly in NumPy (which has none).

On CPUs with FMA instructions (AVX2, AVX-512, ARM), torch's `add_(other, alpha=a)` computes
`self + a·other` with a single rounding: its kernels are compiled with floating-point contraction. NumPy
rounds `a·other` first and then the sum. Where a hand should match torch to the last bit, it calls
`fused_multiply_add` at exactly those places.

The algorithm is Boldo and Melquiond's (2008, "Emulation of FMA and correctly rounded sums: proved
algorithms using rounding to odd"): the product split exactly into two doubles (Dekker), the sum with
`c` split exactly (Knuth's TwoSum), the two low parts added with rounding to odd, then one ordinary
rounding. It is exact for finite inputs whose product neither overflows nor falls below ~1e-292.
"""

from __future__ import annotations

import numpy as np

_SPLITTER = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves


def _split(a):
    scaled = _SPLITTER * a
    high = scaled - (scaled - a)
    return high, a - high


def _two_product(a, b):
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _two_sum(a, b):
    total = a + b
    b_virtual = total - a
    return total, (a - (total - b_virtual)) + (b - b_virtual)


def _add_rounding_to_odd(a, b):
    total, error = _two_sum(a, b)
    even = (np.asarray(total, dtype=np.float64).view(np.int64) & 1) == 0
    return np.where((error != 0) & even, np.nextafter(total, np.copysign(np.inf, error)), total)


def fused_multiply_add(a, b, c):
    """a·b + c rounded once, as an FMA instruction computes it (float64, broadcasting)."""
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    with np.errstate(all="ignore"):
        high, low = _two_product(a, b)
        sum_high, sum_low = _two_sum(c, high)
        fused = sum_high + _add_rounding_to_odd(sum_low, low)
        plain = a * b + c  # the special cases (inf, nan, overflow) where the splitting is not exact
    return np.where(np.isfinite(fused), fused, plain)


def fused_lerp(start, end, weight):
    """torch.lerp as its CPU kernel computes it on FMA hardware: start + w·(end − start) for w < 0.5,
    else end − (end − start)·(1 − w), each with a single rounding of the multiply-add."""
    weight = np.asarray(weight, dtype=np.float64)
    difference = np.asarray(end, dtype=np.float64) - start
    small = fused_multiply_add(weight, difference, start)
    large = fused_multiply_add(-difference, 1 - weight, end)
    return np.where(weight < 0.5, small, large) if np.ndim(weight) else (small if weight < 0.5 else large)
