"""The race: two to seven hands on the same vault from the same start, each at its best, on one timeline."""

import streamlit as st

import viz
from lab.race import leaderboard
from ui import page, player, race, widgets

presenter = page.frame("The race")
current = race.controls()

LEAD = ("Same vault, same start, several hands, each at its own best learning rate. Who cracks the safe first, "
        "who crawls, who spins off?")
st.title("The race")
# On a projector and on a phone the race itself comes first; the lead then opens the words under it.
chart_first = presenter or page.figure_layout()[0] == "phone"
if not chart_first:
    st.markdown(LEAD)
if current.refusal:
    widgets.formula_refused(current.refusal)
    st.stop()
if len(current.racers) < race.MIN_RACERS:
    st.warning(f"A race needs at least {race.MIN_RACERS} hands: pick one more under **The hands** in the sidebar.",
               icon=":material/sports_score:")
    st.stop()

scenes = current.scenes()
paths = race.paths(scenes)
start = current.start
first = scenes[0]
spun = any(p.diverged_at is not None for p in paths)
# On a projector the figure comes first, right under the title, so it starts above the fold.
story, chart = page.story_and_chart(presenter)
sentence = viz.race_summary(paths, current.surface)
with story:
    if chart_first:
        st.markdown(LEAD)
    widgets.vault_caption(current.surface, f"{len(paths)} hands · " + widgets.conditions(
        current.steps, start, first.noise, first.seed, first.schedule))
    widgets.summary(sentence, spun_off=spun)

together, side_by_side = chart.tabs(list(race.VIEWS), key="view", on_change="rerun")
if together.open is not False:
    with together:
        screen = page.figure_layout(above_px=race.TABS_PX)
        player.show(race.race_figure(scenes, screen), "race_map", name=f"The race of {len(paths)} hands on "
                    f"{current.surface.title}: the replay", description=sentence, screen=screen[0])
        st.caption("Press ▶ Play to run the race; drag the step slider to scrub. Every hand moves on the same "
                   "clock, so whoever is ahead at a step is ahead in the race.")
if side_by_side.open:
    with side_by_side:
        st.plotly_chart(race.side_by_side_figure(scenes, presenter), width="stretch", key="race_panels",
                        config={"displaylogo": False})
        player.describe("race_panels", name=f"One map per hand on {current.surface.title}", description=sentence,
                        table=race.numbers(scenes))
        st.caption("One map per hand, same vault and same axes: compare the shapes of the paths.")

st.subheader("Leaderboard")
table = leaderboard(paths, [h.hyperparameters["lr"] for h in current.hands], [h.tuned for h in current.hands],
                    current.surface)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "place": st.column_config.TextColumn("place", width="small"),
    "lr": st.column_config.NumberColumn("lr", format="%.4g", help="The learning rate this hand raced with."),
    "lr from": st.column_config.TextColumn(help="Tuned: the best rung of the ladder for this race. Yours: set by "
                                                "hand in the sidebar."),
    "cracked at": st.column_config.TextColumn(help="The step from which the hand stays within reach of the "
                                                   "combination to the end: the number the ranking uses. A hand "
                                                   "that got there and swung away has not cracked it."),
    "final loss": st.column_config.TextColumn(help="Loss at the last step (for a hand that spun off: its last "
                                                   "loss on the map); ≈ means within 1e-12 of that value."),
    "spun off at": st.column_config.TextColumn(help="The step the hand left the map."),
})
st.caption("Ranked: cracked (from the step a hand stays at the combination, soonest first), then not cracked "
           "(lowest final loss first; hands whose losses read the same share a place), then spun off (longest "
           "survivor first). Medals only for hands that cracked the safe. A tuned lr is the rung of the ladder "
           "(1, 2, 3, 5, 7 per decade) that cracks the safe soonest without leaving the map or jumping a hump in "
           "one step, tried in one batch under this race's conditions; open a hand in the sidebar for its reason.")

st.subheader("Loss, step by step")
words, curves = st.columns([1, 2], gap="large")
loss_sentence = race.loss_summary(paths, current.surface)
with words:
    widgets.summary(loss_sentence, spun_off=spun)
    st.caption("The gap to the lowest loss on a log scale: a straight line down means steady progress, a "
               "flat stretch a hand that has stalled, a jagged one a hand overshooting back and forth. ○ marks "
               "the crack, ✕ a spin-off.")
with curves:
    st.plotly_chart(race.loss_chart(scenes, presenter, widgets.on_phone()), width="stretch", key="race_loss",
                    config={"displaylogo": False})
    player.describe("race_loss", name="Every hand's loss, step by step", description=loss_sentence,
                    table=race.numbers(scenes))

page.links()
