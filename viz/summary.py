"""The sentence beside each chart: what happened, in words a learner reads before the picture."""

from __future__ import annotations

import numpy as np

from lab import outcome
from lab.numbers import format_lr, format_point
from viz.paths import PathView
from viz.scales import format_loss


def path_summary(path: PathView, landscape=None) -> str:
    """One run in a sentence, in the terms every page uses (`lab.outcome`): 'Adam cracked it at step 143.',
    'SGD spun off at step 12.', 'Momentum had not cracked it after 300 steps (loss 0.012).', 'SGD reached the
    combination at step 9 but swung away (loss 0.3 at the end).'. `landscape` (optional) gives the losses
    their minimum ("≈ 3") and tells a vault with nothing to crack (the saddle)."""
    return outcome.clause(outcome.outcome(path, landscape)) + "."


def race_summary(paths: list[PathView], landscape=None) -> str:
    """A race in one sentence, in the leaderboard's order (`lab.outcome.ranked`): the runs that cracked it
    (soonest first), then those that did not (lowest final loss first; runs that read the same are named
    together as level), then those that spun off."""
    return outcome.summary([outcome.outcome(p, landscape) for p in paths])


def heatmap_summary(lrs, betas, values, *, metric_label: str, lower_is_better: bool = True) -> str:
    """The best setting on a learning-rate × β grid and how many settings spun off (NaN cells)."""
    values = np.asarray(values, dtype=np.float64)
    total = values.size
    lost = int(np.isnan(values).sum())
    if lost == total:
        return f"Every one of the {total} settings spun off."
    flat = np.where(np.isnan(values), np.inf if lower_is_better else -np.inf, values)
    i, j = np.unravel_index(np.argmin(flat) if lower_is_better else np.argmax(flat), values.shape)
    text = (f"Best {metric_label}: {format_loss(values[i, j])} at learning rate {format_lr(lrs[j])} "
            f"and β {format_lr(betas[i])}.")
    if lost:
        text += f" {lost} of {total} settings spun off."
    return text


def basin_summary(basin_index, minima) -> str:
    """How the starts divide between the minima: 'Of 400 starts, 52% reach minimum 1 (3, 2), ...'."""
    idx = np.asarray(basin_index)
    total = idx.size
    if total == 0:
        return "No starts were tried."
    parts = []
    for k, (x, y) in enumerate(minima):
        share = float((idx == k).sum()) / total
        if share > 0:
            parts.append(f"{share:.0%} reach minimum {k + 1} {format_point((x, y))}")
    none = float((idx < 0).sum()) / total
    if none > 0:
        parts.append(f"{none:.0%} reach none (spun off or stalled)")
    return f"Of {total} starts, " + ", ".join(parts) + "."
