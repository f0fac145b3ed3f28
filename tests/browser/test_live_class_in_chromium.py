"""The live class in Chromium: a projector (1280x720) and a phone (390x844) in the same room."""

from __future__ import annotations

HOSTILE = "<img src=x onerror=alert(1)>"  # 28 characters: the box takes at most 30


def _tally_total(tab) -> int:
    return tab.evaluate("""() => {
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        const bars = plots.map(p => (p._fullData || [])[0]).filter(t => t && t.type === 'bar');
        return bars.length ? bars[0].x.reduce((a, b) => a + b, 0) : -1;
    }""")


def test_a_phone_joins_answers_and_the_projector_counts_it_live(browser, app_url):
    from tests.browser.conftest import Page

    projector = browser.new_context(viewport={"width": 1280, "height": 720})
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        teacher = Page(projector.new_page(), app_url).open("Live_class")
        teacher.tab.get_by_role("button", name="Open a room").click()
        teacher.tab.wait_for_selector(".room-code", timeout=30_000)
        code = teacher.tab.inner_text(".room-code").strip()
        teacher.tab.get_by_role("button", name="Ask the class").click()
        teacher.settle()
        assert _tally_total(teacher.tab) == 0

        dialogs = []
        student = Page(phone.new_page(), app_url)
        student.tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        student.open(f"Live_class?room={code}")
        student.tab.get_by_role("textbox", name="Nickname").fill(HOSTILE)
        student.tab.get_by_role("button", name="Join").click()
        student.tab.wait_for_selector("text=You are", timeout=30_000)
        choice = student.tab.get_by_role("button", name="Momentum", exact=True)
        choice.wait_for(timeout=30_000)
        assert choice.bounding_box()["height"] >= 44, "a touch target a thumb can hit"
        width = student.tab.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the phone view must not scroll sideways ({width} px)"
        choice.click()

        # No reload on the projector: its one-second tally fragment picks the answer up.
        teacher.tab.wait_for_function("() => { const p = [...document.querySelectorAll('.js-plotly-plot')]"
                                      ".map(p => (p._fullData || [])[0]).find(t => t && t.type === 'bar');"
                                      " return p && p.x.reduce((a, b) => a + b, 0) === 1; }", timeout=15_000)

        text = student.tab.inner_text("body")
        assert f"You are {HOSTILE}" in text  # shown as typed, as text
        assert student.tab.locator("img[src=x]").count() == 0 and dialogs == []
        student.tab.reload()
        student.settle()
        assert f"You are {HOSTILE}" in student.tab.inner_text("body"), "a refresh rejoins as the same student"
        tally = teacher.tab.locator(".js-plotly-plot").first.bounding_box()
        assert tally["y"] < 720, "on the projector the tally starts within the first screen"
        assert student.exceptions() == 0 and teacher.exceptions() == 0
        assert student.errors == [] and teacher.errors == []
    finally:
        projector.close()
        phone.close()


def test_a_phone_that_opens_the_page_without_a_link_is_taken_for_a_student(browser, app_url):
    """The teacher drives a projector; a phone on the bare page is a student who will type the code."""
    from tests.browser.conftest import Page

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    desk = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        student = Page(phone.new_page(), app_url).open("Live_class")
        student.tab.get_by_role("textbox", name="Room code").wait_for(timeout=30_000)
        assert student.tab.get_by_role("button", name="Open a room").count() == 0
        teacher = Page(desk.new_page(), app_url).open("Live_class")
        teacher.tab.get_by_role("button", name="Open a room").wait_for(timeout=30_000)
        # A tap on the switch is final, whatever the screen.
        student.tab.get_by_text("The teacher", exact=True).click()
        student.tab.get_by_role("button", name="Open a room").wait_for(timeout=30_000)
        student.settle()
        assert student.tab.get_by_role("button", name="Open a room").count() == 1
        assert student.errors == [] and teacher.errors == []
    finally:
        phone.close()
        desk.close()
