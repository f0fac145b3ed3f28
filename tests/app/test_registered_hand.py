"""A new optimizer is one spec: register a copy of Adam under a key no page has heard of, and every page
offers it, explains its steps and maps its knob, with no other code knowing its name."""

from __future__ import annotations

import dataclasses
import html

import pytest

import optim
from optim import registry
from optim.hands.adam import ADAM
from tests.apptest_helpers import charts, no_exception, open_page, texts

COPY = dataclasses.replace(ADAM, key="adam_copy", title="Adam copy")


@pytest.fixture(autouse=True)
def registered():
    registry.register(COPY)
    yield
    registry.unregister(COPY.key)


def test_registering_twice_is_refused_and_unregistering_withdraws_it():
    with pytest.raises(ValueError, match="already registered"):
        registry.register(COPY)
    registry.unregister(COPY.key)
    assert COPY.key not in optim.OPTIMIZERS
    with pytest.raises(ValueError, match="unknown optimizer"):
        optim.simulate(COPY.key, "bowl", None, 3)


def test_crack_the_safe_runs_it():
    at = open_page("pages/1_Crack_the_safe.py", {"optimizer": COPY.key})
    no_exception(at)
    assert at.selectbox(key="optimizer").value == COPY.key
    assert "Adam copy" in at.selectbox(key="optimizer").options
    assert len(charts(at)) == 1 and "Adam copy" in texts(at)
    assert not at.warning


def test_inside_the_hand_explains_its_step():
    at = open_page("pages/3_Inside_the_hand.py", {"optimizer": COPY.key, "step": "3"})
    no_exception(at)
    assert at.slider(key="step").value == 3
    words = texts(at)
    assert "no step-by-step explanation" not in words
    assert "Which way the clicks point (m)" in words and "Bias correction for m" in words
    assert any(r"0.9^{3}" in item.value for item in at.latex)


def test_the_race_takes_it_and_ranks_it():
    at = open_page("pages/2_The_race.py", {"optimizers": f"sgd,{COPY.key}"})
    no_exception(at)
    assert set(at.dataframe[0].value["optimizer"]) == {"SGD", "Adam copy"}


def test_the_map_of_settings_puts_its_knob_on_the_axis():
    at = open_page("pages/4_Map_of_settings.py", {"optimizer": COPY.key, "resolution": "10", "steps": "50"})
    no_exception(at)
    assert at.selectbox(key="optimizer").value == COPY.key
    assert at.number_input(key="beta_min").label == "β₁ from"
    assert [tab.label for tab in at.tabs][0] == "Learning rate × β₁"
    notes = " ".join(html.unescape(c.value) for c in at.caption)
    assert "Adam copy" in notes and COPY.map_axis.note in notes
    at.selectbox(key="basin_optimizer").set_value(COPY.key).run()
    no_exception(at)


@pytest.mark.parametrize("page", [None, "pages/5_Lessons.py"])
def test_the_other_pages_open_with_it_registered(page):
    no_exception(open_page(page))


def test_a_hand_without_an_explanation_still_opens_inside_the_hand():
    bare = dataclasses.replace(ADAM, key="adam_bare", title="Bare Adam", explain=None, map_axis=None)
    registry.register(bare)
    try:
        at = open_page("pages/3_Inside_the_hand.py", {"optimizer": bare.key})
        no_exception(at)
        assert any("no step-by-step explanation yet" in item.value for item in at.info)
        at = open_page("pages/4_Map_of_settings.py", {"resolution": "10", "steps": "50"})
        no_exception(at)
        options = at.selectbox(key="optimizer").options
        assert "Momentum" in options and "Bare Adam" not in options
    finally:
        registry.unregister(bare.key)
