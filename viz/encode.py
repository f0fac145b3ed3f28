"""Compact numbers for figure JSON: float32 arrays (sent as base64 by plotly) and short rounded floats."""

from __future__ import annotations

import math

import numpy as np

# Largest magnitude kept: float32 overflows past ~3.4e38, and a run that is spinning off can get there
# before it turns NaN. Clipping keeps such values drawable and keeps NumPy's overflow warning away.
F32_LIMIT = 1e38


def f32(values) -> np.ndarray:
    """Values as float32 for drawing: plenty for pixels, half the bytes of float64. NaN stays NaN."""
    return np.clip(np.asarray(values, dtype=np.float64), -F32_LIMIT, F32_LIMIT).astype(np.float32)


def num(value: float, decimals: int) -> float | None:
    """A rounded float for frame JSON (None for NaN/inf, which JSON cannot hold)."""
    return round(float(value), decimals) if math.isfinite(value) else None


def sig(value: float, digits: int = 4) -> float | None:
    """A float to `digits` significant digits (None for NaN/inf)."""
    return float(f"{value:.{digits}g}") if math.isfinite(value) else None


def decimals_for(extent) -> int:
    """Decimals that resolve about 1/2000 of the largest extent: below a pixel, and short in JSON."""
    return max(0, math.ceil(-math.log10(max(extent) / 2000)))
