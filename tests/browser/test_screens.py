"""The app on the screens classes use: a phone (390x844) and a projector in presenter mode (1280x720 and
1920x1080). Every page at every size: nothing cut off, a screenshot saved (snapshots/, gitignored) for a
person to look at; on the replay pages the map is square and large, with Play and the step slider right under
it on the first screen; from the back of a room the figures' type is at least 14 px and the dials 120 px across,
and Inside the hand's step and the Map of settings' heatmap are whole on the first screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.page import PAGES as NAVIGATION

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "snapshots"
# Every page the app's navigation lists, by its address ("" the home page).
PAGES = ["" if path == "app.py" else Path(path).stem.split("_", 1)[1] for path, _, _ in NAVIGATION]
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
               '[data-testid=stPageLink] a *', '[data-testid^=stBaseButton]', '[data-testid^=stBaseButton] *',
               '[data-testid=stTab] *', '.sc-player button', '.sc-player .sc-readout'].join(', ');
  return [...document.querySelectorAll(sel)]
    // A collapsed sidebar is off the screen: only what the learner can see counts.
    .filter(e => e.offsetParent !== null && !collapsed(e))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.getAttribute('data-testid') || e.tagName}: ${e.textContent.slice(0, 40)}`);
}"""

# Where the replay sits: its map panel, the player's controls, the map's and the dials' sizes in px, and the
# smallest type drawn on its panels.
REPLAY_JS = """() => {
  const root = document.querySelector('.sc-player');
  if (!root) return null;
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.getAttribute('role') === 'figure');
  const map = plots.find(p => p._fullLayout && p._fullLayout.images && p._fullLayout.images.length);
  const withDials = plots.find(p => p._fullLayout && p._fullLayout.xaxis3);
  const dial = withDials && (() => { const a = withDials._fullLayout.yaxis3;
    return 2 * a._length / (a.range[1] - a.range[0]); })();
  const fonts = plots.flatMap(p => [...p.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize)));
  return {map: box(map), plot: [map._fullLayout.xaxis._length, map._fullLayout.yaxis._length],
          play: box(root.querySelector('.sc-play')), slider: box(root.querySelector('.sc-step')),
          dial, smallest: Math.min(...fonts)};
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _open(browser, app_url, screen: str, path: str, query: str = ""):
    from tests.browser.conftest import Page

    width, height, extra = SCREENS[screen]
    phone = screen == "phone"
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
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
        assert page.tab.evaluate("() => document.documentElement.scrollWidth") <= SCREENS[screen][0]
    finally:
        context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", list(REPLAYS))
def test_the_map_is_square_and_large_with_play_right_under_it(browser, app_url, screen, path):
    context, page = _open(browser, app_url, screen, path, REPLAYS[path])
    try:
        page.tab.screenshot(path=str(SHOTS / f"{screen}-{path}-map.png"))
        geometry = page.tab.evaluate(REPLAY_JS)
        assert geometry is not None, "the replay is on the page"
        width, height = geometry["plot"]
        assert abs(width - height) <= 0.1 * max(width, height), (width, height)
        screen_width, screen_height = SCREENS[screen][:2]
        play, slider, panel = geometry["play"], geometry["slider"], geometry["map"]
        # The map, Play and the step slider all on the first screen, the controls right under the map.
        assert panel[1] >= 0 and max(play[3], slider[3]) <= screen_height, (panel, play, slider)
        assert 0 <= min(play[1], slider[1]) - panel[3] <= 40, (panel, play, slider)
        assert not _overlap(play, slider)
        assert play[3] - play[1] >= 44 and slider[3] - slider[1] >= 24  # touch targets
        if screen == "phone":
            assert width >= 0.85 * screen_width, width
        else:
            # The largest thing on the screen, and readable from the back of the room.
            assert height >= 0.4 * screen_height, height
            assert geometry["dial"] >= 120, geometry["dial"]
            assert geometry["smallest"] >= 14, geometry["smallest"]
    finally:
        context.close()


def test_inside_the_hands_step_and_the_heatmap_are_whole_on_a_projectors_first_screen(browser, app_url):
    for path, key in (("Inside_the_hand", "internals"), ("Map_of_settings", "settings_cells")):
        context, page = _open(browser, app_url, "projector", path)
        try:
            chart = page.tab.locator(f".st-key-{key} .js-plotly-plot")
            box = chart.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= SCREENS["projector"][1], (path, box)
            assert box["width"] >= 0.4 * SCREENS["projector"][0], (path, box)
            smallest = chart.evaluate("p => Math.min(...[...p.querySelectorAll('text')].filter(t => "
                                      "t.textContent.trim()).map(t => parseFloat(getComputedStyle(t).fontSize)))")
            assert smallest >= 14, (path, smallest)
        finally:
            context.close()


def test_keys_drive_the_replay(browser, app_url):
    context, page = _open(browser, app_url, "projector", "Crack_the_safe")
    try:
        tab = page.tab
        step = "() => document.querySelector('.sc-player').scPlayer.step"
        last = tab.evaluate(step)
        tab.evaluate("() => document.activeElement && document.activeElement.blur()")
        tab.keyboard.press("ArrowLeft")
        tab.keyboard.press("PageUp")
        assert tab.evaluate(step) == last - 2
        tab.keyboard.press("ArrowRight")
        assert tab.evaluate(step) == last - 1
        tab.keyboard.press("Space")  # plays on from there: one step, to the end
        tab.wait_for_timeout(800)
        assert tab.evaluate(step) == last
        tab.keyboard.press("Space")  # from the end, Play replays from step 0
        tab.wait_for_timeout(1500)
        assert 0 < tab.evaluate(step) < last
        tab.keyboard.press("Space")
        paused = tab.evaluate(step)
        tab.wait_for_timeout(600)
        assert tab.evaluate(step) == paused, "space paused the replay"
        assert page.errors == []
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
