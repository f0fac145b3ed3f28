"""Live class: the teacher's projector view and the student's phone view, driven through AppTest against a
real SQLite store (the store itself is tested on SQLite and PostgreSQL in tests/test_classroom.py, its
outages in tests/test_classroom_outage.py).

A browser's device secret arrives through the device element's state (ui/device.py); here each "browser" is
given one, as Chromium's element would report it (tests/browser/ checks the element itself)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

import classroom
from classroom import ClassStore
from tests.apptest_helpers import ROOT, no_exception
from ui import lessons
from ui.live_student import student_token
from ui.live_teacher import teacher_key

PAGE = "pages/6_Live_class.py"
SLUG = "ravine"
TEACHER, ANA, BO, STRANGER = "T" * 43, "A" * 43, "B" * 43, "S" * 43


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


def browser(device: str | None, query: dict | None = None, presenter: bool = False) -> AppTest:
    """A new session (a page load) of the live class in a browser whose device secret is `device`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(PAGE)
    if device is not None:
        at.session_state["_device"] = {"device": device}
    if presenter:
        at.session_state["presenter"] = True
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    no_exception(at)
    return at


def teacher_with_room(presenter: bool = False) -> AppTest:
    at = browser(TEACHER, presenter=presenter)
    at.button(key="open_room").click().run()
    no_exception(at)
    return at


def ask(at: AppTest, slug: str = SLUG, timer: str = "No timer") -> None:
    at.selectbox(key="live_lesson").set_value(slug)
    at.selectbox(key="live_timer").set_value(timer)
    at.button(key="ask").click().run()
    no_exception(at)


def joined_student(code: str, nickname: str, device: str = ANA) -> AppTest:
    at = browser(device, {"room": code})
    at.text_input(key="join_nickname").input(nickname)
    at.button(key="join").click().run()
    no_exception(at)
    return at


def step(at: AppTest, label: str) -> None:
    at.button(key=f"step_{label}").click().run()
    no_exception(at)


def refusal(at: AppTest) -> str:
    """The first error on the page as a reader sees it (refusals are markdown-escaped, so \\. reads as .)."""
    assert at.error, "no refusal shown"
    return re.sub(r"\\(.)", r"\1", at.error[0].value)


def shown(at: AppTest) -> str:
    """Everything the page shows as text, markup and widgets' labels included."""
    parts = []
    for kind in ("markdown", "caption", "text", "error", "warning", "info", "success", "title", "subheader",
                 "metric", "button", "text_input", "selectbox", "toggle"):
        for element in at.get(kind):
            parts += [str(getattr(element, name, "") or "") for name in ("value", "label", "body")]
    parts += [h.proto.body for h in at.get("html")]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def shown_as_markup(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [h.proto.body for h in at.get("html")])


def bars(at: AppTest) -> list[dict]:
    """The bar traces of the page's tally, if the spread is shown."""
    for chart in at.get("plotly_chart"):
        data = json.loads(chart.proto.spec)["data"]
        if data and data[0].get("type") == "bar":
            return data
    return []


# --- who is there ---------------------------------------------------------------------------------------

def test_a_page_whose_device_has_not_reported_yet_says_it_is_connecting_and_offers_nothing():
    at = browser(None)
    assert "Connecting this device" in shown(at)
    assert not at.button and not at.text_input


def test_without_a_room_address_the_page_offers_the_teacher_a_room_and_a_student_the_join_form():
    at = browser(TEACHER)
    assert at.segmented_control(key="live_role").value == "The teacher"
    assert at.button(key="open_room")
    at = browser(ANA, {"room": "K7HR3M"})
    assert at.segmented_control(key="live_role").value == "A student"
    # The link names the room: the phone is told which, and asked only for a nickname.
    assert "Room K7HR3M" in [t.value for t in at.text]
    assert [box.key for box in at.text_input] == ["join_nickname"]


def test_a_join_link_says_nothing_about_whether_its_room_exists_until_a_nickname_is_sent(store):
    room = store.create_room()
    real, made_up = browser(ANA, {"room": room.code}), browser(ANA, {"room": "XXXXXX"})
    assert shown(real).replace(room.code, "CODE") == shown(made_up).replace("XXXXXX", "CODE")
    messages = []
    for code in ("XXXXXX", "NOT-A-CODE"):
        at = browser(BO, {"room": code})
        at.text_input(key="join_nickname").input("ana")
        at.button(key="join").click().run()
        messages.append(refusal(at))
    store.close_room(room.code, room.teacher_token)
    at = browser(BO, {"room": room.code})
    at.text_input(key="join_nickname").input("ana")
    at.button(key="join").click().run()
    messages.append(refusal(at))
    assert len(set(messages)) == 1 and "No open room has that code" in messages[0]
    assert at.button(key="join")  # the form stays, to try again


# --- the teacher's room -----------------------------------------------------------------------------------

def test_the_teacher_opens_a_room_with_its_code_large_a_join_link_and_a_qr_code_and_no_key_on_screen(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    assert any(f'<h1 class="room-code">{code}</h1>' in h.proto.body for h in at.get("html"))
    assert f"Join at http://localhost:8501/Live_class?room={code}" in shown(at)
    images = at.get("image")
    assert len(images) == 1 and "QR code of the join link" in images[0].proto.imgs[0].alt
    page = shown(at)
    assert teacher_key(TEACHER) not in page and TEACHER not in page
    assert not re.search(r"[A-Za-z0-9_-]{40,}", page)  # nothing shaped like a key, anywhere
    assert store.rooms_of(teacher_key(TEACHER)) == [code]


def test_the_teachers_refresh_comes_back_to_the_room_and_another_device_does_not(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at)
    again = browser(TEACHER)  # a refresh, or a restarted server: a new session, the same browser
    assert again.session_state.live_room == code
    assert again.button(key="step_Close answers")  # the question as it was
    other = browser(STRANGER)
    assert "live_room" not in other.session_state and other.button(key="open_room")
    assert not any(b.key and b.key.startswith("return_") for b in other.button)


def test_a_teacher_who_leaves_finds_the_way_back_and_a_new_room_is_a_new_code():
    at = teacher_with_room()
    code = at.session_state.live_room
    at.button(key="leave_room").click().run()
    assert "live_room" not in at.session_state
    assert at.button(key=f"return_{code}").label == f"Back to room {code}"
    at.button(key=f"return_{code}").click().run()
    assert at.session_state.live_room == code


def test_a_room_opens_on_another_computer_only_with_a_downloaded_key(store):
    room = store.create_room(owner=teacher_key(TEACHER))
    at = browser(STRANGER)
    at.text_input(key="resume_code").input(room.code)
    at.text_input(key="resume_key").input("not-the-key-but-long-enough-to-look-like-one").run()
    at.button(key="resume").click().run()
    assert "do not open a room" in refusal(at)
    key = store.new_teacher_key(room.code, teacher_key(TEACHER))  # what the key file holds
    at.text_input(key="resume_key").input(key).run()
    at.button(key="resume").click().run()
    no_exception(at)
    assert at.session_state.live_room == room.code
    assert browser(STRANGER).session_state.live_room == room.code  # and this computer now comes back to it too


# --- a question, Peer Instruction -----------------------------------------------------------------------

def test_a_question_goes_to_the_phones_the_count_shows_and_the_spread_waits_for_the_teacher(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at)
    lesson = lessons.LESSONS[SLUG]
    assert store.current(code).id == SLUG

    phone = joined_student(code, "ana")
    assert [b.label for b in phone.button][:len(lesson.options)] == list(lesson.options)
    phone.button(key=f"choice_{SLUG}_0").click().run()
    phone.button(key=f"choice_{SLUG}_{lesson.correct}").click().run()  # changed her mind: replaces
    assert f"Saved: {lesson.options[lesson.correct]}" in shown(phone)
    joined_student(code, "bo", BO)

    at.run()
    assert "1 of 2 answered" in shown(at) and "Round 1 · answers open" in shown(at)
    assert bars(at) == []  # the spread stays hidden while the class answers
    step(at, "Close answers")
    phone.run()
    assert all(b.disabled for b in phone.button if b.key and b.key.startswith("choice_"))
    assert "Answers are closed" in shown(phone)
    step(at, "Show the spread")
    tally = bars(at)
    assert len(tally) == 1 and sum(tally[0]["x"]) == 1
    assert "Momentum: 1" in shown(at)  # the chart's text alternative, beside it


def test_vote_again_keeps_both_rounds_side_by_side_then_the_reveal_shows_the_run(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at)
    lesson = lessons.LESSONS[SLUG]
    right, wrong = lesson.correct, (lesson.correct + 1) % len(lesson.options)
    ana, bo = joined_student(code, "ana"), joined_student(code, "bo", BO)
    ana.button(key=f"choice_{SLUG}_{wrong}").click().run()
    bo.button(key=f"choice_{SLUG}_{right}").click().run()
    at.run()
    step(at, "Close answers")
    step(at, "Vote again")
    assert "Round 2 · answers open" in shown(at) and "0 of 2 answered" in shown(at)
    ana.run()
    assert "Vote again" in shown(ana)
    ana.button(key=f"choice_{SLUG}_{right}").click().run()  # convinced by her neighbour
    bo.run()
    bo.button(key=f"choice_{SLUG}_{right}").click().run()
    at.run()
    step(at, "Close answers")
    assert "step_Vote again" not in [b.key for b in at.button]  # two votes, then the reveal
    step(at, "Show the spread")
    tally = bars(at)
    assert [trace["name"] for trace in tally] == ["round 1", "round 2"]
    assert [sum(trace["x"]) for trace in tally] == [2, 2]
    assert "Between the votes, 1 changed their answer." in shown(at)  # not yet which way is right
    step(at, "Reveal the run")
    assert "1 of them to the right answer" in shown(at)
    assert len(at.get("plotly_chart")) == 2  # the rounds and the lesson's own run
    assert [m.value for m in at.metric] == ["2 of 2"]
    assert not at.dataframe  # names hidden by default
    at.toggle(key="live_names").set_value(True).run()
    table = at.dataframe[-1].value
    assert list(table["nickname"]) == ["ana", "bo"] and list(table["right"]) == [True, True]
    ana.run()
    assert ana.success and "Right" in ana.success[0].value


def test_a_timer_shows_the_time_left_on_the_projector_and_the_phone():
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at, timer="1 min")
    assert re.search(r"answers open · [01]:\d\d left", shown(at))
    phone = joined_student(code, "ana")
    assert re.search(r"[01]:\d\d left to answer", shown(phone))


def test_presenter_mode_draws_the_tally_for_the_back_of_the_room():
    at = teacher_with_room()
    ask(at)
    step(at, "Close answers")
    step(at, "Show the spread")
    normal = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["font"]["size"]
    at.toggle(key="presenter").set_value(True).run()
    no_exception(at)
    large = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["font"]["size"]
    assert large > normal


def test_once_a_question_is_up_the_room_shrinks_to_one_line_and_the_qr_code_waits_in_a_popover():
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at)
    bodies = [h.proto.body for h in at.get("html")]
    assert any(f"Room {code}</p>" in body and 'class="room-title"' in body for body in bodies)
    assert not any('class="room-code"' in body for body in bodies)
    assert len(at.get("image")) == 1  # inside the popover


# --- the phone ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("nickname", ["<script>alert(1)</script>", "**bold**", "[link](http://evil.example)",
                                      "<img src=x onerror=alert(1)>"])
def test_a_hostile_nickname_is_shown_as_text_and_never_as_markup(store, nickname):
    room = store.create_room()
    at = joined_student(room.code, nickname)
    assert any(t.value == f"You are {nickname} · room {room.code}" for t in at.text)
    assert nickname not in shown_as_markup(at)
    assert store.roster(room.code, room.teacher_token) == [nickname]


def test_a_refreshed_phone_is_the_same_student_and_a_copied_address_is_a_new_visitor(store):
    room = store.create_room()
    at = joined_student(room.code, "ana")
    assert dict(at.query_params) == {"room": [room.code]} or at.query_params.get("room") == room.code
    assert "student" not in at.query_params  # nothing about the student in the address
    again = browser(ANA, {"room": room.code})  # reloaded
    assert any(t.value.startswith("You are ana") for t in again.text)
    assert not again.text_input  # no join form
    copied = browser(STRANGER, {"room": room.code})  # the same address on another device
    assert copied.text_input(key="join_nickname") and not any(t.value.startswith("You are") for t in copied.text)


def test_an_old_address_with_a_student_token_is_ignored_and_cleaned(store):
    room = store.create_room()
    token = store.join(room.code, "ana")
    at = browser(STRANGER, {"room": room.code, "student": token})
    assert "student" not in at.query_params
    assert at.text_input(key="join_nickname")  # the token in the address opens nothing


def test_a_refusal_that_quotes_a_nickname_shows_it_as_written(store):
    room = store.create_room()
    store.join(room.code, "**bold**")
    at = browser(ANA, {"room": room.code})
    at.text_input(key="join_nickname").input("**BOLD**")
    at.button(key="join").click().run()
    assert "already has the nickname" in refusal(at)
    assert r"\*\*BOLD\*\*" in at.error[0].value  # escaped: the markdown shows the stars, not bold text


def test_a_look_alike_nickname_is_refused_beside_the_box(store):
    room = store.create_room()
    store.join(room.code, "alice")
    at = browser(ANA, {"room": room.code})
    at.text_input(key="join_nickname").input("\u0430lice")
    at.button(key="join").click().run()
    assert "looks just like it" in refusal(at)


def test_the_teacher_removes_a_nickname_and_that_phone_cannot_come_back(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    phone = joined_student(code, "troll")
    at.run()
    at.toggle(key="live_names").set_value(True).run()
    assert list(at.dataframe[0].value["nickname"]) == ["troll"]
    at.selectbox(key="live_remove_pick").set_value("troll").run()
    at.button(key="live_remove").click().run()
    no_exception(at)
    assert store.roster(code, teacher_key(TEACHER)) == []
    phone.run()
    assert "removed this device" in refusal(phone)
    again = browser(ANA, {"room": code})
    again.text_input(key="join_nickname").input("innocent")
    again.button(key="join").click().run()
    assert "removed this device" in refusal(again)


def test_closing_the_room_offers_the_export_first_then_deletes_what_students_gave(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at)
    phone = joined_student(code, "ana")
    phone.button(key=f"choice_{SLUG}_0").click().run()
    at.run()
    at.button(key="close_room").click().run()
    assert at.get("download_button") and "Download the results first" in shown(at)
    at.button(key="close_confirm").click().run()
    no_exception(at)
    assert "is closed" in shown(at) and at.button(key="open_room")
    assert store.rooms_of(teacher_key(TEACHER)) == []
    phone.run()
    assert "No open room has that code" in refusal(phone)


def test_a_room_closed_from_another_computer_leaves_the_projector_calm(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    ask(at)
    store.close_room(code, teacher_key(TEACHER))  # the teacher's other tab, or its key file on another computer
    at.run()
    no_exception(at)
    assert "closed or has expired" in shown(at) and at.button(key="open_room")
    assert "live_room" not in at.session_state


# --- a challenge ----------------------------------------------------------------------------------------

def open_challenge(at: AppTest) -> None:
    at.segmented_control(key="live_mode").set_value("Challenge").run()
    at.selectbox(key="live_vault").set_value("rosenbrock")
    at.selectbox(key="live_hand").set_value("momentum")
    at.number_input(key="live_steps").set_value(300)
    at.button(key="open_challenge").click().run()
    no_exception(at)


def test_a_refused_entry_stays_with_its_reason_until_corrected_and_a_refreshed_phone_keeps_its_run(store):
    at = teacher_with_room()
    code = at.session_state.live_room
    open_challenge(at)
    phone = joined_student(code, "ana")
    phone.text_input(key="my_lr").input("0.003").run()
    phone.button(key="send").click().run()
    assert "settled on the combination at step" in phone.success[0].value
    phone.text_input(key="my_lr").input("2").run()
    phone.button(key="send").click().run()
    assert "Learning rate must be from 0.0001 to 1" in refusal(phone)
    phone.run()
    phone.run()  # a few looks later, the refusal is still there, with the run that counts
    assert "was refused: Learning rate must be from 0.0001 to 1" in refusal(phone)
    assert "still the one that counts" in refusal(phone) and phone.success
    refreshed = browser(ANA, {"room": code})
    assert "was refused" in refusal(refreshed) and "learning rate 0.003" in shown(refreshed)
    assert refreshed.text_input(key="my_lr").value == "0.003"
    refreshed.text_input(key="my_lr").input("0.002").run()
    refreshed.text_input(key="my_beta").input("abc").run()
    refreshed.button(key="send").click().run()
    assert "Momentum μ must be" in refusal(refreshed)
    refreshed.text_input(key="my_beta").input("0.9").run()
    refreshed.button(key="send").click().run()
    assert not refreshed.error and "learning rate 0.002" in shown(refreshed)

    at.run()
    board = at.dataframe[0].value
    assert list(board["lr"]) == [0.002] and list(board["rank"]) == [1] and "nickname" not in board
    assert "1 of 1 sent" in shown(at)
    at.button(key="reveal_challenge").click().run()
    no_exception(at)
    paths = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert paths["layout"]["title"]["text"] == "Every run in the class, by rank"
    assert any(trace.get("text") == ["1"] for trace in paths["data"])  # the path is labelled by its rank
    refreshed.run()
    assert refreshed.button(key="send").disabled


def test_the_device_tokens_are_the_ones_the_store_knows(store):
    room = store.create_room()
    joined_student(room.code, "ana")
    assert store.rejoin(room.code, student_token(ANA, room.code)) == "ana"
    assert classroom.device_token(ANA, f"student:{room.code}") == student_token(ANA, room.code)


def test_the_client_address_trusts_x_forwarded_for_only_behind_the_proxies_the_deployment_names():
    from ui.live_room import address_from

    spoofed = "6.6.6.6, 203.0.113.5"  # a client wrote 6.6.6.6; the one proxy appended the real address
    assert address_from(spoofed, "10.0.0.2", 0) == "10.0.0.2"  # no proxy configured: the connection itself
    assert address_from(spoofed, "10.0.0.2", 1) == "203.0.113.5"
    assert address_from("6.6.6.6, 198.51.100.1, 10.0.0.9", "10.0.0.2", 2) == "198.51.100.1"
    assert address_from(None, "10.0.0.2", 1) == "10.0.0.2"  # a proxy that sent nothing
    assert address_from(None, None, 0) == "loopback"
