"""The live class while PostgreSQL is stopped, against a real server of the test's own (stopped and started
again; see scripts/pg_cluster.py): the store says one calm thing and recovers by itself, every screen shows
one short sentence and never a traceback, SQL, a host or a port, and an answer given meanwhile is saved when
the database returns."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from classroom import ClassroomError, ClassroomUnavailable, ClassStore
from tests.apptest_helpers import ROOT, no_exception
from tests.pg_outage import leaks, own_cluster
from ui import lessons
from ui.live_room import UNAVAILABLE

TEACHER, PHONE, LATE = "T" * 43, "P" * 43, "L" * 43
SLUG = "ravine"


@pytest.fixture(scope="module")
def cluster():
    started = own_cluster()
    yield started
    started.remove()


@pytest.fixture
def running(cluster):
    """The cluster, started again after a test that stopped it."""
    yield cluster
    if not cluster.running():
        cluster.start()


def test_the_store_says_one_calm_thing_while_down_and_recovers_by_itself(running):
    store = ClassStore(running.url)
    try:
        room = store.create_room()
        store.open_question(room.code, room.teacher_token, "q1", ["A", "B"])
        token = store.join(room.code, "Sekrit-nick")
        store.predict(room.code, token, "q1", "A")
        running.stop()
        acts = [lambda: store.tally(room.code, "q1"), lambda: store.predict(room.code, token, "q1", "B"),
                lambda: store.join(room.code, "another"), store.create_room, store.ping,
                lambda: store.export(room.code, room.teacher_token), lambda: store.glance(room.code, token)]
        for act in acts:
            with pytest.raises(ClassroomUnavailable) as down:
                act()
            assert str(down.value) == UNAVAILABLE
            assert isinstance(down.value, ClassroomError)  # a screen that knows only refusals still shows it
            assert down.value.__cause__ is None and down.value.__suppress_context__
            assert leaks(str(down.value), running) == []
        running.start()
        assert store.tally(room.code, "q1") == {"A": 1, "B": 0}  # nothing lost, the same store object
        store.predict(room.code, token, "q1", "B")
        assert store.tally(room.code, "q1") == {"A": 0, "B": 1}
    finally:
        store.dispose()


def test_a_store_opened_while_the_database_is_down_works_once_it_is_up(running):
    running.stop()
    store = ClassStore(running.url)  # no exception: a server may start before its database
    try:
        with pytest.raises(ClassroomUnavailable):
            store.create_room()
        running.start()
        room = store.create_room()
        assert store.current(room.code).kind is None
    finally:
        store.dispose()


# --- the screens, under AppTest ---------------------------------------------------------------------------

def _page(device: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/6_Live_class.py")
    at.session_state["_device"] = {"device": device}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _shown(at: AppTest) -> str:
    """Every text the page shows, widgets' labels included."""
    parts = []
    for kind in ("markdown", "caption", "text", "error", "warning", "info", "success", "exception", "title",
                 "subheader", "metric", "button", "text_input", "selectbox", "toggle"):
        for element in at.get(kind):
            parts += [str(getattr(element, name, "") or "") for name in ("value", "label", "body", "message")]
    parts += [h.proto.body for h in at.get("html")]
    return "\n".join(parts)


def test_every_screen_stays_calm_and_an_answer_given_meanwhile_is_saved_when_the_database_returns(running,
                                                                                                   monkeypatch):
    monkeypatch.setenv("SAFECRACKER_DATABASE_URL", running.url)
    teacher = _page(TEACHER)
    teacher.button(key="open_room").click().run()
    code = teacher.session_state.live_room
    teacher.selectbox(key="live_lesson").set_value(SLUG)
    teacher.button(key="ask").click().run()
    phone = _page(PHONE, {"room": code})
    phone.text_input(key="join_nickname").input("ana")
    phone.button(key="join").click().run()
    no_exception(phone)
    lesson = lessons.LESSONS[SLUG]
    right = lesson.options[lesson.correct]

    teacher.run()
    running.stop()
    teacher.button(key="step_Close answers").click().run()  # a step while down changes nothing
    phone.run()  # the phone's next look finds the database gone: the question stays, with one sentence
    assert UNAVAILABLE in _shown(phone)
    phone.button(key=f"choice_{SLUG}_{lesson.correct}").click().run()
    shown = _shown(phone)
    assert f"Your answer {right} is kept on this phone" in shown
    teacher.run()
    refreshed_teacher = _page(TEACHER)  # a refresh during the outage
    refreshed_phone = _page(PHONE, {"room": code})
    newcomer = _page(LATE, {"room": code})
    for screen in (phone, teacher, refreshed_teacher, refreshed_phone, newcomer):
        no_exception(screen)
        shown = _shown(screen)
        assert UNAVAILABLE in shown
        assert leaks(shown, running) == [], leaks(shown, running)

    running.start()
    phone.run()  # the kept answer is saved, and the phone says so
    no_exception(phone)
    assert "kept on this phone" not in _shown(phone)
    assert f"Saved: {right}" in _shown(phone).replace("\\", "")
    store = ClassStore(running.url)
    try:
        assert store.tally(code, SLUG)[right] == 1
        assert not store.current(code).closed  # the step tried during the outage did not happen later
    finally:
        store.dispose()
    teacher.run()
    no_exception(teacher)
    assert UNAVAILABLE not in _shown(teacher) and "1 of 1 answered" in _shown(teacher)
    refreshed_phone.run()
    assert any(t.value.startswith("You are ana") for t in refreshed_phone.text)


def test_an_answer_kept_through_an_outage_is_not_saved_into_a_later_round_and_the_phone_says_so(running,
                                                                                                 monkeypatch):
    monkeypatch.setenv("SAFECRACKER_DATABASE_URL", running.url)
    store = ClassStore(running.url)
    try:
        room = store.create_room(owner="t" * 43)
        lesson = lessons.LESSONS[SLUG]
        store.open_question(room.code, room.teacher_token, SLUG, list(lesson.options))
        phone = _page(PHONE, {"room": room.code})
        phone.text_input(key="join_nickname").input("bo")
        phone.button(key="join").click().run()
        running.stop()
        phone.run()
        phone.button(key=f"choice_{SLUG}_0").click().run()
        running.start()
        store.close_answers(room.code, room.teacher_token, SLUG)  # answers closed while the phone was away
        phone.run()
        no_exception(phone)
        assert f"Your answer {lesson.options[0]} was not saved: Answers are closed" in \
            _shown(phone).replace("\\", "")
        assert store.tally(room.code, SLUG)[lesson.options[0]] == 0
    finally:
        store.dispose()
