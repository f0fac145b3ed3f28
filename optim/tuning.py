"""A learning rate a careful practitioner would choose for a vault, found by one batched run over a ladder.

This is how the app opens every vault with a hand that shows something honest, instead of one fixed
default that crawls on one surface and spins off on the next. Every rung of the hand's ladder (`lr_ladder`,
the same rates its slider offers) is run once, side by side, and judged:

- admissible: it never spins off, never leaves the map (`left_map_at`), never crosses one of the vault's
  humps in a single step (`leapt_at`), and tells the same story from its start moved by a hair
  (`optim.story`: each rung runs beside its nudged twins in the same batch). A rung that reaches the
  combination by leaping over the landscape, bouncing off the edge of the world or riding a chaotic path
  that another CPU's rounding would send elsewhere is lucky, not good, and never wins.
- cracks: an admissible rung that reaches the combination and stays there (`Trajectory.settled_at`).

Among the rungs that crack, "fast" takes the one that settles soonest (the race: each hand at its best) and
"calm" the smallest one that settles with a quarter of the steps to spare (a path worth watching). When no
rung cracks, the result says so and takes the calmest stable rung: the smallest of the admissible rungs
that get furthest down (a path that stops in the first dip it meets ends as low at 0.001 as at 0.03).
A hand whose stride a line search chooses (L-BFGS) has no calmer rate to offer, since its learning rate is
only the first stride the search tries: "calm" takes the same rung as "fast" for it, so every page opens
it alike. On a vault with nothing to crack (the saddle) escaping is the story: leaving the map is allowed,
and a rung that escapes (without spinning off) plays the part of one that cracks.
A vault whose story needs a particular rate (a hand caught in a dip) declares it (`Landscape.teaching_lr`),
and `tune` uses it from the vault's own start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import landscapes
from landscapes import Landscape
from optim import registry, story
from optim.simulate import simulate
from optim.trajectory import DEFAULT_CRACK_FRACTION, Trajectory

LADDER_MANTISSAS = (1, 2, 3, 5, 7)
# "calm": the smallest rung that settles with a quarter of the steps to spare, a path worth watching;
# "fast": the rung that settles soonest, each hand at its best (the race).
PREFERENCES = ("calm", "fast")
CALM_SHARE = 0.75
# Settings of a run that are not the hand's hyperparameters.
RUN_SETTINGS = ("noise", "seed", "schedule")

# Off the map means outside the bounds widened by this share of the longer side: a point that close to the
# edge still shows (its marker overlaps the frame), and it is the app's own yardstick for "there".
MAP_MARGIN = DEFAULT_CRACK_FRACTION
# A step crosses a hump when the loss along it climbs and then falls again by more than this share of the
# loss the run has to shed (its start's loss above the floor). Along a step on a convex surface the loss
# cannot climb and then fall, so bowls, ravines and regressions never trigger it; on a bumpy one, a hand
# that glides over a hump in many small steps stays below it, and one that jumps a hump does not.
HUMP_TOLERANCE = 0.01
# A heavy vault's kept rates (`Landscape.tuned_lr`) were climbed for runs of this many steps, the pages' default.
KEPT_STEPS = 200
# Points sampled along each step, ends included, to find the loss's bumps; fewer on a heavy vault (a real
# network's loss, smooth at the scale of a step), where each point is a pass over its training images.
HUMP_SAMPLES = 33
HEAVY_HUMP_SAMPLES = 3
# When no rung cracks, final losses closer than this share of the loss shed count as the same place, and the
# calmest (smallest) of those rungs is taken.
SAME_PLACE = 1e-3
# On a vault with nothing to crack, an escape counts only if the hand walks off the map: no stride on the way
# longer than this share of the map's longer side (a hand that leaves in one giant stride shows nothing).
ESCAPE_STRIDE = 0.05


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
    fragile: int = 0  # rungs otherwise admissible whose story a nudge of the start changes (so far as told)
    escapes: bool = False  # on a vault with nothing to crack: whether a run at `lr` escapes (leaves the map)

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
    (-1: never), and optionally which rungs are admissible (on the map, no leaps, robust).

    Only admissible rungs that do not spin off count. "calm" takes the smallest rung that settles within
    3/4 of `steps`, "fast" (and "calm" when none does) the one that settles soonest, the lower final loss
    breaking ties. If none settles: the smallest of the rungs that get furthest down (final losses within
    `SAME_PLACE` of the loss shed from `start_loss` count as equal); if no rung counts, the same among the
    rungs that do not spin off; if all spin off, the one that holds out longest (the smallest of those).
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
    if not stable.any():
        return int(np.argmax(diverged_at))
    pool = counts if counts.any() else stable
    loss = np.where(pool & np.isfinite(final_loss), final_loss, np.inf)
    if not np.isfinite(loss).any():
        return int(np.argmax(pool))
    lowest = loss.min()
    slack = 0.0 if start_loss is None or not np.isfinite(start_loss) else SAME_PLACE * max(start_loss - lowest, 0.0)
    return int(np.argmax(loss <= lowest + slack))


@dataclass(frozen=True)
class _Ladder:
    """A ladder's rungs run beside their nudged twins, judged rung by rung (the rung's own run is copy 0).

    Whether a twin leaps a hump is the dearest part of a story to tell (the loss sampled along every step), so
    it is told for a rung's twins only when that rung is about to be chosen (`twins_leap_alike`); until then
    `robust` covers the rest of the story.
    """

    lrs: np.ndarray
    settled: np.ndarray  # the step it stays at the combination from, or where nothing is to crack, the step
    # it escapes (leaves the map) at; -1: never
    final_loss: np.ndarray
    diverged_at: np.ndarray
    off: np.ndarray  # first step off the map, -1: never
    leap: np.ndarray  # first step that crosses a hump, -1: never
    robust: np.ndarray  # every nudged twin tells the rung's story (so far as told)
    admissible: np.ndarray
    start_loss: float
    index: np.ndarray  # each rung's place in the batch
    batch: Trajectory
    copies: int
    tolerance: float  # the batch's hump tolerance, kept for the twins told later

    def take(self, order: np.ndarray) -> _Ladder:
        """The same rungs in another order (ties in `choose_rung` go to the earlier rung)."""
        arrays = {name: getattr(self, name)[order] for name in ("lrs", "settled", "final_loss", "diverged_at", "off",
                                                                "leap", "robust", "admissible", "index")}
        return _Ladder(**arrays, start_loss=self.start_loss, batch=self.batch, copies=self.copies,
                       tolerance=self.tolerance)

    def twins_leap_alike(self, rung: int) -> bool:
        """Whether every nudged twin of `rung` leaps a hump exactly when the rung's own run does."""
        first = int(self.index[rung]) * self.copies + 1
        runs = slice(first, first + self.copies - 1)
        b = self.batch
        twins = Trajectory(b.optimizer, b.landscape, {}, b.points[runs], b.loss[runs], b.diverged_at[runs])
        return bool(np.all((leapt_at(twins, self.tolerance) >= 0) == (self.leap[rung] >= 0)))

    def counts(self, escape: bool) -> dict:
        stable = self.diverged_at < 0
        kept = stable if escape else stable & (self.off < 0)
        return dict(rungs=len(self.lrs), spun_off=int((~stable).sum()), left_map=int((stable & (self.off >= 0)).sum()),
                    leapt=int((kept & (self.leap >= 0)).sum()),
                    fragile=int((kept & (self.leap < 0) & ~self.robust).sum()))


def _climb(spec, surface: Landscape, starts: np.ndarray, ladder: np.ndarray, steps: int, escape: bool,
           settings: dict) -> _Ladder:
    """Every rung of `ladder` from every start of `starts` (a start and its nudged twins), as one batch."""
    copies = len(starts)
    batch = simulate(spec, surface, start=np.tile(starts, (len(ladder), 1)), steps=steps,
                     lr=np.repeat(ladder, copies), record_state=False, shared_noise=True, **settings)
    own = slice(None, None, copies)
    tolerance = hump_tolerance(batch)
    rung_runs = Trajectory(batch.optimizer, batch.landscape, {}, batch.points[own], batch.loss[own],
                           batch.diverged_at[own])
    off, leap = left_map_at(batch), leapt_at(rung_runs, tolerance)
    # The twins' leaps are told later, for a rung about to be chosen: here they are taken to be the rung's own.
    robust = story.agree(story.tell(batch, off, np.repeat(leap, copies)), copies)
    settled, off = batch.settled_at()[own], off[own]
    diverged_at = batch.diverged_at[own]
    admissible = (diverged_at < 0) & (leap < 0) & robust
    if escape:
        settled = np.where(diverged_at < 0, off, -1)
        strides = np.linalg.norm(np.diff(batch.points[own], axis=1), axis=-1)
        on_the_way = np.arange(steps)[None] < np.where(off >= 0, off, steps)[:, None]
        with np.errstate(invalid="ignore"):
            giant = (on_the_way & (strides > ESCAPE_STRIDE * max(surface.extent))).any(axis=1)
        admissible &= ~giant
    else:
        admissible &= off < 0
    return _Ladder(ladder, settled, batch.final_loss[own], diverged_at, off, leap, robust, admissible,
                   float(batch.loss[0, 0]), np.arange(len(ladder)), batch, copies, tolerance)


def _choose(rungs: _Ladder, steps: int, prefer: str) -> int:
    """`choose_rung` on the ladder, telling the chosen rung's twins' leaps before it is taken: a rung whose
    twin leaps where it does not (or the other way round) is fragile after all, and the choice moves on."""
    while True:
        best = choose_rung(rungs.settled, rungs.final_loss, rungs.diverged_at, steps, prefer,
                           admissible=rungs.admissible, start_loss=rungs.start_loss)
        if not rungs.admissible[best] or rungs.twins_leap_alike(best):
            return best
        rungs.robust[best] = rungs.admissible[best] = False


def tune(optimizer, landscape: str | Landscape, start=None, steps: int = 200, *, prefer: str = "calm",
         use_kept: bool = True, **settings) -> Tuning:
    """The learning rate a careful practitioner would give `optimizer` on `landscape` from `start` (the
    vault's own by default) for `steps` steps: see the module's docstring for the rule. `settings` go to
    `simulate` (the hand's other hyperparameters, noise, seed, schedule). One or two batched runs, each rung
    beside its nudged twins (`optim.story`), every run hearing the noise the rung's own run hears.

    From the vault's own start, with the hand's other settings at their defaults and no noise or schedule,
    a rate the vault declares in `teaching_lr` for this hand wins (`Tuning.teaching`), and on a heavy vault the
    rate it keeps in `tuned_lr` for this preference is taken without climbing the ladder again (unless
    `use_kept` is False: how scripts/tune_heavy_vaults.py works those rates out).
    """
    if prefer not in PREFERENCES:
        raise ValueError(f"prefer must be one of {', '.join(PREFERENCES)}, got {prefer!r}")
    spec = registry.get(optimizer)
    surface = landscapes.get(landscape)
    name = spec.title
    kept = surface.tuned_lr.get(prefer, {}).get(spec.key) if use_kept and steps == KEPT_STEPS else None
    if kept is not None and not _vault_scene(spec, surface, start, settings):
        kept = None
    if kept is not None:
        run = simulate(spec, surface, start=start, steps=steps, lr=kept, record_state=False, **settings)
        at = run.settled_at()
        if at is None:
            # Said as a climb that found nothing says it: the kept rate is the calmest of those that get furthest.
            why = (f"no learning rate cracks this vault for {name} from here in {steps} steps; this is the tuner's "
                   "calmest steady rate, worked out once and kept")
        else:
            why = f"the tuner's rate for this vault, worked out once and kept ({name} cracks it from step {at})"
        return Tuning(kept, why, at is not None, at, rungs=0, spun_off=0, left_map=0, leapt=0)
    h = spec.hyperparameter("lr")
    searched = spec.line_search(spec.resolve({k: v for k, v in settings.items() if k not in RUN_SETTINGS}))
    if searched:
        prefer = "fast"
    escape = not surface.minima
    starts = story.nudged_starts(surface.start if start is None else start)
    ladders = ((h.low, h.high), (h.low * 1e-3, h.low))
    for low, high in ladders:
        found = _climb(spec, surface, starts, lr_ladder(low, high), steps, escape, settings)
        if searched:
            # Rungs that tie are told apart by their nearness to the hand's own default (torch's lr 1 for
            # L-BFGS), not by their smallness: a tiny first trial only makes the search spend evaluations growing
            # it, and makes its branches hang on the last bits of the first clicks.
            found = found.take(np.argsort(np.abs(np.log(found.lrs / float(h.default))), kind="stable"))
        chosen = _choose(found, steps, prefer)
        if low == h.low:
            rungs, best = found, chosen
        elif found.admissible.any():
            rungs, best = found, chosen  # the lower ladder is kept only if something there is usable
        if rungs.admissible.any():
            # On the steepest vaults (Goldstein-Price) no rung of the slider's range is usable: then look
            # further down.
            break
    counts = rungs.counts(escape)

    teaching = _teaching_lr(spec, surface, start, settings)
    if teaching is not None:
        run = simulate(spec, surface, start=start, steps=steps, lr=teaching, record_state=False, **settings)
        at = run.settled_at()
        return Tuning(teaching, f"the rate this vault's story is told at ({_outcome(at, name)})", at is not None,
                      at, teaching=True, escapes=escape and left_map_at(run) is not None, **counts)

    lr = float(rungs.lrs[best])
    arrived = bool(rungs.admissible[best] and rungs.settled[best] >= 0)
    at = int(rungs.settled[best]) if arrived else None
    spare = prefer == "calm" and arrived and at <= CALM_SHARE * steps
    if arrived and escape:
        why = (f"the smallest rung that escapes with steps to spare (off the map at step {at})" if spare
               else f"the rung that escapes soonest (off the map at step {at})")
        return Tuning(lr, why, False, None, escapes=True, **counts)
    if arrived:
        why = (f"the smallest rung that cracks the safe with steps to spare and stays cracked (from step {at})"
               if spare else f"the rung that cracks the safe soonest and stays cracked (from step {at})")
        return Tuning(lr, why, True, at, **counts)
    if escape:
        nobody = "there is nothing to crack here"
        if rungs.diverged_at[best] < 0:
            nobody += f", and no learning rate walks {name} off the map in {steps} steps"
    else:
        nobody = f"no learning rate cracks this vault for {name} from here in {steps} steps"
    escapes = bool(escape and rungs.off[best] >= 0)
    return Tuning(lr, f"{nobody}; {_fallback(rungs, best, escape, searched)}", False, None, escapes=escapes,
                  **counts)


def _fallback(rungs: _Ladder, best: int, escape: bool, searched: bool = False) -> str:
    """Why the rung that neither cracks nor escapes was taken, in a clause."""
    if rungs.admissible[best] and searched:
        return ("this is the rate nearest its default among those that get furthest down (a line search picks the "
                "stride)")
    if rungs.admissible[best]:
        return "this is the calmest steady rate among those that get furthest down"
    if rungs.diverged_at[best] >= 0:
        return "every rate spins off, and this one holds out longest"
    faults = ["takes a giant stride off the map"] if escape else ["leaves the map"]
    faults.append("jumps a hump")
    if rungs.counts(escape)["fragile"]:
        faults.append("tells another story from a start moved by a hair")
    listed = ", ".join(faults[:-1]) + " or " + faults[-1] if len(faults) > 1 else faults[0]
    return f"every rate {listed}, and this one gets furthest down"


def robustness(optimizer, landscape: str | Landscape, start=None, steps: int = 200, **settings) -> story.Robustness:
    """Whether the run `simulate(optimizer, landscape, start, steps, **settings)` tells the same story from
    its start moved by `story.NUDGE` in each of `story.NUDGE_DIRECTIONS`: one batch, the run and its twins,
    judged with the tuner's yardsticks (`left_map_at`, `leapt_at`). The one test of a robust scene."""
    surface = landscapes.get(landscape)
    starts = story.nudged_starts(surface.start if start is None else start)
    batch = simulate(optimizer, surface, start=starts, steps=steps, record_state=False, shared_noise=True,
                     **settings)
    return story.robustness_of(story.tell(batch, left_map_at(batch), leapt_at(batch)))


def suggest_lr(optimizer, landscape: str | Landscape, start=None, steps: int = 200, *, prefer: str = "calm",
               **settings) -> float:
    """`tune(...).lr`: the learning rate alone."""
    return tune(optimizer, landscape, start, steps, prefer=prefer, **settings).lr


def _teaching_lr(spec, surface: Landscape, start, settings: dict) -> float | None:
    """The vault's declared rate for this hand, if the scene is the one its story is told in."""
    lr = surface.teaching_lr.get(spec.key)
    if lr is None or not _vault_scene(spec, surface, start, settings):
        return None
    return float(lr)


def _vault_scene(spec, surface: Landscape, start, settings: dict) -> bool:
    """Whether the run is the vault's own scene: its start, the hand's default settings, no noise or schedule."""
    if start is not None and not np.array_equal(np.asarray(start, dtype=np.float64), np.asarray(surface.start)):
        return False
    defaults = spec.defaults
    for key, value in settings.items():
        if key in ("seed",):
            continue
        if key == "noise" and not value:
            continue
        if key == "schedule" and value in (None, "constant"):
            continue
        if key not in defaults or np.any(np.asarray(value) != np.asarray(defaults[key])):
            return False
    return True


def _outcome(settled_at: int | None, name: str) -> str:
    if settled_at is None:
        return f"{name} does not crack it from here, which is the point"
    return f"{name} cracks it and stays cracked from step {settled_at}"


def _first(mask: np.ndarray, is_batch: bool):
    first = np.where(mask.any(axis=-1), mask.argmax(axis=-1), -1)
    if is_batch:
        return first
    return None if first < 0 else int(first)
