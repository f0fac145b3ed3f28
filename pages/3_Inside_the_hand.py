"""Inside the hand: open one step of a run and see every number the optimizer used to make its turn."""

import streamlit as st

import viz
from ui import inside, page, runs, scene, widgets

PAGE = "inside"

presenter = page.frame("Inside the hand")
current = scene.scene_controls(PAGE, default_landscape="himmelblau", extra=(inside.STEP_SETTING,))

st.title("Inside the hand")
# On a projector the step itself comes first, whole on the first screen; the words about the run follow it.
first, second = st.container(), st.container()
story, step = (second, first) if presenter else (first, second)
with story:
    st.markdown("Slow the hand down to a single turn. What did it hear, what does it remember, how far does it "
                "reach on each dial, and why does it turn the way it does?")
if current is None:
    widgets.formula_refused(scene.refusal())
    st.stop()

trajectory = runs.trajectory(current)
path = viz.path_view(trajectory, label=current.spec.title)
with story:
    widgets.scene_caption(current)
    widgets.summary(viz.path_summary(path, current.surface), spun_off=path.diverged_at is not None)

with step:
    inside.step_view(current, presenter)

with st.expander(f"The whole rule of {current.spec.title}"):
    st.markdown(current.spec.description)
    widgets.equation(current.spec.latex)
    st.caption(f"In PyTorch: `torch.optim.{current.spec.torch_class}`. Each step here is torch.optim's step, equal "
               "to the last few bits, and a calm run's whole path agrees with torch's to about 1e-14. Where a run "
               "is chaotic, that last bit grows until two machines' paths part ways, as two GPUs' would; so the "
               "app only tells stories that come out the same from a start moved by a billionth.")

st.subheader("Every step")
st.caption("Row t: the dials at point t, the loss there, the click heard (grad), the learning rate used, the "
           "memory right after hearing it, and the turn then made (update = point t+1 − point t). The last row "
           "has no turn; after a spin-off the rows are empty.")
frame = inside.table(current)
st.dataframe(frame, height=320, hide_index=True, width="stretch")
st.download_button("All steps (CSV)", lambda: frame.to_csv(index=False), icon=":material/download:",
                   file_name=f"safecracker-{current.optimizer}-{current.landscape}-steps.csv", mime="text/csv",
                   on_click="ignore", key="download_steps",
                   help="Every step as a table you can open in a spreadsheet: dials, loss, click, memory, turn.")
page.links()
