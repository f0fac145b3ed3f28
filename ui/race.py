"""The race's sidebar and cached calls: two to seven hands on the same vault from the same start, each at its
own best learning rate. Tuning and ranking are `lab.race`'s."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

import optim
import viz
from lab import race as race_lab
from lab.numbers import format_lr
from lab.race import tune
from lab.scene import Scene, surface_or_refusal
from optim.tuning import Tuning
from ui import figures, runs, scene, url_state
from ui.url_state import Setting
from viz.style import phone_layout

PAGE = "race"
DEFAULT_RACERS = ("sgd", "momentum", "adam")
DEFAULT_LANDSCAPE = "ravine"  # the classic picture: SGD crawls the floor, momentum swings, Adam glides
DEFAULT_STEPS = 200
MIN_RACERS, MAX_RACERS = 2, 7
VIEWS = ("Together", "Side by side")
TABS_PX = 70  # the views' tab bar, between the title bar and the figure in presenter mode
_TUNED = "_race_tuned_lr"  # per hand: the tuned lr last put on its slider (None once the learner moves it)

# ---------------------------------------------------------------------------------------------------------
# Tuning: one cached batch per hand


@st.cache_data(max_entries=512, show_spinner=False)
def tune_lr(optimizer: str, landscape: str, expression: str, bounds: tuple, start: tuple, steps: int,
            others: tuple, noise: float = 0.0, seed: int = 0, schedule: str = "constant") -> Tuning:
    """The best rung of the hand's lr ladder under the race's own conditions (`lab.race.tune`)."""
    return tune(Scene(landscape, expression, bounds, optimizer, others, steps, start, noise, seed, schedule))


# ---------------------------------------------------------------------------------------------------------
# Settings bound to the URL


def racer_settings(optimizer: str) -> list[Setting]:
    """`<key>.<name>` for each hyperparameter; the lr defaults to NaN, meaning "the tuned one"."""
    settings = scene.hyperparameter_settings(optim.OPTIMIZERS[optimizer], prefix=f"{optimizer}.")
    return [dataclasses.replace(s, default=math.nan) if s.key.endswith(".lr") else s for s in settings]


def race_settings() -> tuple[list[Setting], Setting, list[Setting], dict[str, list[Setting]], Setting]:
    vault = scene.landscape_settings(DEFAULT_LANDSCAPE)
    racers = url_state.choices("optimizers", DEFAULT_RACERS, list(optim.OPTIMIZERS), low=MIN_RACERS,
                               high=MAX_RACERS)
    run = scene.run_settings(DEFAULT_STEPS)
    hands = {key: racer_settings(key) for key in optim.OPTIMIZERS}
    view = url_state.choice("view", VIEWS[0], VIEWS)
    return vault, racers, run, hands, view


def shown_settings(hands: dict[str, list[Setting]], racers: list[str], following: dict[str, bool]) -> list[Setting]:
    """What goes into the address bar for the hands: only what differs from what the page would pick."""
    out = []
    for key in racers:
        for setting in hands[key]:
            value = st.session_state.get(setting.key)
            if setting.key.endswith(".lr"):
                if not following[key]:
                    out.append(setting)
            elif value is not None and value != setting.default:
                out.append(setting)
    return out


# ---------------------------------------------------------------------------------------------------------
# One hand's sidebar controls


def _follows_tuning(optimizer: str) -> bool:
    value = st.session_state.get(f"{optimizer}.lr")
    placed = st.session_state.get(_TUNED, {}).get(optimizer)
    return value is None or not np.isfinite(value) or (placed is not None and value == placed)


def _use_tuned(optimizer: str) -> None:
    st.session_state[f"{optimizer}.lr"] = math.nan


def racer_controls(optimizer: str, container, course: Scene) -> tuple[dict, Tuning, bool]:
    """The hand's expander: its tuned lr, a way back to it, and its sliders (keys `<key>.<name>`).

    `course` is what the hands share. Returns the hyperparameters, the tuning and whether the lr is the
    tuned one.
    """
    spec = optim.OPTIMIZERS[optimizer]
    prefix = f"{optimizer}."
    others = tuple((h.name, st.session_state.get(prefix + h.name, h.default))
                   for h in spec.hyperparameters if h.name != "lr")
    tuning = tune_lr(optimizer, course.landscape, course.expression, course.bounds, course.start, course.steps,
                     others, course.noise, course.seed, course.schedule)
    following = _follows_tuning(optimizer)
    if following:
        st.session_state[prefix + "lr"] = tuning.lr
        st.session_state.setdefault(_TUNED, {})[optimizer] = tuning.lr
    else:
        st.session_state.setdefault(_TUNED, {})[optimizer] = None
    lr = float(st.session_state[prefix + "lr"])
    label = f"{spec.title} · lr {format_lr(lr)}" + (" (tuned)" if following else " (yours)")
    # A key keeps the expander open while its label follows the lr the learner is sliding.
    box = container.expander(label, key=f"hand_{optimizer}")
    box.markdown(f"Tuned lr **{format_lr(tuning.lr)}**: {tuning.reason}.")
    box.button("↺ Use the tuned lr", key=f"{optimizer}.retune", on_click=_use_tuned, args=(optimizer,),
               disabled=following, width="stretch",
               help="Put the learning rate back to the tuned one; it then follows the vault, the start and the "
                    "steps as you change them.")
    hp = scene.hyperparameter_sliders(spec, prefix=prefix, container=box)
    return hp, tuning, following


@dataclass(frozen=True)
class Hand:
    optimizer: str
    hyperparameters: dict
    tuning: Tuning
    tuned: bool  # whether its lr is the tuned one (else the learner's)


@dataclass(frozen=True)
class RaceScene:
    """The sidebar's answer: the vault (or why the learner's formula was refused), the conditions every
    hand shares, and the hands in the order the learner picked them."""

    surface: object | None
    refusal: str | None
    racers: list[str]
    course: Scene  # what every hand shares (its optimizer and settings are left empty)
    hands: list[Hand]

    @property
    def start(self) -> tuple[float, float]:
        return self.course.start

    @property
    def steps(self) -> int:
        return self.course.steps

    def scenes(self) -> tuple[Scene, ...]:
        """Each hand's run, in the order the learner picked them."""
        return tuple(dataclasses.replace(self.course, optimizer=h.optimizer,
                                         hyperparameters=tuple(h.hyperparameters.items())) for h in self.hands)


def controls() -> RaceScene:
    """The race's sidebar, every widget bound to the address bar: the vault, the hands (one expander each,
    keys `<optimizer>.<name>`) and the run they share (steps, start, noise, schedule)."""
    vault, racers_setting, run, hands, view = race_settings()
    url_state.restore(PAGE, [*vault, racers_setting, *run, *[s for h in hands.values() for s in h], view])
    url_state.show_problems(PAGE)

    sidebar = st.sidebar
    sidebar.header("The vault")
    landscape, expression, bounds = scene.landscape_picker(sidebar)
    surface = surface_or_refusal(landscape, expression, bounds)
    refusal = surface if isinstance(surface, str) else None
    if refusal:
        sidebar.error(refusal, icon=":material/front_hand:")
    # The hands come second on screen but are built last: their tuning needs the run's start and steps.
    hands_box = sidebar.container()
    sidebar.header("The run")
    extras = scene.run_controls(sidebar)
    start = None if refusal else scene.start_sliders(surface, sidebar)

    hands_box.header("The hands")
    racers = hands_box.multiselect(
        "Optimizers in the race", list(optim.OPTIMIZERS), key="optimizers", max_selections=MAX_RACERS,
        format_func=lambda k: optim.OPTIMIZERS[k].title,
        help="Two to seven hands race on the same vault from the same start. Each starts at its own tuned "
             "learning rate; open a hand below to change its settings.")
    course = Scene(landscape, expression, bounds, "", (), extras["steps"], start, float(extras["noise"]),
                   int(extras["seed"]), extras["schedule"])
    entries = [] if refusal else [Hand(key, *racer_controls(key, hands_box, course)) for key in racers]

    shown_vault = vault if landscape == scene.CUSTOM else vault[:1]
    following = {h.optimizer: h.tuned for h in entries}
    url_state.publish(PAGE, [*shown_vault, racers_setting, *run, view,
                             *shown_settings(hands, list(following), following)])
    return RaceScene(None if refusal else surface, refusal, list(racers), course, entries)


# ---------------------------------------------------------------------------------------------------------
# The race's runs, table and figures


def paths(scenes: tuple[Scene, ...]) -> list[viz.PathView]:
    return [viz.path_view(runs.trajectory(scene), label=scene.spec.title) for scene in scenes]


# Figures are shared objects, not copies (see ui/figures.py).
@st.cache_resource(max_entries=32, show_spinner=False)
def race_figure(scenes: tuple, screen: tuple) -> viz.Replay:
    return figures.frozen_replay(viz.replay(scenes[0].surface, paths(scenes), layout=screen[0], height=screen[1]))


@st.cache_data(max_entries=32, show_spinner=False)
def numbers(scenes: tuple) -> dict:
    """The race's numbers as a table (each hand's dials and loss, step by step), for a screen reader."""
    return viz.replay_table(scenes[0].surface, paths(scenes))


@st.cache_resource(max_entries=32, show_spinner=False)
def side_by_side_figure(scenes: tuple, presenter: bool):
    return figures.frozen(viz.small_multiples_figure(scenes[0].surface, paths(scenes), presenter=presenter))


@st.cache_resource(max_entries=32, show_spinner=False)
def loss_chart(scenes: tuple, presenter: bool, phone: bool = False):
    fig = viz.loss_figure(paths(scenes), min_value=scenes[0].surface.min_value, presenter=presenter)
    return figures.frozen(phone_layout(fig, height=420) if phone else fig)


def loss_summary(race: list[viz.PathView], landscape=None) -> str:
    """The loss chart in a sentence (`lab.race.loss_summary`)."""
    return race_lab.loss_summary(race, landscape)
