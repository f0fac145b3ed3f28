"""The race: two to seven hands on the same vault from the same start, each at its own best learning rate.

Tuning is one batched run per hand over its learning-rate ladder (`optim.tuning.lr_ladder`, the same rungs
the slider offers), under the race's own conditions: vault, start, steps, noise, schedule and the hand's
other settings. The pure parts (`leaderboard`, `loss_summary`) take arrays and
paths, so tests call them without Streamlit.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import optim
import viz
from optim.tuning import choose_rung, lr_ladder
from ui import figures, runs, scene, url_state
from ui.url_state import Setting
from viz.scales import format_loss

PAGE = "race"
DEFAULT_RACERS = ("sgd", "momentum", "adam")
DEFAULT_LANDSCAPE = "ravine"  # the classic picture: SGD crawls the floor, momentum swings, Adam glides
DEFAULT_STEPS = 200
MIN_RACERS, MAX_RACERS = 2, 7
VIEWS = ("Together", "Side by side")
_TUNED = "_race_tuned_lr"  # per hand: the tuned lr last put on its slider (None once the learner moves it)

# ---------------------------------------------------------------------------------------------------------
# Tuning (pure core + one cached batch per hand)


@dataclass(frozen=True)
class Tuning:
    lr: float
    reason: str  # why this rung, in words
    rungs: int
    spun_off: int  # how many rungs of the ladder spun off


def ladder(optimizer: str) -> np.ndarray:
    h = optim.OPTIMIZERS[optimizer].hyperparameter("lr")
    return lr_ladder(h.low, h.high)


@st.cache_data(max_entries=512, show_spinner=False)
def tune_lr(optimizer: str, landscape: str, expression: str, bounds: tuple, start: tuple, steps: int,
            others: tuple, noise: float = 0.0, seed: int = 0, schedule: str = "constant") -> Tuning:
    """The best rung of the hand's lr ladder for this race (optim.tuning.choose_rung, "fast"), from one
    batched run under the race's own conditions."""
    rungs = ladder(optimizer)
    surface = runs.surface(landscape, expression, bounds)
    batch = optim.simulate(optimizer, surface, start=start, steps=steps, noise=noise, seed=seed, schedule=schedule,
                           lr=rungs, record_state=False, **dict(others))
    settled = batch.settled_at()
    best = choose_rung(settled, batch.final_loss, batch.diverged_at, steps, prefer="fast")
    lost = int((batch.diverged_at >= 0).sum())
    if batch.diverged_at[best] >= 0:
        reason = "every rung of the ladder spun off, so this is the smallest"
    elif settled[best] >= 0:
        reason = f"the rung that reaches the combination soonest and stays there (from step {settled[best]})"
    else:
        reason = "no rung cracks the safe in time; this one ends with the lowest loss"
    return Tuning(float(rungs[best]), reason, len(rungs), lost)


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


def racer_controls(optimizer: str, container, conditions: tuple) -> tuple[dict, Tuning, bool]:
    """The hand's expander: its tuned lr, a way back to it, and its sliders (keys `<key>.<name>`).

    `conditions` is (landscape, expression, bounds, start, steps, noise, seed, schedule). Returns the
    hyperparameters, the tuning and whether the lr is the tuned one.
    """
    spec = optim.OPTIMIZERS[optimizer]
    prefix = f"{optimizer}."
    others = tuple((h.name, st.session_state.get(prefix + h.name, h.default))
                   for h in spec.hyperparameters if h.name != "lr")
    landscape, expression, bounds, start, steps, noise, seed, schedule = conditions
    tuning = tune_lr(optimizer, landscape, expression, bounds, start, steps, others, noise, seed, schedule)
    following = _follows_tuning(optimizer)
    if following:
        st.session_state[prefix + "lr"] = tuning.lr
        st.session_state.setdefault(_TUNED, {})[optimizer] = tuning.lr
    else:
        st.session_state.setdefault(_TUNED, {})[optimizer] = None
    lr = float(st.session_state[prefix + "lr"])
    label = f"{spec.title} · lr {scene.format_number(lr)}" + (" (tuned)" if following else " (yours)")
    # A key keeps the expander open while its label follows the lr the learner is sliding.
    box = container.expander(label, key=f"hand_{optimizer}")
    box.markdown(f"Tuned lr **{scene.format_number(tuning.lr)}**: {tuning.reason}.")
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
    conditions: tuple  # (landscape, expression, bounds, start, steps, noise, seed, schedule)
    hands: list[Hand]

    @property
    def start(self) -> tuple[float, float]:
        return self.conditions[3]

    @property
    def steps(self) -> int:
        return self.conditions[4]

    def run_keys(self) -> tuple:
        return tuple(run_key(h.optimizer, h.hyperparameters, self.conditions) for h in self.hands)


def controls() -> RaceScene:
    """The race's sidebar, every widget bound to the address bar: the vault, the hands (one expander each,
    keys `<optimizer>.<name>`) and the run they share (steps, start, noise, schedule)."""
    vault, racers_setting, run, hands, view = race_settings()
    url_state.restore(PAGE, [*vault, racers_setting, *run, *[s for h in hands.values() for s in h], view])
    url_state.show_problems(PAGE)

    sidebar = st.sidebar
    sidebar.header("The vault")
    landscape, expression, bounds = scene.landscape_picker(sidebar)
    surface = runs.surface_or_error(landscape, expression, bounds)
    refusal = surface if isinstance(surface, str) else None
    if refusal:
        sidebar.error(refusal, icon=":material/front_hand:")
    # The hands come second on screen but are built last: their tuning needs the run's start and steps.
    hands_box = sidebar.container()
    sidebar.header("The run")
    extras = scene.run_controls(sidebar)
    start = None if refusal else scene.start_sliders(surface, sidebar)
    for problem in st.session_state.pop("_start_problems", []):
        st.warning(f"Ignored {problem}; using the vault's own start instead.", icon=":material/warning:")

    hands_box.header("The hands")
    racers = hands_box.multiselect(
        "Optimizers in the race", list(optim.OPTIMIZERS), key="optimizers", max_selections=MAX_RACERS,
        format_func=lambda k: optim.OPTIMIZERS[k].title,
        help="Two to seven hands race on the same vault from the same start. Each starts at its own tuned "
             "learning rate; open a hand below to change its settings.")
    conditions = (landscape, expression, bounds, start, extras["steps"], float(extras["noise"]),
                  int(extras["seed"]), extras["schedule"])
    entries = [] if refusal else [Hand(key, *racer_controls(key, hands_box, conditions)) for key in racers]

    shown_vault = vault if landscape == scene.CUSTOM else vault[:1]
    following = {h.optimizer: h.tuned for h in entries}
    url_state.publish(PAGE, [*shown_vault, racers_setting, *run, view,
                             *shown_settings(hands, list(following), following)])
    return RaceScene(None if refusal else surface, refusal, list(racers), conditions, entries)


# ---------------------------------------------------------------------------------------------------------
# The race's runs, table and figures


def run_key(optimizer: str, hyperparameters: dict, conditions: tuple) -> tuple:
    """One hand's run as plain names and numbers, in `runs.trajectory`'s argument order."""
    landscape, expression, bounds, start, steps, noise, seed, schedule = conditions
    return (optimizer, landscape, expression, bounds, start, steps, tuple(hyperparameters.items()), noise, seed,
            schedule)


def paths(run_keys: tuple) -> list[viz.PathView]:
    return [viz.path_view(runs.trajectory(*key), label=viz.label_for(key[0])) for key in run_keys]


def _surface(run_keys: tuple):
    _, landscape, expression, bounds, *_ = run_keys[0]
    return runs.surface(landscape, expression, bounds)


# Figures are shared objects, not copies (see ui/figures.py).
@st.cache_resource(max_entries=32, show_spinner=False)
def race_figure(run_keys: tuple, presenter: bool):
    return figures.frozen(viz.crack_figure(_surface(run_keys), paths(run_keys), presenter=presenter))


@st.cache_resource(max_entries=32, show_spinner=False)
def side_by_side_figure(run_keys: tuple, presenter: bool):
    return figures.frozen(viz.small_multiples_figure(_surface(run_keys), paths(run_keys), presenter=presenter))


@st.cache_resource(max_entries=32, show_spinner=False)
def loss_chart(run_keys: tuple, presenter: bool):
    return figures.frozen(viz.loss_figure(paths(run_keys), min_value=_surface(run_keys).min_value, presenter=presenter))


def _rank(path: viz.PathView) -> tuple:
    """Cracked and stayed (soonest first), then still turning (lowest loss first), then spun off (the
    longest survivor first)."""
    if path.diverged_at is not None:
        return (2, -path.diverged_at, 0.0)
    if path.settled_at is not None:
        return (0, path.settled_at, path.final_loss)
    return (1, 0, np.nan_to_num(path.final_loss, nan=np.inf))


MEDALS = ("🥇", "🥈", "🥉")


def leaderboard(race: list[viz.PathView], lrs: list[float], tuned: list[bool]) -> pd.DataFrame:
    """One row per hand, best first (see `_rank`): place, optimizer, lr (and whether it is tuned), steps
    to crack ("never"), final loss (the last finite one for a run that spun off) and the step it spun off
    at ("—" for none)."""
    rows = []
    for path, lr, is_tuned in zip(race, lrs, tuned, strict=True):
        rows.append({
            "optimizer": path.label,
            "lr": float(lr),
            "lr from": "tuned" if is_tuned else "yours",
            # Words, not empty cells: "never" reads better than a blank for a hand that did not get there.
            "steps to crack": "never" if path.cracked_at is None else str(path.cracked_at),
            "final loss": path.final_loss,
            "spun off at": "—" if path.diverged_at is None else f"step {path.diverged_at}",
            "_rank": _rank(path),
        })
    table = pd.DataFrame(rows).sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)
    places = [f"{MEDALS[i]} {i + 1}" if i < len(MEDALS) else str(i + 1) for i in range(len(table))]
    table.insert(0, "place", places)
    return table


def loss_summary(race: list[viz.PathView]) -> str:
    """The loss chart in a sentence: who ends lowest, who highest, and whose curve stops early."""
    calm = [p for p in race if p.diverged_at is None and np.isfinite(p.final_loss)]
    lost = [p for p in race if p.diverged_at is not None]
    parts = []
    if calm:
        ordered = sorted(calm, key=lambda p: p.final_loss)
        parts.append(f"{ordered[0].label} ends lowest (loss {format_loss(ordered[0].final_loss)})")
        if len(ordered) > 1:
            parts.append(f"{ordered[-1].label} highest ({format_loss(ordered[-1].final_loss)})")
    if lost:
        names = ", ".join(f"{p.label}'s at step {p.diverged_at}" for p in lost)
        parts.append(f"{'the curve stops where it' if len(lost) == 1 else 'curves stop where they'} spun off: "
                     f"{names}")
    if not parts:
        return "No curve to compare."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
