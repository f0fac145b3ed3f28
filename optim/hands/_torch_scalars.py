"""The few numbers torch.optim keeps in float32 even when the dials are float64.

torch.optim stores an optimizer's per-parameter scalars (the step counter, NAdam's running product of
momentum coefficients, ASGD's step size η and averaging weight μ) as 0-dim tensors of
`torch.get_default_dtype()`, which is float32 unless a program changes it. Integers up to 2**24 survive
that exactly; the others are rounded to float32 every time they are stored, and the next step reads the
rounded value back. Matching torch's path to the last digits means rounding at exactly those places.
"""

from __future__ import annotations

import numpy as np


def stored_as_float32(value):
    """`value` as a float32 0-dim tensor holds it (round to nearest), read back as float64."""
    return np.asarray(value, dtype=np.float64).astype(np.float32).astype(np.float64)


def float32_product(stored, factor):
    """`stored *= factor` on a float32 tensor: torch rounds the Python float `factor` to float32 first
    and multiplies in float32 (not in float64 and then rounds)."""
    product = np.asarray(stored, dtype=np.float32) * np.asarray(factor, dtype=np.float64).astype(np.float32)
    return product.astype(np.float64)
