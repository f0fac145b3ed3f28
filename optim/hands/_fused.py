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

_SPLITTER = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves (Veltkamp)


def fused_multiply_add(a, b, c):
    """a·b + c rounded once, as an FMA instruction computes it (float64, broadcasting).

    Written out in one body: the hands call it thousands of times per run on small arrays, where each
    extra Python call costs more than the arithmetic.
    """
    with np.errstate(all="ignore"):
        product = np.multiply(a, b)
        scaled = _SPLITTER * a
        a_high = scaled - (scaled - a)
        a_low = a - a_high
        scaled = _SPLITTER * b
        b_high = scaled - (scaled - b)
        b_low = b - b_high
        product_low = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low  # exact
        high = c + product  # TwoSum(c, product): high + low == c + product exactly
        virtual = high - c
        low = (c - (high - virtual)) + (product - virtual)
        tail = low + product_low  # rounded to odd below: nudged off an even last bit if it was inexact
        virtual = tail - low
        tail_error = (low - (tail - virtual)) + (product_low - virtual)
        to_odd = (tail_error != 0) & ((tail.view(np.int64) & 1) == 0)
        if to_odd.any():
            tail = np.where(to_odd, np.nextafter(tail, np.copysign(np.inf, tail_error)), tail)
        fused = high + tail
        special = ~np.isfinite(fused)  # inf, nan or overflow, where the splitting is not exact
        if special.any():
            fused = np.where(special, product + c, fused)
    return fused


def fused_lerp(start, end, weight):
    """torch.lerp as its CPU kernel computes it on FMA hardware: start + w·(end − start) for w < 0.5,
    else end − (end − start)·(1 − w), each with a single rounding of the multiply-add."""
    weight = np.asarray(weight, dtype=np.float64)
    difference = np.asarray(end, dtype=np.float64) - start
    small = fused_multiply_add(weight, difference, start)
    large = fused_multiply_add(-difference, 1 - weight, end)
    return np.where(weight < 0.5, small, large) if np.ndim(weight) else (small if weight < 0.5 else large)
