"""lab.numbers: the one place numbers become text, with the examples issue 8 found unreadable."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from lab import numbers
from lab.numbers import (
    decade_labels,
    format_loss,
    format_lr,
    format_number,
    format_point,
    format_steps,
    log_ticks,
    same_loss,
    tick_labels,
)


@pytest.mark.parametrize(("value", "text"), [
    (8.138e-288, "≈ 0"),
    (7.89e-31, "≈ 0"),
    (0.0, "≈ 0"),
    (1.295e1, "12.95"),
    (0.22136982858505583, "0.2214"),
    (3.0000000000002167, "3"),
    (1234.5678, "1,235"),
    (12345.678, "12,350"),
    (1015684.76, "1.016e6"),
    (4.337e-8, "4.337e-8"),
    (0.001, "0.001"),
    (-78.33233140754282, "-78.33"),
    (-1.0316284534898774, "-1.032"),
    (float("nan"), "n/a"),
    (float("inf"), "n/a"),
])
def test_format_loss_reads_like_a_person_writes(value, text):
    assert format_loss(value) == text


def test_no_positive_exponent_or_padded_exponent_anywhere():
    for value in np.geomspace(1e-30, 1e30, 241):
        for text in (format_loss(value), format_number(value), format_lr(value)):
            assert "e+" not in text and "e-0" not in text and "e0" not in text, text
            if 1e-3 <= value < 1e6:
                assert "e" not in text, text


def test_four_significant_digits_at_most():
    for value in np.geomspace(1.2345678e-9, 9.87654321e9, 97):
        digits = format_number(value).split("e")[0].replace(",", "").replace(".", "").lstrip("-0")
        assert 1 <= len(digits.rstrip("0") or "0") <= 4


def test_a_known_minimum_reads_as_itself_and_ties():
    assert format_loss(3.0000000000002, minimum=3.0) == "≈ 3"
    assert format_loss(3.0001, minimum=3.0) == "3"  # four digits: 3.0001 rounds to 3, but it is no tie
    assert format_loss(1e-20, minimum=0.0) == "≈ 0"
    # Four hands at rounding dust tie; a real difference does not.
    assert same_loss(7.89e-31, 4.44e-31) and same_loss(0.0, 1e-15)
    assert not same_loss(0.02879, 0.0288 * 2)


def test_learning_rates_steps_and_points():
    assert [format_lr(v) for v in (0.05, 0.0001, 0.0005, 3.0, 5e-6, 1e-7)] == ["0.05", "0.0001", "0.0005", "3",
                                                                            "5e-6", "1e-7"]
    assert format_steps(1200) == "1,200" and format_steps(59) == "59"
    assert format_point((-0.3, -0.9)) == "(-0.3, -0.9)"


def test_decade_labels_use_one_notation_per_axis():
    assert decade_labels(range(-3, 6)) == ["0.001", "0.01", "0.1", "1", "10", "100", "1,000", "10,000", "100,000"]
    powers = decade_labels(range(-5, 3))
    assert powers == ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10", "10²"]
    assert not any(label.startswith("0.") for label in powers)  # never 0.0001 beside 10⁻⁵
    assert tick_labels([0.0001, 1e-5, 0.01]) == ["1e-4", "1e-5", "1e-2"]
    assert tick_labels([0.5, 1, 2.5]) == ["0.5", "1", "2.5"]


def _colour_of(floor, eps):
    return lambda loss: math.log10(loss - floor + eps)


def test_log_colour_bar_above_a_floor_of_one_reads_round_losses():
    # exp(x^2 + y^2) on [-3, 3]^2: minimum 1, colour log10(loss - 1 + eps).
    floor, eps, top = 1.0, 1e-2, math.exp(18)
    positions, labels = log_ticks(floor, eps, math.log10(eps), math.log10(top - floor + eps))
    assert "10,001" not in labels and "1,001" not in labels and "101" not in labels and "11" not in labels
    # Ten decades, every second one labelled: near the floor its sum, higher up round losses.
    assert labels == ["1.01", "2", "10²", "10⁴", "10⁶"]
    assert positions == sorted(positions)
    superscript = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    for position, label in zip(positions, labels, strict=True):
        power = label.startswith("10") and not label.isascii()
        loss = 10.0 ** int(label[2:].translate(superscript)) if power else float(label.replace(",", ""))
        assert _colour_of(floor, eps)(loss) == pytest.approx(position)


def test_log_colour_bar_with_zero_floor_is_plain_decades():
    positions, labels = log_ticks(0.0, 1e-6, -6.0, 2.0)
    assert labels == decade_labels(range(-6, 3, 2))
    assert positions == pytest.approx([math.log10(10.0**k + 1e-6) for k in range(-6, 3, 2)])
    _, plain = log_ticks(0.0, 1e-3, -3.0, 3.0)
    assert plain == ["0.001", "0.01", "0.1", "1", "10", "100", "1,000"]


def test_log_colour_bar_near_a_negative_floor_shows_the_gap():
    floor = -78.33233140754282
    _, labels = log_ticks(floor, 1e-4, -4.0, 2.5)
    assert "-78.23" in labels and "-77.33" in labels


def test_numbers_imports_neither_plotly_nor_streamlit():
    code = "import sys, lab.numbers; print(any(m in sys.modules for m in ('plotly', 'streamlit')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__("pathlib").Path(numbers.__file__).parents[1]))
    assert out.stdout.strip() == "False"


def test_two_different_losses_get_the_digits_that_tell_them_apart():
    from lab.numbers import losses_apart

    assert losses_apart(181.59307496, 181.59226459) == ("181.593", "181.592")
    assert losses_apart(3.0, 2.0) == ("3", "2")
    assert losses_apart(1.0000000001, 1.0)[0] != losses_apart(1.0000000001, 1.0)[1]
