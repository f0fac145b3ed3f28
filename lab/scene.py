"""A scene: one run described by names and numbers, frozen and hashable, so it keys the app's caches and
travels in an address bar."""

from __future__ import annotations

from dataclasses import dataclass

import landscapes
import optim
from optim import story, tuning

CUSTOM = "custom"  # the landscape key of a formula typed by the learner


def surface(key: str, expression: str = "", bounds: tuple | None = None) -> landscapes.Landscape:
    """A built-in landscape by key, or the learner's own formula over `bounds`."""
    if key == CUSTOM:
        # One shared build per formula (landscapes.typed_landscape), also used when unpickling trajectories.
        return landscapes.typed_landscape(expression, tuple(tuple(float(v) for v in pair) for pair in bounds))
    return landscapes.LANDSCAPES[key]


def surface_or_refusal(key: str, expression: str, bounds: tuple) -> landscapes.Landscape | str:
    """The surface, or the learner-facing reason it was refused."""
    try:
        return surface(key, expression, bounds)
    except ValueError as refusal:
        return f"That formula can't be used: {refusal}"


@dataclass(frozen=True)
class Scene:
    """Everything one run needs: the vault (a key, or a typed formula over bounds), the hand and its
    settings, and the run's length, start, noise and schedule."""

    landscape: str
    expression: str
    bounds: tuple[tuple[float, float], tuple[float, float]] | tuple
    optimizer: str
    hyperparameters: tuple[tuple[str, float | bool], ...]
    steps: int
    start: tuple[float, float]
    noise: float = 0.0
    seed: int = 0
    schedule: str = "constant"

    @property
    def spec(self) -> optim.OptimizerSpec:
        return optim.get(self.optimizer)

    @property
    def surface(self) -> landscapes.Landscape:
        return surface(self.landscape, self.expression, self.bounds)

    def hp(self) -> dict:
        return dict(self.hyperparameters)

    def simulate(self) -> optim.Trajectory:
        """The run itself (uncached; `ui.runs.trajectory` caches it)."""
        return optim.simulate(self.optimizer, self.surface, start=self.start, steps=self.steps, noise=self.noise,
                              seed=self.seed, schedule=self.schedule, **self.hp())

    def robustness(self) -> story.Robustness:
        """Whether this run tells the same story from its start moved by a hair (`optim.story`), as every
        scene the app tells by default must; one batch of the run and its nudged twins (uncached)."""
        return tuning.robustness(self.optimizer, self.surface, start=self.start, steps=self.steps, noise=self.noise,
                                 seed=self.seed, schedule=self.schedule, **self.hp())

    def is_robust(self) -> bool:
        return self.robustness().robust
