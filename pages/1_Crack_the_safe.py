"""Crack the safe: one hand, one vault. Watch the path, the loss and the dials on one timeline."""

import streamlit as st

import viz
from ui import figures, page, player, runs, scene, widgets

PAGE = "crack"

presenter = page.frame("Crack the safe")
current = scene.scene_controls(PAGE, default_landscape="himmelblau")

st.title("Crack the safe")
if current is None:
    widgets.formula_refused(scene.refusal())
    st.stop()

surface = current.surface
spec = current.spec
trajectory = runs.trajectory(current)
path = viz.path_view(trajectory, label=spec.title)

# On a projector the figure comes first, right under the title, so it starts above the fold.
story, chart = page.story_and_chart(presenter)
sentence = viz.path_summary(path, current.surface)
with story:
    widgets.scene_caption(current)
    widgets.outcome_metrics(trajectory, path)
    widgets.summary(sentence, spun_off=path.diverged_at is not None)
    widgets.fragile_note(runs.robustness(current))

with chart:
    screen = page.figure_layout()
    player.show(figures.crack(current, screen), "map", name=f"{spec.title} on {surface.title}: the replay",
                description=sentence, screen=screen[0], on_select=widgets.start_from_click)
    st.caption("Press ▶ Play to replay the run; drag the step slider to scrub. Click anywhere on the map to start "
               "the hand there." + (" Keys: space plays or pauses, ← → step." if presenter else ""))

if st.toggle("Show the vault in 3D", key="show_3d", help="The same surface as a landscape you can rotate."):
    st.plotly_chart(figures.surface_3d(current, presenter), width="stretch", key="surface_3d")
    player.describe("surface_3d", name=f"{surface.title} in 3D, with {spec.title}'s path on it",
                    description=f"{surface.description} {sentence}", table=figures.numbers(current))

with st.expander(f"How {spec.title} turns the dials"):
    st.markdown(spec.description)
    widgets.equation(spec.latex)
    st.caption(f"In PyTorch: `torch.optim.{spec.torch_class}`. {surface.description}")

widgets.downloads(current, trajectory)
page.links()
