"""Cached calls into the core. They take names and numbers, so a rerun with the same scene is free."""

from __future__ import annotations

import streamlit as st

import landscapes
import landscapes.expression
import optim
import optim.tuning

CUSTOM = "custom"


def surface(key: str, expression: str = "", bounds: tuple | None = None) -> landscapes.Landscape:
    """A built-in landscape by key, or the learner's own formula over `bounds`."""
    if key == CUSTOM:
        # One shared build per formula (landscapes.typed_landscape), also used when unpickling trajectories.
        return landscapes.typed_landscape(expression, tuple(tuple(float(v) for v in pair) for pair in bounds))
    return landscapes.LANDSCAPES[key]


def surface_or_error(key: str, expression: str, bounds: tuple) -> landscapes.Landscape | str:
    """The surface, or the learner-facing reason it was refused."""
    try:
        return surface(key, expression, bounds)
    except ValueError as refusal:
        return f"That formula can't be used: {refusal}"


@st.cache_data(max_entries=256, show_spinner=False)
def trajectory(optimizer: str, landscape: str, expression: str, bounds: tuple, start: tuple, steps: int,
               hyperparameters: tuple, noise: float = 0.0, seed: int = 0,
               schedule: str = "constant") -> optim.Trajectory:
    return optim.simulate(optimizer, surface(landscape, expression, bounds), start=start, steps=steps,
                          noise=noise, seed=seed, schedule=schedule, **dict(hyperparameters))


@st.cache_data(max_entries=512, show_spinner=False)
def suggested_lr(optimizer: str, landscape: str, steps: int) -> float:
    """A learning rate that shows this hand at its best on this vault (see optim.tuning)."""
    if landscape not in landscapes.LANDSCAPES:
        return float(optim.OPTIMIZERS[optimizer].hyperparameter("lr").default)
    return optim.tuning.suggest_lr(optimizer, landscape, steps=steps)


@st.cache_resource(max_entries=64, show_spinner=False)
def parsed_formula(expression: str):
    """The learner's formula checked, with its exact gradient in LaTeX; raises ExpressionError."""
    return landscapes.expression.parse_expression(expression)


def scene_trajectory(scene_key: tuple) -> optim.Trajectory:
    """The run of a scene given as `Scene.key()`: (landscape, expression, bounds, optimizer,
    hyperparameters, steps, start, noise, seed, schedule)."""
    landscape, expression, bounds, optimizer, hyperparameters, steps, start, noise, seed, schedule = scene_key
    return trajectory(optimizer, landscape, expression, bounds, start, steps, hyperparameters, noise, seed, schedule)
