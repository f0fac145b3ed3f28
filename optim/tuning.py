"""A learning rate a careful practitioner would choose for a vault, found by one batched run over a ladder.

This is how the app opens every vault with a hand that shows something honest, instead of one fixed
default that crawls on one surface and spins off on the next. Every rung of the hand's ladder (`lr_ladder`,
the same rates its slider offers) is run once, side by side, and judged:

- admissible: it never spins off, never leaves the map (`left_map_at`) and never crosses one of the vault's
  humps in a single step (`leapt_at`). A rung that reaches the combination by leaping over the landscape or
  bouncing off the edge of the world is lucky, not good, and never wins.
- cracks: an admissible rung that reaches the combination and stays there (`Trajectory.settled_at`).

Among the rungs that crack, "fast" takes the one that settles soonest (the race: each hand at its best) and
"calm" the smallest one that settles with a quarter of the steps to spare (a path worth watching). When no
rung cracks, the result says so and takes the calmest stable rung: the smallest of the admissible rungs
that get furthest down (a path that stops in the first dip it meets ends as low at 0.001 as at 0.03).
A vault whose story needs a particular rate (a hand caught in a dip) declares it (`Landscape.teaching_lr`),
and `tune` uses it from the vault's own start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import landscapes
from landscapes import Landscape
from optim import registry
from optim.simulate import simulate
from optim.trajectory import DEFAULT_CRACK_FRACTION, Trajectory

LADDER_MANTISSAS = (1, 2, 3, 5, 7)
# "calm": the smallest rung that settles with a quarter of the steps to spare, a path worth watching;
# "fast": the rung that settles soonest, each hand at its best (the race).
PREFERENCES = ("calm", "fast")
CALM_SHARE = 0.75

# Off the map means outside the bounds widened by this share of the longer side: a point that close to the
# edge still shows (its marker overlaps the frame), and it is the app's own yardstick for "there".
MAP_MARGIN = DEFAULT_CRACK_FRACTION
# A step crosses a hump when the loss along it climbs and then falls again by more than this share of the
# loss the run has to shed (its start's loss above the floor). Along a step on a convex surface the loss
# cannot climb and then fall, so bowls, ravines and regressions never trigger it; on a bumpy one, a hand
# that glides over a hump in many small steps stays below it, and one that jumps a hump does not.
HUMP_TOLERANCE = 0.01
# Points sampled along each step, ends included, to find the loss's bumps; fewer on a heavy vault (a real
# network's loss, smooth at the scale of a step), where each point is a pass over its training images.
HUMP_SAMPLES = 33
HEAVY_HUMP_SAMPLES = 3
# When no rung cracks, final losses closer than this share of the loss shed count as the same place, and the
# calmest (smallest) of those rungs is taken.
SAME_PLACE = 1e-3


@dataclass(frozen=True)
class Tuning:
    """What `tune` chose and why: a learning rate, the reason in words and the count behind it."""

    lr: float
    reason: str  # one clause, e.g. "the rung that cracks the safe soonest and stays cracked (step 59)"
    cracks: bool  # whether a run at `lr` settles at the combination
    settled_at: int | None  # the step it settles from (None when it does not crack)
    rungs: int  # rungs tried
    spun_off: int  # rungs whose run spun off
    left_map: int  # rungs that left the map without spinning off
    leapt: int  # rungs that stayed on the map but crossed a hump in one step
    teaching: bool = False  # True when the vault's declared teaching rate was used

    @property
    def diverged(self) -> bool:
        """Whether the chosen rung spins off, which happens only when every rung does."""
        return self.spun_off == self.rungs


def lr_ladder(low: float, high: float) -> np.ndarray:
    """Learning rates 1, 2, 3, 5, 7 × 10^k between `low` and `high`: even steps on a log scale."""
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    values = sorted({round(m * 10.0**e, 12) for e in decades for m in LADDER_MANTISSAS})
    return np.array([v for v in values if low <= v <= high])


def ladder_for(optimizer) -> np.ndarray:
    """The optimizer's lr ladder across its slider's range: the rungs tuning tries and the slider offers."""
    h = registry.get(optimizer).hyperparameter("lr")
    return lr_ladder(h.low, h.high)


def left_map_at(trajectory: Trajectory, margin: float = MAP_MARGIN):
    """The first step whose point lies off the map (the bounds widened by `margin` times the longer side);
    None if it never does (a batch: an int array, -1 where it never does). A run that spun off left."""
    (x0, x1), (y0, y1) = trajectory.landscape.bounds
    pad = margin * max(trajectory.landscape.extent)
    x, y = trajectory.points[..., 0], trajectory.points[..., 1]
    with np.errstate(invalid="ignore"):
        off = ~((x >= x0 - pad) & (x <= x1 + pad) & (y >= y0 - pad) & (y <= y1 + pad))
    return _first(off, trajectory.is_batch)


def hump_sizes(trajectory: Trajectory, samples: int | None = None) -> np.ndarray:
    """For each step, how far the loss along its straight segment climbs above a lower point before it and
    then falls below it again: 0 when the loss along the step only falls, only rises, or falls then rises
    (overshooting a valley). Shape (..., steps); NaN for steps of a run that spun off."""
    if samples is None:
        samples = HEAVY_HUMP_SAMPLES if trajectory.landscape.heavy else HUMP_SAMPLES
    points = trajectory.points
    if not trajectory.is_batch:
        points = points[None]
    s = np.linspace(0.0, 1.0, samples)[:, None]
    out = np.full(points.shape[:2], np.nan)
    out = out[:, :-1]
    block = max(1, (1 << 18) // (samples * points.shape[0]))
    for first in range(0, points.shape[1] - 1, block):
        a = points[:, first:first + block + 1]
        start, end = a[:, :-1, None, :], a[:, 1:, None, :]
        loss = trajectory.landscape.f(start + s * (end - start))  # (N, block, samples)
        lower_before = np.minimum.accumulate(loss, axis=-1)
        lower_after = np.minimum.accumulate(loss[..., ::-1], axis=-1)[..., ::-1]
        out[:, first:first + block] = np.minimum(loss - lower_before, loss - lower_after).max(axis=-1)
    return out if trajectory.is_batch else out[0]


def hump_tolerance(trajectory: Trajectory) -> float:
    """`HUMP_TOLERANCE` of the loss the run has to shed: from its start down to the vault's minimum (or the
    lowest loss any of the runs reached, where the minimum is unknown); never below rounding noise."""
    start_loss = float(np.ravel(trajectory.loss[..., 0])[0])
    floor = trajectory.landscape.min_value
    if floor is None:
        finite = trajectory.loss[np.isfinite(trajectory.loss)]
        floor = float(finite.min()) if finite.size else start_loss
    return max(HUMP_TOLERANCE * (start_loss - floor), 1e-9 * max(abs(start_loss), 1.0))


def leapt_at(trajectory: Trajectory, tolerance: float | None = None):
    """The first step that crosses a hump in one go (see `hump_sizes`, `hump_tolerance`); None if none does
    (a batch: an int array, -1 where none does)."""
    tolerance = hump_tolerance(trajectory) if tolerance is None else float(tolerance)
    with np.errstate(invalid="ignore"):
        return _first(hump_sizes(trajectory) > tolerance, trajectory.is_batch)


def choose_rung(settled, final_loss, diverged_at, steps: int, prefer: str = "calm", *, admissible=None,
                start_loss: float | None = None) -> int:
    """Index of the rung to use, given each rung's settling step (-1: never), final loss and divergence step
    (-1: never), and optionally which rungs are admissible (on the map, no leaps).

    Only admissible rungs that do not spin off count. "calm" takes the smallest rung that settles within
    3/4 of `steps`, "fast" (and "calm" when none does) the one that settles soonest, the lower final loss
    breaking ties. If none settles: the smallest of the rungs that get furthest down (final losses within
    `SAME_PLACE` of the loss shed from `start_loss` count as equal); if no rung counts, the same among the
    rungs that do not spin off; if all spin off, the smallest.
    """
    if prefer not in PREFERENCES:
        raise ValueError(f"prefer must be one of {', '.join(PREFERENCES)}, got {prefer!r}")
    settled, final_loss, diverged_at = (np.asarray(a) for a in (settled, final_loss, diverged_at))
    stable = diverged_at < 0
    counts = stable if admissible is None else stable & np.asarray(admissible, dtype=bool)
    arrives = counts & (settled >= 0)
    if prefer == "calm" and (arrives & (settled <= CALM_SHARE * steps)).any():
        return int(np.argmax(arrives & (settled <= CALM_SHARE * steps)))
    if arrives.any():
        order = np.where(arrives, settled, np.iinfo(np.int64).max)
        ties = np.flatnonzero(order == order.min())
        return int(ties[np.argmin(np.nan_to_num(final_loss[ties], nan=np.inf))])
    pool = counts if counts.any() else stable
    loss = np.where(pool & np.isfinite(final_loss), final_loss, np.inf)
    if not np.isfinite(loss).any():
        return 0
    lowest = loss.min()
    slack = 0.0 if start_loss is None or not np.isfinite(start_loss) else SAME_PLACE * max(start_loss - lowest, 0.0)
    return int(np.argmax(loss <= lowest + slack))


def tune(optimizer, landscape: str | Landscape, start=None, steps: int = 200, *, prefer: str = "calm",
         **settings) -> Tuning:
    """The learning rate a careful practitioner would give `optimizer` on `landscape` from `start` (the
    vault's own by default) for `steps` steps: see the module's docstring for the rule. `settings` go to
    `simulate` (the hand's other hyperparameters, noise, seed, schedule). One or two batched runs.

    From the vault's own start, with the hand's other settings at their defaults and no noise or schedule,
    a rate the vault declares in `teaching_lr` for this hand wins (`Tuning.teaching`).
    """
    if prefer not in PREFERENCES:
        raise ValueError(f"prefer must be one of {', '.join(PREFERENCES)}, got {prefer!r}")
    spec = registry.get(optimizer)
    surface = landscapes.get(landscape)
    name = spec.title
    h = spec.hyperparameter("lr")
    # On the steepest vaults (Goldstein-Price) no rung of the slider's range is usable: look further down.
    for low, high in ((h.low, h.high), (h.low * 1e-3, h.low)):
        ladder = lr_ladder(low, high)
        batch = simulate(spec, surface, start=start, steps=steps, lr=ladder, record_state=False, **settings)
        off, leap = left_map_at(batch), leapt_at(batch)
        admissible = (batch.diverged_at < 0) & (off < 0) & (leap < 0)
        if admissible.any():
            break
    settled = batch.settled_at()
    counts = dict(rungs=len(ladder), spun_off=int((batch.diverged_at >= 0).sum()),
                  left_map=int(((off >= 0) & (batch.diverged_at < 0)).sum()),
                  leapt=int(((leap >= 0) & (off < 0) & (batch.diverged_at < 0)).sum()))

    teaching = _teaching_lr(spec, surface, start, settings)
    if teaching is not None:
        run = simulate(spec, surface, start=start, steps=steps, lr=teaching, record_state=False, **settings)
        at = run.settled_at()
        return Tuning(teaching, f"the rate this vault's story is told at ({_outcome(at, name)})", at is not None,
                      at, teaching=True, **counts)

    start_loss = float(batch.loss[0, 0])
    best = choose_rung(settled, batch.final_loss, batch.diverged_at, steps, prefer, admissible=admissible,
                       start_loss=start_loss)
    lr = float(ladder[best])
    if admissible[best] and settled[best] >= 0:
        at = int(settled[best])
        if prefer == "calm" and at <= CALM_SHARE * steps:
            why = f"the smallest rung that cracks the safe with steps to spare and stays cracked (from step {at})"
        else:
            why = f"the rung that cracks the safe soonest and stays cracked (from step {at})"
        return Tuning(lr, why, True, at, **counts)
    nobody = f"no learning rate cracks this vault for {name} from here in {steps} steps"
    if admissible[best]:
        why = f"{nobody}; this is the calmest steady rate among those that get furthest down"
    elif batch.diverged_at[best] < 0:
        why = f"{nobody}; every rate leaves the map or jumps a hump, and this one gets furthest down"
    else:
        why = f"{nobody}; every rate spins off, and this is the smallest"
    return Tuning(lr, why, False, None, **counts)


def suggest_lr(optimizer, landscape: str | Landscape, start=None, steps: int = 200, *, prefer: str = "calm",
               **settings) -> float:
    """`tune(...).lr`: the learning rate alone."""
    return tune(optimizer, landscape, start, steps, prefer=prefer, **settings).lr


def _teaching_lr(spec, surface: Landscape, start, settings: dict) -> float | None:
    """The vault's declared rate for this hand, if the scene is the one its story is told in."""
    lr = surface.teaching_lr.get(spec.key)
    if lr is None:
        return None
    if start is not None and not np.array_equal(np.asarray(start, dtype=np.float64), np.asarray(surface.start)):
        return None
    defaults = spec.defaults
    for key, value in settings.items():
        if key in ("seed",):
            continue
        if key == "noise" and not value:
            continue
        if key == "schedule" and value in (None, "constant"):
            continue
        if key not in defaults or np.any(np.asarray(value) != np.asarray(defaults[key])):
            return None
    return float(lr)


def _outcome(settled_at: int | None, name: str) -> str:
    if settled_at is None:
        return f"{name} does not crack it from here, which is the point"
    return f"{name} cracks it and stays cracked from step {settled_at}"


def _first(mask: np.ndarray, is_batch: bool):
    first = np.where(mask.any(axis=-1), mask.argmax(axis=-1), -1)
    if is_batch:
        return first
    return None if first < 0 else int(first)
