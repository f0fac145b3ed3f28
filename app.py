"""The vault: the story of Safecracker in four beats, a live dial, and the question to answer by trying."""

import pandas as pd
import streamlit as st

import landscapes
import viz
from ui import figures, page, player, url_state, widgets

PAGE = "home"
DEMO_LANDSCAPE = "bowl"
DEMO_STEPS = 40
DEMO_START = (-3.5, 2.5)
# 0.5 and 1.0 are the two rates the page's text names: the fastest hand and the edge of spinning off.
DEMO_LRS = (0.02, 0.1, 0.45, 0.5, 0.9, 1.0, 1.2)

presenter = page.frame("The vault")
settings = [url_state.number("lr", 0.1, 1e-4, 10.0)]
url_state.restore(PAGE, settings)
url_state.show_problems(PAGE)

st.title("Safecracker")
st.markdown("##### Learn how deep-learning optimizers work by cracking a safe.")

beats = st.columns(4, gap="large")
beats[0].markdown("""**1 · The vault**

A locked safe with two dials. Somewhere on them is the combination. You cannot see it; you can only
press your ear to the door and listen. The quieter it gets, the closer you are.""")
beats[1].markdown("""**2 · What it really is**

The dials are a model's **parameters**. How loud the door sounds is the **loss**. The faint click that
says which way is quieter is the **gradient**. The hand that turns the dials is the **optimizer**.""")
beats[2].markdown("""**3 · Why it matters**

Turn too little per click and the night ends before the safe opens. Turn too much and you
**overshoot**, swinging past the combination and spinning off. Some vaults have long narrow grooves where
a hand goes **round in circles**, or **scratches** that feel like the answer but aren't.""")
beats[3].markdown("""**4 · The takeaway**

Training a network is this, with millions of dials. The hand's settings, its **learning rate** and its
**momentum**, decide whether the safe opens, how fast, or never. Every page here lets you feel that.""")

st.subheader("The words, side by side")
st.dataframe(pd.DataFrame([
    ("The dials (x, y)", "Parameters θ", "What training adjusts: weights and biases."),
    ("The combination", "A global minimum", "The setting where the loss is lowest."),
    ("How loud the door sounds", "Loss f(θ)", "How wrong the model is right now."),
    ("The faint click", "Gradient ∇f(θ)", "Which way, and how steeply, the loss rises."),
    ("The hand on the dial", "Optimizer", "The rule that turns clicks into turns: SGD, Adam, …"),
    ("How far to turn per click", "Learning rate η", "The size of each step."),
    ("How much swing to keep", "Momentum μ, β₁", "Memory of earlier steps' direction."),
    ("How loud clicks were lately", "β₂ (RMSprop's α), second moment",
     "Adam's per-dial scale; RMSprop's α plays the same part."),
    ("Spinning off", "Divergence", "Steps so large the loss blows up."),
    ("A scratch that fools you", "Local minimum", "Low, but not the lowest."),
], columns=["Safe-cracking", "Deep learning", "What it means"]), hide_index=True, width="stretch")

st.subheader("Slow and steady, or high-speed risk-taker?")
st.markdown("Pick how far the hand turns on each click, then press **Play**. The vault is a round bowl; "
            "its combination is the star.")
lr = st.select_slider("learning rate", options=sorted({*DEMO_LRS, float(st.session_state.lr)}), key="lr",
                      format_func=lambda v: f"{float(v):g}",
                      help="On this bowl the hand overshoots above 0.5 and spins off above 1.0. Try both sides.")
url_state.publish(PAGE, settings)
screen = page.figure_layout()
demo, path = figures.demo(DEMO_LANDSCAPE, DEMO_START, DEMO_STEPS, float(lr), screen)
sentence = viz.path_summary(path, landscapes.LANDSCAPES[DEMO_LANDSCAPE])
widgets.summary(sentence, spun_off=path.diverged_at is not None)
player.show(demo, "demo_chart", name=f"SGD at learning rate {float(lr):g} on the bowl: the replay",
            description=sentence, screen=screen[0])
with st.expander("What just happened?"):
    st.markdown("""On this bowl the slope doubles with the distance, so each step lands at
`1 − 2η` times the distance it started from. Below η = 0.5 that factor is positive and the hand creeps
in from one side; between 0.5 and 1 it is negative and the hand **overshoots**, landing on the other side
each time but closer; above 1 it is larger than one in size and every click throws the dial further out:
it **spins off**. The fastest hand is the one at exactly η = 0.5, which lands on the combination in one
turn. On real vaults nobody knows that number in advance, which is why the other pages exist.""")

st.subheader("Where to next")
page.links()
