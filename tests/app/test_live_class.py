"""Live class: the teacher's projector view and the student's phone view, driven through AppTest against a
real SQLite store (the store itself is tested on SQLite and PostgreSQL in tests/test_classroom.py)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from classroom import ClassStore
from tests.apptest_helpers import no_exception, open_page
from ui import lessons

PAGE = "pages/6_Live_class.py"
SLUG = "ravine"


@pytest.fixture(autouse=True)
def database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'class.db'}"
    monkeypatch.setenv("SAFECRACKER_DATABASE_URL", url)
    return url


@pytest.fixture
def store(database):
    opened = ClassStore(database)
    yield opened
    opened.dispose()


def teacher_with_room() -> AppTest:
    at = open_page(PAGE)
    at.segmented_control(key="live_role").set_value("The teacher").run()
    at.button(key="open_room").click().run()
    no_exception(at)
    return at


def student(query: dict) -> AppTest:
    at = open_page(PAGE, query)
    no_exception(at)
    return at


def joined_student(code: str, nickname: str) -> AppTest:
    at = student({"room": code})
    at.text_input(key="join_nickname").input(nickname)
    at.button(key="join").click().run()
    no_exception(at)
    return at


def refusal(at: AppTest) -> str:
    """The first error on the page as a reader sees it (refusals are markdown-escaped, so \\. reads as .)."""
    assert at.error, "no refusal shown"
    return re.sub(r"\\(.)", r"\1", at.error[0].value)


def shown_as_markup(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [h.proto.body for h in at.get("html")])


def test_without_a_room_address_the_page_offers_the_teacher_a_room_and_a_student_the_join_form():
    at = open_page(PAGE)
    no_exception(at)
    assert at.segmented_control(key="live_role").value == "The teacher"
    assert at.button(key="open_room")
    at = student({"room": "K7HR3M"})
    assert at.segmented_control(key="live_role").value == "A student"
    # The link names the room: the phone is told which, and asked only for a nickname.
    assert "Room K7HR3M" in [t.value for t in at.text]
    assert [box.key for box in at.text_input] == ["join_nickname"]


def test_the_teacher_opens_a_room_with_its_code_large_a_join_link_and_a_qr_code():
    at = teacher_with_room()
    code = at.session_state.live_room
    assert any(f'<div class="room-code">{code}</div>' in h.proto.body for h in at.get("html"))
    assert any(t.value == f"Join at http://localhost:8501/Live_class?room={code}" for t in at.text)
    assert len(at.get("image")) == 1
    assert at.session_state.live_teacher not in shown_as_markup(at)  # the key sits in a closed expander only


def test_a_question_goes_to_the_phones_the_tally_counts_and_the_reveal_shows_the_run(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    at.selectbox(key="live_lesson").set_value(SLUG)
    at.button(key="ask").click().run()
    lesson = lessons.LESSONS[SLUG]
    assert store.current(code).id == SLUG

    phone = joined_student(code, "ana")
    assert [b.label for b in phone.button][:len(lesson.options)] == list(lesson.options)
    phone.button(key=f"choice_{SLUG}_0").click().run()
    phone.button(key=f"choice_{SLUG}_{lesson.correct}").click().run()  # changed her mind: replaces
    assert store.tally(code, SLUG)[lesson.options[lesson.correct]] == 1
    assert sum(store.tally(code, SLUG).values()) == 1
    other = joined_student(code, "bo")
    other.button(key=f"choice_{SLUG}_0").click().run()

    at.run()
    tally = at.get("plotly_chart")[0].proto.spec
    assert '"x":[1,1' in tally.replace(" ", "")  # one for the first answer, one for the right one
    assert not at.dataframe  # names hidden by default
    at.button(key="reveal").click().run()
    no_exception(at)
    assert len(at.get("plotly_chart")) == 2  # the tally and the lesson's own run
    assert [m.value for m in at.metric] == ["1 of 2"]
    at.toggle(key="live_names").set_value(True).run()
    table = at.dataframe[0].value
    assert list(table["nickname"]) == ["ana", "bo"] and list(table["right"]) == [True, False]

    phone.run()
    assert phone.success and "Right" in phone.success[0].value
    assert all(b.disabled for b in phone.button if b.key and b.key.startswith("choice_"))
    other.run()
    assert lesson.options[lesson.correct] in refusal(other)


@pytest.mark.parametrize(("code", "nickname", "message"), [
    ("ZZZZZZ", "ana", "no room with"),
    (None, "", "Type a nickname"),
    (None, "\u200b\u202e", "Type a nickname"),
])
def test_join_refusals_are_shown_beside_the_box(store, code, nickname, message):
    room = store.create_room()
    at = student({"room": code or room.code})
    at.text_input(key="join_nickname").input(nickname)
    at.button(key="join").click().run()
    no_exception(at)
    assert message in refusal(at)
    assert at.button(key="join")  # the form stays, to try again
    assert "student" not in at.query_params


@pytest.mark.parametrize("nickname", ["<script>alert(1)</script>", "**bold**", "[link](http://evil.example)",
                                      "<img src=x onerror=alert(1)>"])
def test_a_hostile_nickname_is_shown_as_text_and_never_as_markup(store, nickname):
    room = store.create_room()
    at = joined_student(room.code, nickname)
    assert any(t.value == f"You are {nickname} · room {room.code}" for t in at.text)
    assert nickname not in shown_as_markup(at)
    assert store.roster(room.code, room.teacher_token) == [nickname]


def test_a_refresh_rejoins_as_the_same_student_and_a_forged_token_is_refused(store):
    room = store.create_room()
    at = joined_student(room.code, "ana")
    token = at.query_params["student"]
    again = student({"room": room.code, "student": token})  # a new session: the page was reloaded
    assert any(t.value.startswith("You are ana") for t in again.text)
    assert not again.text_input  # no join form
    forged = student({"room": room.code, "student": token[:-3] + "abc"})
    assert "not in the room" in refusal(forged)
    assert forged.button(key="join")


def test_a_challenge_refuses_settings_out_of_range_beside_the_box_and_ranks_what_the_server_ran(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    at.segmented_control(key="live_mode").set_value("Challenge").run()
    at.selectbox(key="live_vault").set_value("rosenbrock")
    at.selectbox(key="live_hand").set_value("momentum")
    at.number_input(key="live_steps").set_value(300)
    at.button(key="open_challenge").click().run()
    no_exception(at)

    phone = joined_student(code, "ana")
    phone.text_input(key="my_lr").input("5").run()
    phone.button(key="send").click().run()
    assert "Learning rate must be from 0.0001 to 1" in refusal(phone)
    phone.text_input(key="my_lr").input("0.003")
    phone.text_input(key="my_beta").input("abc").run()
    phone.button(key="send").click().run()
    assert "Momentum μ must be" in refusal(phone)
    phone.text_input(key="my_beta").input("0.9").run()
    phone.button(key="send").click().run()
    assert not phone.error and "settled on the combination at step" in phone.success[0].value

    at.run()
    board = at.dataframe[0].value
    assert list(board["lr"]) == [0.003] and "nickname" not in board
    assert len(at.get("plotly_chart")) == 1  # the cloud of settings
    at.button(key="reveal_challenge").click().run()
    no_exception(at)
    assert len(at.get("plotly_chart")) == 2  # and every run on one map
    phone.run()
    assert phone.button(key="send").disabled


def test_resuming_a_room_needs_its_teacher_key(store):
    room = store.create_room()
    at = open_page(PAGE)
    at.text_input(key="resume_code").input(room.code)
    at.text_input(key="resume_key").input("not-the-key-but-long-enough-to-look-like-one").run()
    at.button(key="resume").click().run()
    assert "Only the teacher" in refusal(at)
    at.text_input(key="resume_key").input(room.teacher_token).run()
    at.button(key="resume").click().run()
    no_exception(at)
    assert at.session_state.live_room == room.code


def test_a_closed_room_tells_its_students(store):
    room = store.create_room()
    at = joined_student(room.code, "ana")
    store.close_room(room.code, room.teacher_token)
    at.run()
    assert "closed" in refusal(at)


def test_a_refusal_that_quotes_a_nickname_shows_it_as_written(store):
    room = store.create_room()
    store.join(room.code, "**bold**")
    at = student({"room": room.code})
    at.text_input(key="join_nickname").input("**BOLD**")
    at.button(key="join").click().run()
    assert "already called" in refusal(at)
    assert r"\*\*BOLD\*\*" in at.error[0].value  # escaped: the markdown shows the stars, not bold text


def test_presenter_mode_draws_the_tally_for_the_back_of_the_room():
    at = teacher_with_room()
    at.button(key="ask").click().run()
    normal = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["font"]["size"]
    at.toggle(key="presenter").set_value(True).run()
    no_exception(at)
    large = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["font"]["size"]
    assert large > normal


def test_once_a_question_is_up_the_room_shrinks_to_one_line_and_the_qr_code_waits_in_a_popover():
    at = teacher_with_room()
    code = at.session_state.live_room
    at.button(key="ask").click().run()
    no_exception(at)
    bodies = [h.proto.body for h in at.get("html")]
    assert any(f'<div class="room-code-small">Room {code}</div>' in body for body in bodies)
    assert not any('<div class="room-code">' in body for body in bodies)
    assert len(at.get("image")) == 1  # inside the popover
