"""The live class in Chromium: a projector (1280x720, presenter mode) and phones (390x844) in one room, each a
browser context of its own (its own storage, so its own device).

Checked here because only a browser runs the device element: a refresh is the same student, a copied address
on another device is a new visitor, the teacher's refresh and a killed and restarted server find the room
again with no key typed, and no secret is ever in an address, a request's URL, the QR code or the page."""

from __future__ import annotations

import re

import pytest

import classroom
from tests.browser.conftest import Page
from tests.browser.live_server import LiveServer
from ui.live_room import join_link, qr_png

HOSTILE = "<img src=x onerror=alert(1)>"  # 28 characters: the box takes at most 30
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ANSWERED = re.compile(r"(\d+) of (\d+) answered")


def _device(tab) -> str:
    secret = tab.evaluate("() => window.localStorage.getItem('safecracker.device')")
    assert classroom.is_device_secret(secret), "the device element keeps a secret in the browser's storage"
    return secret


def _answered(tab) -> tuple[int, int] | None:
    found = ANSWERED.search(tab.inner_text("body"))
    return (int(found.group(1)), int(found.group(2))) if found else None


def _open_room_and_ask(teacher: Page) -> str:
    teacher.tab.get_by_role("button", name="Open a room").click()
    teacher.tab.wait_for_selector(".room-code", timeout=30_000)
    code = teacher.tab.inner_text(".room-code").strip()
    teacher.tab.get_by_role("button", name="Ask the class").click()
    teacher.tab.get_by_role("button", name="Close answers").wait_for(timeout=30_000)
    teacher.settle()
    return code


def _join(phone: Page, code: str, nickname: str) -> None:
    phone.open(f"Live_class?room={code}")
    phone.tab.get_by_role("textbox", name="Nickname").fill(nickname)
    phone.tab.get_by_role("button", name="Join").click()
    phone.tab.wait_for_selector("text=You are", timeout=30_000)


def _tally_total(tab) -> int:
    return tab.evaluate("""() => {
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        const bars = plots.flatMap(p => (p._fullData || [])).filter(t => t && t.type === 'bar');
        return bars.length ? bars[bars.length - 1].x.reduce((a, b) => a + b, 0) : -1;
    }""")


def test_a_phone_joins_answers_and_the_projector_counts_it_live_then_shows_the_spread(browser, app_url):
    projector = browser.new_context(viewport=PROJECTOR)
    phone = browser.new_context(**PHONE)
    try:
        teacher = Page(projector.new_page(), app_url).open("Live_class?presenter=1")
        code = _open_room_and_ask(teacher)
        assert _answered(teacher.tab) == (0, 0)
        assert _tally_total(teacher.tab) == -1, "the spread stays hidden while the class answers"

        dialogs = []
        student = Page(phone.new_page(), app_url)
        student.tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        _join(student, code, HOSTILE)
        choice = student.tab.get_by_role("button", name="Momentum", exact=True)
        choice.wait_for(timeout=30_000)
        assert choice.bounding_box()["height"] >= 44, "a touch target a thumb can hit"
        width = student.tab.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the phone view must not scroll sideways ({width} px)"
        choice.click()
        student.tab.wait_for_selector("text=Saved: Momentum", timeout=15_000)

        # No reload on the projector: its one-second fragment picks the answer up.
        teacher.tab.wait_for_function("() => /1 of 1 answered/.test(document.body.innerText)", timeout=15_000)
        teacher.tab.get_by_role("button", name="Close answers").click()
        teacher.tab.get_by_role("button", name="Show the spread").click()
        teacher.tab.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some(p => "
                                      "(p._fullData || []).some(t => t.type === 'bar'))", timeout=15_000)
        assert _tally_total(teacher.tab) == 1
        # No reload on the phone either: its two-second look finds the closed round and redraws the question.
        student.tab.wait_for_selector("text=Answers are closed", timeout=15_000)
        assert student.tab.get_by_role("button", name="Momentum", exact=True).is_disabled()

        text = student.tab.inner_text("body")
        assert f"You are {HOSTILE}" in text  # shown as typed, as text
        assert student.tab.locator("img[src=x]").count() == 0 and dialogs == []
        assert student.exceptions() == 0 and teacher.exceptions() == 0
        assert student.errors == [] and teacher.errors == []
    finally:
        projector.close()
        phone.close()


def test_identity_lives_in_the_device_and_no_secret_is_in_any_address_request_qr_code_or_page(browser, app_url):
    """Three browsers: the teacher's, Ana's phone, and a phone that got Ana's address copied to it."""
    teacher_context, ana_context, copy_context = (browser.new_context(viewport=PROJECTOR),
                                                  browser.new_context(**PHONE), browser.new_context(**PHONE))
    requested: list[str] = []
    for context in (teacher_context, ana_context, copy_context):
        context.on("request", lambda request: requested.append(request.url))
    try:
        teacher = Page(teacher_context.new_page(), app_url).open("Live_class?presenter=1")
        code = _open_room_and_ask(teacher)
        ana = Page(ana_context.new_page(), app_url)
        _join(ana, code, "ana")
        ana.tab.get_by_role("button", name="Momentum", exact=True).click()
        ana.tab.wait_for_selector("text=Saved: Momentum", timeout=15_000)

        copied = Page(copy_context.new_page(), app_url).open(ana.tab.url.replace(app_url + "/", ""))
        copied.tab.get_by_role("textbox", name="Nickname").wait_for(timeout=30_000)
        assert "You are" not in copied.tab.inner_text("body"), "a copied address is a new visitor"

        ana.tab.reload()
        ana.settle()
        ana.tab.wait_for_selector("text=You are ana", timeout=30_000)
        assert ana.tab.get_by_role("button", name="Momentum", exact=True).count() == 1
        ana.tab.wait_for_selector("text=Saved: Momentum", timeout=15_000)  # her answer, found again

        teacher.tab.reload()
        teacher.settle()
        teacher.tab.wait_for_selector(f"text=Room {code}", timeout=30_000)
        teacher.tab.wait_for_function("() => /1 of 1 answered/.test(document.body.innerText)", timeout=15_000)
        assert teacher.tab.get_by_role("button", name="Close answers").count() == 1, "back in the room, no key"

        teacher.tab.get_by_role("button", name="Room").click()  # the room menu, open on the projector
        teacher.tab.get_by_role("button", name="Teacher key (file)").wait_for(timeout=10_000)
        secrets = {_device(teacher.tab), _device(ana.tab), _device(copied.tab)}
        secrets |= {classroom.device_token(_device(teacher.tab), "teacher"),
                    classroom.device_token(_device(ana.tab), f"student:{code}"),
                    classroom.device_token(_device(copied.tab), f"student:{code}")}
        for tab in (teacher.tab, ana.tab, copied.tab):
            page = tab.content() + tab.inner_text("body")
            addresses = [tab.url, *requested]
            for secret in secrets:
                assert secret not in page, "a secret in the page"
                assert not any(secret in address for address in addresses), "a secret in an address"
        assert re.fullmatch(rf"{re.escape(app_url)}/Live_class\?room={code}", ana.tab.url)
        qr = teacher.tab.get_by_role("img", name=re.compile("QR code of the join link"))
        if qr.count() == 0:  # the QR code waits in its popover once a question is up
            teacher.tab.keyboard.press("Escape")
            teacher.tab.get_by_role("button", name="QR").click()
            qr = teacher.tab.get_by_role("img", name=re.compile("QR code of the join link"))
        source = qr.first.get_attribute("src")
        shown = teacher.tab.request.get(source if source.startswith("http") else app_url + source).body()
        assert shown == qr_png(join_link(code, app_url + "/Live_class"), scale=8), "the QR code is the bare link"
        for page in (teacher, ana, copied):
            assert page.errors == [] and page.exceptions() == 0
    finally:
        for context in (teacher_context, ana_context, copy_context):
            context.close()


def test_the_projector_fits_the_count_the_next_step_and_the_tally_on_its_first_screen(browser, app_url):
    for size in ({"width": 1280, "height": 720}, {"width": 1920, "height": 1080}):
        context = browser.new_context(viewport=size)
        phones = [browser.new_context(**PHONE) for _ in range(2)]
        try:
            teacher = Page(context.new_page(), app_url).open("Live_class?presenter=1")
            code = _open_room_and_ask(teacher)
            for index, phone in enumerate(phones):
                student = Page(phone.new_page(), app_url)
                _join(student, code, f"s{index}")
                student.tab.get_by_role("button", name="Momentum", exact=True).click()
            teacher.tab.wait_for_function("() => /2 of 2 answered/.test(document.body.innerText)", timeout=20_000)
            for label in ("Close answers", "Show the spread", "Vote again", "Close answers", "Show the spread"):
                teacher.tab.get_by_role("button", name=label).click()
                teacher.tab.wait_for_timeout(300)
                teacher.settle()
            teacher.tab.get_by_role("button", name="Reveal the run").wait_for(timeout=20_000)
            fold = size["height"]
            count = teacher.tab.get_by_text(ANSWERED).bounding_box()
            step = teacher.tab.get_by_role("button", name="Reveal the run").bounding_box()
            tally = teacher.tab.locator(".js-plotly-plot").first.bounding_box()
            assert count["y"] + count["height"] <= fold, f"the count below the fold at {size}"
            assert step["y"] + step["height"] <= fold, f"the next step below the fold at {size}"
            assert tally["y"] + tally["height"] <= fold, f"the tally runs below the fold at {size}: {tally}"
            cut = teacher.tab.evaluate("""() => [...document.querySelectorAll('button, [role=button], label, p')]
                .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1
                        && getComputedStyle(e).overflow !== 'visible')
                .map(e => e.innerText.trim()).filter(Boolean)""")
            assert cut == [], f"truncated at {size}: {cut}"
            assert teacher.errors == []
        finally:
            context.close()
            for phone in phones:
                phone.close()


@pytest.fixture
def own_server(tmp_path):
    server = LiveServer(f"sqlite:///{tmp_path / 'class.db'}").start()
    yield server
    server.close()


def test_a_killed_and_restarted_server_finds_the_teacher_and_the_phone_again(browser, own_server):
    projector, phone = browser.new_context(viewport=PROJECTOR), browser.new_context(**PHONE)
    try:
        teacher = Page(projector.new_page(), own_server.url).open("Live_class?presenter=1")
        code = _open_room_and_ask(teacher)
        student = Page(phone.new_page(), own_server.url)
        _join(student, code, "Zyxwvut")
        student.tab.get_by_role("button", name="Momentum", exact=True).click()
        student.tab.wait_for_selector("text=Saved: Momentum", timeout=15_000)

        own_server.kill()  # kill -9, mid-question
        teacher.tab.wait_for_timeout(1500)
        own_server.start()
        # Streamlit's page reconnects by itself: a new session on the new server, the same browsers.
        teacher.tab.wait_for_function(f"() => document.body.innerText.includes('Room {code}') && "
                                      "/1 of 1 answered/.test(document.body.innerText)", timeout=60_000)
        student.tab.wait_for_function("() => document.body.innerText.includes('Saved: Momentum')", timeout=60_000)
        assert "You are Zyxwvut" in student.tab.inner_text("body")
        teacher.tab.reload()  # and a refresh after the restart, for good measure
        teacher.settle()
        teacher.tab.wait_for_selector(f"text=Room {code}", timeout=30_000)
        assert "Zyxwvut" not in own_server.output(), "a nickname in the server's log"
    finally:
        projector.close()
        phone.close()
