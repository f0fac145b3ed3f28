"""What the live class's teacher and student screens share: the store and its settings, who the client is,
the join link and its QR code, and how a screen stays calm when the database does not answer.

A nickname is only ever shown through st.text, a dataframe cell or an escaped refusal, never through
markdown or HTML, and never in a figure.
"""

from __future__ import annotations

import functools
import io
import os
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

import classroom
from classroom import ClassroomError, ClassroomUnavailable, ClassStore
from ui import widgets

PAGE_PATH = "Live_class"  # the URL path Streamlit gives pages/6_Live_class.py
SECRETS_SECTION = "classroom"  # [classroom] in .streamlit/secrets.toml
ROOM_CAP_SETTING = "SAFECRACKER_ROOM_CAP"
TRUSTED_PROXIES_SETTING = "SAFECRACKER_TRUSTED_PROXIES"
WAIT_EVERY = "1s"  # a screen waiting for the database asks again this often
UNAVAILABLE = ClassroomUnavailable().args[0]
NOTHING_CHANGED = "The class's database is not answering, so nothing was changed: try again in a moment."
ROOM_STYLE = """<style>
.room-code { font: 700 4.2rem/1.1 ui-monospace, monospace; letter-spacing: 0.35rem; margin: 0; }
.room-code-label { font-size: 1.05rem; margin: 0; }
.room-title { font: 700 1.6rem/1.2 ui-monospace, monospace; letter-spacing: 0.12rem; white-space: nowrap; margin: 0; }
.join-link { overflow-wrap: anywhere; font-size: 0.95rem; margin: 0; }
.live-count { font-size: 2rem; font-weight: 700; line-height: 1.15; margin: 0; }
.live-count-small { font-size: 1.15rem; font-weight: 700; line-height: 1.2; margin: 0; white-space: nowrap; }
.live-count-label { font-size: 1rem; margin: 0; }
div[data-testid="stButton"] button, div[data-testid="stDownloadButton"] button,
div[data-testid="stFormSubmitButton"] button, div[data-testid="stPopover"] button { min-height: 2.75rem; }
.st-key-live_answers div[data-testid="stButton"] button { min-height: 3.2rem; }
.st-key-live_answers div[data-testid="stButton"] button p { font-size: 1.1rem; }
/* The header bar is opaque on a phone and a projector: the room's first line starts below it. */
@media (max-width: 700px) { .block-container { padding-top: 4.1rem !important; } }
</style>"""
# In presenter mode the header bar is taller (75 px) and the page's own padding smaller.
PRESENTER_STYLE = "<style>.block-container { padding-top: 82px !important; }</style>"


# --- the store and its settings ---------------------------------------------------------------------------

def _setting(environment: str, secret: str) -> str | None:
    """An environment variable, else the [classroom] secret of that name, else None."""
    if os.environ.get(environment):
        return os.environ[environment]
    value = _secrets().get(secret)
    return None if value is None else str(value)


@functools.cache
def _secrets() -> dict:
    """The [classroom] secrets, read once per process. Without a secrets.toml, Streamlit looks for the files
    again on every access: a third of the server's time when 200 phones looked for the next question."""
    try:
        return dict(st.secrets[SECRETS_SECTION])
    except (FileNotFoundError, KeyError):
        return {}


def database_url() -> str | None:
    """The one setting: SAFECRACKER_DATABASE_URL, else the [classroom] database_url secret, else None (SQLite)."""
    return _setting(classroom.URL_SETTING, "database_url")


def room_cap() -> int:
    """Students a room takes (SAFECRACKER_ROOM_CAP or [classroom] room_cap; 200 unless set)."""
    try:
        return max(1, int(_setting(ROOM_CAP_SETTING, "room_cap") or classroom.DEFAULT_ROOM_CAP))
    except ValueError:
        return classroom.DEFAULT_ROOM_CAP


@st.cache_resource(show_spinner=False)
def store(url: str | None, cap: int) -> ClassStore:
    """One store (one connection pool) per process, shared by every session."""
    return ClassStore(url, room_cap=cap)


def the_store() -> ClassStore:
    return store(database_url(), room_cap())


def client_address() -> str:
    """The address the limits on failed attempts count against (see `address_from`)."""
    try:
        hops = int(_setting(TRUSTED_PROXIES_SETTING, "trusted_proxies") or 0)
    except ValueError:
        hops = 0
    return address_from(st.context.headers.get("X-Forwarded-For"), st.context.ip_address, hops)


def address_from(forwarded_for, own, hops: int) -> str:
    """Behind proxies that the deployment says it has (SAFECRACKER_TRUSTED_PROXIES=n; deploy/ sets 1 for its
    HAProxy), the n-th address from the right of X-Forwarded-For, which the nearest trusted proxy wrote;
    otherwise the connection's own address, whatever the request claims (a client can write any
    X-Forwarded-For it likes, but not the addresses a proxy appends after it). "loopback" for a connection
    from this machine (Streamlit gives None for those, and under AppTest)."""
    if hops > 0 and isinstance(forwarded_for, str):
        parts = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(parts) >= hops:
            return parts[-hops][:64]
    return own[:64] if isinstance(own, str) and own else "loopback"


# --- the room's address -----------------------------------------------------------------------------------

def join_link(code: str, page_url: str | None) -> str:
    """The address a phone opens to join `code`: this server's page with ?room=, and nothing else."""
    parts = urlsplit(page_url or "http://localhost:8501/")
    return f"{parts.scheme or 'http'}://{parts.netloc or 'localhost:8501'}/{PAGE_PATH}?{urlencode({'room': code})}"


def qr_png(link: str, scale: int = 8) -> bytes:
    """The join link as a QR code (PNG), readable from the back of a room."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=2, dark="#1a1a1a", light="#ffffff")
    return buffer.getvalue()


# --- refusals and outages ---------------------------------------------------------------------------------

def style(presenter: bool) -> None:
    st.html(ROOM_STYLE + (PRESENTER_STYLE if presenter else ""))


def refusal(key: str, *, keep: bool = False) -> None:
    """The last refusal stored under `key`, shown where the widget that caused it is. A refusal may quote
    what was typed (a nickname, a setting), so it is shown as written, never as markdown. `keep`: shown on
    every run until the code that stored it clears it (a refused entry stays until it is corrected)."""
    message = st.session_state.get(key) if keep else st.session_state.pop(key, None)
    if message:
        st.error(widgets.plain(message), icon=":material/block:")


def refuse(key: str, error: ClassroomError) -> None:
    """Store `error` for `refusal(key)`: an outage says that nothing was changed, a refusal what to do."""
    st.session_state[key] = NOTHING_CHANGED if isinstance(error, ClassroomUnavailable) else str(error)


def outage_notice() -> None:
    """The one sentence every screen shows while the database does not answer."""
    st.info(UNAVAILABLE, icon=":material/cloud_off:")


def outage() -> None:
    """The notice, and a check every second that brings the whole page back once the database answers."""
    outage_notice()
    _wait_for_database()


@st.fragment(run_every=WAIT_EVERY)
def _wait_for_database() -> None:
    try:
        the_store().ping()
    except ClassroomUnavailable:
        return
    st.rerun()
