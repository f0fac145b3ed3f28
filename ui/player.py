"""The replay on a page: a `viz.Replay`'s static panels as plotly charts, and the player that animates them.

    event = player.show(replay, key="map", name="Adam on Himmelblau's vault", description=sentence)

draws the first panel (the map), then the player's controls (Play / Pause, the step slider, the numbers as a
table on demand), then any further panel (a phone's loss curve and dials), so that Play sits directly under
the map on every screen. The player is `viz/player.js` run as a components-v2 element in the page itself (no
iframe): it finds the panels by their keys and draws the motion over them on a canvas, in the browser, so Play
costs the server nothing and the motion travels once (issue 17: plotly's own frames replayed seven hands at a
third of one hand's pace).

Any page with an animation adopts the player the same way: build a static plotly figure and the motion's
layers (see `viz/animation.py` for what a layer is), wrap them in a `viz.Replay`, and call `show`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import streamlit as st

import viz

_JS = (Path(viz.__file__).resolve().parent / "player.js").read_text()
# Not isolated: the player draws into the plotly charts beside it and names them for screen readers.
_player = st.components.v2.component("safecracker_player", js=_JS, isolate_styles=False)

CONFIG = {"displaylogo": False}


def motion_bytes(replay: viz.Replay) -> tuple[str, bytes]:
    """(an id, the JSON) of the replay's motion, worked out once per replay: a replay is cached and shown again
    at every rerun, and the identical message then travels as a reference (Streamlit's message cache)."""
    cached = getattr(replay, "_sent", None)
    if cached is None:
        text = json.dumps(replay.motion, separators=(",", ":"), allow_nan=False).encode()
        cached = (hashlib.blake2b(text, digest_size=8).hexdigest(), text)
        object.__setattr__(replay, "_sent", cached)
    return cached


def panel_keys(replay: viz.Replay, key: str) -> list[str]:
    """The chart keys of the replay's panels: `key` for the map, `key`_2, ... for the others."""
    return [key] + [f"{key}_{i + 1}" for i in range(1, len(replay.panels))]


def show(replay: viz.Replay, key: str, *, name: str, description: str, screen: str = "desk", on_select=None):
    """The replay on the page under `key`: its panels and, under the first, the player. `name` is the chart's
    accessible name and `description` its text alternative (the sentence beside it); `screen` sizes the
    controls ("desk", "phone" or "presenter"); `on_select` makes the map clickable (a callback, as for
    st.plotly_chart). Returns the map's selection event."""
    keys = panel_keys(replay, key)
    extra = {"on_select": on_select, "selection_mode": "points"} if on_select else {}
    # A phone shows plotly's toolbar all the time, over the top of the map: it goes.
    config = {**CONFIG, "displayModeBar": False} if screen == "phone" else CONFIG
    event = st.plotly_chart(replay.panels[0], width="stretch", key=keys[0], config=config, **extra)
    ident, text = motion_bytes(replay)
    head = json.dumps({"id": ident, "panels": keys, "name": name, "description": description, "size": screen})
    # One JSON document, its motion part serialised once per replay (see motion_bytes).
    payload = head[:-1].encode() + b', "motion": ' + text + b"}"
    _player(key=f"{key}_player", data=payload, height="content")
    for panel, panel_key in zip(replay.panels[1:], keys[1:], strict=True):
        st.plotly_chart(panel, width="stretch", key=panel_key, config=config)
    return event


def describe(key: str, *, name: str, description: str, table: dict | None = None) -> None:
    """Give the chart drawn under `key` (st.plotly_chart) an accessible name and a text alternative: `name`,
    the sentence that reads it (`description`, the one the page shows beside it) and, on demand, `table`
    ({"caption", "header", "rows"} of strings, as `viz.animation.replay_table` makes). Call it right after
    the chart: the table's link sits under it."""
    data = {"id": None, "panels": [key], "name": name, "description": description, "table": table,
            "motion": None}
    _player(key=f"{key}_words", data=json.dumps(data, separators=(",", ":")).encode(), height="content")
