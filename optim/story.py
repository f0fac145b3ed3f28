"""A run's story, and whether a hair's nudge to its start could change it.

The pages tell what a run comes to: whether it cracks the safe and from which step it stays cracked, when it
first comes within reach, whether it spins off (and when), leaves the map (and when) or leaps a hump, where it
ends and at which combination; and they draw its path. That is the run's `Story`. Two machines compute a
chaotic path differently in the last bit (NumPy's exp and cos kernels differ between CPUs; torch fuses
multiply-adds where the CPU has them), and a chaotic path amplifies that bit until the two paths part. A story
that such a difference can change is not worth telling, so the app tells only robust ones: the run is repeated
from its start moved by `NUDGE` in each of `NUDGE_DIRECTIONS` (far more than a last-bit rounding, far less
than anything a learner can see), and the story must come out the same every time, up to `STEP_SLACK` steps
and `PLACE_SHARE` of the map, the paths never parting by more than that on the way. A nudge stands in for
another CPU: a path a nudge of 1e-9 cannot move is one a rounding of 1e-16 cannot move either, while the
converse need not hold, so the check errs on the careful side.

The nudged runs ride in the same batch as the run itself (`nudged_starts`, then `agree`), so the check costs
one `simulate` call. Where the map is left and where a hump is leapt are the tuner's yardsticks
(`optim.tuning.left_map_at`, `leapt_at`); `tell` takes them as arrays, and `optim.tuning.robustness` is the
one function that puts a scene through the whole check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optim.trajectory import DEFAULT_CRACK_FRACTION, Trajectory

# How far a nudged start lies from the start, and in which directions: twelve, every 30° from 15°, so every
# one moves both dials and a start on a ridge or an axis is pushed off it to each side. A chaotic run often
# tells another story from only some directions (Adadelta on Rosenbrock at lr 1: about one in eight), so a
# handful of twins can miss it; hence twelve, held to half the place tolerance (`CHECK_MARGIN`).
NUDGE = 1e-9
NUDGE_DIRECTIONS = tuple((float(np.cos(a)), float(np.sin(a))) for a in np.deg2rad(15.0 + 30.0 * np.arange(12)))
# Steps the story's steps may move by (a run that settles at step 94 or 96 tells the same story)...
STEP_SLACK = 2
# ... and how far apart two ends may lie, as a share of the map's longer side (the app's yardstick for "there").
PLACE_SHARE = DEFAULT_CRACK_FRACTION
# The twelve twins sample twelve of the directions a rounding could push a run; the check asks them to agree
# within this share of the place tolerance, so a direction between them has room. Measured: at the full
# tolerance a 64-twin audit of the 510 default scenes (before the digits vault) flagged two that twelve twins
# let through (paths parting by 0.041 of a 0.04 yardstick from 2 directions in 64); with the margin it flags none.
CHECK_MARGIN = 0.5


@dataclass(frozen=True)
class Story:
    """What each run of a batch came to, in the terms the pages use; one entry per run, -1 for "never"."""

    spun_off_at: np.ndarray  # the step its loss stopped being a number (Trajectory.diverged_at)
    settled_at: np.ndarray  # the step from which it stays within reach of a combination (cracked)
    reached_at: np.ndarray  # the first step within reach
    left_map_at: np.ndarray  # the first step off the map
    leapt: np.ndarray  # whether any step crosses a hump in one go
    end: np.ndarray  # (N, 2), where it stands after its last step (NaN once it spun off)
    basin: np.ndarray  # which combination it ends within reach of (an index into the vault's minima), -1: none
    yardstick: float  # PLACE_SHARE of the map's longer side
    points: np.ndarray  # (N, steps+1, 2), the paths themselves: the picture is part of the story

    def told(self, i: int) -> str:
        """Run `i`'s story in a few words, for a message."""
        parts = []
        for name, words in (("spun_off_at", "spins off at step"), ("settled_at", "settles at step"),
                            ("reached_at", "first within reach at step"), ("left_map_at", "leaves the map at step")):
            at = int(getattr(self, name)[i])
            if at >= 0:
                parts.append(f"{words} {at}")
        if self.leapt[i]:
            parts.append("leaps a hump")
        if self.spun_off_at[i] < 0:
            parts.append(f"ends at ({self.end[i, 0]:.4g}, {self.end[i, 1]:.4g})")
        return ", ".join(parts) if parts else "never gets anywhere"

    def differences(self, i: int, j: int, margin: float = 1.0) -> list[str]:
        """How run `j`'s story differs from run `i`'s, part by part (empty: the same story); places must agree
        within `margin` times the yardstick (the robustness check asks for `CHECK_MARGIN`)."""
        out = []
        near = margin * self.yardstick
        for name, what in (("spun_off_at", "spins off"), ("settled_at", "cracks the safe"),
                           ("reached_at", "first comes within reach"), ("left_map_at", "leaves the map")):
            a, b = int(getattr(self, name)[i]), int(getattr(self, name)[j])
            if (a < 0) != (b < 0) or abs(a - b) > STEP_SLACK:
                out.append(f"{what}: {_when(a)}, nudged: {_when(b)}")
        if bool(self.leapt[i]) != bool(self.leapt[j]):
            out.append(f"leaps a hump: {_yes(self.leapt[i])}, nudged: {_yes(self.leapt[j])}")
        if self.basin[i] != self.basin[j]:
            out.append(f"ends at combination {_which(self.basin[i])}, nudged: {_which(self.basin[j])}")
        if self.spun_off_at[i] < 0 and self.spun_off_at[j] < 0:
            apart = float(np.linalg.norm(self.end[i] - self.end[j]))
            if not apart <= near:
                out.append(f"ends {apart:.3g} apart, more than {near:.3g}")
        # The path on screen, up to where either run spun off: a chaotic run parts from its twins on the way,
        # often long before its end tells it.
        with np.errstate(invalid="ignore"):
            gap = np.linalg.norm(self.points[i] - self.points[j], axis=-1)
        gap = gap[np.isfinite(gap)]
        if gap.size and gap.max() > near:
            out.append(f"the paths part by {gap.max():.3g} on the way, more than {near:.3g}")
        return out


def tell(batch: Trajectory, left_map_at, leapt_at) -> Story:
    """The story of every run of `batch` (a single run counts as a batch of one), given where each run first
    leaves the map and first leaps a hump (int arrays, -1 for never, as `optim.tuning` gives them)."""
    points = batch.points if batch.is_batch else batch.points[None]

    def per_run(value):
        return np.atleast_1d(np.asarray(-1 if value is None else value, dtype=np.int64))

    end = points[:, -1]
    reach = batch.default_tolerance()
    return Story(per_run(batch.diverged_at), per_run(batch.settled_at()), per_run(batch.cracked_at()),
                 per_run(left_map_at), per_run(leapt_at) >= 0, end, basin(batch.landscape, end, reach),
                 PLACE_SHARE * max(batch.landscape.extent), points)


def basin(landscape, points, reach: float) -> np.ndarray:
    """For points (..., 2): the index of the combination (global minimum) each lies within `reach` of, -1 for
    none (a NaN point, a vault without one, or somewhere else): what the Map of settings' basins colour."""
    points = np.asarray(points, dtype=np.float64)
    if not landscape.minima:
        return np.full(points.shape[:-1], -1)
    which, distance = landscape.nearest_minimum(points)
    return np.where(distance <= reach, which, -1)


def nudged_starts(start) -> np.ndarray:
    """The start and the start moved by `NUDGE` in each of `NUDGE_DIRECTIONS`: (1 + directions, 2)."""
    start = np.asarray(start, dtype=np.float64).reshape(2)
    return np.vstack([start, start + NUDGE * np.asarray(NUDGE_DIRECTIONS)])


COPIES = 1 + len(NUDGE_DIRECTIONS)  # runs per story checked: the run itself and its nudged twins


def agree(story: Story, copies: int = COPIES) -> np.ndarray:
    """For a batch laid out as groups of `copies` runs (a run, then its nudged twins), whether every twin in
    each group tells the group's first story: a bool per group."""
    groups = story.spun_off_at.shape[0] // copies
    return np.array([not any(story.differences(g * copies, g * copies + k, CHECK_MARGIN) for k in range(1, copies))
                     for g in range(groups)], dtype=bool)


@dataclass(frozen=True)
class Robustness:
    """Whether a scene's story survives a nudge of its start, and if not, how a nudged twin tells it."""

    robust: bool
    story: str  # the run's own story, in a few words
    changes: tuple[str, ...] = ()  # the parts the first differing twin tells otherwise

    def __bool__(self) -> bool:
        return self.robust

    def explain(self) -> str:
        if self.robust:
            return f"robust: {self.story}"
        return (f"not robust: {self.story}; from a start moved by {NUDGE:g}: " + "; ".join(self.changes))


def robustness_of(story: Story) -> Robustness:
    """The verdict for one run told together with its nudged twins (a story of `COPIES` runs)."""
    for k in range(1, story.spun_off_at.shape[0]):
        changes = story.differences(0, k, CHECK_MARGIN)
        if changes:
            return Robustness(False, story.told(0), tuple(changes))
    return Robustness(True, story.told(0))


def _when(at: int) -> str:
    return "never" if at < 0 else f"step {at}"


def _yes(flag) -> str:
    return "yes" if flag else "no"


def _which(index) -> str:
    return "none" if index < 0 else str(int(index) + 1)
