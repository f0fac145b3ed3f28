"""The race: each hand tuned under the race's own conditions, and the hands ranked.

Tuning is `optim.tuning.tune` (one batched run over the hand's lr ladder, the same rungs the slider
offers) with the vault, start, steps, noise, schedule and the hand's other settings of the race, preferring
the rung that settles soonest. The ranking and the leaderboard take paths (`viz.PathView`s) and use
`lab.outcome`, the one meaning of "cracked" every page shares.
"""

from __future__ import annotations

import math

import pandas as pd

from lab import outcome
from lab.numbers import format_loss, same_loss
from lab.scene import Scene
from optim import tuning


def tune(scene: Scene) -> tuning.Tuning:
    """The hand's learning rate for this race (`optim.tuning.tune`, preferring the rung that settles
    soonest); `scene.hyperparameters` holds its other settings (any lr there is ignored)."""
    others = {name: value for name, value in scene.hyperparameters if name != "lr"}
    return tuning.tune(scene.optimizer, scene.surface, scene.start, scene.steps, prefer="fast",
                       noise=scene.noise, seed=scene.seed, schedule=scene.schedule, **others)


def rank(path, landscape=None) -> tuple:
    """Cracked (the step from which it stays at the combination, soonest first), then not cracked at the
    end (lowest final loss first), then spun off (the longest survivor first): `lab.outcome`'s order."""
    return outcome.outcome(path, landscape).rank_key()


def leaderboard(race: list, lrs: list[float], tuned: list[bool], landscape=None) -> pd.DataFrame:
    """One row per hand, best first (`lab.outcome.ranked`; hands that read the same share a place, "=2",
    and medals go only to hands that cracked the safe): place, optimizer, lr (and whether it is tuned),
    "cracked at" (the step it ranks by, or what happened instead: swung away, spun off, never), final loss
    as text (`lab.numbers`; the last finite one for a run that spun off) and the step it spun off at."""
    outcomes = [outcome.outcome(path, landscape) for path in race]
    settings = {id(o): (float(lr), is_tuned) for o, lr, is_tuned in zip(outcomes, lrs, tuned, strict=True)}
    order = outcome.ranked(outcomes)
    places = [place for place, _ in order]
    rows = []
    for place, o in order:
        lr, is_tuned = settings[id(o)]
        rows.append({
            "place": outcome.place_label(place, o, places.count(place) > 1),
            "optimizer": o.label,
            "lr": lr,
            "lr from": "tuned" if is_tuned else "yours",
            "cracked at": outcome.crack_cell(o),
            "final loss": o.loss_text,
            "spun off at": "—" if o.diverged_at is None else f"step {o.diverged_at}",
        })
    return pd.DataFrame(rows)


def loss_summary(race: list, landscape=None) -> str:
    """The loss chart in a sentence: who ends lowest, who highest (hands whose losses read the same, by
    `lab.numbers`, are named together), and whose curve stops early."""
    minimum = None if landscape is None else landscape.min_value
    calm = [p for p in race if p.diverged_at is None and math.isfinite(p.final_loss)]
    lost = [p for p in race if p.diverged_at is not None]
    parts = []
    if calm:
        ordered = sorted(calm, key=lambda p: outcome.as_read(p.final_loss, minimum))
        low = [p for p in ordered if same_loss(p.final_loss, ordered[0].final_loss, minimum)]
        high = [p for p in ordered if same_loss(p.final_loss, ordered[-1].final_loss, minimum)]
        if len(low) == len(ordered) and len(ordered) > 1:
            parts.append(f"{_names(low)} all end at the same loss ({format_loss(ordered[0].final_loss, minimum)})")
        else:
            verb = "ends lowest" if len(low) == 1 else "end level and lowest"
            parts.append(f"{_names(low)} {verb} (loss {format_loss(ordered[0].final_loss, minimum)})")
            if len(ordered) > len(low):
                parts.append(f"{_names(high)} highest ({format_loss(ordered[-1].final_loss, minimum)})")
    if lost:
        names = ", ".join(f"{p.label}'s at step {p.diverged_at}" for p in lost)
        parts.append(f"{'the curve stops where it' if len(lost) == 1 else 'curves stop where they'} spun off: "
                     f"{names}")
    if not parts:
        return "No curve to compare."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _names(paths: list) -> str:
    labels = [p.label for p in paths]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
