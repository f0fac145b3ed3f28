"""The frame every page shares: page config, the look, presenter mode and the links between pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
ICON = ROOT / "assets" / "dial.png"
LOGO = ROOT / "assets" / "dial.svg"
STYLE = ROOT / "assets" / "style.css"
PRESENTER_STYLE = ROOT / "assets" / "presenter.css"

PAGES = [
    ("app.py", "The vault", ":material/lock:"),
    ("pages/1_Crack_the_safe.py", "Crack the safe", ":material/my_location:"),
    ("pages/2_The_race.py", "The race", ":material/sports_score:"),
    ("pages/3_Inside_the_hand.py", "Inside the hand", ":material/biotech:"),
    ("pages/4_Map_of_settings.py", "Map of settings", ":material/grid_on:"),
    ("pages/5_Lessons.py", "Lessons", ":material/school:"),
    ("pages/6_Live_class.py", "Live class", ":material/groups:"),
]


def frame(title: str) -> bool:
    """Set up the page and return whether presenter mode (large type for projectors) is on."""
    # "auto": open on a desk or projector, folded away on a phone, where it would cover the page.
    st.set_page_config(page_title=f"{title} · Safecracker", page_icon=str(ICON), layout="wide",
                       initial_sidebar_state="auto")
    st.logo(str(LOGO), size="large")
    css = STYLE.read_text()
    with st.sidebar:
        # Our own navigation (config.toml hides Streamlit's), so the home page reads "The vault", not "app".
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        presenter = st.toggle("Presenter mode", key="presenter", persist_state="session",
                              help="Larger type and thicker lines, for a projector at the back of a classroom.")
        st.divider()
    if presenter:
        css += PRESENTER_STYLE.read_text()
    st.html(f"<style>{css}</style>")
    return presenter


def links(exclude: str | None = None) -> None:
    """One link to every page, for the foot of a page or the home page."""
    columns = st.columns(len(PAGES) - 1)
    for column, (path, label, icon) in zip(columns, [p for p in PAGES if p[0] != "app.py"], strict=True):
        if path != exclude:
            column.page_link(path, label=label, icon=icon)
