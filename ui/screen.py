"""The browser's side of the screen: whether the window is narrow, and how tall it is.

How the page learns the screen (issue 9): Streamlit cannot tell the server the viewport's width
(`st.context` carries headers, locale, theme and URL, not the window), and a plotly figure cannot re-arrange
its panels by itself (its responsive mode only rescales them). So a components-v2 element, a few lines of
JavaScript running in the app page itself (no iframe, no height), reports whether the window is narrower
than `NARROW_PX`, and its height in steps of `HEIGHT_STEP`: on its first mount and again only when one of
them changes. The page then builds the figure variant for the screen ("phone" below it, "desk" or
"presenter" above, the presenter's as tall as the window). The cost is one
rerun the first time a phone opens the app (the figures are cached, so about a second); after that the
answer lives in the session.

The keys a presenter's clicker sends (space plays or pauses, the arrow keys and Page Up / Page Down step) are
the replay player's own (`ui/player.py`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

NARROW_PX = 700
HEIGHT_STEP = 60
_KEY = "_screen"

_JS = (Path(__file__).resolve().parent / "screen.js").read_text()
_screen = st.components.v2.component("safecracker_screen", js=_JS)


def report(want_height: bool = False) -> tuple[bool, int | None]:
    """(whether the browser window is narrower than NARROW_PX, its height rounded down to HEIGHT_STEP px,
    asked only with `want_height`); (False, None) until the browser has said. A wide window that is not
    asked its height never causes a rerun."""
    known = st.session_state.get(_KEY) or {}
    data = {"limit": NARROW_PX, "step": HEIGHT_STEP, "narrow": bool(_get(known, "narrow", False)),
            "height": _get(known, "height", None), "wantHeight": want_height}
    state = _screen(key=_KEY, data=data,
                    on_narrow_change=lambda: None, on_height_change=lambda: None)
    height = _get(state, "height", None)
    return bool(_get(state, "narrow", False)), int(height) if height else None


def _get(state, name: str, default):
    if isinstance(state, dict):
        return state.get(name, default)
    return getattr(state, name, default)
