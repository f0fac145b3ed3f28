"""The live class on a student's phone: join with a nickname, answer (and vote again), send a challenge entry.

The phone is the same student after a refresh, a dropped connection or a restarted server: its token for
the room is derived from the browser's device secret (ui/device.py), never kept in the address. The phone
looks at the store every two seconds and redraws its question only when the look found a change, so a
refreshed phone finds its answer, its run and a refused entry's reason again. While the database does not
answer, the phone keeps showing the question, keeps an answer tapped meanwhile, saves it when the database
is back, and says so, or says it was not saved and why.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import streamlit as st

import classroom
import landscapes
import optim
from classroom import ClassroomError, ClassroomUnavailable, ClassStore
from classroom import challenge as class_challenge
from ui import lessons, widgets
from ui.live_room import outage_notice, refusal, refuse, the_store

EVERY = "2s"  # a phone looks for the next question, and saves a kept answer, this often


def student_token(device: str, code: str) -> str:
    return classroom.device_token(device, f"student:{code}")


def recognised(the: ClassStore, device: str, code: str | None):
    """(code, token, nickname) when this device has joined room `code`, else None; says nothing either way
    about whether the room exists (a page that did would let anyone probe codes)."""
    cleaned = classroom.clean_code(code)
    if cleaned is None:
        return None
    token = student_token(device, cleaned)
    try:
        return cleaned, token, the.rejoin(cleaned, token)
    except ClassroomUnavailable:
        raise
    except ClassroomError:
        return None


# --- joining --------------------------------------------------------------------------------------------

def join_form(the: ClassStore, device: str, address: str, linked: str | None) -> None:
    """A form: the code and nickname travel with the tap on Join (or the phone keyboard's Enter). A join link
    already names the room, so the phone only asks for a nickname. Whether the room exists is said only after
    a nickname is sent, and in the same words for a room that never was, is closed or has expired."""
    with st.form("join_form", border=False, enter_to_submit=True):
        if linked:
            st.text(f"Room {linked}")
        else:
            st.text_input("Room code", key="join_code", max_chars=12, placeholder="e.g. K7HR3M",
                          help="The six letters and digits on the projector.")
        st.text_input("Nickname", key="join_nickname", max_chars=classroom.MAX_NICKNAME,
                      help="What the class will see. Nothing else about you is stored.")
        st.form_submit_button("Join", key="join", type="primary", on_click=_join, args=(the, device, address, linked),
                              width="stretch", icon=":material/login:")
    refusal("join_refused")


def _join(the: ClassStore, device: str, address: str, linked: str | None) -> None:
    code = linked or st.session_state.get("join_code") or ""
    cleaned = classroom.clean_code(code)
    token = student_token(device, cleaned or "")
    try:
        found = recognised(the, device, cleaned)  # this device is in the room already (it left, then came back)
        if found is None:
            the.join(code, st.session_state.get("join_nickname", ""), token=token, address=address)
            found = (cleaned, token, the.rejoin(cleaned, token))
    except ClassroomError as refused:
        refuse("join_refused", refused)
        return
    st.session_state.live_student = found
    st.session_state.pop("live_student_left", None)


def _leave() -> None:
    st.session_state.live_student_left = st.session_state.pop("live_student", (None,))[0]


# --- in the room ----------------------------------------------------------------------------------------

def room(code: str, token: str, nickname: str) -> None:
    st.text(f"You are {nickname} · room {code}")
    st.session_state[_WHOLE_RUN] = True
    _watch(code, token)
    _activity(code, token)
    st.button("Leave this room", key="leave", on_click=_leave)


# Why two fragments: Streamlit redraws the whole of a fragment each time it runs, so a phone that redrew its
# question and buttons every two seconds cost the server a full drawing per phone per look; with two hundred
# phones that was most of the server (benchmarks/bench_class.py). The look is a fragment that draws at most a
# line (the timer, or the outage sentence) and reruns the page only when something it found differs from what
# the phone shows; the question and its buttons are a fragment of their own, redrawn by a change or a tap.
_WHOLE_RUN = "_live_whole_run"
_SHOWN = "_live_shown"


@st.fragment(run_every=EVERY)
def _watch(code: str, token: str) -> None:
    """The phone's look every two seconds: the current question or challenge, the phone's own answers, and an
    answer or entry kept through an outage sent again."""
    whole_run = st.session_state.pop(_WHOLE_RUN, False)
    the = the_store()
    _save_kept(the, code, token)
    try:
        st.session_state.live_glance = the.glance(code, token)
        st.session_state.live_problem = None
    except ClassroomUnavailable:
        st.session_state.live_problem = "unavailable"
        outage_notice()
    except ClassroomError as refused:  # the room closed, or the teacher removed this device
        st.session_state.live_problem = str(refused)
    glance = st.session_state.get("live_glance")
    current = glance.current if glance is not None and st.session_state.live_problem is None else None
    if current is not None and current.kind == "question" and current.deadline is not None and not current.closed:
        left = max(0, int(current.deadline - time.time() + 0.999))
        st.caption(f"{left // 60}:{left % 60:02d} left to answer")
    if not whole_run and _seen() != st.session_state.get(_SHOWN):
        st.rerun()


def _seen() -> tuple:
    """Everything the phone's question part is drawn from. Whether the projector shows the spread is not: a
    teacher's tap on it must not redraw every phone in the room."""
    state = st.session_state
    glance = state.get("live_glance")
    if glance is not None:
        glance = (glance.nickname, replace(glance.current, spread_shown=False), glance.mine)
    return (glance, state.get("live_problem"), state.get("live_kept"),
            state.get("live_kept_entry"), state.get("live_not_saved"), state.get("submit_refused"))


@st.fragment
def _activity(code: str, token: str) -> None:
    """Only the current question or challenge, as the last look found it."""
    try:
        _draw(code, token)
    finally:
        st.session_state[_SHOWN] = _seen()  # after drawing, which may have said a kept refusal


def _draw(code: str, token: str) -> None:
    problem, glance = st.session_state.get("live_problem"), st.session_state.get("live_glance")
    if problem not in (None, "unavailable"):
        st.error(widgets.plain(problem), icon=":material/block:")
        return
    if glance is None:
        return
    current = glance.current
    if current.kind == "question":
        _question(code, token, glance)
    elif current.kind == "challenge":
        _challenge(the_store(), code, token, current, fresh=problem is None)
    else:
        st.info("You're in. Wait for your teacher's question.", icon=":material/hourglass_top:")


def _question(code: str, token: str, glance) -> None:
    current = glance.current
    lesson = lessons.LESSONS.get(current.id or "")
    st.markdown(f"#### {lesson.question}" if lesson else "#### Choose an answer")
    if current.round > 1 and not current.closed:
        st.markdown("**Vote again**, now that you have talked it over: keep your answer or change it.")
    kept = st.session_state.get("live_kept")
    kept = kept[3] if kept and kept[:3] == (code, current.id, current.round) else None
    mine = kept or glance.mine.get(current.round)
    with st.container(key="live_answers"):
        for index, choice in enumerate(current.choices):
            st.button(choice, key=f"choice_{current.id}_{index}", width="stretch",
                      type="primary" if choice == mine else "secondary", disabled=current.closed,
                      on_click=_predict, args=(code, token, current.id, current.round, choice),
                      icon=":material/radio_button_checked:" if choice == mine else None)
    refusal("answer_refused")
    lost = st.session_state.get("live_not_saved")
    if lost:
        st.error(widgets.plain(f"Your answer {lost[0]} was not saved: {lost[1]}"), icon=":material/error:")
    if kept:
        st.warning(widgets.plain(f"Your answer {kept} is kept on this phone and will be saved as soon as the "
                                 "connection returns."), icon=":material/schedule:")
    elif current.revealed:
        answer = current.answer or (lesson.options[lesson.correct] if lesson else None)
        if answer is None:
            st.info("The answer is on the projector.", icon=":material/visibility:")
        elif mine == answer:
            st.success(widgets.plain(f"Right: {answer}. Look at the projector for why."),
                       icon=":material/check_circle:")
        else:
            said = f"You answered {mine}. " if mine else ""
            st.error(widgets.plain(f"{said}The answer was: {answer}. Look at the projector for why."),
                     icon=":material/cancel:")
    elif current.closed:
        said = f"Your answer: {mine}. " if mine else "You did not answer this round. "
        st.info(widgets.plain(said + "Answers are closed: talk it over with your neighbours, your teacher may open "
                              "a second vote."), icon=":material/forum:")
    elif mine is None:
        st.caption("Tap your answer. You can change it until answers close.")
    else:
        st.caption(f"Saved: {widgets.plain(mine)}. You can change it until answers close.")


def _predict(code: str, token: str, question_id: str, round_: int, choice: str) -> None:
    st.session_state.pop("live_not_saved", None)
    try:
        the_store().predict(code, token, question_id, choice, round=round_)
    except ClassroomUnavailable:
        st.session_state.live_kept = (code, question_id, round_, choice)
        return
    except ClassroomError as refused:
        refuse("answer_refused", refused)
        return
    st.session_state.pop("live_kept", None)
    glance = st.session_state.get("live_glance")
    if glance is not None and glance.current.id == question_id:  # the tap shows at once, before the next look
        st.session_state.live_glance = type(glance)(glance.nickname, glance.current, {**glance.mine, round_: choice})


def _save_kept(the: ClassStore, code: str, token: str) -> None:
    """An answer or an entry kept through an outage is sent again; refused now, the phone says why."""
    kept = st.session_state.get("live_kept")
    if kept and kept[0] == code:
        try:
            the.predict(code, token, kept[1], kept[3], round=kept[2])
        except ClassroomUnavailable:
            return
        except ClassroomError as refused:
            st.session_state.live_not_saved = (kept[3], str(refused))
        st.session_state.pop("live_kept", None)
    entry = st.session_state.get("live_kept_entry")
    if entry and entry[0] == code:
        try:
            the.submit(code, token, entry[1], entry[2], entry[3])
        except ClassroomUnavailable:
            return
        except ClassroomError as refused:
            st.session_state.submit_refused = str(refused)
        st.session_state.pop("live_kept_entry", None)


# --- a challenge ----------------------------------------------------------------------------------------

def _challenge(the: ClassStore, code: str, token: str, current, fresh: bool) -> None:
    lr_knob, beta_knob = classroom.knobs(current.optimizer)
    st.markdown(f"#### Challenge: {optim.get(current.optimizer).title} on "
                f"{landscapes.LANDSCAPES[current.vault].title}")
    st.caption(f"Pick the hand's settings. The server runs {current.steps} steps from the vault's start; the "
               "fastest to settle on the combination tops the board.")
    entry = None
    if fresh:
        try:
            entry = the.my_entry(code, token, current.id)
            st.session_state.live_entry_seen = (current.id, entry)
        except ClassroomUnavailable:
            pass
        except ClassroomError as refused:
            st.error(widgets.plain(str(refused)), icon=":material/block:")
            return
    seen = st.session_state.get("live_entry_seen")
    if entry is None and seen and seen[0] == current.id:
        entry = seen[1]
    if st.session_state.get("my_challenge") != current.id:
        # A new challenge, or a refreshed phone: the boxes start from the setting that counts, if any.
        counted = entry.submission if entry else None
        st.session_state.my_lr = f"{counted.lr:g}" if counted else f"{lr_knob.default:g}"
        st.session_state.my_beta = f"{counted.beta:g}" if counted else f"{beta_knob.default:g}"
        st.session_state.my_challenge = current.id
    st.text_input(f"Learning rate ({lr_knob.low:g} to {lr_knob.high:g})", key="my_lr", disabled=current.revealed)
    st.text_input(f"{beta_knob.label[:1].upper()}{beta_knob.label[1:]} ({beta_knob.low:g} to {beta_knob.high:g})",
                  key="my_beta", disabled=current.revealed)
    st.button("Send", key="send", type="primary", width="stretch", on_click=_submit, args=(code, token, current.id),
              disabled=current.revealed, icon=":material/send:")
    if entry and entry.refused and entry.refused[2] == st.session_state.get("submit_refused"):
        st.session_state.pop("submit_refused")  # said below, with what was typed
    refusal("submit_refused")
    kept = st.session_state.get("live_kept_entry")
    if kept and kept[:2] == (code, current.id):
        st.warning("Your entry is kept on this phone and will be sent as soon as the connection returns.",
                   icon=":material/schedule:")
    if entry and entry.refused:
        lr_typed, beta_typed, reason = entry.refused
        still = " The run below is still the one that counts." if entry.submission else ""
        st.error(widgets.plain(f"Your last entry (learning rate {lr_typed}, {beta_knob.name} {beta_typed}) was "
                               f"refused: {reason}{still}"), icon=":material/block:")
    if entry and entry.submission:
        mine = entry.submission
        st.success(widgets.plain(f"Your run (learning rate {mine.lr:g}, {beta_knob.name} {mine.beta:g}): "
                                 f"{class_challenge.outcome_words(mine.result, current.steps)}."),
                   icon=":material/flag:")
    if current.revealed:
        st.info("The challenge is over: every run is on the projector.", icon=":material/visibility:")


def _submit(code: str, token: str, challenge_id: str) -> None:
    lr, beta = _number(st.session_state.get("my_lr")), _number(st.session_state.get("my_beta"))
    try:
        the_store().submit(code, token, challenge_id, lr, beta)
    except ClassroomUnavailable:
        st.session_state.live_kept_entry = (code, challenge_id, lr, beta)
    except ClassroomError as refused:
        refuse("submit_refused", refused)


def _number(text) -> float | str:
    """A typed number as a float, or the text itself for the store to refuse with its message."""
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return str(text)[:20]
    return value if math.isfinite(value) else str(text)[:20]
