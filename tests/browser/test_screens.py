"""The app on the screens classes use: a phone (390x844) and a projector in presenter mode (1280x720 and
1920x1080). Every page at every size: nothing cut off, a screenshot saved (snapshots/, gitignored) for a
person to look at; on the replay pages the map is square and large, and Play never overlaps the slider."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "snapshots"
PAGES = ["", "Crack_the_safe", "The_race", "Inside_the_hand", "Map_of_settings", "Lessons"]
SCREENS = {"phone": (390, 844, ""), "projector": (1280, 720, "presenter=1"),
           "big-projector": (1920, 1080, "presenter=1")}
# Square vaults, so the map's plot area must come out square.
REPLAYS = {"Crack_the_safe": "landscape=himmelblau",
           "The_race": "landscape=himmelblau&optimizers=sgd,momentum,adam&steps=200"}

SIDEBAR_WIDTH_JS = "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().width"
TRUNCATED_JS = """() => {
  const collapsed = e => { const bar = e.closest('[data-testid=stSidebar]');
                           return bar && bar.getBoundingClientRect().width < 100; };
  const sel = ['[data-testid=stMetricLabel]', '[data-testid=stMetricLabel] *', '[data-testid=stMetricValue]',
               '[data-testid=stMetricValue] *', '[data-testid=stCaptionContainer]',
               '[data-testid=stCaptionContainer] *', '[data-testid=stPageLink] a',
               '[data-testid=stPageLink] a *'].join(', ');
  return [...document.querySelectorAll(sel)]
    // A collapsed sidebar is off the screen: only what the learner can see counts.
    .filter(e => e.offsetParent !== null && !collapsed(e))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.getAttribute('data-testid') || e.tagName}: ${e.textContent.slice(0, 40)}`);
}"""

MAP_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullLayout && p._fullLayout.sliders
                                                                         && p._fullLayout.sliders.length);
  if (!gd) return null;
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const menu = gd.querySelector('g.updatemenu-container');
  const slider = gd.querySelector('g.slider-container');
  const buttons = [...gd.querySelectorAll('g.updatemenu-button')].map(box);
  return {width: gd._fullLayout.xaxis._length, height: gd._fullLayout.yaxis._length,
          layoutHeight: gd._fullLayout.height, buttons, menu: menu && box(menu), slider: slider && box(slider),
          rail: box(gd.querySelector('.slider-rail-touch-rect'))};
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _open(browser, app_url, screen: str, path: str, query: str = ""):
    from tests.browser.conftest import Page

    width, height, extra = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = Page(context.new_page(), app_url)
    both = "&".join(q for q in (query, extra) if q)
    page.open(f"{path}{'?' + both if both else ''}")
    page.tab.wait_for_timeout(800)  # a phone's first visit reruns once the screen element has reported
    page.settle()
    return context, page


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_the_screen_and_is_photographed(browser, app_url, screen, path):
    context, page = _open(browser, app_url, screen, path)
    try:
        SHOTS.mkdir(exist_ok=True)
        page.tab.screenshot(path=str(SHOTS / f"{screen}-{path or 'home'}.png"), full_page=True)
        assert page.exceptions() == 0
        assert page.tab.evaluate(TRUNCATED_JS) == []
        if screen != "phone":
            # Presenter mode comes from the address, and gives the screen to the content.
            assert page.tab.evaluate(SIDEBAR_WIDTH_JS) < 100
    finally:
        context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", list(REPLAYS))
def test_the_map_is_square_and_large_and_play_stays_clear_of_the_slider(browser, app_url, screen, path):
    context, page = _open(browser, app_url, screen, path, REPLAYS[path])
    try:
        page.tab.screenshot(path=str(SHOTS / f"{screen}-{path}-map.png"))
        geometry = page.tab.evaluate(MAP_JS)
        assert geometry is not None, "the animated map is on the page"
        width, height = geometry["width"], geometry["height"]
        assert abs(width - height) <= 0.1 * max(width, height), (width, height)
        if screen == "phone":
            assert width >= 0.85 * SCREENS[screen][0], width
        else:
            # The largest thing on the screen: at least 40 % of a projector's height.
            assert height >= 0.4 * SCREENS[screen][1], height
            # And Play, Pause and the step slider on the first screen: a presenter does not scroll to start.
            lowest = max([b[3] for b in geometry["buttons"]] + [geometry["rail"][3]])
            assert lowest <= SCREENS[screen][1], (lowest, SCREENS[screen][1])
        for button in geometry["buttons"]:
            assert not _overlap(button, geometry["rail"]), (button, geometry["rail"])
        if screen == "phone":
            assert min(b[3] - b[1] for b in geometry["buttons"]) >= 36  # touch-sized
    finally:
        context.close()


def test_keys_drive_the_replay(browser, app_url):
    context, page = _open(browser, app_url, "projector", "Crack_the_safe")
    try:
        tab = page.tab
        step = "() => document.querySelector('.js-plotly-plot')._fullLayout.sliders[0].active"
        last = tab.evaluate(step)
        tab.evaluate("() => document.activeElement && document.activeElement.blur()")
        tab.keyboard.press("ArrowLeft")
        tab.wait_for_timeout(500)
        tab.keyboard.press("ArrowLeft")
        tab.wait_for_timeout(500)
        assert tab.evaluate(step) == last - 2
        tab.keyboard.press("ArrowRight")
        tab.wait_for_timeout(500)
        assert tab.evaluate(step) == last - 1
        tab.keyboard.press("Space")  # plays on from there: one step, to the end
        tab.wait_for_timeout(800)
        assert tab.evaluate(step) == last
        tab.keyboard.press("Space")  # from the end, plotly.js replays from step 0
        tab.wait_for_timeout(1500)
        assert 0 < tab.evaluate(step) < last
        tab.keyboard.press("Space")
        tab.wait_for_timeout(300)
        paused = tab.evaluate(step)
        tab.wait_for_timeout(600)
        assert tab.evaluate(step) == paused, "space paused the replay"
        assert page.errors == [] or all(e == "page error: undefined" for e in page.errors)  # Pause's rejection
    finally:
        context.close()


# Every display equation on the page, the expander's whole rule included: does it run past its box or the
# right edge of the screen?
EQUATIONS_JS = """() => {
  document.querySelectorAll('[data-testid=stMain] [data-testid=stExpander] details:not([open]) summary')
    .forEach(s => s.click());
  return new Promise(done => setTimeout(() => done(
    [...document.querySelectorAll('[data-testid=stMain] .katex-display')].filter(e => e.offsetParent !== null)
      .map(e => ({text: e.textContent.slice(0, 60), scroll: e.scrollWidth, client: e.clientWidth,
                  right: e.querySelector('.katex-html').getBoundingClientRect().right}))), 800));
}"""
ARROWS_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullLayout
      && (p._fullLayout.annotations || []).some(a => a.showarrow));
  return gd && gd._fullLayout.annotations.filter(a => a.showarrow).map(a => [a.arrowcolor, a.arrowwidth]);
}"""


# Adam (the default), and the hands whose lines are longest: a sum in parentheses (Nesterov), a root over
# a sum (Adafactor), a remark in words (L-BFGS), a clamp of a product (Rprop).
@pytest.mark.parametrize("optimizer", ["adam", "nesterov", "adafactor", "lbfgs", "rprop"])
def test_inside_the_hands_equations_fit_a_phone(browser, app_url, optimizer):
    context, page = _open(browser, app_url, "phone", "Inside_the_hand", f"optimizer={optimizer}")
    try:
        equations = page.tab.evaluate(EQUATIONS_JS)
        assert len(equations) > 6, "the step's lines and the whole rule are on the page"
        width = SCREENS["phone"][0]
        wide = [e for e in equations if e["scroll"] > e["client"] + 1 or e["right"] > width]
        assert wide == [], wide
        if optimizer == "adam":
            # The click (vermillion) is drawn last, over the memory, which is thicker so that it still shows.
            arrows = page.tab.evaluate(ARROWS_JS)
            assert arrows[-1][0] == "#D55E00", arrows
            memory = [w for color, w in arrows if color not in ("#D55E00", "#1a1a1a")]
            assert memory and min(memory) > arrows[-1][1], arrows
            # The map of the step takes the phone's width: its colour bar lies under it, not beside it.
            map_width = page.tab.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].find(p => "
                                          "(p._fullLayout.annotations || []).some(a => a.showarrow))"
                                          "._fullLayout.xaxis._length")
            assert map_width >= 0.7 * width, map_width
        page.tab.screenshot(path=str(SHOTS / f"phone-Inside_the_hand-{optimizer}.png"))
    finally:
        context.close()
