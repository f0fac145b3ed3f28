"""The app in a real browser: every page loads cleanly, Play animates over a surface that stays drawn,
the keyboard moves a slider, and a shared link restores its scene."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

PAGES = ["", "Crack_the_safe", "The_race", "Inside_the_hand", "Map_of_settings", "Lessons"]
PLAY = "g.updatemenu-button"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_without_errors(app, path):
    app.open(path)
    body = app.tab.inner_text("body")
    assert "Page not found" not in body
    assert app.exceptions() == 0
    assert app.errors == []
    assert app.tab.locator(".js-plotly-plot").count() >= (0 if path in ("Lessons",) else 1)


def _map_state(tab):
    """What the animated map shows: the step on the slider, the head marker's position, the surface drawn."""
    return tab.evaluate("""() => {
        const plot = document.querySelector('.js-plotly-plot');
        const image = plot.querySelector('.layer-below image, .layer-above image, image');
        const contours = plot.querySelectorAll('.contourlayer path, .scatterlayer .trace path.js-line');
        const data = plot._fullData || [];
        const head = data.map((t, i) => [t.name, t.x && t.x.length === 1 ? [t.x[0], t.y[0]] : null])
                         .filter(([n, xy]) => xy !== null);
        return {
            surface: (image && (image.getAttribute('href') || '').length) || 0,
            lines: contours.length,
            step: String(plot._fullLayout.sliders[0].active),
            heads: JSON.stringify(head),
        };
    }""")


def test_play_animates_while_the_surface_stays_drawn(app):
    tab = app.open("Crack_the_safe").tab
    before = _map_state(tab)
    assert before["surface"] > 1000 or before["lines"] > 10, "the loss surface is drawn"
    play = tab.locator(PLAY).filter(has_text=re.compile("Play"))
    assert play.count() == 1
    play.first.click()
    seen_steps, seen_heads = set(), set()
    for _ in range(8):
        tab.wait_for_timeout(350)
        state = _map_state(tab)
        assert state["surface"] == before["surface"] and state["lines"] >= before["lines"] * 0.9, \
            "the surface must stay drawn during the animation"
        seen_steps.add(state["step"])
        seen_heads.add(state["heads"])
    assert len(seen_steps) >= 3, f"the step slider should move during Play, saw {seen_steps}"
    assert len(seen_heads) >= 3, "the hand should move on the map during Play"
    assert app.errors == []


def test_a_slider_moved_with_the_keyboard_reruns_the_page(app):
    tab = app.open("Crack_the_safe").tab
    caption = tab.get_by_text(re.compile(r"\d+ steps from")).first.inner_text()
    thumb = tab.locator("[data-testid=stSlider]").filter(has_text="steps").get_by_role("slider").first
    thumb.focus()
    thumb.press("End")
    app.settle()
    assert "1000 steps from" in tab.get_by_text(re.compile(r"\d+ steps from")).first.inner_text()
    assert caption != tab.get_by_text(re.compile(r"\d+ steps from")).first.inner_text()
    assert parse_qs(urlparse(tab.url).query)["steps"] == ["1000"]
    assert app.exceptions() == 0


def test_a_shared_link_restores_its_scene(app):
    tab = app.open("Crack_the_safe?landscape=rosenbrock&optimizer=momentum&lr=0.002&steps=300"
                   "&start_x=-1.5&start_y=2").tab
    text = tab.inner_text("body")
    assert "Rosenbrock" in text and "Momentum" in text and "300 steps from (-1.5, 2)" in text
    query = parse_qs(urlparse(tab.url).query)
    assert query["lr"] == ["0.002"] and query["optimizer"] == ["momentum"]
    assert app.exceptions() == 0


def test_a_broken_link_warns_instead_of_failing(app):
    tab = app.open("Crack_the_safe?landscape=moon&lr=fast").tab
    assert tab.locator("[data-testid=stAlertContentWarning]").count() >= 1
    assert app.exceptions() == 0
