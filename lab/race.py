"""The race: each hand tuned under the race's own conditions, and the hands ranked.

Tuning is `optim.tuning.tune` (one batched run over the hand's lr ladder, the same rungs the slider
offers) with the vault, start, steps, noise, schedule and the hand's other settings of the race, preferring
the rung that settles soonest. The ranking and the leaderboard take paths (anything with `label`,
`cracked_at`, `settled_at`, `diverged_at` and `final_loss`, as `viz.PathView` has).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.scene import Scene
from optim import tuning

MEDALS = ("🥇", "🥈", "🥉")


def tune(scene: Scene) -> tuning.Tuning:
    """The hand's learning rate for this race (`optim.tuning.tune`, preferring the rung that settles
    soonest); `scene.hyperparameters` holds its other settings (any lr there is ignored)."""
    others = {name: value for name, value in scene.hyperparameters if name != "lr"}
    return tuning.tune(scene.optimizer, scene.surface, scene.start, scene.steps, prefer="fast",
                       noise=scene.noise, seed=scene.seed, schedule=scene.schedule, **others)


def rank(path) -> tuple:
    """Cracked and stayed (soonest first), then still turning (lowest loss first), then spun off (the
    longest survivor first)."""
    if path.diverged_at is not None:
        return (2, -path.diverged_at, 0.0)
    if path.settled_at is not None:
        return (0, path.settled_at, path.final_loss)
    return (1, 0, np.nan_to_num(path.final_loss, nan=np.inf))


def leaderboard(race: list, lrs: list[float], tuned: list[bool]) -> pd.DataFrame:
    """One row per hand, best first (see `rank`): place, optimizer, lr (and whether it is tuned), steps
    to crack ("never"), final loss (the last finite one for a run that spun off) and the step it spun off
    at ("—" for none)."""
    rows = []
    for path, lr, is_tuned in zip(race, lrs, tuned, strict=True):
        rows.append({
            "optimizer": path.label,
            "lr": float(lr),
            "lr from": "tuned" if is_tuned else "yours",
            # Words, not empty cells: "never" reads better than a blank for a hand that did not get there.
            "steps to crack": "never" if path.cracked_at is None else str(path.cracked_at),
            "final loss": path.final_loss,
            "spun off at": "—" if path.diverged_at is None else f"step {path.diverged_at}",
            "_rank": rank(path),
        })
    table = pd.DataFrame(rows).sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)
    places = [f"{MEDALS[i]} {i + 1}" if i < len(MEDALS) else str(i + 1) for i in range(len(table))]
    table.insert(0, "place", places)
    return table
