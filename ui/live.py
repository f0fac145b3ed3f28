"""The live class's widgets: the teacher's projector view and the student's phone view.

The store (`classroom`) does the work and the refusing; this module lays it out. A nickname is only ever
shown through st.text or a dataframe cell, never through markdown or HTML, and never in a figure.
"""

from __future__ import annotations

import html
import io
import math
import os
import secrets
from urllib.parse import urlencode, urlsplit

import pandas as pd
import segno
import streamlit as st

import classroom
import landscapes
import optim
import viz
from classroom import ClassroomError, ClassStore
from classroom import challenge as class_challenge
from ui import lessons, page, url_state, widgets
from viz import live as live_figures

PAGE_PATH = "Live_class"  # the URL path Streamlit gives pages/6_Live_class.py
TALLY_EVERY = "1s"  # the projector's tally: within about a second of an answer
STUDENT_EVERY = "2s"  # a phone looks for the next question
SECRET_NAME = "database_url"  # [classroom] database_url = "postgresql://..." in .streamlit/secrets.toml
ROOM_STYLE = """<style>
.room-code { font: 700 4.2rem/1.1 ui-monospace, monospace; letter-spacing: 0.35rem; }
.room-code-label { font-size: 1.05rem; opacity: 0.8; }
.room-code-small { font: 700 1.7rem/1.2 ui-monospace, monospace; letter-spacing: 0.15rem; white-space: nowrap; }
div[data-testid="stButton"] button[kind] { min-height: 3.2rem; font-size: 1.1rem; }
</style>"""


# --- shared ---------------------------------------------------------------------------------------------

def database_url() -> str | None:
    """The one setting: SAFECRACKER_DATABASE_URL, else the [classroom] database_url secret, else None (SQLite)."""
    if os.environ.get(classroom.URL_SETTING):
        return os.environ[classroom.URL_SETTING]
    try:
        return st.secrets["classroom"][SECRET_NAME]
    except (FileNotFoundError, KeyError):
        return None


@st.cache_resource(show_spinner=False)
def store(url: str | None) -> ClassStore:
    """One store (one connection pool) per process, shared by every session."""
    return ClassStore(url)


def the_store() -> ClassStore:
    return store(database_url())


def session_id() -> str:
    """This browser session's name, for the join rate limit."""
    return st.session_state.setdefault("live_session", secrets.token_hex(8))


def join_link(code: str, page_url: str | None) -> str:
    """The address a phone opens to join `code`: this server's page with ?room=."""
    parts = urlsplit(page_url or "http://localhost:8501/")
    return f"{parts.scheme or 'http'}://{parts.netloc or 'localhost:8501'}/{PAGE_PATH}?{urlencode({'room': code})}"


def qr_png(link: str, scale: int = 8) -> bytes:
    """The join link as a QR code (PNG), readable from the back of a room."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=2, dark="#1a1a1a", light="#ffffff")
    return buffer.getvalue()


def lesson_of(question_id: str | None):
    return lessons.LESSONS.get(question_id or "")


def lesson_label(slug: str) -> str:
    return f"{list(lessons.LESSONS).index(slug) + 1}. {lessons.LESSONS[slug].title}"


def refusal(key: str) -> None:
    """The last refusal stored under `key`, shown where the widget that caused it is. A refusal may quote
    what was typed (a nickname, a setting), so it is shown as written, never as markdown."""
    message = st.session_state.pop(key, None)
    if message:
        st.error(widgets.plain(message), icon=":material/block:")


def outcome_text(result: class_challenge.Result, steps: int | None = None) -> str:
    if result.settled_at is not None:
        return f"settled on the combination at step {result.settled_at}"
    if result.diverged_at is not None:
        return f"spun off at step {result.diverged_at}"
    if result.final_distance is not None:
        return f"still searching: {result.final_distance:.3g} from the combination" + \
            (f" after {steps} steps" if steps else "")
    return "ended off the map"


def outcome_short(result: class_challenge.Result) -> str:
    """The outcome in a table cell's width."""
    if result.settled_at is not None:
        return f"settled, step {result.settled_at}"
    if result.diverged_at is not None:
        return f"spun off, step {result.diverged_at}"
    return "searching" if result.final_distance is None else f"searching, {result.final_distance:.2g} away"


def outcome_word(result: class_challenge.Result) -> str:
    if result.diverged_at is not None:
        return "spun off"
    return "settled" if result.settled_at is not None else "searching"


# --- the teacher ----------------------------------------------------------------------------------------

def _open_room(the: ClassStore) -> None:
    room = the.create_room()
    st.session_state.live_room, st.session_state.live_teacher = room.code, room.teacher_token


def _resume_room(the: ClassStore) -> None:
    code, key = st.session_state.get("resume_code", ""), st.session_state.get("resume_key", "")
    try:
        the.roster(code, key)  # refuses a wrong code or key
    except ClassroomError as refused:
        st.session_state.resume_refused = str(refused)
        return
    st.session_state.live_room = classroom.clean_code(code)
    st.session_state.live_teacher = key


def _leave_room() -> None:
    for key in ("live_room", "live_teacher", "live_lesson_open", "live_challenge_open"):
        st.session_state.pop(key, None)


def _close_room(the: ClassStore) -> None:
    try:
        the.close_room(st.session_state.live_room, st.session_state.live_teacher)
    except ClassroomError as refused:
        st.session_state.room_refused = str(refused)
        return
    _leave_room()


def teacher_view(presenter: bool) -> None:
    the = the_store()
    if "live_room" not in st.session_state:
        st.markdown("Open a room, show its code, and your students join from their phones. Then ask a "
                    "lesson's question: everybody predicts, the projector shows the spread, you reveal the run.")
        st.button("Open a room", key="open_room", type="primary", on_click=_open_room, args=(the,),
                  icon=":material/meeting_room:")
        with st.expander("Resume a room (after a refresh)"):
            st.text_input("Room code", key="resume_code", max_chars=12)
            st.text_input("Teacher key", key="resume_key", type="password",
                          help="Shown under the room code when you opened it.")
            st.button("Resume", key="resume", on_click=_resume_room, args=(the,))
            refusal("resume_refused")
        return
    code, token = st.session_state.live_room, st.session_state.live_teacher
    _room_header(code, token, presenter)
    mode = st.segmented_control("Ask", ["Question", "Challenge"], key="live_mode", default="Question",
                                help="A lesson's question everybody predicts, or a challenge: everybody picks "
                                     "a learning rate and β for the same hand.")
    if mode == "Challenge":
        _teacher_challenge(the, code, token, presenter)
    else:
        _teacher_question(the, code, token, presenter)
    st.divider()
    columns = st.columns([1, 1, 3])
    columns[0].button("Close the room", key="close_room", on_click=_close_room, args=(the,),
                      help="Nobody can join or answer any more. Rooms are deleted a day after they open.")
    columns[1].button("Leave (keep it open)", key="leave_room", on_click=_leave_room)
    refusal("room_refused")


def _room_header(code: str, token: str, presenter: bool) -> None:
    """The code large with its QR code while the class joins; one line once a question is up, so the
    tally fits on a 720-pixel projector (latecomers still read the code, the QR code is a click away)."""
    st.html(ROOM_STYLE)
    link = join_link(code, st.context.url)
    if st.session_state.get("live_lesson_open") or st.session_state.get("live_challenge_open"):
        columns = st.columns([2.2, 3, 1, 1], vertical_alignment="center")
        columns[0].html(f'<div class="room-code-small">Room {html.escape(code)}</div>')
        columns[1].text(f"Join at {link}")
        with columns[2].popover("QR", icon=":material/qr_code_2:", width="stretch"):
            st.image(qr_png(link), width=320 if presenter else 240)
        with columns[3].popover("Key", icon=":material/key:", width="stretch", help="Your teacher key"):
            _teacher_key(token)
        return
    columns = st.columns([3, 2])
    with columns[0]:
        st.html(f'<div class="room-code-label">Room code</div><div class="room-code">{html.escape(code)}</div>')
        st.text(f"Join at {link}")
        with st.expander("Teacher key"):
            _teacher_key(token)
    with columns[1]:
        st.image(qr_png(link), width=260 if presenter else 200, caption="Scan to join")


def _teacher_key(token: str) -> None:
    st.caption("To resume this room after a refresh. Keep it private: it opens, reveals and closes the room.")
    st.code(token, language=None)


def _ask(the: ClassStore, code: str, token: str) -> None:
    slug = st.session_state.live_lesson
    try:
        the.open_question(code, token, slug, list(lessons.LESSONS[slug].options))
    except ClassroomError as refused:
        st.session_state.question_refused = str(refused)
        return
    st.session_state.live_lesson_open = slug


def _reveal(the: ClassStore, code: str, token: str, slug: str) -> None:
    try:
        the.reveal(code, token, slug)
    except ClassroomError as refused:
        st.session_state.question_refused = str(refused)


def _teacher_question(the: ClassStore, code: str, token: str, presenter: bool) -> None:
    slugs = list(lessons.LESSONS)
    columns = st.columns([3, 1], vertical_alignment="bottom")
    columns[0].selectbox("Lesson", slugs, key="live_lesson", format_func=lesson_label,
                         help="Its question goes to every phone in the room.")
    columns[1].button("Ask the class", key="ask", type="primary", on_click=_ask, args=(the, code, token),
                      width="stretch", icon=":material/send:")
    refusal("question_refused")
    slug = st.session_state.get("live_lesson_open")
    if slug is None:
        st.info("Pick a lesson and press **Ask the class**: its question appears on every phone.",
                icon=":material/school:")
        return
    lesson = lessons.LESSONS[slug]
    current = the.current(code)
    revealed = current.kind == "question" and current.id == slug and current.revealed
    # Side by side, so the question and its live tally share the projector's first screen.
    question, bars = st.columns([1, 1], gap="large")
    with question:
        st.subheader(lesson.title)
        st.markdown(f"##### {lesson.question}")
        st.caption(lesson.scenario())
        if not revealed:
            st.button("Reveal the run", key="reveal", type="primary", on_click=_reveal,
                      args=(the, code, token, slug), icon=":material/visibility:",
                      help="Answers close; the class sees the run and why.")
        else:
            st.success(f"The answer: {lesson.options[lesson.correct]}", icon=":material/check_circle:")
    with bars:
        _live_tally(code, slug, presenter)
    if not revealed:
        return
    answer = lesson.options[lesson.correct]
    text, measured, spun_off = lessons.summary(slug)
    widgets.summary(text, spun_off=spun_off)
    lessons.show(slug, f"live_chart_{slug}", page.figure_layout())
    st.markdown("#### Why")
    st.markdown(f"**Measured on these runs:** {measured}")
    st.markdown(lesson.explanation)
    _who_was_right(the, code, token, slug, answer)


def _who_was_right(the: ClassStore, code: str, token: str, slug: str, answer: str) -> None:
    answers = the.answers(code, token, slug)
    right = [a for a in answers if a.choice == answer]
    st.metric("Predicted right", f"{len(right)} of {len(answers)}")
    if st.toggle("Show names", key="live_names", help="Nicknames stay hidden until you choose to show them."):
        st.dataframe(pd.DataFrame({"nickname": [a.nickname for a in answers],
                                   "answer": [a.choice for a in answers],
                                   "right": [a.choice == answer for a in answers]}),
                     hide_index=True, width="stretch")


@st.fragment(run_every=TALLY_EVERY)
def _live_tally(code: str, question_id: str, presenter: bool) -> None:
    """Only this part of the page reruns every second: the bars, from the database."""
    the = the_store()
    try:
        tally = the.tally(code, question_id)
        current = the.current(code)
    except ClassroomError as refused:
        st.error(widgets.plain(str(refused)))
        return
    lesson = lesson_of(question_id)
    revealed = current.kind == "question" and current.id == question_id and current.revealed
    correct = lesson.options[lesson.correct] if revealed and lesson else None
    st.plotly_chart(live_figures.tally_figure(tally, correct=correct, presenter=presenter), width="stretch",
                    key="live_tally", config={"displaylogo": False, "staticPlot": True})


def _open_challenge(the: ClassStore, code: str, token: str) -> None:
    optimizer, vault = st.session_state.live_hand, st.session_state.live_vault
    steps = int(st.session_state.live_steps)
    challenge_id = f"{optimizer}-{vault}-{steps}"
    try:
        the.open_challenge(code, token, challenge_id, optimizer, vault, steps)
    except ClassroomError as refused:
        st.session_state.challenge_refused = str(refused)
        return
    st.session_state.live_challenge_open = challenge_id


def _reveal_challenge(the: ClassStore, code: str, token: str, challenge_id: str) -> None:
    try:
        the.reveal_challenge(code, token, challenge_id)
    except ClassroomError as refused:
        st.session_state.challenge_refused = str(refused)


def _teacher_challenge(the: ClassStore, code: str, token: str, presenter: bool) -> None:
    columns = st.columns([2, 2, 1, 1.4], vertical_alignment="bottom")
    columns[0].selectbox("Vault", list(landscapes.LANDSCAPES), key="live_vault",
                         format_func=lambda key: landscapes.LANDSCAPES[key].title)
    hands = classroom.hands()
    # Momentum first: its β (how much swing the hand keeps) is the knob a class explores best by hand.
    columns[1].selectbox("Hand", hands, key="live_hand", index=hands.index("momentum") if "momentum" in hands else 0,
                         format_func=lambda key: optim.get(key).title)
    columns[2].number_input("Steps", min_value=10, max_value=class_challenge.MAX_STEPS,
                            value=class_challenge.DEFAULT_STEPS, step=50, key="live_steps")
    columns[3].button("Open the challenge", key="open_challenge", type="primary", width="stretch",
                      on_click=_open_challenge, args=(the, code, token), icon=":material/flag:")
    refusal("challenge_refused")
    challenge_id = st.session_state.get("live_challenge_open")
    if challenge_id is None:
        st.info("Pick a vault and a hand, then **Open the challenge**: every phone gets a learning rate and a β "
                "to choose, and the server runs each choice.", icon=":material/flag:")
        return
    current = the.current(code)
    if current.kind != "challenge" or current.id != challenge_id:
        st.info("A question is on the phones now; open the challenge again to send it back.")
        return
    lr_knob, beta_knob = classroom.knobs(current.optimizer)
    st.subheader(f"{optim.get(current.optimizer).title} on {landscapes.LANDSCAPES[current.vault].title}")
    st.caption(f"{current.steps} steps from the vault's start · learning rate {lr_knob.low:g} to {lr_knob.high:g}"
               f" · {beta_knob.label} {beta_knob.low:g} to {beta_knob.high:g}")
    _live_leaderboard(code, challenge_id, presenter)
    if not current.revealed:
        st.button("Stop and show every run", key="reveal_challenge", type="primary", on_click=_reveal_challenge,
                  args=(the, code, token, challenge_id), icon=":material/visibility:")
        return
    board = the.leaderboard(code, challenge_id)
    if board:
        settings_ = tuple((entry.lr, entry.beta) for entry in board)
        st.plotly_chart(class_paths(current.optimizer, current.vault, current.steps, settings_, presenter),
                        width="stretch", key="live_paths", config={"displaylogo": False})


@st.cache_data(max_entries=16, show_spinner=False)
def _class_paths_views(optimizer: str, vault: str, steps: int, settings_: tuple) -> list:
    beta_name = classroom.knobs(optimizer)[1].name
    views = []
    for lr, beta in settings_:
        trajectory = class_challenge.run(optimizer, vault, steps, lr, beta)
        views.append(viz.path_view(trajectory, label=f"lr {lr:.3g}, {beta_name} {beta:.3g}"))
    return views


def class_paths(optimizer: str, vault: str, steps: int, settings_: tuple, presenter: bool):
    views = _class_paths_views(optimizer, vault, steps, settings_)
    return live_figures.class_paths_figure(landscapes.LANDSCAPES[vault], views, presenter=presenter)


@st.fragment(run_every=TALLY_EVERY)
def _live_leaderboard(code: str, challenge_id: str, presenter: bool) -> None:
    the = the_store()
    try:
        board = the.leaderboard(code, challenge_id)
        current = the.current(code)
    except ClassroomError as refused:
        st.error(widgets.plain(str(refused)))
        return
    if current.kind != "challenge":
        return
    lr_knob, beta_knob = classroom.knobs(current.optimizer)
    columns = st.columns([1, 1])
    with columns[0]:
        st.metric("Submissions", len(board))
        show_names = st.session_state.get("live_board_names", False)
        table = {"rank": list(range(1, len(board) + 1))}
        if show_names:
            table["nickname"] = [entry.nickname for entry in board]
        table |= {"lr": [entry.lr for entry in board], beta_knob.name: [entry.beta for entry in board],
                  "outcome": [outcome_short(entry.result) for entry in board]}
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", height=360)
        st.toggle("Show names", key="live_board_names")
    with columns[1]:
        st.plotly_chart(live_figures.settings_cloud(
            [e.lr for e in board], [e.beta for e in board], [outcome_word(e.result) for e in board],
            lr_range=(lr_knob.low, lr_knob.high), beta_range=(beta_knob.low, beta_knob.high),
            beta_label=beta_knob.label, presenter=presenter),
            width="stretch", key="live_cloud", config={"displaylogo": False, "staticPlot": True})


# --- the student ----------------------------------------------------------------------------------------

def _join(the: ClassStore) -> None:
    code = st.session_state.get("join_code") or (url_state.address_value("room") or "")
    nickname = st.session_state.get("join_nickname", "")
    try:
        token = the.join(code, nickname, session=session_id())
        name = the.rejoin(code, token)
    except ClassroomError as refused:
        st.session_state.join_refused = str(refused)
        return
    cleaned = classroom.clean_code(code)
    st.session_state.live_student = (cleaned, token, name)
    # Kept in the address too: a refresh or a dropped connection comes back as the same student.
    url_state.put_in_address({"room": cleaned, "student": token})


def _forget_student() -> None:
    st.session_state.pop("live_student", None)
    url_state.drop_from_address("student")


def _rejoin_from_address(the: ClassStore) -> None:
    if "live_student" in st.session_state:
        return
    code, token = url_state.address_value("room"), url_state.address_value("student")
    if not code or not token:
        return
    try:
        st.session_state.live_student = (classroom.clean_code(code), token, the.rejoin(code, token))
    except ClassroomError as refused:
        url_state.drop_from_address("student")
        st.session_state.join_refused = str(refused)


def student_view() -> None:
    the = the_store()
    st.html(ROOM_STYLE)
    _rejoin_from_address(the)
    if "live_student" not in st.session_state:
        linked = url_state.address_value("room")
        # A form: the code and nickname travel with the tap on Join (or the phone keyboard's Enter). A join
        # link already names the room, so the phone only asks for a nickname.
        with st.form("join_form", border=False, enter_to_submit=True):
            if linked:
                st.text(f"Room {linked}")
            else:
                st.text_input("Room code", key="join_code", max_chars=12, placeholder="e.g. K7HR3M",
                              help="The six letters and digits on the projector.")
            st.text_input("Nickname", key="join_nickname", max_chars=classroom.MAX_NICKNAME,
                          help="What the class will see. Nothing else about you is stored.")
            st.form_submit_button("Join", key="join", type="primary", on_click=_join, args=(the,),
                                  width="stretch", icon=":material/login:")
        refusal("join_refused")
        return
    code, token, nickname = st.session_state.live_student
    st.text(f"You are {nickname} · room {code}")
    _student_activity(code, token)
    st.button("Leave this room", key="leave", on_click=_forget_student)


def _predict(code: str, token: str, question_id: str, choice: str) -> None:
    try:
        the_store().predict(code, token, question_id, choice)
    except ClassroomError as refused:
        st.session_state.answer_refused = str(refused)


def _submit(code: str, token: str, challenge_id: str) -> None:
    try:
        result = the_store().submit(code, token, challenge_id, _number(st.session_state.get("my_lr")),
                                    _number(st.session_state.get("my_beta")))
    except ClassroomError as refused:
        st.session_state.submit_refused = str(refused)
        return
    st.session_state.my_result = (challenge_id, result)


def _number(text) -> float | str:
    """A typed number as a float, or the text itself for the store to refuse with its message."""
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return str(text)[:20]
    return value if math.isfinite(value) else str(text)[:20]


@st.fragment(run_every=STUDENT_EVERY)
def _student_activity(code: str, token: str) -> None:
    """Only the current question or challenge; this part looks for the next one every two seconds."""
    the = the_store()
    try:
        current = the.current(code)
    except ClassroomError as refused:
        st.error(widgets.plain(str(refused)), icon=":material/block:")
        return
    if current.kind == "question":
        _student_question(the, code, token, current)
    elif current.kind == "challenge":
        _student_challenge(the, code, token, current)
    else:
        st.info("You're in. Wait for your teacher's question.", icon=":material/hourglass_top:")


def _student_question(the: ClassStore, code: str, token: str, current) -> None:
    lesson = lesson_of(current.id)
    st.markdown(f"#### {lesson.question}" if lesson else "#### Choose an answer")
    try:
        mine = the.prediction(code, token, current.id)
    except ClassroomError as refused:
        st.error(widgets.plain(str(refused)), icon=":material/block:")
        return
    for index, choice in enumerate(current.choices):
        st.button(choice, key=f"choice_{current.id}_{index}", width="stretch",
                  type="primary" if choice == mine else "secondary", disabled=current.revealed,
                  on_click=_predict, args=(code, token, current.id, choice),
                  icon=":material/radio_button_checked:" if choice == mine else None)
    refusal("answer_refused")
    if current.revealed and lesson:
        answer = lesson.options[lesson.correct]
        if mine == answer:
            st.success(f"Right: {answer}. Look at the projector for why.", icon=":material/check_circle:")
        else:
            st.error(f"The answer was: {answer}. Look at the projector for why.", icon=":material/cancel:")
    elif mine is None:
        st.caption("Tap your prediction. You can change it until your teacher reveals the run.")
    else:
        st.caption("Saved. You can change it until your teacher reveals the run.")


def _student_challenge(the: ClassStore, code: str, token: str, current) -> None:
    lr_knob, beta_knob = classroom.knobs(current.optimizer)
    st.markdown(f"#### Challenge: {optim.get(current.optimizer).title} on "
                f"{landscapes.LANDSCAPES[current.vault].title}")
    st.caption(f"Pick the hand's settings. The server runs {current.steps} steps from the vault's start; the "
               "fastest to settle on the combination tops the board.")
    st.text_input(f"Learning rate ({lr_knob.low:g} to {lr_knob.high:g})", key="my_lr",
                  value=f"{lr_knob.default:g}", disabled=current.revealed)
    st.text_input(f"{beta_knob.label[:1].upper()}{beta_knob.label[1:]} ({beta_knob.low:g} to {beta_knob.high:g})",
                  key="my_beta",
                  value=f"{beta_knob.default:g}", disabled=current.revealed)
    st.button("Send", key="send", type="primary", width="stretch", on_click=_submit,
              args=(code, token, current.id), disabled=current.revealed, icon=":material/send:")
    refusal("submit_refused")
    mine = st.session_state.get("my_result")
    if mine and mine[0] == current.id:
        st.success(f"Your run: {outcome_text(mine[1], current.steps)}.", icon=":material/flag:")
    if current.revealed:
        st.info("The challenge is over: every run is on the projector.", icon=":material/visibility:")


# --- the page -------------------------------------------------------------------------------------------

def expected_role() -> str:
    """Who is most likely holding this screen: a join link or a phone means a student, a wide screen the
    teacher. Only a guess for the switch's first position; a tap on it settles the matter."""
    if url_state.address_value("room") or widgets.on_phone():
        return "A student"
    return "The teacher"


def _role_chosen() -> None:
    st.session_state.live_role_chosen = True


def body(presenter: bool) -> None:
    try:
        the_store()
    except ClassroomError as refused:
        st.error(widgets.plain(f"The class store cannot start: {refused}"), icon=":material/error:")
        return
    # Until the switch is tapped it follows the guess, which can change once: a phone reports its width
    # only after the page's first run.
    if not st.session_state.get("live_role_chosen"):
        st.session_state.live_role = expected_role()
    role = st.segmented_control("I am", ["A student", "The teacher"], key="live_role", on_change=_role_chosen)
    if (role or expected_role()) == "The teacher":
        teacher_view(presenter)
    else:
        student_view()
