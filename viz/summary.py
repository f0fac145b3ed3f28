"""The sentence beside each chart: what happened, in words a learner reads before the picture."""

from __future__ import annotations

import numpy as np

from viz.paths import PathView
from viz.scales import format_loss


def path_summary(path: PathView) -> str:
    """One run in a sentence: 'Adam cracked it at step 143 (loss 0.0012).', 'SGD spun off at step 12.',
    'Momentum had not cracked it after 300 steps (loss 0.012).'"""
    return _clause(path) + "."


def _clause(path: PathView) -> str:
    if path.cracked_at is not None:
        text = f"{path.label} cracked it at step {path.cracked_at}"
        if path.diverged_at is not None:
            return text + f", then spun off at step {path.diverged_at}"
        if path.settled_at is None and path.final_loss > float(path.loss[path.cracked_at]):
            return (f"{path.label} reached the combination at step {path.cracked_at} but swung away "
                    f"(loss {format_loss(path.final_loss)} at the end)")
        return text + f" (loss {format_loss(float(path.loss[path.cracked_at]))})"
    if path.diverged_at is not None:
        return f"{path.label} spun off at step {path.diverged_at}"
    return f"{path.label} had not cracked it after {path.steps} steps (loss {format_loss(path.final_loss)})"


def race_summary(paths: list[PathView]) -> str:
    """A race in one sentence, fastest first: the runs that cracked it (earliest step first), then those
    that spun off, then those still turning the dials (lowest loss first)."""
    paths = list(paths)
    if not paths:
        return "No runs yet."
    cracked = sorted((p for p in paths if p.cracked_at is not None), key=lambda p: p.cracked_at)
    spun = sorted((p for p in paths if p.cracked_at is None and p.diverged_at is not None),
                  key=lambda p: p.diverged_at)
    turning = sorted((p for p in paths if p.cracked_at is None and p.diverged_at is None),
                     key=lambda p: (np.nan_to_num(p.final_loss, nan=np.inf)))
    return "; ".join(_clause(p) for p in cracked + spun + turning) + "."


def heatmap_summary(lrs, betas, values, *, metric_label: str, lower_is_better: bool = True) -> str:
    """The best setting on a learning-rate × β grid and how many settings spun off (NaN cells)."""
    values = np.asarray(values, dtype=np.float64)
    total = values.size
    lost = int(np.isnan(values).sum())
    if lost == total:
        return f"Every one of the {total} settings spun off."
    flat = np.where(np.isnan(values), np.inf if lower_is_better else -np.inf, values)
    i, j = np.unravel_index(np.argmin(flat) if lower_is_better else np.argmax(flat), values.shape)
    text = (f"Best {metric_label}: {format_loss(values[i, j])} at learning rate {float(lrs[j]):.3g} "
            f"and β {float(betas[i]):.3g}.")
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
            parts.append(f"{share:.0%} reach minimum {k + 1} ({x:.3g}, {y:.3g})")
    none = float((idx < 0).sum()) / total
    if none > 0:
        parts.append(f"{none:.0%} reach none (spun off or stalled)")
    return f"Of {total} starts, " + ", ".join(parts) + "."
