"""Cached calls into the core. They take scenes (frozen names and numbers), so a rerun with the same scene is
free."""

from __future__ import annotations

import streamlit as st

import landscapes
import landscapes.expression
import optim
import optim.story
import optim.tuning
from lab.scene import Scene


@st.cache_data(max_entries=256, show_spinner=False)
def trajectory(scene: Scene) -> optim.Trajectory:
    return scene.simulate()


@st.cache_data(max_entries=256, show_spinner=False)
def robustness(scene: Scene) -> optim.story.Robustness:
    """Whether the scene's story survives a nudge of its start (`Scene.robustness`, one batch of twins)."""
    return scene.robustness()


@st.cache_data(max_entries=512, show_spinner=False)
def suggested_lr(optimizer: str, landscape: str, steps: int) -> float:
    """A learning rate that shows this hand at its best on this vault (see optim.tuning)."""
    if landscape not in landscapes.LANDSCAPES:
        return float(optim.get(optimizer).hyperparameter("lr").default)
    return optim.tuning.suggest_lr(optimizer, landscape, steps=steps)


@st.cache_resource(max_entries=64, show_spinner=False)
def parsed_formula(expression: str):
    """The learner's formula checked, with its exact gradient in LaTeX; raises ExpressionError."""
    return landscapes.expression.parse_expression(expression)
