"""WCAG 2.2 A and AA on every page, checked by axe-core (the axe-playwright-python package, which carries it) in
Chromium: at a desk's, a phone's and a projector's size, in the light and the dark theme, and in the states a
learner reaches past a page's first view (a lesson run, the race side by side, the basins, a replay's table).

Any violation of a rule tagged wcag2a, wcag2aa, wcag21a, wcag21aa or wcag22aa fails, with what axe says and where.
The dark theme is Streamlit's own for a browser that prefers dark (config.toml's [theme.dark]); the test
checks it is in force from the page's background. What axe cannot judge (text over the map's picture, the
canvas, a keyboard walk) is checked elsewhere: tests/test_viz.py (contrast of the colours figures draw with),
tests/browser/test_animation.py (the player from the keyboard alone) and README.md (what was checked by hand).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.page import PAGES as NAVIGATION

PAGES = ["" if path == "app.py" else Path(path).stem.split("_", 1)[1] for path, _, _ in NAVIGATION]
SCREENS = {"desk": (1440, 1000, ""), "phone": (390, 844, ""), "presenter": (1280, 720, "presenter=1")}
THEMES = {"light": "rgb(251, 250, 246)", "dark": "rgb(20, 27, 34)"}  # each theme's page background
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _open(browser, app_url, screen: str, theme: str, path: str, query: str = ""):
    from tests.browser.conftest import Page

    width, height, extra = SCREENS[screen]
    phone = screen == "phone"
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme,
                                  is_mobile=phone, has_touch=phone)
    page = Page(context.new_page(), app_url)
    both = "&".join(q for q in (query, extra) if q)
    page.open(f"{path}{'?' + both if both else ''}")
    page.tab.wait_for_timeout(600)  # a phone's first visit reruns once the screen element has reported
    page.settle()
    background = page.tab.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == THEMES[theme], f"the {theme} theme is in force"
    return context, page


def _violations(tab) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}: "
            f"{node.get('failureSummary', '').splitlines()[-1].strip()}"
            for v in results.response["violations"] for node in v["nodes"]]


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", PAGES)
def test_every_page_meets_wcag_2_2_aa(browser, app_url, path, screen, theme):
    context, page = _open(browser, app_url, screen, theme, path)
    try:
        assert _violations(page.tab) == []
    finally:
        context.close()


def _run_a_lesson(page) -> None:
    page.tab.get_by_role("radiogroup").get_by_role("radio").first.check(force=True)
    page.settle()
    page.tab.get_by_role("button", name="Run it").click()
    page.settle()
    page.tab.wait_for_selector(".sc-player")


def _open_the_table(page) -> None:
    page.tab.get_by_text("The numbers behind the picture, as a table").first.click()
    page.tab.wait_for_selector(".sc-player table")


def _side_by_side(page) -> None:
    page.tab.get_by_role("tab", name="Side by side").click()
    page.settle()


def _basins(page) -> None:
    page.tab.get_by_role("tab", name="Basins: which combination each start finds").click()
    page.settle()


STATES = {"lesson-run": ("Lessons", _run_a_lesson), "replay-table": ("Crack_the_safe", _open_the_table),
          "race-side-by-side": ("The_race", _side_by_side), "basins": ("Map_of_settings", _basins)}


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("state", list(STATES))
def test_what_a_learner_opens_meets_wcag_2_2_aa(browser, app_url, state, theme):
    path, reach = STATES[state]
    for screen in ("desk", "phone"):
        context, page = _open(browser, app_url, screen, theme, path)
        try:
            reach(page)
            assert _violations(page.tab) == [], screen
        finally:
            context.close()


@pytest.mark.parametrize("theme", list(THEMES))
def test_a_live_class_meets_wcag_2_2_aa(browser, app_url, theme):
    """The live class past its first view: a teacher's room on the projector through a question's whole round,
    and a phone joining, answering and seeing the answer."""
    from tests.browser.conftest import Page

    teacher_context, teacher = _open(browser, app_url, "presenter", theme, "Live_class")
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=theme, is_mobile=True,
                                        has_touch=True)
    try:
        teacher.tab.get_by_role("button", name="Open a room").click()
        teacher.tab.wait_for_selector(".room-code")
        teacher.settle()
        assert _violations(teacher.tab) == [], "the room"
        code = teacher.tab.inner_text(".room-code").strip()
        teacher.tab.get_by_role("button", name="Ask the class").click()
        teacher.tab.get_by_role("button", name="Close answers").wait_for()
        teacher.settle()
        assert _violations(teacher.tab) == [], "a question asked"

        phone = Page(phone_context.new_page(), app_url).open(f"Live_class?room={code}")
        phone.settle()
        assert _violations(phone.tab) == [], "the phone's join form"
        phone.tab.get_by_role("textbox", name="Nickname").fill("ana")
        phone.tab.get_by_role("button", name="Join").click()
        phone.tab.get_by_role("button", name="Momentum", exact=True).click()
        phone.tab.wait_for_selector("text=Saved: Momentum")
        phone.settle()
        assert _violations(phone.tab) == [], "the phone, answered"

        teacher.tab.get_by_role("button", name="Close answers").click()
        teacher.settle()
        teacher.tab.get_by_role("button", name="Show the spread").click()
        teacher.settle()
        teacher.tab.wait_for_timeout(1200)
        assert _violations(teacher.tab) == [], "the spread"
        teacher.tab.get_by_role("button", name="Reveal the run").click()
        teacher.settle()
        teacher.tab.wait_for_selector(".sc-player")
        assert _violations(teacher.tab) == [], "the run revealed"
        phone.tab.get_by_text("Look at the projector").first.wait_for()
        assert _violations(phone.tab) == [], "the phone after the reveal"
    finally:
        teacher_context.close()
        phone_context.close()
