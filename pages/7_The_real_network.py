"""The real network: up to seven hands train a network of 2,410 dials; its shadow on a plane, and how honest it is."""

import numpy as np
import pandas as pd
import streamlit as st

import optim
import viz.network
from lab import network as net_lab
from lab.numbers import format_loss, format_lr
from ui import network as ui_net
from ui import page, player, url_state, widgets

presenter = page.frame("The real network")
settings = ui_net.settings()
url_state.restore(ui_net.PAGE, settings)
url_state.show_problems(ui_net.PAGE)

st.title("The real network")
LEAD = ("Every vault so far had two dials. This one has **2,410**: the weights and biases of a small network that "
        "reads handwritten digits (8×8 pixels in, 32 tanh units, 10 scores out). The same hands turn them, exactly "
        "as torch.optim would. The screen can show two dials at a time, so each hand's path is drawn as its "
        "**shadow** on a plane, with a meter that says how much the shadow hides.")
if not presenter:
    st.markdown(LEAD)

sidebar = st.sidebar
sidebar.header("The hands")
keys = list(optim.OPTIMIZERS)
hands = sidebar.multiselect("Hands (up to seven)", keys, key="hands", max_selections=net_lab.MAX_HANDS,
                            format_func=lambda k: optim.get(k).title,
                            help="Each trains the network from the same start at its own tuned learning rate.")
steps = sidebar.slider("steps", *net_lab.STEP_RANGE, key="steps", step=50,
                       help="How many clicks each hand gets. One step hears every training image once (or one "
                            "mini-batch).")
batch = sidebar.radio("Each click hears", ui_net.BATCH_CHOICES, key="batch", horizontal=True,
                      format_func=lambda b: "all 1,437 images" if b == "all" else f"{b} images",
                      help="A mini-batch: each step's click is the gradient over a few images drawn at random "
                           "(from the seed), so it is noisy. This is the noise the two-dial pages imitate with "
                           "their noise slider.")
seed = sidebar.number_input("mini-batch seed", 0, 10_000, key="seed", step=1, disabled=batch == "all",
                            help="Which images each mini-batch draws.")
if not hands:
    st.warning("Pick at least one hand under **The hands** in the sidebar.", icon=":material/front_hand:")
    url_state.publish(ui_net.PAGE, settings)
    st.stop()
hands = tuple(hands)

# On a projector the figure comes first, right under the title; the plane's choice goes under it.
above, figure_box, below = st.container(), st.container(), st.container()
chooser = below if presenter else above
choose = chooser.columns([2, 1, 1]) if not widgets.on_phone() else [chooser] * 3
plane = choose[0].radio("The shadow's plane", net_lab.PLANES, key="plane", horizontal=True,
                        format_func=ui_net.PLANE_LABELS.get,
                        help="Any plane through the start shows only two of the 2,410 directions. Through two "
                             "hands' ends: those two paths end on the plane. PCA: the plane that holds most of "
                             "all the paths' spread.")
ends = (0, 0)
if plane == "ends":
    if len(hands) < 2:
        chooser.info("A plane through two hands' ends needs two hands: showing the PCA plane.", icon=":material/info:")
        plane = "pca"
    else:
        for key, fallback in (("end_a", hands[0]), ("end_b", hands[-1])):
            if st.session_state.get(key) not in hands:
                st.session_state[key] = fallback
        end_a = choose[1].selectbox("first end", hands, key="end_a", format_func=lambda k: optim.get(k).title)
        end_b = choose[2].selectbox("second end", hands, key="end_b", format_func=lambda k: optim.get(k).title)
        if end_a == end_b:
            chooser.info("Pick two different hands for the plane's ends.", icon=":material/info:")
            end_b = next(k for k in hands if k != end_a)
        ends = (hands.index(end_a), hands.index(end_b))
url_state.publish(ui_net.PAGE, settings)

size = ui_net.batch_size(batch)
with st.spinner(f"Training the network with {len(hands)} hand{'s' if len(hands) > 1 else ''}…"):
    line = ui_net.timeline(hands, int(steps), size, int(seed))
    shade = ui_net.shadow(hands, int(steps), size, int(seed), plane, ends)
titles = [optim.get(k).title for k in hands]
reached = line.first_reaching(net_lab.TARGET_ACCURACY)

with figure_box:
    story, chart = page.story_and_chart(presenter)
with story:
    if presenter:
        st.markdown(LEAD)
    sentence = net_lab.race_sentence(titles, line, reached)
    widgets.summary(sentence, spun_off=any(d is not None for d in line.diverged_at))
with chart:
    layout, height = page.figure_layout()
    figure = viz.network.network_figure(titles, line, shade, ui_net.strip_images(line.strip), layout=layout,
                                        height=height)
    st.plotly_chart(figure, width="stretch", key="network_replay", config={"displaylogo": False})
    player.describe("network_replay", name=f"{len(hands)} hand{'s' if len(hands) > 1 else ''} training the digit "
                    "reader: the shadow on a plane, the losses, the test accuracy and ten test digits",
                    description=sentence, table=viz.network.replay_table(titles, line))
    st.caption("Press ▶ Play to replay the training; drag the step slider to scrub. The map is the loss on the "
               "plane; each line is a hand's shadow. The strip shows ten test digits and what each hand's network "
               "reads in them at that step.")

st.subheader("How honest is the shadow?")
st.markdown(net_lab.honesty_sentence(titles, shade))
table = pd.DataFrame({
    "hand": titles,
    "lr": [format_lr(net_lab.rate(k)) for k in hands],
    "test accuracy at the end": [f"{100 * a:.1f}%" if np.isfinite(a) else "—" for a in line.test_accuracy[:, -1]],
    f"reaches {100 * net_lab.TARGET_ACCURACY:.0f}% at": ["never" if r is None else f"step {r}" for r in reached],
    "off the plane (median)": [f"{100 * v:.0f}%" for v in shade.median_off()],
    "off the plane (worst)": [f"{100 * v:.0f}%" for v in shade.worst_off()],
    "largest loss gap": [format_loss(v) for v in shade.worst_gap()],
})
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "lr": st.column_config.TextColumn(help="Each hand's tuned rate: the rung of its ladder with the lowest training "
                                           f"loss after {net_lab.STEPS} full-batch steps (tuned on the training "
                                           "images, never the test images)."),
    "off the plane (median)": st.column_config.TextColumn(
        help="How far the hand's point lies off the plane, as a share of its distance from the start: 0% means "
             "the shadow is the point itself."),
    "largest loss gap": st.column_config.TextColumn(
        help="The largest difference, in nats, between the true training loss at a point and the loss the map "
             "shows at its shadow."),
})

st.subheader("Predict, then run")
net_lab_lesson = net_lab.LESSON
st.markdown(f"##### {net_lab_lesson.question}")
st.caption(net_lab_lesson.scenario())
guess = st.radio("Your guess", range(len(net_lab_lesson.options)), index=None, key="network_guess",
                 format_func=lambda i: net_lab_lesson.options[i],
                 help="Commit to an answer first: a prediction you can check teaches more than a result you watch.")
if st.button("▶ Run it", key="network_run", type="primary", disabled=guess is None):
    st.session_state["network_ran"] = guess
if st.session_state.get("network_ran") is not None and guess is not None:
    with st.spinner("Training the lesson's hands…"):
        lesson_line = ui_net.timeline(net_lab_lesson.hands, net_lab_lesson.steps, None, 0)
    right, verdict = net_lab_lesson.verdict(guess, lesson_line)
    (st.success if right else st.error)(verdict, icon=":material/check_circle:" if right else ":material/cancel:")
    st.markdown(f"**Measured on these runs:** {net_lab_lesson.facts(lesson_line)}")
    st.markdown(net_lab_lesson.explanation)

with st.expander("What exactly runs here"):
    st.markdown(net_lab.ABOUT)
page.links()
