"""Who this browser is, kept in the browser: the live class's identity without a secret in any address.

A components-v2 element (JavaScript in the app page itself, no iframe, nothing drawn) reads the browser's
device secret from its localStorage, drawing 32 random bytes the first time, and hands it to the server as
the element's state, which travels only over the page's websocket. The live class derives from it the
device's teacher key and its student token for a room (`classroom.device_token`), so:

- a refresh, a dropped connection or a restarted server finds the same student and the same teacher: the
  secret is still in the browser, and the store knows its tokens;
- an address, a QR code or a projected page carries no secret, so a copied or photographed link opens the
  page as a new visitor;
- nothing reaches a log, a proxy or another site: unlike a cookie, localStorage is sent nowhere by the
  browser, and Streamlit gives no way to set an HttpOnly cookie, which is the one thing a cookie would add.

What it does not protect against: anyone who holds the unlocked phone (or its browser profile), and script
running in the page itself (which could read any storage; the app renders no user text as HTML). Clearing
the site's data, or a private window, makes a new device: a removed student can come back that way under a
new nickname, which the teacher can remove again.

The secret arrives one round trip after a session's first run (the element must mount first): until then
`secret()` is None and the page shows that it is connecting. A browser that keeps no storage gets a secret
for the page only (a refresh is then a new visitor); should the element never answer, `fallback()` gives
the session one of its own.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st

from classroom import is_device_secret

_KEY = "_device"
_FALLBACK = "_device_fallback"
_JS = (Path(__file__).resolve().parent / "device.js").read_text()
_device = st.components.v2.component("safecracker_device", js=_JS)


def secret() -> str | None:
    """This browser's device secret, or None while the element has not reported it yet. Mounts the element
    (nothing visible); call it once per script run, before anything that needs to know who is there."""
    reported = _reported(st.session_state.get(_KEY))
    state = _device(key=_KEY, data={"known": reported is not None}, on_device_change=lambda: None)
    reported = _reported(state) or reported
    return reported or st.session_state.get(_FALLBACK)


def fallback() -> str:
    """A secret for this session only, for a browser whose element never reported (the page then forgets
    the student on a refresh, but works)."""
    return st.session_state.setdefault(_FALLBACK, secrets.token_urlsafe(32))


def reported() -> bool:
    """Whether the browser's element has reported the device (read by a waiting fragment)."""
    return _reported(st.session_state.get(_KEY)) is not None


def _reported(state) -> str | None:
    value = state.get("device") if isinstance(state, dict) else getattr(state, "device", None)
    return value if is_device_secret(value) else None
