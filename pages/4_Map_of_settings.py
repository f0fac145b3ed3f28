"""Map of settings: every learning rate × β at once (one batch of runs), and which combination each start finds."""

import streamlit as st

from ui import page, url_state
from ui import settings_map as sm

presenter = page.frame("Map of settings")
settings = sm.restore()

st.title("Map of settings")
LEAD = ("Each square of the map is a whole run: one hand, one vault, one learning rate and one setting of its second "
        "knob. Hundreds of runs are computed together as one batch, so you see at a glance where the safe opens, "
        "where it takes for ever and where the dials spin off.")
# On a projector the map comes first, whole on the first screen; the lead follows it.
if not presenter:
    st.markdown(LEAD)
grid = sm.grid_controls()

heatmap, basins = st.tabs([f"Learning rate × {grid.axis.symbol}", "Basins: which combination each start finds"])
with heatmap:
    sm.heatmap_tab(grid, presenter)
with basins:
    sm.basin_tab(grid.steps, presenter)
if presenter:
    st.markdown(LEAD)

url_state.publish(sm.PAGE, settings)
page.links()
