"""Widgets whose keys are also URL query parameters, so the address bar always holds the whole scene.

This is the only module that reads or writes `st.query_params`. A page declares its settings as `Setting`s.
`restore(settings)` runs before the widgets: on a page's first run it reads the URL, puts every valid value
into `st.session_state` under the widget's key, and shows a warning for each one it had to ignore.
`publish(settings)` runs after the widgets and writes their current values back, so a teacher can copy the
address and share exactly this scene.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

_CURRENT_PAGE = "_url_state_page"  # the page whose widgets own the address bar right now

Parser = Callable[[list[str]], Any]  # raw URL values -> value; raises ValueError with a reason


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    parse: Parser
    dump: Callable[[Any], str | list[str]] = str


def number(key: str, default: float, low: float, high: float, *, integer: bool = False) -> Setting:
    def parse(raw: list[str]):
        text = raw[-1].strip()
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a {'whole ' if integer else ''}number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"{value:g} is outside the allowed range {low:g} to {high:g}")
        return value

    return Setting(key, default, parse, lambda v: str(int(v)) if integer else f"{float(v):.6g}")


def choice(key: str, default: str, options: Sequence[str]) -> Setting:
    def parse(raw: list[str]):
        text = raw[-1].strip()
        if text not in options:
            raise ValueError(f"'{text[:40]}' is not one of {', '.join(options)}")
        return text

    return Setting(key, default, parse)


def choices(key: str, default: Sequence[str], options: Sequence[str], *, low: int = 1, high: int = 99) -> Setting:
    def parse(raw: list[str]):
        picked = [part.strip() for value in raw for part in value.split(",") if part.strip()]
        unknown = [p for p in picked if p not in options]
        if unknown:
            raise ValueError(f"'{unknown[0][:40]}' is not one of {', '.join(options)}")
        picked = list(dict.fromkeys(picked))
        if not low <= len(picked) <= high:
            raise ValueError(f"choose between {low} and {high}")
        return picked

    return Setting(key, list(default), parse, lambda v: ",".join(v))


def switch(key: str, default: bool) -> Setting:
    def parse(raw: list[str]):
        text = raw[-1].strip().lower()
        if text not in ("true", "false", "1", "0"):
            raise ValueError(f"'{text[:20]}' is not true or false")
        return text in ("true", "1")

    return Setting(key, default, parse, lambda v: "true" if v else "false")


def text(key: str, default: str, *, max_length: int = 300) -> Setting:
    def parse(raw: list[str]):
        if len(raw[-1]) > max_length:
            raise ValueError(f"it is longer than {max_length} characters")
        return raw[-1]

    return Setting(key, default, parse)


# Presenter mode rides along in every page's address (shareable and bookmarkable like any setting), but
# only when it is on, so ordinary links stay short.
PRESENTER = switch("presenter", False)
_PRESENTER_SEEN = "_url_presenter_seen"


def presenter_mode() -> bool:
    """Presenter mode: what the address says when it says something new (a bookmark, a shared link, an edited
    address), otherwise this session's own choice (the sidebar toggle, key "presenter")."""
    raw = st.query_params.get_all(PRESENTER.key)
    if raw and st.session_state.get(_PRESENTER_SEEN) != raw:
        st.session_state[_PRESENTER_SEEN] = raw
        with contextlib.suppress(ValueError):  # a malformed value is ignored: the toggle shows what is on
            st.session_state[PRESENTER.key] = PRESENTER.parse(raw)
    return bool(st.session_state.get(PRESENTER.key, False))


def restore(page: str, settings: Sequence[Setting]) -> bool:
    """Seed widget state from the URL whenever the learner arrives on this page (by a link, a shared
    address, a refresh or a switch from another page); on reruns within the page the widgets lead and the URL
    follows. Warns about whatever in the address had to be ignored. Returns whether this run was an arrival
    (the settings were just read from the address)."""
    if st.session_state.get(_CURRENT_PAGE) == page:
        for setting in settings:
            st.session_state.setdefault(setting.key, setting.default)
        return False
    st.session_state[_CURRENT_PAGE] = page
    problems = []
    for setting in settings:
        raw = st.query_params.get_all(setting.key)
        value = setting.default
        if raw:
            try:
                value = setting.parse(raw)
            except ValueError as reason:
                problems.append(f"`{setting.key}={', '.join(raw)[:60]}`: {reason}")
        st.session_state[setting.key] = value
    if problems:
        st.session_state[f"_url_problems_{page}"] = problems
    return True


def pending_choice(key: str, default: str, options) -> str:
    """A choice needed before its widget is drawn: this session's value, else the address's (if it is one of
    `options`), else the default."""
    value = st.session_state.get(key)
    if value is None:
        value = st.query_params.get(key, default)
    return value if value in options else default


def show_problems(page: str) -> None:
    """The warnings from the shared link, shown until the learner changes something."""
    problems = st.session_state.pop(f"_url_problems_{page}", None)
    if problems:
        st.warning("Some settings in the link were ignored, and defaults used instead:\n\n"
                   + "\n".join(f"- {p}" for p in problems), icon=":material/warning:")


def publish(page: str, settings: Sequence[Setting]) -> None:
    """Write the current settings into the address bar, in the order the page declares them."""
    values = {}
    for setting in settings:
        value = st.session_state.get(setting.key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            values[setting.key] = setting.dump(value)
    if st.session_state.get(PRESENTER.key):
        values[PRESENTER.key] = "1"
        st.session_state[_PRESENTER_SEEN] = ["1"]
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = {key: value if isinstance(value, list) else [value] for key, value in values.items()}
    if current != wanted:
        st.query_params.from_dict(values)


def publish_one(setting: Setting, value) -> None:
    """Write one setting into the address bar, leaving the others as they are: for a widget in a fragment,
    whose reruns do not reach the page's `publish`."""
    text = setting.dump(value)
    if st.query_params.get_all(setting.key) != ([text] if isinstance(text, str) else text):
        st.query_params[setting.key] = text


def address_value(key: str) -> str | None:
    """One raw value from the address (the last, if it appears twice): for a page whose state is not a widget,
    such as the live class's room code and a student's token."""
    return st.query_params.get(key)


def put_in_address(values: dict[str, str]) -> None:
    """Write these raw values into the address, leaving the others as they are."""
    for key, value in values.items():
        st.query_params[key] = value


def drop_from_address(key: str) -> None:
    st.query_params.pop(key, None)


def open_page(path: str, query: dict[str, str]) -> None:
    """Switch to the page at `path` with these settings in its address (it reads them on arrival)."""
    st.switch_page(path, query_params=query)
