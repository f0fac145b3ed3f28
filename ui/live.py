"""The live class page: who is holding this screen, and which screen they get.

The teacher's projector (ui/live_teacher.py) and the student's phone (ui/live_student.py) share the store,
the join link and the calm outage screen (ui/live_room.py). Who is who comes from the browser's device secret
(ui/device.py), never from the address: a teacher's browser that refreshes, or meets a restarted server, is
back in its newest open room; a phone that opened a room's link and joined is that student again; anybody
else who opens the same address is a new visitor.
"""

from __future__ import annotations

import streamlit as st

from classroom import ClassroomError, ClassroomUnavailable
from ui import device, live_student, live_teacher, url_state, widgets
from ui.live_room import client_address, outage, style, the_store

CONNECTING_EVERY = "1s"
CONNECTING_TRIES = 4  # seconds to wait for the browser's element before the session makes up its own device


def expected_role() -> str:
    """Who is most likely holding this screen: a join link or a phone means a student, a wide screen the
    teacher. Only a guess for the switch's first position; a tap on it settles the matter."""
    if url_state.address_value("room") or widgets.on_phone():
        return "A student"
    return "The teacher"


def _role_chosen() -> None:
    st.session_state.live_role_chosen = True


def body(presenter: bool) -> None:
    style(presenter)
    secret = device.secret()
    if url_state.address_value("student"):
        url_state.drop_from_address("student")  # old links carried a student's token: never again
    if secret is None:
        _connecting()
        return
    try:
        the = the_store()
    except ClassroomError as refused:  # a database URL that is not one
        st.error(widgets.plain(f"The class store cannot start: {refused}"), icon=":material/error:")
        return
    try:
        _screen(the, secret, presenter)
    except ClassroomUnavailable:
        outage()


def _screen(the, secret: str, presenter: bool) -> None:
    linked = url_state.address_value("room")
    if "live_room" not in st.session_state and "live_student" not in st.session_state:
        _recognise(the, secret, linked)
    if "live_room" in st.session_state:
        try:
            live_teacher.room(the, st.session_state.live_room, st.session_state.live_teacher, presenter)
        except ClassroomUnavailable:
            raise
        except ClassroomError:
            # Closed from another tab or computer, or a day old: the room is gone, and so is what it held.
            for key in ("live_room", "live_teacher", "live_closing"):
                st.session_state.pop(key, None)
            st.session_state.live_teacher_left = True
            st.session_state.live_closed_note = ("This room is closed or has expired, and its answers are deleted. "
                                                 "Open a new room to go on.")
            st.rerun()
        return
    if "live_student" in st.session_state:
        live_student.room(*st.session_state.live_student)
        return
    st.title("Live class")
    note = st.session_state.pop("live_closed_note", None)
    if note:
        st.success(note, icon=":material/check_circle:")
    # Until the switch is tapped it follows the guess, which can change once: a phone reports its width
    # only after the page's first run.
    if not st.session_state.get("live_role_chosen"):
        st.session_state.live_role = expected_role()
    role = st.segmented_control("I am", ["A student", "The teacher"], key="live_role", on_change=_role_chosen)
    if (role or expected_role()) == "The teacher":
        live_teacher.start(the, secret, client_address())
    else:
        live_student.join_form(the, secret, client_address(), linked)


def _recognise(the, secret: str, linked: str | None) -> None:
    """A session's first look: the student of the linked room this device joined, or the teacher of the
    newest open room this device opened (unless this session left it)."""
    if linked and st.session_state.get("live_student_left") != linked:
        found = live_student.recognised(the, secret, linked)
        if found is not None:
            st.session_state.live_student = found
            return
    if not linked and not st.session_state.get("live_teacher_left") and \
            st.session_state.get("live_role") != "A student":
        mine = the.rooms_of(live_teacher.teacher_key(secret))
        if mine:
            st.session_state.live_room, st.session_state.live_teacher = mine[0], live_teacher.teacher_key(secret)


def _connecting() -> None:
    st.title("Live class")
    st.caption("Connecting this device…")
    _wait_for_device()


@st.fragment(run_every=CONNECTING_EVERY)
def _wait_for_device() -> None:
    """The browser's element reports within a moment; should it not, the session gets a device of its own
    (it is then forgotten on a refresh, but the page works)."""
    tries = st.session_state.get("_device_tries", 0) + 1
    st.session_state._device_tries = tries
    if device.reported():
        st.rerun()
    if tries > CONNECTING_TRIES:
        device.fallback()
        st.rerun()
