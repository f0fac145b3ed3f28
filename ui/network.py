"""The real network page's settings and cached calls: the hands, the steps, mini-batches and the shadow's plane,
all in the address bar; runs kept as objects (a race's paths are 2,410 numbers per step per hand), the
numbers the page shows cached by value."""

from __future__ import annotations

import numpy as np
import streamlit as st

import optim
from lab import network as net_lab
from ui import url_state
from ui.url_state import Setting

PAGE = "network"
BATCH_CHOICES = ("all", "256", "64", "16")
PLANE_LABELS = {"ends": "Through the start and two hands' ends", "pca": "The paths' principal plane (PCA)"}


def settings() -> list[Setting]:
    keys = list(optim.OPTIMIZERS)
    return [
        url_state.choices("hands", net_lab.DEFAULT_HANDS, keys, low=1, high=net_lab.MAX_HANDS),
        url_state.number("steps", net_lab.STEPS, *net_lab.STEP_RANGE, integer=True),
        url_state.choice("batch", BATCH_CHOICES[0], BATCH_CHOICES),
        url_state.number("seed", 0, 0, 10_000, integer=True),
        url_state.choice("plane", net_lab.PLANES[0], net_lab.PLANES),
        url_state.choice("end_a", net_lab.DEFAULT_HANDS[0], keys),
        url_state.choice("end_b", net_lab.DEFAULT_HANDS[-1], keys),
    ]


def batch_size(choice: str) -> int | None:
    return None if choice == "all" else int(choice)


@st.cache_resource(max_entries=8, show_spinner=False)
def trajectories(hands: tuple[str, ...], steps: int, batch: int | None, seed: int) -> list[optim.Trajectory]:
    """Each hand's run at its tuned rate, kept as objects: paths of 2,410 dials are too large to copy."""
    race = net_lab.Race(hands, steps, net_lab.START_SEED, batch, seed)
    return [race.run(key) for key in hands]


@st.cache_data(max_entries=16, show_spinner=False)
def timeline(hands: tuple[str, ...], steps: int, batch: int | None, seed: int) -> net_lab.Timeline:
    return net_lab.timeline(hands, trajectories(hands, steps, batch, seed))


@st.cache_data(max_entries=32, show_spinner=False)
def shadow(hands: tuple[str, ...], steps: int, batch: int | None, seed: int, plane: str,
           ends: tuple[int, int]) -> net_lab.Shadow:
    runs = trajectories(hands, steps, batch, seed)
    start = net_lab.network().init(seed=net_lab.START_SEED)
    if plane == "pca":
        chosen = net_lab.pca_plane(start, runs)
    else:
        titles = tuple(optim.get(hands[i]).title for i in ends)
        chosen = net_lab.ends_plane(start, runs, *ends, titles)
    return net_lab.shadow(chosen, runs)


def strip_images(indices: np.ndarray) -> np.ndarray:
    return net_lab.network().x_test[indices].reshape(-1, 8, 8)
