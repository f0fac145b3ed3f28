"""One meaning of "cracked" for every page: what a run came to, how runs rank, and how that reads.

A run has cracked the safe from the step it comes within reach of a combination and stays there to the end
(`settled_at`). That step is what the race ranks by and what every sentence, table and hover quotes. A run
that comes within reach and swings away again has not cracked it, and is said to have swung away. On a vault
with no combination (the saddle) there is nothing to crack: a run either escapes (runs off the map) or is
still there, and "there" is said as it is: on the saddle near the middle of the map, slid off it, or at the
map's edge. A run that spins off says where it was thrown from when one turn took it off the map, and a
hand whose turns never shrink (Lion's stride is its learning rate) is said to tick around the combination
when it ends a stride or so away. Losses read through `lab.numbers`, so two runs that read the same are said
to tie.

Pure: NumPy and `lab.numbers` only (viz's sentences use it, and viz never imports optim). Paths are anything
with `label`, `points`, `loss`, `steps`, `cracked_at` (first step within reach), `settled_at`, `diverged_at`
and `final_loss`, as `viz.PathView` has; a vault anything with `minima`, `min_value`, `bounds` and `key`, as
`landscapes.Landscape` has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab.numbers import DIGITS, format_loss, format_number, format_point, same_loss

# Off the map: outside the bounds widened by this share of the longer side (optim.tuning.MAP_MARGIN, the
# tuner's yardstick; a test keeps the two equal).
MAP_MARGIN = 0.01
# On a vault with nothing to crack, a run that ends within this share of the map's longer side of its middle
# is still on the saddle; one within EDGE_SHARE of the map's edge is at the edge.
CENTRE_SHARE = 0.2
EDGE_SHARE = 0.05
# A hand ticks around the combination when its last TICK_TURNS turns move every dial by one and the same
# stride, and it ends within TICK_STRIDES strides (diagonally) of the combination without being within reach.
TICK_TURNS = 20
TICK_STRIDES = 3

CRACKED = "cracked"  # within reach from `cracked_at` to the end
SWUNG_AWAY = "swung away"  # within reach at `reached_at`, not at the end
SPUN_OFF = "spun off"  # the loss stopped being a number at `diverged_at`
ESCAPED = "escaped"  # a vault with no combination, and the run left the map (at `left_map_at`)
TURNING = "still turning"  # none of the above after all its steps

MEDALS = ("🥇", "🥈", "🥉")


@dataclass(frozen=True)
class Outcome:
    """What one run came to, in the terms every page uses."""

    label: str
    kind: str
    cracked_at: int | None  # the step from which it stays within reach to the end (None unless CRACKED)
    reached_at: int | None  # the first step within reach (None if never)
    diverged_at: int | None
    left_map_at: int | None  # first step off the map (None if never)
    final_loss: float  # the last finite loss
    steps: int
    minimum: float | None = None  # the vault's lowest loss, for "≈ 0" / "≈ 3"
    place_name: str = "the map"  # what a run on a vault with no combination escapes ("the saddle")
    end_point: tuple[float, float] | None = None  # its last finite point
    thrown: bool = False  # spun off in one turn from a point on the map
    whereabouts: str = ""  # a vault with nothing to crack, a run still on the map: "centre", "slid" or "edge"
    ticking: tuple[float, float, float] | None = None  # (stride, distance left, reach) for a hand ticking

    @property
    def cracked(self) -> bool:
        return self.kind == CRACKED

    @property
    def loss_text(self) -> str:
        return format_loss(self.final_loss, self.minimum)

    def rank_key(self) -> tuple:
        """Cracked (soonest first), then not cracked at the end (lowest final loss first; an escape counts
        by its loss too), then spun off (the longest survivor first)."""
        if self.kind == SPUN_OFF:
            return (2, -(self.diverged_at or 0), 0.0)
        if self.kind == CRACKED:
            return (0, self.cracked_at, 0.0)
        return (1, 0, as_read(self.final_loss, self.minimum))

    def ties(self, other: Outcome) -> bool:
        """Whether the two runs read the same: same kind, same step, and losses that read alike."""
        if self.kind == SPUN_OFF or other.kind == SPUN_OFF:
            return self.kind == other.kind and self.diverged_at == other.diverged_at
        if self.cracked or other.cracked:
            return self.cracked and other.cracked and self.cracked_at == other.cracked_at
        return same_loss(self.final_loss, other.final_loss, self.minimum)


def as_read(loss: float, minimum: float | None = None) -> float:
    """The loss as `format_loss` reads it, as a number to sort by: losses that read the same sort the same,
    so a stable sort keeps such runs in the order they were given (no winner by rounding dust)."""
    if not math.isfinite(loss):
        return math.inf
    text = format_loss(loss, minimum)
    if text.startswith("≈"):
        return minimum if minimum is not None and text != "≈ 0" else 0.0
    return float(f"{loss:.{DIGITS}g}")


def left_map_at(points, bounds, margin: float = MAP_MARGIN) -> int | None:
    """The first step whose point lies off the map (bounds widened by `margin` times the longer side, a
    NaN point counts as off); None if none does."""
    points = np.asarray(points, dtype=np.float64)
    (x0, x1), (y0, y1) = bounds
    pad = margin * max(x1 - x0, y1 - y0)
    x, y = points[:, 0], points[:, 1]
    with np.errstate(invalid="ignore"):
        off = ~((x >= x0 - pad) & (x <= x1 + pad) & (y >= y0 - pad) & (y <= y1 + pad))
    return int(np.argmax(off)) if off.any() else None


def outcome(path, landscape=None) -> Outcome:
    """What `path` came to on `landscape` (None: a vault with a combination, bounds unknown)."""
    minima = True if landscape is None else bool(landscape.minima)
    minimum = None if landscape is None else landscape.min_value
    off = None if landscape is None else left_map_at(path.points, landscape.bounds)
    final = float(path.final_loss) if path.final_loss is not None else math.nan
    points = np.asarray(path.points, dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(points).all(axis=1))
    end = tuple(float(v) for v in points[finite[-1]]) if finite.size else None
    if path.diverged_at is not None:
        kind = SPUN_OFF
    elif path.settled_at is not None:
        kind = CRACKED
    elif path.cracked_at is not None:
        kind = SWUNG_AWAY
    elif not minima and off is not None:
        kind = ESCAPED
    else:
        kind = TURNING
    place = "the saddle" if getattr(landscape, "key", "") == "saddle" else "the map"
    thrown = kind == SPUN_OFF and off is not None and off == path.diverged_at and end is not None
    whereabouts = ""
    if landscape is not None and not minima and kind == TURNING and end is not None:
        whereabouts = _whereabouts(end, landscape.bounds)
    ticking = None
    if landscape is not None and minima and kind in (TURNING, SWUNG_AWAY):
        ticking = _ticking(points, landscape)
    return Outcome(path.label, kind, path.settled_at if kind == CRACKED else None, path.cracked_at,
                   path.diverged_at, off, final, path.steps, minimum, place, end, thrown, whereabouts, ticking)


def _whereabouts(end, bounds) -> str:
    """Where a run still on a map with nothing to crack stands: near its middle, at its edge, or between."""
    (x0, x1), (y0, y1) = bounds
    longer = max(x1 - x0, y1 - y0)
    if math.hypot(end[0] - (x0 + x1) / 2, end[1] - (y0 + y1) / 2) <= CENTRE_SHARE * longer:
        return "centre"
    inside = min(end[0] - x0, x1 - end[0], end[1] - y0, y1 - end[1])
    return "edge" if inside <= EDGE_SHARE * longer else "slid"


def _ticking(points: np.ndarray, landscape) -> tuple[float, float, float] | None:
    """(stride, distance, reach) when the run's last turns all move every dial by one stride and it ends within
    a few strides of a combination but out of reach; None otherwise."""
    if len(points) <= TICK_TURNS or not np.isfinite(points[-TICK_TURNS - 1:]).all():
        return None
    turns = np.abs(np.diff(points[-TICK_TURNS - 1:], axis=0))
    stride = float(turns.max())
    if stride <= 0 or not np.allclose(turns, stride, rtol=1e-9, atol=0.0):
        return None
    _, distance = landscape.nearest_minimum(points[-1])
    reach = MAP_MARGIN * max(x1 - x0 for x0, x1 in landscape.bounds)
    if reach < float(distance) <= TICK_STRIDES * stride * math.sqrt(2):
        return stride, float(distance), reach
    return None


def ranked(outcomes: list[Outcome]) -> list[tuple[int, Outcome]]:
    """The outcomes best first (`Outcome.rank_key`, a stable sort), each with its place; runs that tie
    (`Outcome.ties`) share the place of the first of them."""
    order = sorted(outcomes, key=Outcome.rank_key)
    out = []
    for i, o in enumerate(order):
        place = out[-1][0] if out and o.ties(out[-1][1]) else i + 1
        out.append((place, o))
    return out


def place_label(place: int, o: Outcome, shared: bool) -> str:
    """'🥇 1', '=2', '4': medals only for hands that cracked the safe, '=' for a shared place."""
    text = f"={place}" if shared else str(place)
    if o.cracked and place <= len(MEDALS):
        return f"{MEDALS[place - 1]} {text}"
    return text


def crack_cell(o: Outcome) -> str:
    """The leaderboard's "cracked at" cell: the step it ranks by, or what happened instead."""
    if o.kind == CRACKED:
        return f"step {o.cracked_at}"
    if o.kind == SWUNG_AWAY:
        return f"no: reached at step {o.reached_at}, swung away"
    if o.kind == ESCAPED:
        return f"nothing to crack: escaped at step {o.left_map_at}"
    if o.kind == SPUN_OFF:
        return "no: spun off"
    return "nothing to crack" if o.place_name == "the saddle" else "never"


def clause(o: Outcome) -> str:
    """One run in a clause: 'Adam cracked it at step 67 (first within reach at step 40)', 'SGD reached the
    combination at step 12 but swung away (loss 0.3 at the end)', 'Adam escaped the saddle at step 37'."""
    who = o.label
    if o.kind == CRACKED:
        text = f"{who} cracked it at step {o.cracked_at}"
        if o.reached_at is not None and o.reached_at < o.cracked_at:
            text += f" (first within reach at step {o.reached_at}, then out and back)"
        return text
    if o.kind == SPUN_OFF:
        if o.reached_at is not None:
            text = f"{who} reached the combination at step {o.reached_at}, then spun off at step {o.diverged_at}"
        elif o.place_name == "the saddle" and o.left_map_at is not None and o.left_map_at < o.diverged_at:
            text = f"{who} escaped the saddle at step {o.left_map_at} (off the map), then spun off at step " \
                   f"{o.diverged_at}"
        else:
            text = f"{who} spun off at step {o.diverged_at}"
        if o.thrown:
            text += f", thrown off the map in one turn from {format_point(o.end_point)}"
        return text
    if o.kind == SWUNG_AWAY:
        return (f"{who} reached the combination at step {o.reached_at} but swung away (loss {o.loss_text} "
                f"at the end)" + _tick_text(o))
    if o.kind == ESCAPED:
        return f"{who} escaped {o.place_name} at step {o.left_map_at} (off the map)"
    if o.place_name == "the saddle" and o.whereabouts == "edge":
        return (f"{who} slid down to the edge of the map at {format_point(o.end_point)} but has not left it after "
                f"{o.steps} steps (loss {o.loss_text})")
    if o.place_name == "the saddle" and o.whereabouts == "slid":
        return (f"{who} slid off the saddle to {format_point(o.end_point)} but has not left the map after "
                f"{o.steps} steps (loss {o.loss_text})")
    if o.place_name == "the saddle":
        return f"{who} is still on the saddle after {o.steps} steps (loss {o.loss_text})"
    return f"{who} had not cracked it after {o.steps} steps (loss {o.loss_text})" + _tick_text(o)


def _tick_text(o: Outcome) -> str:
    if o.ticking is None:
        return ""
    stride, distance, reach = (format_number(v, 3) for v in o.ticking)
    return (f": its turns never shrink (each dial moves exactly {stride} a step), so it ticks around the "
            f"combination, {distance} from it, and never comes within reach ({reach})")


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def summary(outcomes: list[Outcome]) -> str:
    """A race in one sentence, in the leaderboard's order; runs that tie are named together."""
    if not outcomes:
        return "No runs yet."
    groups: list[list[Outcome]] = []
    last = None
    for place, o in ranked(outcomes):
        if place == last:
            groups[-1].append(o)
        else:
            groups.append([o])
        last = place
    parts = []
    for group in groups:
        first = group[0]
        names = _names([o.label for o in group])
        if len(group) == 1:
            parts.append(clause(first))
        elif first.kind == CRACKED:
            parts.append(f"{names} cracked it together at step {first.cracked_at}")
        elif first.kind == SPUN_OFF:
            parts.append(f"{names} spun off together at step {first.diverged_at}")
        elif all(o.kind == TURNING and not o.ticking and o.whereabouts in ("", "centre") for o in group):
            still = "are still on the saddle" if first.place_name == "the saddle" else "had not cracked it"
            parts.append(f"{names} {still} after {first.steps} steps and end level (loss {first.loss_text})")
        else:
            parts.append(", ".join(clause(o) for o in group) + f": level at the end (loss {first.loss_text})")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]
