"""Running pages under streamlit.testing: through the entrypoint, so links between pages resolve."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(page: str | None = None, query: dict | None = None, timeout: float = 60) -> AppTest:
    """An AppTest of `page` (a path under pages/, or None for the home page), run once with `query`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if page is not None:
        at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def _players(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.bytes) for e in at.get("bidi_component") if "player" in e.proto.component_name]


def replays(at: AppTest) -> list[dict]:
    """The replay players on the page, each as the JSON document its browser half receives (ui/player.py):
    the panels' keys, the chart's name and description, and the motion."""
    return [p for p in _players(at) if p["motion"]]


def chart_words(at: AppTest) -> dict[str, dict]:
    """By chart key, what a screen reader is given for each chart that does not move: name, description, table
    (ui/player.describe)."""
    return {p["panels"][0]: p for p in _players(at) if not p["motion"]}


def texts(at: AppTest) -> str:
    """Every piece of markdown, caption and metric on the page, for assertions on what a learner reads."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts)
