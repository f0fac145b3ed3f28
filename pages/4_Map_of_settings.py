"""Map of settings: every learning rate × β at once (one batch of runs), and which combination each start finds."""

import numpy as np
import streamlit as st

import landscapes
import optim
import viz
from ui import page, scene, url_state, widgets
from ui import settings_map as sm

PAGE = "map"
DEFAULT_LANDSCAPE = "ravine"
DEFAULT_OPTIMIZER = "momentum"
DEFAULT_BASIN_LANDSCAPE = "himmelblau"
DEFAULT_BASIN_OPTIMIZER = "sgd"
GRID_LANDSCAPES = list(landscapes.LANDSCAPES)
BASIN_LANDSCAPES = sm.basin_landscapes()
OPTIMIZERS = list(optim.OPTIMIZERS)


def lr_default(optimizer: str) -> float:
    return float(optim.OPTIMIZERS[optimizer].hyperparameter("lr").default)


presenter = page.frame("Map of settings")
settings = [
    url_state.choice("landscape", DEFAULT_LANDSCAPE, GRID_LANDSCAPES),
    url_state.choice("optimizer", DEFAULT_OPTIMIZER, OPTIMIZERS),
    url_state.number("steps", 200, *scene.STEPS, integer=True),
    url_state.number("start_x", np.nan, -1e4, 1e4),
    url_state.number("start_y", np.nan, -1e4, 1e4),
    url_state.choice("metric", "steps_to_crack", list(sm.METRICS)),
    url_state.number("lr_min", sm.default_lr_range(DEFAULT_OPTIMIZER)[0], min(sm.LR_CHOICES), max(sm.LR_CHOICES)),
    url_state.number("lr_max", sm.default_lr_range(DEFAULT_OPTIMIZER)[1], min(sm.LR_CHOICES), max(sm.LR_CHOICES)),
    url_state.number("beta_min", sm.BETA_AXES[DEFAULT_OPTIMIZER].low, 0.0, 0.9999),
    url_state.number("beta_max", sm.BETA_AXES[DEFAULT_OPTIMIZER].high, 0.0, 0.9999),
    url_state.number("resolution", sm.DEFAULT_RESOLUTION, *sm.RESOLUTION, integer=True),
    url_state.choice("basin_landscape", DEFAULT_BASIN_LANDSCAPE, BASIN_LANDSCAPES),
    url_state.choice("basin_optimizer", DEFAULT_BASIN_OPTIMIZER, OPTIMIZERS),
    url_state.number("basin_lr", lr_default(DEFAULT_BASIN_OPTIMIZER), 1e-6, 100.0),
]
url_state.restore(PAGE, settings)
url_state.show_problems(PAGE)
# Keys shared with other pages may hold what this page cannot show (a typed formula, say): fall back.
for key, options, default in (("landscape", GRID_LANDSCAPES, DEFAULT_LANDSCAPE),
                              ("optimizer", OPTIMIZERS, DEFAULT_OPTIMIZER),
                              ("basin_landscape", BASIN_LANDSCAPES, DEFAULT_BASIN_LANDSCAPE),
                              ("basin_optimizer", OPTIMIZERS, DEFAULT_BASIN_OPTIMIZER)):
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
for problem in sm.tidy_ranges(st.session_state):
    st.warning(problem, icon=":material/warning:")

st.title("Map of settings")
st.markdown("Each square of the map is a whole run: one hand, one vault, one learning rate and one setting of its "
            "second knob. Hundreds of runs are computed together as one batch, so you see at a glance where the "
            "safe opens, where it takes for ever and where the dials spin off.")

sidebar = st.sidebar
sidebar.header("The vault and the hand")
landscape = sidebar.selectbox("Vault (loss landscape)", GRID_LANDSCAPES, key="landscape",
                              format_func=lambda k: landscapes.LANDSCAPES[k].title, on_change=sm.reset_start,
                              help="The surface every run on the map explores. The bowl and the ravine come with "
                                   "theory's stability line.")
optimizer = sidebar.selectbox("Optimizer", OPTIMIZERS, key="optimizer",
                              format_func=lambda k: optim.OPTIMIZERS[k].title, on_change=sm.reset_ranges,
                              help="The hand whose settings the map explores.")
steps = sidebar.slider("steps", *scene.STEPS, key="steps", step=10,
                       help="How many clicks every run gets. More steps let slow settings crack the safe too.")
surface = landscapes.LANDSCAPES[landscape]
start = scene.start_sliders(surface, sidebar)
for problem in st.session_state.pop("_start_problems", []):
    st.warning(f"Ignored {problem}; using the vault's own start instead.", icon=":material/warning:")

axis = sm.BETA_AXES[optimizer]
sidebar.header("The grid")
lr_columns = sidebar.columns(2)
lr_low = lr_columns[0].select_slider(
    "lr from", sm.lr_options(st.session_state.lr_min), key="lr_min", format_func=scene.format_number,
    help="The smallest learning rate on the map (left edge; the axis is logarithmic).")
lr_high = lr_columns[1].select_slider(
    "lr to", sm.lr_options(st.session_state.lr_max), key="lr_max", format_func=scene.format_number,
    help="The largest learning rate on the map (right edge).")
beta_columns = sidebar.columns(2)
beta_step = 0.01 if axis.high - axis.low > 0.2 else 0.005
beta_low = beta_columns[0].number_input(
    f"{axis.symbol} from", axis.low, axis.high, key="beta_min", step=beta_step, format="%.3f",
    help=f"The bottom of the vertical axis: {axis.label}.")
beta_high = beta_columns[1].number_input(
    f"{axis.symbol} to", axis.low, axis.high, key="beta_max", step=beta_step, format="%.3f",
    help=f"The top of the vertical axis: {axis.label}.")
resolution = sidebar.slider("resolution (squares per side)", *sm.RESOLUTION, key="resolution", step=5,
                            help="How many learning rates and how many β values: 40 means 40 × 40 = 1,600 runs.")

tabs = st.tabs([f"Learning rate × {axis.symbol}", "Basins: which combination each start finds"])

with tabs[0]:
    metric = st.radio("Colour the map by", list(sm.METRICS), key="metric", horizontal=True,
                      format_func=lambda k: sm.METRICS[k].title,
                      help=" ".join(f"{m.title}: {m.help}" for m in sm.METRICS.values()))
    grid = sm.Grid(landscape, optimizer, int(steps), start, (float(lr_low), float(lr_high)),
                   (float(beta_low), float(beta_high)), int(resolution))
    runs = grid.resolution**2
    bar = st.progress(0.0, text=f"Turning {runs:,} hands at once…")
    outcome = sm.grid_outcome(grid, lambda done: bar.progress(done, text=f"Turning {runs:,} hands at once…"),
                              rows=sm.cached_rows)
    bar.empty()
    chart, notes = st.columns([3, 1], gap="medium")
    with notes:
        widgets.summary(sm.heatmap_sentence(grid, outcome, metric), spun_off=bool(outcome.spun_off.all()))
        st.caption(f"**{surface.title}** · {optim.OPTIMIZERS[optimizer].title} · {steps} steps from "
                   f"({start[0]:.3g}, {start[1]:.3g}). {axis.note}")
        best = sm.best_cell(grid, outcome)
        if best is not None and st.button("▶ Replay the best run", key="open_best",
                                          width="stretch", help="Replay the fastest (or lowest-loss) run of the "
                                                                "map, step by step, on Crack the safe."):
            sm.open_in_crack(sm.cell_query(grid, *best))
    with chart:
        figure = sm.cached_heatmap_figure(grid, metric, presenter)
        event = st.plotly_chart(figure, width="stretch", key="settings_cells", on_select="rerun",
                                selection_mode="points", config={"displaylogo": False})
        st.caption("Hover over a square to read its run; click it to open that run in Crack the safe.")
    clicked = sm.clicked_point(event)
    if clicked is not None:
        sm.open_in_crack(sm.cell_query(grid, *sm.cell_at(grid, *clicked)))
    with st.expander("How to read the map, and where the dashed line comes from"):
        st.markdown(sm.READING_NOTES)

with tabs[1]:
    st.markdown("Start the same hand from every point of the vault and colour each start by the combination "
                "it ends at. With plain SGD the borders between colours are the ridges that divide the vault. "
                "Then try **Momentum**: its swing carries runs over the ridges, and the basins shatter into "
                "stripes, where a nudge of the start changes the combination found.")
    columns = st.columns(3)
    basin_landscape = columns[0].selectbox(
        "Vault", BASIN_LANDSCAPES, key="basin_landscape", format_func=lambda k: landscapes.LANDSCAPES[k].title,
        help="Vaults with several combinations (Himmelblau's four, the camel's two) make the most striking maps; "
             "on the others the map shows which starts reach the one combination at all.")
    basin_optimizer = columns[1].selectbox(
        "Optimizer", OPTIMIZERS, key="basin_optimizer", format_func=lambda k: optim.OPTIMIZERS[k].title,
        on_change=sm.reset_basin_lr, help="The hand started from every point.")
    basin_spec = optim.OPTIMIZERS[basin_optimizer]
    basin_lr = columns[2].select_slider(
        "learning rate, log scale", scene.lr_options(basin_spec, float(st.session_state.basin_lr)),
        key="basin_lr", format_func=scene.format_number,
        help="How far the hand turns per click. Larger steps can jump a ridge into a neighbouring basin.")
    basins = sm.BasinGrid(basin_landscape, basin_optimizer, float(basin_lr), int(steps))
    with st.spinner(f"Starting {basins.resolution**2:,} hands…"):
        index = sm.cached_basins(basins)
    widgets.summary(viz.basin_summary(index, basins.surface.minima), spun_off=bool((index < 0).all()))
    basin_event = st.plotly_chart(sm.cached_basin_figure(basins, presenter), width="stretch",
                                  key="basin_cells", on_select="rerun", selection_mode="points",
                                  config={"displaylogo": False})
    st.caption(f"{basin_spec.title} with learning rate {basin_lr:g} and its other settings at their defaults, "
               f"{steps} steps from each of {basins.resolution}×{basins.resolution} starts. A start counts for a "
               "combination when its run ends within 1% of the map's width of it. Click a start to watch its run.")
    clicked = sm.clicked_point(basin_event)
    if clicked is not None:
        row, column = sm.nearest_index(basins.ys, clicked[1]), sm.nearest_index(basins.xs, clicked[0])
        sm.open_in_crack(basins.query(row, column))

url_state.publish(PAGE, settings)
page.links()
