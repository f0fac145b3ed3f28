"""Numbers as text, for the whole app: losses, learning rates, steps, points and colour-bar ticks.

One module so that a loss reads the same in a table, a sentence, a metric and a tick label:

- four significant digits, trailing zeros dropped: 12.95, 0.2214, 1,234, 3;
- plain decimals from 0.001 up to a million (no "1.295e+1"), thousands separated by commas; beyond that a
  compact power of ten, 4.337e-8 or 1.016e6, never with a "+" or a leading zero in the exponent;
- a loss within `LOSS_FLOOR` of zero (or of the vault's known minimum) is "≈ 0" (or "≈ 3"): below that the
  digits are floating-point dust, and two such losses tie (`same_loss`);
- colour-bar ticks of one bar share one notation (`log_ticks`): either all plain decimals or all powers of
  ten, and round losses rather than "floor + 10^k" (no "10,001, 1,001, 101, 11" above a floor of 1).

Pure Python and NumPy: no plotly, no Streamlit.
"""

from __future__ import annotations

import math

import numpy as np

# Below this a loss (or its gap above a known minimum) is zero for every purpose a learner has: the loss
# chart's log axis stops here too (viz.scales.LOSS_FLOOR).
LOSS_FLOOR = 1e-12
DIGITS = 4
# Plain decimals between these; a power of ten outside.
PLAIN_LOW, PLAIN_HIGH = 1e-3, 1e6
APPROX_ZERO = "≈ 0"
NOT_A_NUMBER = "n/a"
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(value: float, digits: int = DIGITS) -> str:
    """`value` to `digits` significant digits: plain between 0.001 and a million, else like 4.337e-8."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return NOT_A_NUMBER if math.isnan(value) else ("∞" if value > 0 else "-∞")
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits}g}")
    size = abs(rounded)
    if PLAIN_LOW <= size < PLAIN_HIGH:
        exponent = math.floor(math.log10(size))
        decimals = max(digits - 1 - exponent, 0)
        text = f"{rounded:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{rounded:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent)}"


def format_loss(value: float, minimum: float | None = None) -> str:
    """A loss for a label, a table or a sentence. "≈ 0" within `LOSS_FLOOR` of zero; with a known `minimum`,
    "≈ minimum" within `LOSS_FLOOR` (relative to its size) of it; "n/a" when there is no finite value."""
    value = float(value)
    if not math.isfinite(value):
        return NOT_A_NUMBER
    if minimum is not None and math.isfinite(minimum) and abs(value - minimum) <= LOSS_FLOOR * max(1.0, abs(minimum)):
        return APPROX_ZERO if abs(minimum) < LOSS_FLOOR else f"≈ {format_number(minimum)}"
    if abs(value) < LOSS_FLOOR:
        return APPROX_ZERO
    return format_number(value)


def same_loss(a: float, b: float, minimum: float | None = None) -> bool:
    """Whether two losses read the same (`format_loss`), so that neither can be said to end lower."""
    return format_loss(a, minimum) == format_loss(b, minimum)


def losses_apart(a: float, b: float, most: int = 12) -> tuple[str, str]:
    """Two different losses with as many significant digits (`DIGITS` to `most`) as it takes to tell them
    apart: a turn that changed the loss by a hair never reads "181.6 → 181.6"."""
    for digits in range(DIGITS, most + 1):
        shown = format_number(a, digits), format_number(b, digits)
        if shown[0] != shown[1]:
            break
    return shown


def format_lr(value: float) -> str:
    """A learning rate: 0.05, 0.0001, 3, 5e-6 (plain from 0.0001 up, since the sliders start there)."""
    value = float(value)
    if 1e-4 <= abs(value) < PLAIN_LOW:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return format_number(value)


def format_steps(steps: int) -> str:
    """A step count: 59, 1,200."""
    return f"{int(steps):,}"


def format_point(point, digits: int = 3) -> str:
    """A point on the map: (-0.3, -0.9)."""
    x, y = (float(v) for v in point)
    return f"({format_number(x, digits)}, {format_number(y, digits)})"


def decade_labels(exponents) -> list[str]:
    """Labels for 10^k, one notation for them all: plain (0.001 … 100,000) when every one fits, else
    powers of ten written with superscripts (10⁻⁵ … 10³)."""
    exponents = [int(k) for k in exponents]
    if all(PLAIN_LOW <= 10.0**k < PLAIN_HIGH for k in exponents):
        return [format_number(10.0**k) for k in exponents]
    return ["1" if k == 0 else "10" if k == 1 else f"10{str(k).translate(SUPERSCRIPT)}" for k in exponents]


def log_ticks(floor: float, eps: float, zmin: float, zmax: float, most: int = 7) -> tuple[list[float], list[str]]:
    """Ticks for a colour bar whose colour is log10(loss - floor + eps), spanning [zmin, zmax].

    One tick per decade of the gap above the floor (every second or third decade when there are many).
    Where a round loss 10^k lies well above the floor (10^k >= 2 |floor|) the tick sits at that round loss
    and reads "10^k"; nearer the floor it sits at floor + 10^k and reads that sum with the digits that tell
    it from the floor (3.01, 3.1, 4). Returns (positions in colour units, labels).
    """
    first, last = math.ceil(zmin), math.floor(zmax)
    decades = list(range(first, last + 1)) or [round((zmin + zmax) / 2)]
    stride = max(1, math.ceil(len(decades) / most))
    decades = decades[::stride]
    round_ones = [k for k in decades if 10.0**k >= 2 * abs(floor)]
    round_text = dict(zip(round_ones, decade_labels(round_ones), strict=True))
    positions, labels = [], []
    for k in decades:
        if k in round_text:
            loss, text = 10.0**k, round_text[k]
        else:
            loss = floor + 10.0**k
            # Enough digits to show the gap: down to the 10^k place, at least DIGITS significant.
            size = math.floor(math.log10(abs(loss))) if loss else k
            text = format_number(loss, max(DIGITS, size - k + 1))
        position = math.log10(max(loss - floor, 0.0) + eps)
        if zmin - 1e-6 <= position <= zmax + 1e-6 and text not in labels:
            positions.append(position)
            labels.append(text)
    return positions, labels


def tick_labels(values) -> list[str]:
    """Labels for a set of tick values on one axis, in one notation: plain when every value fits the plain
    range, else all in powers of ten style (4.337e-8) with the same significant digits."""
    values = [float(v) for v in np.ravel(values)]
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
    if all(PLAIN_LOW <= v < PLAIN_HIGH for v in finite):
        return [format_number(v) for v in values]
    out = []
    for v in values:
        if not math.isfinite(v) or v == 0:
            out.append(format_number(v))
            continue
        mantissa, exponent = f"{float(f'{v:.{DIGITS}g}'):.{DIGITS - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        out.append(f"{mantissa}e{int(exponent)}")
    return out
