"""Equations broken into rows that fit a phone (ui/narrow_math): rows within the limit, nothing lost."""

import re

import pytest

import optim
from ui.narrow_math import PHONE_CHARS, width, wrap


def _content(tex: str) -> str:
    """What an equation says, its layout (rows, alignment, spacing, size) left out."""
    tex = re.sub(r"\\(begin|end)\{aligned\}|\\(small|footnotesize|scriptsize)\b|\\quad|\\\\|\\ |&|\{\}|\s", "", tex)
    return tex.replace(r"\text{", "").replace("}", "").replace(",", "")


def test_a_short_equation_is_left_alone():
    assert wrap(r"g_t = 11.28") == r"g_t = 11.28"
    assert wrap(r"g_t = 11.28", label="x: ") == r"x: g_t = 11.28"


def test_a_long_sum_breaks_before_a_term_and_each_result_gets_its_row():
    tex = r"\Delta\theta_t = -0.0001\cdot0.002000\cdot(-0.3307) - 0.002000\cdot2.534 = -0.005068"
    wrapped = wrap(tex)
    rows = re.sub(r"\\(begin|end)\{aligned\}", "", wrapped).split(r"\\")
    assert len(rows) >= 2 and all(width(row) <= PHONE_CHARS for row in rows), rows
    assert rows[1].strip().startswith(r"&\quad {}- 0.002000")  # a binary minus, aligned under the first row
    assert _content(wrapped) == _content(tex)


@pytest.mark.parametrize("key", list(optim.OPTIMIZERS))
def test_every_whole_rule_keeps_what_it_says(key):
    tex = optim.OPTIMIZERS[key].latex
    wrapped = wrap(tex)
    assert wrapped.count("{") == wrapped.count("}")
    assert _content(wrapped) == _content(tex)
