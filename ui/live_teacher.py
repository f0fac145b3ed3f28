"""The live class on the teacher's projector: opening a room, and Peer Instruction question by question.

Per question: ask → the phones answer while the projector shows "N of M answered" and not the spread → close
answers (or let the timer) → show the spread → discussion → vote again (round 2, round 1 kept, both shown side
by side) → reveal the run. Or a challenge: every phone picks lr and β, the server runs them, a leaderboard,
then every run on one map, labelled by rank.

What the class sees changing (the count, the timer, the bars, the leaderboard) is a fragment that reruns every
second; a step that changes what the page holds below it (the reveal) reruns the whole page. The projector
never shows a nickname unless the teacher turns names on, and never any key: the teacher's browser is
recognised by its device (ui/device.py), and a key for another computer is a file to download, not text on
the screen.
"""

from __future__ import annotations

import html
import time

import pandas as pd
import streamlit as st

import classroom
import landscapes
import optim
import viz
from classroom import ClassroomError, ClassroomUnavailable, ClassStore
from classroom import challenge as class_challenge
from ui import lessons, page, widgets
from ui.live_room import (
    NOTHING_CHANGED,
    join_link,
    outage_notice,
    qr_png,
    refusal,
    refuse,
    the_store,
)
from viz import live as live_figures

EVERY = "1s"  # the projector's live parts: within about a second of an answer
TIMERS = {"No timer": None, "30 s": 30, "1 min": 60, "90 s": 90, "2 min": 120, "3 min": 180}


def teacher_key(device: str) -> str:
    return classroom.device_token(device, "teacher")


# --- before a room --------------------------------------------------------------------------------------

def _open_room(the: ClassStore, device: str, address: str) -> None:
    try:
        room = the.create_room(owner=teacher_key(device), address=address)
    except ClassroomError as refused:
        refuse("room_refused", refused)
        return
    _enter(room.code, teacher_key(device))


def _enter(code: str, token: str) -> None:
    st.session_state.live_room, st.session_state.live_teacher = code, token
    st.session_state.pop("live_teacher_left", None)


def _resume_room(the: ClassStore, device: str, address: str) -> None:
    code, key = st.session_state.get("resume_code", ""), st.session_state.get("resume_key", "")
    try:
        found = the.claim_room(code, key, teacher_key(device), address=address)
    except ClassroomError as refused:
        refuse("resume_refused", refused)
        return
    _enter(found, teacher_key(device))


def start(the: ClassStore, device: str, address: str) -> None:
    """No room yet: open one, go back to one this device opened, or resume one from another computer."""
    st.markdown("Open a room and show its code: your students join from their phones. Ask a lesson's question, "
                "let everybody answer, show the spread, let them talk it over and vote again, then reveal the run.")
    mine = the.rooms_of(teacher_key(device))
    columns = st.columns([1, 1, 1, 1])
    columns[0].button("Open a room", key="open_room", type="primary", on_click=_open_room, args=(the, device, address),
                      icon=":material/meeting_room:", width="stretch")
    for column, code in zip(columns[1:], mine[:3], strict=False):
        column.button(f"Back to room {code}", key=f"return_{code}", on_click=_enter, args=(code, teacher_key(device)),
                      icon=":material/undo:", width="stretch",
                      help="A room this browser opened that is still open.")
    refusal("room_refused")
    with st.expander("Open a room from another computer"):
        st.caption("On the computer that opened the room: Room menu, then Teacher key (file). Type the room code "
                   "and the key from that file here.")
        st.text_input("Room code", key="resume_code", max_chars=12)
        st.text_input("Teacher key", key="resume_key", type="password", max_chars=100)
        st.button("Open it here", key="resume", on_click=_resume_room, args=(the, device, address))
        refusal("resume_refused")


# --- in a room ------------------------------------------------------------------------------------------

def leave() -> None:
    for key in ("live_room", "live_teacher", "live_closing"):
        st.session_state.pop(key, None)
    st.session_state.live_teacher_left = True


def room(the: ClassStore, code: str, token: str, presenter: bool) -> None:
    """The room's screen: its header, what to ask next, and what is asked now."""
    current = the.current(code)
    compact = current.kind is not None
    _header(the, code, token, presenter, compact)
    if st.session_state.get("live_closing"):
        _closing(the, code, token)
        return
    if _controls(the, code, token, current, compact) == "Challenge":
        if current.kind == "challenge":
            _challenge(the, code, token, current, presenter)
        else:
            st.info("Pick a vault and a hand, then **Open the challenge**: every phone gets a learning rate and a "
                    "β to choose, and the server runs each choice.", icon=":material/flag:")
    elif current.kind == "question" and current.id in lessons.LESSONS:
        _question(the, code, token, current, presenter)
    else:
        st.info("Pick a lesson and press **Ask the class**: its question appears on every phone.",
                icon=":material/school:")


def _controls(the: ClassStore, code: str, token: str, current, compact: bool) -> str:
    """What to ask next, in one row: a question (lesson, timer, Ask) or a challenge (vault, hand, steps, Open).
    Once something is asked the row's labels fold away (they stay the controls' accessible names), so what is
    asked now starts higher on the projector."""
    default = "Challenge" if current.kind == "challenge" else "Question"
    mode = st.session_state.get("live_mode") or default
    shown = "collapsed" if compact else "visible"
    if mode == "Challenge":
        columns = st.columns([1.9, 1.8, 1.8, 0.9, 1.9], vertical_alignment="bottom")
    else:
        columns = st.columns([1.9, 3, 1.1, 1.6], vertical_alignment="bottom")
    picked = columns[0].segmented_control("Ask", ["Question", "Challenge"], key="live_mode", default=default,
                                          label_visibility=shown,
                                          help="A lesson's question everybody answers, or a challenge: everybody "
                                               "picks a learning rate and β for the same hand.")
    if mode == "Challenge":
        _challenge_controls(the, code, token, columns[1:], shown)
    else:
        _question_controls(the, code, token, columns[1:], shown)
    return picked or mode


def _header(the: ClassStore, code: str, token: str, presenter: bool, compact: bool) -> None:
    """The code large with its QR code while the class joins; one line once something is asked, so the
    question, its count and its next step fit a 720-pixel projector (the QR code is then a click away)."""
    link = join_link(code, st.context.url)
    if compact:
        columns = st.columns([1.7, 3.2, 0.9, 1.1, 1.1], vertical_alignment="center")
        columns[0].html(f'<p class="room-title" role="heading" aria-level="1">Room {html.escape(code)}</p>')
        columns[1].html(f'<p class="join-link">Join at {html.escape(link)}</p>')
        with columns[2].popover("QR", icon=":material/qr_code_2:", width="stretch", help="The join link's QR code"):
            st.image(qr_png(link), width=320 if presenter else 240, alt=f"QR code of the join link for room {code}")
        with columns[3]:
            _joined(code, compact=True)
        with columns[4].popover("Room", icon=":material/settings:", width="stretch",
                                help="Who joined, the results, the teacher key, leaving or closing the room"):
            _room_menu(the, code, token)
        return
    columns = st.columns([3, 2])
    with columns[0]:
        st.html(f'<p class="room-code-label">Room code</p><h1 class="room-code">{html.escape(code)}</h1>'
                f'<p class="join-link">Join at {html.escape(link)}</p>')
        inner = st.columns([1, 2], vertical_alignment="center")
        with inner[0]:
            _joined(code, compact=False)
        with inner[1].popover("Room", icon=":material/settings:", width="content",
                              help="Who joined, the results, the teacher key, leaving or closing the room"):
            _room_menu(the, code, token)
    with columns[1]:
        st.image(qr_png(link), width=260 if presenter else 200, caption="Scan to join",
                 alt=f"QR code of the join link for room {code}")


@st.fragment(run_every=EVERY)
def _joined(code: str, compact: bool) -> None:
    try:
        count = the_store().joined(code)
    except ClassroomError:
        count = st.session_state.get("live_joined_seen")
    else:
        st.session_state.live_joined_seen = count
    shown = "…" if count is None else str(count)
    if compact:
        st.html(f'<p class="live-count-small">{shown} joined</p>')
    else:
        st.html(f'<p class="live-count">{shown}</p><p class="live-count-label">joined</p>')


def _room_menu(the: ClassStore, code: str, token: str) -> None:
    st.toggle("Show names", key="live_names", help="Nicknames stay off the projector until you show them.")
    if st.session_state.get("live_names"):
        try:
            names = the.roster(code, token)
        except ClassroomError as refused:
            st.caption(widgets.plain(NOTHING_CHANGED if isinstance(refused, ClassroomUnavailable) else str(refused)))
            names = []
        if names:
            st.dataframe(pd.DataFrame({"nickname": names}), hide_index=True, width="stretch",
                         height=min(300, 38 + 35 * len(names)))
            pick = st.selectbox("Remove a nickname", names, index=None, key="live_remove_pick",
                                placeholder="Choose a nickname")
            st.button("Remove from the room", key="live_remove", disabled=pick is None, on_click=_remove,
                      args=(the, code, token), help="Their answers go too, and that phone cannot join again.")
        else:
            st.caption("Nobody has joined yet.")
    refusal("remove_refused")
    st.download_button("Results (CSV)", data=_export(the, code, token), file_name=f"safecracker-room-{code}.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:", width="stretch",
                       help="Every round, every answer, every challenge entry and its outcome: one row per student "
                            "and question.")
    st.download_button("Teacher key (file)", data=_key_file(the, code, token),
                       file_name=f"safecracker-room-{code}-key.txt", mime="text/plain", on_click="ignore",
                       icon=":material/key:", width="stretch",
                       help="To open this room on another computer. Each download makes a new key; only the newest "
                            "works. It is never shown on the screen.")
    st.button("Leave, keep it open", key="leave_room", on_click=leave, width="stretch",
              help="Back to the start; this browser can come back to the room from there.")
    st.button("Close the room…", key="close_room", on_click=_ask_to_close, width="stretch",
              help="Nobody can join or answer any more, and every nickname and answer is deleted.")


def _export(the: ClassStore, code: str, token: str):
    def build() -> str:
        try:
            return classroom.to_csv(the.export(code, token))
        except ClassroomError as refused:
            return f"The results could not be read: {refused}\n"
    return build


def _key_file(the: ClassStore, code: str, token: str):
    def build() -> str:
        try:
            key = the.new_teacher_key(code, token)
        except ClassroomError as refused:
            return f"No key was made: {refused}\n"
        return (f"Safecracker live class, room {code}\n\nTeacher key: {key}\n\n"
                "To teach this room from another computer: open Live class there, choose The teacher, then "
                "'Open a room from another computer', and type the room code and this key.\n"
                "Keep this file private: the key opens, reveals and closes the room. Downloading a key again makes "
                "a new one, and this one stops working.\n")
    return build


def _remove(the: ClassStore, code: str, token: str) -> None:
    name = st.session_state.get("live_remove_pick")
    if name is None:
        return
    try:
        the.remove_student(code, token, name)
    except ClassroomError as refused:
        refuse("remove_refused", refused)
        return
    st.session_state.live_remove_pick = None


def _ask_to_close() -> None:
    st.session_state.live_closing = True


def _keep_open() -> None:
    st.session_state.pop("live_closing", None)


def _close(the: ClassStore, code: str, token: str) -> None:
    try:
        the.close_room(code, token)
    except ClassroomError as refused:
        refuse("close_refused", refused)
        return
    st.session_state.pop("live_closing", None)
    for key in ("live_room", "live_teacher"):
        st.session_state.pop(key, None)
    st.session_state.live_teacher_left = True
    st.session_state.live_closed_note = f"Room {code} is closed, and everything its students gave is deleted."


def _closing(the: ClassStore, code: str, token: str) -> None:
    st.warning("Closing the room deletes every nickname, answer and challenge entry now. Download the results "
               "first if you want to keep them.", icon=":material/warning:")
    columns = st.columns(3)
    columns[0].download_button("Results (CSV)", data=_export(the, code, token),
                               file_name=f"safecracker-room-{code}.csv", mime="text/csv", on_click="ignore",
                               icon=":material/download:", width="stretch", key="closing_export")
    columns[1].button("Close and delete", key="close_confirm", type="primary", on_click=_close, args=(the, code, token),
                      icon=":material/delete:", width="stretch")
    columns[2].button("Keep it open", key="close_cancel", on_click=_keep_open, width="stretch")
    refusal("close_refused")


# --- a question -------------------------------------------------------------------------------------------

def _question_controls(the: ClassStore, code: str, token: str, columns, shown: str) -> None:
    slugs = list(lessons.LESSONS)
    columns[0].selectbox("Lesson", slugs, key="live_lesson", format_func=_lesson_label, label_visibility=shown,
                         help="Its question goes to every phone in the room.")
    columns[1].selectbox("Timer", list(TIMERS), key="live_timer", label_visibility=shown,
                         help="Closes the answers by itself; you can still close them earlier.")
    columns[2].button("Ask the class", key="ask", type="primary", on_click=_ask, args=(the, code, token),
                      width="stretch", icon=":material/send:")
    refusal("question_refused")


def _lesson_label(slug: str) -> str:
    return f"{list(lessons.LESSONS).index(slug) + 1}. {lessons.LESSONS[slug].title}"


def _ask(the: ClassStore, code: str, token: str) -> None:
    slug = st.session_state.live_lesson
    lesson = lessons.LESSONS[slug]
    try:
        the.open_question(code, token, slug, list(lesson.options), prompt=lesson.question[:500],
                          correct=lesson.options[lesson.correct], seconds=TIMERS.get(st.session_state.live_timer))
    except ClassroomError as refused:
        refuse("question_refused", refused)


def _act(action, *args, **kwargs) -> None:
    """A button's step on the question; a refusal or an outage is said beside the buttons."""
    try:
        action(*args, **kwargs)
    except ClassroomError as refused:
        refuse("step_refused", refused)


def _seconds_left(deadline: float | None) -> int | None:
    return None if deadline is None else max(0, int(deadline - time.time() + 0.999))


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _question(the: ClassStore, code: str, token: str, current, presenter: bool) -> None:
    """The question block (live), then, once revealed, the run and why."""
    _question_live(code, token, current.id, presenter, current.revealed)
    if not current.revealed:
        return
    slug = current.id
    text, measured, spun_off = lessons.summary(slug)
    widgets.summary(text, spun_off=spun_off)
    lessons.show(slug, f"live_chart_{slug}", page.figure_layout())
    st.markdown("#### Why")
    st.markdown(f"**Measured on these runs:** {measured}")
    st.markdown(lessons.LESSONS[slug].explanation)
    _who_was_right(the, code, token, slug)


@st.fragment(run_every=EVERY)
def _question_live(code: str, token: str, slug: str, presenter: bool, drawn_revealed: bool) -> None:
    """Everything about the question that changes while the class answers: the round, the timer, "N of M
    answered", the spread (once shown) and the next step's buttons."""
    the = the_store()
    lesson = lessons.LESSONS[slug]
    try:
        current = the.current(code)
        if current.kind != "question" or current.id != slug:
            st.rerun()  # another question went up (another tab of the teacher's): draw the page for it
        progress, rounds = the.progress(code, slug), the.rounds(code, slug)
    except ClassroomUnavailable:
        seen = st.session_state.get("live_question_seen")
        if seen is None or seen[0].id != slug:
            outage_notice()
            return
        current, progress, rounds = seen
        fresh = False
    except ClassroomError as refused:
        st.error(widgets.plain(str(refused)), icon=":material/block:")
        return
    else:
        fresh = True
        st.session_state.live_question_seen = (current, progress, rounds)
        if current.revealed != drawn_revealed:
            st.rerun()  # the run and the explanation appear (or go) below: the whole page is redrawn
    status, steps = st.columns([1.2, 2], vertical_alignment="center")
    with status:
        _status(current, progress)
    with steps:
        _next_steps(the, code, token, slug, current, enabled=fresh)
    refusal("step_refused")
    if not fresh:
        outage_notice()
    words, bars = st.columns([1, 1.15], gap="large")
    with words:
        st.subheader(lesson.title)
        st.markdown(lesson.question)
        if not presenter:
            st.caption(lesson.scenario())
    with bars:
        if current.spread_shown or current.revealed:
            correct = lesson.options[lesson.correct] if current.revealed else None
            figure = live_figures.rounds_figure(rounds.tallies, correct=correct, presenter=presenter)
            st.plotly_chart(figure, width="stretch", key="live_tally",
                            config={"displaylogo": False, "staticPlot": True},
                            alt="How the class answered, one bar per answer and round")
            st.caption(live_figures.tally_words(rounds.tallies, correct=correct))
            if len(rounds.tallies) > 1:
                changed = sum(n for (first, last), n in rounds.changes.items() if first != last)
                moved = f", {rounds.moved_to_right()} of them to the right answer" if current.revealed else ""
                st.markdown(f"**Between the votes, {changed} changed their answer{moved}.**")
        else:
            st.info("The spread stays hidden until you show it, so the bars do not sway anyone still "
                    "deciding.", icon=":material/visibility_off:")
            if progress.joined:
                st.progress(min(1.0, progress.answered / progress.joined),
                            text=f"{progress.answered} of {progress.joined} answered")


def _status(current, progress) -> None:
    if current.revealed:
        state = "the run is revealed"
    elif current.closed:
        state = "answers closed"
    else:
        left = _seconds_left(current.deadline)
        state = "answers open" + (f" · {_clock(left)} left" if left is not None else "")
    st.html(f'<p class="live-count-label">Round {current.round} · {html.escape(state)}</p>'
            f'<p class="live-count" aria-live="polite">{progress.answered} of {progress.joined} answered</p>')


def _next_steps(the: ClassStore, code: str, token: str, slug: str, current, *, enabled: bool) -> None:
    """The buttons for what can happen next, the likeliest first and primary."""
    steps = []
    if current.revealed:
        lesson = lessons.LESSONS[slug]
        st.success(f"The answer: {lesson.options[lesson.correct]}", icon=":material/check_circle:")
        return
    if not current.closed:
        steps.append(("Close answers", the.close_answers, {}, ":material/lock:"))
        # Some teachers let the bars grow while the class answers: their choice, hidden by default.
        if current.spread_shown:
            steps.append(("Hide the spread", the.show_spread, {"shown": False}, ":material/visibility_off:"))
        else:
            steps.append(("Show the spread", the.show_spread, {}, ":material/bar_chart:"))
    elif not current.spread_shown:
        steps.append(("Show the spread", the.show_spread, {}, ":material/bar_chart:"))
    if current.closed and current.round < classroom.MAX_ROUNDS:
        steps.append(("Vote again", the.vote_again, {"seconds": TIMERS.get(st.session_state.get("live_timer"))},
                      ":material/replay:"))
    steps.append(("Reveal the run", the.reveal, {}, ":material/visibility:"))
    columns = st.columns(len(steps))
    for index, (column, (label, action, extra, icon)) in enumerate(zip(columns, steps, strict=True)):
        column.button(label, key=f"step_{label}", type="primary" if index == 0 else "secondary", width="stretch",
                      icon=icon, disabled=not enabled, on_click=_act, args=(action, code, token, slug), kwargs=extra)


def _who_was_right(the: ClassStore, code: str, token: str, slug: str) -> None:
    lesson = lessons.LESSONS[slug]
    answer = lesson.options[lesson.correct]
    try:
        answers = the.answers(code, token, slug)
    except ClassroomError as refused:
        st.caption(widgets.plain(NOTHING_CHANGED if isinstance(refused, ClassroomUnavailable) else str(refused)))
        return
    right = [a for a in answers if a.choice == answer]
    st.metric("Predicted right (last round)", f"{len(right)} of {len(answers)}")
    if st.session_state.get("live_names"):
        st.dataframe(pd.DataFrame({"nickname": [a.nickname for a in answers], "answer": [a.choice for a in answers],
                                   "right": [a.choice == answer for a in answers]}),
                     hide_index=True, width="stretch")
    else:
        st.caption("Names are hidden: Room menu, Show names.")


# --- a challenge ------------------------------------------------------------------------------------------

def _challenge_controls(the: ClassStore, code: str, token: str, columns, shown: str) -> None:
    columns[0].selectbox("Vault", list(landscapes.LANDSCAPES), key="live_vault", label_visibility=shown,
                         format_func=lambda key: landscapes.LANDSCAPES[key].title)
    hands = classroom.hands()
    # Momentum first: its β (how much swing the hand keeps) is the knob a class explores best by hand.
    columns[1].selectbox("Hand", hands, key="live_hand", index=hands.index("momentum") if "momentum" in hands else 0,
                         format_func=lambda key: optim.get(key).title, label_visibility=shown)
    columns[2].number_input("Steps", min_value=10, max_value=class_challenge.MAX_STEPS, label_visibility=shown,
                            value=class_challenge.DEFAULT_STEPS, step=50, key="live_steps")
    columns[3].button("Open the challenge", key="open_challenge", type="primary", width="stretch",
                      on_click=_open_challenge, args=(the, code, token), icon=":material/flag:")
    refusal("challenge_refused")


def _open_challenge(the: ClassStore, code: str, token: str) -> None:
    optimizer, vault = st.session_state.live_hand, st.session_state.live_vault
    steps = int(st.session_state.live_steps)
    try:
        the.open_challenge(code, token, f"{optimizer}-{vault}-{steps}", optimizer, vault, steps)
    except ClassroomError as refused:
        refuse("challenge_refused", refused)


def _challenge(the: ClassStore, code: str, token: str, current, presenter: bool) -> None:
    lr_knob, beta_knob = classroom.knobs(current.optimizer)
    st.subheader(f"{optim.get(current.optimizer).title} on {landscapes.LANDSCAPES[current.vault].title}")
    st.caption(f"{current.steps} steps from the vault's start · learning rate {lr_knob.low:g} to {lr_knob.high:g}"
               f" · {beta_knob.label} {beta_knob.low:g} to {beta_knob.high:g}")
    _challenge_live(code, token, current.id, presenter, current.revealed)
    if not current.revealed:
        return
    try:
        board = the.leaderboard(code, current.id)
    except ClassroomUnavailable:
        return  # the live part above says so
    if board:
        settings_ = tuple((entry.lr, entry.beta) for entry in board)
        st.plotly_chart(class_paths(current.optimizer, current.vault, current.steps, settings_, presenter),
                        width="stretch", key="live_paths", config={"displaylogo": False},
                        alt=f"Every run in the class on the vault's map, {len(board)} paths labelled by rank")
        st.caption("Each path ends at its rank on the leaderboard: 1 is the fastest to settle on the combination.")


@st.cache_data(max_entries=16, show_spinner=False)
def _class_paths_views(optimizer: str, vault: str, steps: int, settings_: tuple) -> list:
    beta_name = classroom.knobs(optimizer)[1].name
    views = []
    for lr, beta in settings_:
        trajectory = class_challenge.run(optimizer, vault, steps, lr, beta)
        views.append(viz.path_view(trajectory, label=f"lr {lr:.3g}, {beta_name} {beta:.3g}"))
    return views


def class_paths(optimizer: str, vault: str, steps: int, settings_: tuple, presenter: bool):
    """Every accepted setting's run, in leaderboard order (so the labels are ranks)."""
    views = _class_paths_views(optimizer, vault, steps, settings_)
    return live_figures.class_paths_figure(landscapes.LANDSCAPES[vault], views, presenter=presenter)


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


@st.fragment(run_every=EVERY)
def _challenge_live(code: str, token: str, challenge_id: str, presenter: bool, drawn_revealed: bool) -> None:
    the = the_store()
    try:
        current = the.current(code)
        if current.kind != "challenge" or current.id != challenge_id:
            st.rerun()
        board, joined = the.leaderboard(code, challenge_id), the.joined(code)
    except ClassroomUnavailable:
        seen = st.session_state.get("live_challenge_seen")
        if seen is None or seen[0].id != challenge_id:
            outage_notice()
            return
        current, board, joined = seen
        fresh = False
    except ClassroomError as refused:
        st.error(widgets.plain(str(refused)), icon=":material/block:")
        return
    else:
        fresh = True
        st.session_state.live_challenge_seen = (current, board, joined)
        if current.revealed != drawn_revealed:
            st.rerun()
    if not fresh:
        outage_notice()
    lr_knob, beta_knob = classroom.knobs(current.optimizer)
    table_side, cloud_side = st.columns([1, 1])
    with table_side:
        st.html(f'<p class="live-count" aria-live="polite">{len(board)} of {joined} sent</p>')
        if not current.revealed:
            st.button("Stop and show every run", key="reveal_challenge", type="primary", disabled=not fresh,
                      on_click=_act, args=(the.reveal_challenge, code, token, challenge_id),
                      icon=":material/visibility:")
            refusal("step_refused")
        table = {"rank": list(range(1, len(board) + 1))}
        if st.session_state.get("live_names"):
            table["nickname"] = [entry.nickname for entry in board]
        table |= {"lr": [entry.lr for entry in board], beta_knob.name: [entry.beta for entry in board],
                  "outcome": [outcome_short(entry.result) for entry in board]}
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", height=320)
    with cloud_side:
        st.plotly_chart(live_figures.settings_cloud(
            [e.lr for e in board], [e.beta for e in board], [outcome_word(e.result) for e in board],
            lr_range=(lr_knob.low, lr_knob.high), beta_range=(beta_knob.low, beta_knob.high),
            beta_label=beta_knob.label, presenter=presenter),
            width="stretch", key="live_cloud", config={"displaylogo": False, "staticPlot": True},
            alt="The class's settings: learning rate against the second knob, coloured by what each run did")
        counts = {word: sum(outcome_word(e.result) == word for e in board) for word in ("settled", "searching",
                                                                                         "spun off")}
        st.caption(", ".join(f"{n} {word}" for word, n in counts.items()) + ".")
