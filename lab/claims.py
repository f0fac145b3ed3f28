"""Teaching text as claims: every sentence that states what a run does, beside the scene that backs it.

One table a reviewer can read from top to bottom: the page, the words as the page shows them, where those
words live, the scene the page shows (in words) and a check that runs exactly that scene. The tests
(tests/test_claims.py) assert that each quoted sentence is still on its page and that its check holds, so
a change to a default, the tuner or a rule cannot make a page lie without a test failing.

The vaults' own descriptions have their table beside the default scenes in tests/test_teaching_truth.py;
each lesson also has its fuller check in tests/app/test_lessons.py. The tests run every check again with each
scene's start moved by a hair (`nudged`, `optim.story`): words a nudge of 1e-9 could falsify are words another
CPU's rounding could falsify. Pure: NumPy, optim, landscapes, lab.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

import numpy as np

import landscapes
import optim
from lab import lessons, stability
from lab.lessons import LESSONS
from optim import story


@dataclass(frozen=True)
class Claim:
    page: str  # where a learner reads it
    words: str  # quoted as the page shows them (whitespace aside)
    text: Callable[[], str]  # the page's text the words must appear in
    scene: str  # the scene the check runs, in words
    check: Callable[[], bool]


# The nudge in force while a check runs: None for the scenes as the pages show them, else an index into
# optim.story.NUDGE_DIRECTIONS.
_NUDGE: ContextVar[int | None] = ContextVar("claims_nudge", default=None)


@contextmanager
def nudged(direction: int | None) -> Iterator[None]:
    """Run the checks inside with every scene's start moved by `optim.story.NUDGE` in that direction."""
    token = _NUDGE.set(direction)
    try:
        yield
    finally:
        _NUDGE.reset(token)


# The nudges the claims' checks are run again from: one per quadrant of the twelve. Every scene's story is
# checked from all twelve (optim.story); a claim's finer numbers are checked from these four.
CHECKED_NUDGES = (0, 3, 6, 9)


def nudge_in_force() -> int | None:
    """The nudge `nudged` put in force (None: the scenes as the pages show them)."""
    return _NUDGE.get()


def run(optimizer: str, landscape: str, start=None, steps: int = 200, **settings) -> optim.Trajectory:
    """A run a check makes, from `start` (the vault's own by default) moved by the nudge in force."""
    start = np.asarray(landscapes.get(landscape).start if start is None else start, dtype=np.float64)
    if _NUDGE.get() is not None:
        start = story.nudged_starts(start)[1 + _NUDGE.get()]
    return optim.simulate(optimizer, landscape, start, steps, **settings)


def lesson_runs(slug: str) -> tuple[optim.Trajectory, ...]:
    return _lesson_runs(slug, _NUDGE.get())


@cache
def _lesson_runs(slug: str, nudge: int | None) -> tuple[optim.Trajectory, ...]:
    return tuple(lessons.simulate(LESSONS[slug], nudge))


def _lesson(slug: str) -> Callable[[], str]:
    return lambda: LESSONS[slug].explanation


def _description(key: str) -> Callable[[], str]:
    return lambda: optim.OPTIMIZERS[key].description


def _help(key: str, name: str) -> Callable[[], str]:
    return lambda: optim.OPTIMIZERS[key].hyperparameter(name).help


# --- the lessons ---------------------------------------------------------------------------------------

def _ravine_swing_dies():
    sgd, momentum = lesson_runs("ravine")
    return lessons.last_swing(sgd) <= 17 and 60 <= lessons.last_swing(momentum) <= 70


def _ravine_floor_speed():
    sgd, momentum = lesson_runs("ravine")
    k = lessons.RAVINE_CHECKPOINT
    return (round(momentum.points[k, 0], 1) == -0.6 and round(sgd.points[k, 0], 1) == -3.6
            and momentum.settled_at() == 59 and sgd.settled_at() is None)


def _saddle_escapes():
    sgd, adam = lesson_runs("saddle")
    lesson = LESSONS["saddle"]
    return lessons.left_map(adam, lesson.surface) == 37 and lessons.left_map(sgd, lesson.surface) is None


def _too_hot_edge():
    calm, hot = lesson_runs("too_hot")
    surface = LESSONS["too_hot"].surface
    return (lessons.left_map(hot, surface) == 3 and 25 <= hot.diverged_at <= 35
            and lessons.left_map(calm, surface) is None)


def _rmsprop_steps_large_then_fade():
    adagrad, rmsprop = lesson_runs("adagrad_tires")
    reach = np.abs(np.diff(rmsprop.points, axis=0))
    lr = dict(LESSONS["adagrad_tires"].runs[1].hyperparameters)["lr"]
    return (np.allclose(reach[0], 10 * lr, rtol=1e-6) and reach[-1].max() < 0.01 * lr
            and rmsprop.settled_at() is not None)


def _adamw_still_drifting():
    adam, adamw = lesson_runs("adamw")
    best = np.asarray(LESSONS["adamw"].surface.minima[0])
    drift = np.linalg.norm(adamw.points[-1] - adamw.points[-101])
    resting = np.linalg.norm(adam.points[-1] - adam.points[-101])
    return (round(float(np.linalg.norm(adamw.points[-1] - best)), 2) == 0.17 and round(float(drift), 3) == 0.023
            and round(float(np.linalg.norm(adam.points[-1] - best)), 2) == 0.32 and resting < 1e-4)


def _adamw_paths_overlap_then_part():
    adam, adamw = lesson_runs("adamw")
    gap = np.linalg.norm(adam.points - adamw.points, axis=1)
    frame = lessons.zoom(LESSONS["adamw"], list(lesson_runs("adamw")))
    inside = all(lo <= p[k] <= hi for p in (adam.points[-1], adamw.points[-1]) for k, (lo, hi) in enumerate(frame))
    return gap[-300:].max() < 0.02 * max(LESSONS["adamw"].surface.extent) and gap[-1] > 0.1 and inside


# --- the home page -----------------------------------------------------------------------------------------

HOME = "app.py"


def _home_text() -> str:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent.joinpath(HOME).read_text(encoding="utf-8")


def _bowl_demo(lr: float, steps: int = 40) -> optim.Trajectory:
    return run("sgd", "bowl", np.array([-3.5, 2.5]), steps, lr=lr)


def _home_regimes():
    creep = _bowl_demo(0.45).points[:, 0]
    over = _bowl_demo(0.9).points[:, 0]
    off = _bowl_demo(1.2)
    one_turn = _bowl_demo(0.5).points[1]
    return (np.all(creep[:10] < 0) and np.all(np.sign(over[1:6]) == -np.sign(over[:5]))
            and (off.diverged_at is not None or np.linalg.norm(off.points[-1]) > 1e3) and np.allclose(one_turn, 0))


def _beta2_is_adams():
    names = {key: {h.name for h in spec.hyperparameters} for key, spec in optim.OPTIMIZERS.items()}
    return "beta2" in names["adam"] and "beta2" not in names["rmsprop"] and "alpha" in names["rmsprop"]


# --- the hands' own words ----------------------------------------------------------------------------------

def _amsgrad_grows_back():
    growths = []
    for vault in ("bowl", "himmelblau", "booth"):
        reach = run("adam", vault, steps=200, lr=0.05, amsgrad=True).state["effective_lr"][1:-1]
        growths.append((reach / np.minimum.accumulate(reach, axis=0)).max())
    return min(growths) > 1.5


def _momentum_floor_speed():
    return _ravine_floor_speed() and _ravine_swing_dies()


def _adam_first_step_is_lr():
    adam, _ = lesson_runs("first_step")
    return np.allclose(lessons.first_turn(adam), 0.1, rtol=1e-6)


def _adagrad_stops_short():
    adagrad, _ = lesson_runs("adagrad_tires")
    return adagrad.settled_at() is None and adagrad.distance_to_minimum()[-1] > 5


def _sgd_ravine_zigzag_then_crawl():
    sgd, _ = lesson_runs("ravine")
    return lessons.overshoot_ratio(sgd) < 0 and lessons.last_swing(sgd) <= 17 and sgd.settled_at() is None


# --- inside the hand ---------------------------------------------------------------------------------------

def _inside_text() -> str:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent.joinpath("pages", "3_Inside_the_hand.py").read_text(encoding="utf-8")


@cache
def _chaos_parts_ways_calm_does_not():
    # A start moved by 1e-9 stands in for another machine's last bit: on Ackley at lr 0.3 plain descent's
    # twins end far apart, on the bowl they stay within a few billionths of each other.
    from optim import tuning

    chaotic = optim.simulate("sgd", "ackley", story.nudged_starts(landscapes.LANDSCAPES["ackley"].start), 200,
                             lr=0.3)
    calm = optim.simulate("sgd", "bowl", story.nudged_starts(landscapes.LANDSCAPES["bowl"].start), 200, lr=0.1)
    apart = np.linalg.norm(chaotic.points[:, -1] - chaotic.points[0, -1], axis=-1).max()
    close = np.abs(calm.points - calm.points[:1]).max()
    verdicts = tuning.robustness("sgd", "ackley", lr=0.3).robust, tuning.robustness("sgd", "bowl", lr=0.1).robust
    return apart > 0.1 * max(landscapes.LANDSCAPES["ackley"].extent) and close < 10 * story.NUDGE and verdicts == (
        False, True)


# --- the map of settings -----------------------------------------------------------------------------------

def _map_text() -> str:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent.joinpath("ui", "settings_map.py").read_text(encoding="utf-8")


def _stability_on_every_quadratic():
    drawn = {key for key in landscapes.LANDSCAPES if stability.largest_curvature(key) is not None}
    return drawn == {"bowl", "ravine", "booth", "matyas", "linear_regression"}


@cache
def _basins_shatter_with_momentum():
    # A count over 1,600 starts on a grid, not one run's story: the nudge leaves it alone (and it runs once).
    from lab import sweeps

    def border(optimizer):
        index = sweeps.basin_index(sweeps.BasinGrid("himmelblau", optimizer, 0.01, 200, 40))
        return (np.diff(index, axis=0) != 0).mean() + (np.diff(index, axis=1) != 0).mean()

    return border("momentum") > 5 * border("sgd")


CLAIMS: tuple[Claim, ...] = (
    Claim("Lessons · The ravine", "SGD's bounce between the walls dies out within some fifteen steps",
          _lesson("ravine"), "ravine, SGD lr 0.09 and Momentum lr 0.02 μ 0.9, 200 steps", _ravine_swing_dies),
    Claim("Lessons · The ravine", "it weaves from wall to wall until about step 66", _lesson("ravine"),
          "the same", _ravine_swing_dies),
    Claim("Lessons · The ravine", "by step 50 it is at x = −0.6 while SGD is still at −3.6, and it cracks the "
          "safe at step 59", _lesson("ravine"), "the same", _ravine_floor_speed),
    Claim("Lessons · The saddle", "by step 37 it has run off the map downhill", _lesson("saddle"),
          "saddle, SGD and Adam at lr 0.05 from (1.5, 0.01), 50 steps", _saddle_escapes),
    Claim("Lessons · Too hot", "By step 3 the swing already reaches past the edge of the map, and by about step "
          "thirty the dials are thrown off altogether", _lesson("too_hot"),
          "ravine, SGD at lr 0.09 and 0.11, 100 steps", _too_hot_edge),
    Claim("Lessons · AdaGrad tires out", "its first steps are ten times the learning rate (1.0 per dial at lr 0.1",
          _lesson("adagrad_tires"), "Booth, AdaGrad and RMSprop at lr 0.1, 300 steps", _rmsprop_steps_large_then_fade),
    Claim("Lessons · Adam with L2 against AdamW", "after 500 steps AdamW is 0.17 from the best fit and still "
          "drifting (0.023 over the last 100 steps), about half as far as Adam with L2 (0.32, at rest)",
          _lesson("adamw"), "linear regression, Adam + L2 and AdamW, lr 0.05, λ 0.1, 500 steps", _adamw_still_drifting),
    Claim("Lessons · Adam with L2 against AdamW", "For their last 300 steps the two paths lie within 2% of the map "
          "of each other, so the map is zoomed on their ends", _lesson("adamw"), "the same",
          _adamw_paths_overlap_then_part),
    Claim("Home", "On this bowl the hand overshoots above 0.5 and spins off above 1.0", _home_text,
          "bowl, SGD from (-3.5, 2.5), 40 steps, lr 0.45 / 0.5 / 0.9 / 1.2", _home_regimes),
    Claim("Home", "The fastest hand is the one at exactly η = 0.5, which lands on the combination in one",
          _home_text, "the same at lr 0.5", _home_regimes),
    Claim("Home", "β₂ (RMSprop's α), second moment", _home_text, "the hands' hyperparameter names",
          _beta2_is_adams),
    Claim("Hand · Adam (amsgrad)", "the step can grow back a little as t grows", _help("adam", "amsgrad"),
          "Adam lr 0.05, amsgrad, 200 steps on the bowl, Himmelblau and Booth", _amsgrad_grows_back),
    Claim("Hand · Momentum", "along a ravine's floor it travels many times faster than plain descent, though it "
          "weaves across the valley for longer", _description("momentum"), "the ravine lesson's runs",
          _momentum_floor_speed),
    Claim("Hand · SGD", "in a narrow ravine a zig-zag that dies down into a crawl along the floor",
          _description("sgd"), "the ravine lesson's runs", _sgd_ravine_zigzag_then_crawl),
    Claim("Hand · AdaGrad", "in the end it may stop short", _description("adagrad"),
          "the AdaGrad lesson's runs (Booth, lr 0.1, 300 steps)", _adagrad_stops_short),
    Claim("Hand · RMSprop", "so it never tires the way AdaGrad does", _description("rmsprop"),
          "the AdaGrad lesson's runs", _rmsprop_steps_large_then_fade),
    Claim("Hand · Adam", "It moves each dial about η per step whatever the slope", _description("adam"),
          "Beale from (0.5, -0.5), Adam lr 0.1: its first turn", _adam_first_step_is_lr),
    Claim("Inside the hand", "that last bit grows until two machines' paths part ways, as two GPUs' would",
          _inside_text, "Ackley, SGD lr 0.3, and the bowl, SGD lr 0.1, each from starts 1e-9 apart",
          _chaos_parts_ways_calm_does_not),
    Claim("Map of settings", "drawn on every quadratic vault with a bottom: the bowl,\nthe ravine, Booth, Matyas "
          "and the linear regression", _map_text, "every vault's Hessian, read off its gradient",
          _stability_on_every_quadratic),
    Claim("Map of settings · Basins", "its swing carries runs over the ridges, and the basins shatter into",
          _map_text, "Himmelblau, SGD and Momentum at lr 0.01, 200 steps from 40 × 40 starts",
          _basins_shatter_with_momentum),
)


# --- the real network ----------------------------------------------------------------------------------------

@cache
def network_lesson_timeline(start_nudge: int = 0):
    """The real network lesson's runs as the page shows them (`start_nudge` 0), or from the start moved by 1e-9
    along the `start_nudge`-th random unit direction: a story a rounding could change would fail there."""
    from lab import network

    lesson = network.LESSON
    start = network.Race().start()
    if start_nudge:
        direction = np.random.default_rng(start_nudge).standard_normal(start.size)
        start = start + 1e-9 * direction / np.linalg.norm(direction)
    return network.timeline(lesson.hands, lesson.runs(start))


def _network_lesson_holds():
    from lab import network

    return all(network.LESSON_CHECK(network_lesson_timeline(nudge)) for nudge in range(3))


def _network_lesson_text() -> str:
    from lab import network

    return network.LESSON.explanation


CLAIMS = CLAIMS + (
    Claim("The real network · lesson", "Adam and Momentum reach 95% within a few steps of each other, both in about "
          "25 steps, while plain SGD needs about six times as long", _network_lesson_text,
          "the digits network, SGD, Momentum and Adam at their tuned rates, 300 full-batch steps, from the start and "
          "from two starts moved by 1e-9", _network_lesson_holds),
    Claim("The real network · lesson", "Adam ends with the lowest training loss of the three, by more than half, yet "
          "it reads no more of the test digits than Momentum does", _network_lesson_text, "the same",
          _network_lesson_holds),
)
