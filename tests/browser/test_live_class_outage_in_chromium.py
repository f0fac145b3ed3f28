"""The live class in Chromium while its PostgreSQL is stopped and started again (a server and a database of
the test's own): every screen shows one short sentence and nothing of the database, the phone keeps an answer
tapped meanwhile and saves it when the database returns, and the projector counts it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Page
from tests.browser.live_server import LiveServer
from tests.pg_outage import leaks, own_cluster
from ui.live_room import UNAVAILABLE

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def outage_setup():
    cluster = own_cluster()
    server = LiveServer(cluster.url).start()
    yield cluster, server
    server.close()
    cluster.remove()


def test_a_database_outage_is_one_calm_sentence_and_an_answer_given_meanwhile_is_saved(browser, outage_setup):
    cluster, server = outage_setup
    projector, phone = browser.new_context(viewport={"width": 1280, "height": 720}), browser.new_context(**PHONE)
    try:
        teacher = Page(projector.new_page(), server.url).open("Live_class?presenter=1")
        teacher.tab.get_by_role("button", name="Open a room").click()
        teacher.tab.wait_for_selector(".room-code", timeout=30_000)
        code = teacher.tab.inner_text(".room-code").strip()
        teacher.tab.get_by_role("button", name="Ask the class").click()
        teacher.tab.get_by_role("button", name="Close answers").wait_for(timeout=30_000)
        student = Page(phone.new_page(), server.url).open(f"Live_class?room={code}")
        student.tab.get_by_role("textbox", name="Nickname").fill("Qwertz-nick")
        student.tab.get_by_role("button", name="Join").click()
        student.tab.get_by_role("button", name="Momentum", exact=True).wait_for(timeout=30_000)

        cluster.stop()
        for tab in (teacher.tab, student.tab):  # each screen's own fragment notices within seconds
            tab.wait_for_function(f"() => document.body.innerText.includes({UNAVAILABLE!r})", timeout=20_000)
        student.tab.get_by_role("button", name="Momentum", exact=True).click()
        student.tab.wait_for_selector("text=Your answer Momentum is kept on this phone", timeout=15_000)
        teacher.tab.wait_for_timeout(3000)  # several more ticks while down
        for page in (teacher, student):
            text = page.tab.inner_text("body").replace(server.url, "")  # the join link names the app's own address
            assert UNAVAILABLE in text and leaks(text, cluster) == [], leaks(text, cluster)
            assert page.exceptions() == 0

        cluster.start()
        student.tab.wait_for_selector("text=Saved: Momentum", timeout=30_000)
        teacher.tab.wait_for_function("() => /1 of 1 answered/.test(document.body.innerText)", timeout=30_000)
        teacher.tab.wait_for_function(f"() => !document.body.innerText.includes({UNAVAILABLE!r})", timeout=30_000)
        assert teacher.errors == [] and student.errors == []
        log = server.output()
        assert "Qwertz-nick" not in log and "Traceback" not in log, log[-2000:]
    finally:
        projector.close()
        phone.close()
