"""The ten hands added after the first seven, each on every page: nothing about them lives outside their specs,
so each page must open, run and explain them as it does the first seven."""

from __future__ import annotations

import html

import pytest

import optim
from tests.apptest_helpers import charts, no_exception, open_page, texts

NEW_HANDS = ("adamax", "nadam", "radam", "adadelta", "asgd", "adafactor", "rprop", "lion", "lbfgs", "muon")


def test_the_new_hands_are_registered():
    assert set(NEW_HANDS) <= set(optim.OPTIMIZERS) and len(optim.OPTIMIZERS) == 17


@pytest.mark.parametrize("key", NEW_HANDS)
def test_crack_the_safe_runs_each(key):
    at = open_page("pages/1_Crack_the_safe.py", {"optimizer": key})
    no_exception(at)
    assert at.selectbox(key="optimizer").value == key
    assert len(charts(at)) == 1 and optim.OPTIMIZERS[key].title in texts(at)
    assert not at.warning
    ghost = '"meta":"ghost"' in charts(at)[0].proto.spec.replace(" ", "")
    assert ghost == (optim.OPTIMIZERS[key].ghost is not None)  # ASGD's averaged point rides beside the hand


@pytest.mark.parametrize("key", NEW_HANDS)
@pytest.mark.parametrize("step", [1, 12])
def test_inside_the_hand_explains_each(key, step):
    at = open_page("pages/3_Inside_the_hand.py", {"optimizer": key, "step": str(step), "landscape": "rosenbrock"})
    no_exception(at)
    assert at.slider(key="step").value == step
    words = texts(at)
    assert "no step-by-step explanation" not in words and optim.OPTIMIZERS[key].title in words
    shown = "\n".join(item.value for item in at.latex)
    assert r"\Delta\theta_t" in shown and r"\theta_t" in shown


@pytest.mark.parametrize("group", [("adam", "adamax", "nadam", "radam", "adadelta", "asgd", "adafactor"),
                                   ("sgd", "rprop", "lion", "lbfgs", "muon")])
def test_the_race_takes_them_in_groups(group):
    at = open_page("pages/2_The_race.py", {"optimizers": ",".join(group)})
    no_exception(at)
    assert set(at.dataframe[0].value["optimizer"]) == {optim.OPTIMIZERS[key].title for key in group}


@pytest.mark.parametrize("key", NEW_HANDS)
def test_the_map_of_settings_puts_each_knob_on_its_axis(key):
    at = open_page("pages/4_Map_of_settings.py", {"optimizer": key, "resolution": "10", "steps": "50"})
    no_exception(at)
    axis = optim.OPTIMIZERS[key].map_axis
    assert at.selectbox(key="optimizer").value == key
    assert at.number_input(key="beta_min").label == f"{axis.symbol} from"
    assert [tab.label for tab in at.tabs][0] == f"Learning rate × {axis.symbol}"
    notes = " ".join(html.unescape(c.value) for c in at.caption)
    assert axis.note in notes
