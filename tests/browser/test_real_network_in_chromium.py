"""The real network page in Chromium: it loads cleanly, Play moves the hands and the step while the plane's
colour and the digits stay drawn, and on a phone Play sits under the map."""

import re

import pytest

from tests.browser.conftest import Page

PATH = "The_real_network"
PLAY = "g.updatemenu-button"

STATE_JS = """() => {
    const plot = document.querySelector('.js-plotly-plot');
    const images = [...plot.querySelectorAll('image')].map(i => (i.getAttribute('href') || '').length);
    const texts = plot._fullData.filter(t => t.mode === 'text').map(t => JSON.stringify(t.text)).join('|');
    return {step: String(plot._fullLayout.sliders[0].active), images: images, texts: texts,
            heads: JSON.stringify(plot._fullData.filter(t => t.mode === 'markers' && t.x.length <= 7
                                                          && t.showlegend === false).map(t => t.x))};
}"""


def test_the_page_loads_and_play_replays_the_training(app):
    app.tab.goto(f"{app.base_url}/{PATH}")
    app.settle(timeout=240_000)
    assert app.exceptions() == 0 and app.errors == []
    before = app.tab.evaluate(STATE_JS)
    assert len(before["images"]) == 2 and min(before["images"]) > 1000, "the plane and the digits are drawn"
    app.tab.locator(PLAY).filter(has_text=re.compile("Play")).first.click()
    steps, heads = set(), set()
    for _ in range(8):
        app.tab.wait_for_timeout(350)
        state = app.tab.evaluate(STATE_JS)
        assert state["images"] == before["images"], "frames never remove the plane or the digits"
        steps.add(state["step"])
        heads.add(state["heads"])
    assert len(steps) >= 3 and len(heads) >= 3
    assert app.errors == []


@pytest.fixture
def phone(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield Page(context.new_page(), app_url)
    context.close()


def test_on_a_phone_play_sits_right_under_the_map(phone):
    phone.tab.goto(f"{phone.base_url}/{PATH}")
    phone.tab.wait_for_timeout(800)
    phone.settle(timeout=240_000)
    box = phone.tab.evaluate("""() => {
        const plot = document.querySelector('.js-plotly-plot');
        const map = plot.querySelector('.xy .nsewdrag').getBoundingClientRect();
        const play = [...plot.querySelectorAll('g.updatemenu-button')][0].getBoundingClientRect();
        const loss = plot.querySelector('.x2y2 .nsewdrag').getBoundingClientRect();
        return {mapBottom: map.bottom, playTop: play.top, playBottom: play.bottom, lossTop: loss.top,
                width: plot.getBoundingClientRect().width};
    }""")
    assert box["mapBottom"] <= box["playTop"] + 5 and box["playBottom"] <= box["lossTop"]
    assert box["playTop"] - box["mapBottom"] < 80 and box["width"] <= 390
    assert phone.exceptions() == 0
