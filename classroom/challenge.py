"""The challenge: every student picks a learning rate and a β (the hand's second knob) for the same hand
on the same vault.

The server runs each submission with the exact core (`optim.simulate`, one run, the vault's own start),
so the leaderboard ranks what the students chose, not what their phones computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import landscapes
import optim
from classroom.errors import ClassroomError

DEFAULT_STEPS = 200
MAX_STEPS = 1000


@dataclass(frozen=True)
class Knob:
    name: str
    label: str
    low: float
    high: float
    default: float
    log: bool


@dataclass(frozen=True)
class Result:
    """What one submission did: when it settled on the combination (None: never), where it ended."""

    settled_at: int | None
    diverged_at: int | None
    final_loss: float | None
    final_distance: float | None


def hands() -> list[str]:
    """The optimizers a challenge can use: every registered hand with a second knob on the Map of settings
    (its `map_axis`: momentum μ, β₁, ...), so the class's guesses land on that same lr × knob map."""
    return [key for key, spec in optim.OPTIMIZERS.items() if spec.map_axis is not None]


def knobs(optimizer: str) -> tuple[Knob, Knob]:
    """The learning rate and the map's knob of `optimizer`, with the ranges the registry gives them."""
    if optimizer not in hands():
        raise ClassroomError(f"A challenge needs a hand with a second knob: choose one of {', '.join(hands())}.")
    spec = optim.get(optimizer)
    axis = spec.map_axis
    lr = spec.hyperparameter("lr")
    knob = spec.hyperparameter(axis.name)
    low = knob.low if axis.low is None else axis.low
    high = knob.high if axis.high is None else axis.high
    return (Knob("lr", "learning rate", float(lr.low), float(lr.high), float(lr.default), bool(lr.log)),
            Knob(axis.name, axis.label, float(low), float(high), float(knob.default), bool(knob.log)))


def check_setup(optimizer: object, vault: object, steps: object) -> int:
    if not isinstance(optimizer, str) or optimizer not in hands():
        raise ClassroomError(f"A challenge needs a hand with a second knob: choose one of {', '.join(hands())}.")
    if not isinstance(vault, str) or vault not in landscapes.LANDSCAPES:
        raise ClassroomError(f"Unknown vault {vault!r}: choose one of {', '.join(landscapes.LANDSCAPES)}.")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 10 <= steps <= MAX_STEPS:
        raise ClassroomError(f"Steps must be a whole number from 10 to {MAX_STEPS}.")
    return steps


def check_setting(optimizer: str, lr: object, beta: object) -> tuple[float, float]:
    """(lr, β) as floats, or ClassroomError naming the knob and its range."""
    checked = []
    for knob, value in zip(knobs(optimizer), (lr, beta), strict=True):
        label = knob.label[:1].upper() + knob.label[1:]
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ClassroomError(f"{label} must be a number from {knob.low:g} to {knob.high:g}.") from None
        if isinstance(value, bool) or not math.isfinite(number) or not knob.low <= number <= knob.high:
            raise ClassroomError(f"{label} must be from {knob.low:g} to {knob.high:g}; got {value!r}.")
        checked.append(number)
    return checked[0], checked[1]


def settings(optimizer: str, lr: float, beta: float) -> dict[str, float]:
    return {"lr": lr, knobs(optimizer)[1].name: beta}


def run(optimizer: str, vault: str, steps: int, lr: float, beta: float) -> optim.Trajectory:
    """The submission's run, exactly as the core computes it."""
    return optim.simulate(optimizer, vault, steps=steps, **settings(optimizer, lr, beta))


def result_of(trajectory: optim.Trajectory) -> Result:
    def finite(value: float) -> float | None:
        return float(value) if math.isfinite(value) else None

    distance = trajectory.distance_to_minimum()[-1]
    return Result(trajectory.settled_at(), trajectory.diverged_at, finite(trajectory.final_loss),
                  finite(float(distance)))


def rank_key(result: Result) -> tuple:
    """Settled runs first (earliest first), then the rest by how close they ended, spun-off runs last."""
    if result.settled_at is not None:
        return (0, result.settled_at, 0.0)
    if result.diverged_at is None and result.final_distance is not None:
        return (1, 0, result.final_distance)
    return (2, 0, 0.0)


def title(optimizer: str, vault: str, steps: int) -> str:
    """The challenge in words, as the phones and the export name it."""
    hand = optim.get(optimizer).title if optimizer in optim.OPTIMIZERS else optimizer
    surface = landscapes.LANDSCAPES[vault].title if vault in landscapes.LANDSCAPES else vault
    return f"{hand} on {surface}, {steps} steps"


def outcome_words(result: Result, steps: int | None = None) -> str:
    """What a run did, in the words the phone, the projector and the export share."""
    if result.settled_at is not None:
        return f"settled on the combination at step {result.settled_at}"
    if result.diverged_at is not None:
        return f"spun off at step {result.diverged_at}"
    if result.final_distance is not None:
        return f"still searching: {result.final_distance:.3g} from the combination" + \
            (f" after {steps} steps" if steps else "")
    return "ended off the map"
