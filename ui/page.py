"""The frame every page shares: page config, the look, presenter mode and the links between pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import screen, url_state

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
    ("pages/7_The_real_network.py", "The real network", ":material/hub:"),
]


_NARROW, _HEIGHT = "_screen_narrow", "_screen_height"
# In presenter mode the replay takes the window's height less what the page puts around it, within these
# bounds: the header bar and the title above it (assets/presenter.css), the player's controls under it.
PRESENTER_HEIGHT = (400, 1000)
PRESENTER_CHROME_PX = 230


def frame(title: str) -> bool:
    """Set up the page and return whether presenter mode (a layout for projectors: `presenter=1` in the
    address, the sidebar collapsed, large type, the figures' "presenter" variant) is on."""
    presenter = url_state.presenter_mode()
    st.set_page_config(page_title=f"{title} · Safecracker", page_icon=str(ICON), layout="wide",
                       initial_sidebar_state="collapsed" if presenter else "auto")
    st.logo(str(LOGO), size="large")
    css = STYLE.read_text()
    with st.sidebar:
        # Our own navigation (config.toml hides Streamlit's), so the home page reads "The vault", not "app".
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        presenter = st.toggle("Presenter mode", key="presenter", persist_state="session",
                              help="For a projector at the back of a classroom: large type, thick lines, the sidebar "
                                   "tucked away, and keys: space plays or pauses, the arrow keys step. It is in the "
                                   "address, so a bookmark opens it.")
        st.session_state[_NARROW], st.session_state[_HEIGHT] = screen.report(want_height=presenter)
        st.divider()
    if presenter:
        css += PRESENTER_STYLE.read_text()
    st.html(f"<style>{css}</style>")
    return presenter


def presenter_height(around_px: int) -> int | None:
    """How tall a figure can be on a projector's first screen: the window's height less `around_px`, what the
    page puts above and under the figure (within PRESENTER_HEIGHT); None until the browser has said."""
    height = st.session_state.get(_HEIGHT)
    if not height:
        return None
    low, high = PRESENTER_HEIGHT
    return int(min(max(height - around_px, low), high))


def figure_layout(above_px: int = 0) -> tuple[str, int | None]:
    """The replay figure's variant for this screen, as (layout, height in px or None for the default):
    "presenter" as tall as the window allows (less `above_px` the page puts between the title bar and the
    figure, so Play stays on the first screen), "phone" for a narrow window, else "desk"."""
    if st.session_state.get(url_state.PRESENTER.key):
        return "presenter", presenter_height(PRESENTER_CHROME_PX + above_px)
    return ("phone" if st.session_state.get(_NARROW) else "desk"), None


def story_and_chart(presenter: bool):
    """Two containers, the words about a run and its figure, in reading order for the screen: the figure
    first in presenter mode (it must start near the top of a 720 px projector) and on a phone (the map and
    Play on the first screen, the numbers and words under them), the words first on a desk."""
    first, second = st.container(), st.container()
    chart_first = presenter or figure_layout()[0] == "phone"
    return (second, first) if chart_first else (first, second)


def links(exclude: str | None = None) -> None:
    """One link to every page, for the foot of a page or the home page."""
    columns = st.columns(len(PAGES) - 1)
    for column, (path, label, icon) in zip(columns, [p for p in PAGES if p[0] != "app.py"], strict=True):
        if path != exclude:
            column.page_link(path, label=label, icon=icon)
