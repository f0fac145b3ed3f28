"""How much of a recorded path can be held to torch's last bits on any machine: its calm stretch.

A path recorded from torch.optim is compared with ours to about 1e-13. That holds on every machine only while
the run is calm: where it is chaotic, a last-bit difference (torch fusing a multiply-add, its autograd click,
another CPU's exp) grows until the paths part, and the part after that is one machine's rendition, not a fact.
So each comparison first measures how fast this run amplifies a difference: its start moved by 1e-9
(`optim.story`) in twelve directions. While the twins stay within a thousand times that, a last-bit difference
(~1e-16) stays below 1e-13, and the paths are compared there; beyond, they are not.
"""

from __future__ import annotations

import numpy as np

import optim
from optim import story

# A last-bit difference may grow this much before the comparison at 1e-13 stops being a fact about the rule.
GROWTH = 1e3


def calm_stretch(optimizer, landscape, start, steps: int, **settings) -> int:
    """How many of the run's leading points (start included) lie where nudged twins stay within `GROWTH` times
    the nudge: the points an exact comparison may cover. Points where the run and its twins have all spun off
    count as calm (there is nothing left to compare)."""
    twins = optim.simulate(optimizer, landscape, story.nudged_starts(start), steps, record_state=False, **settings)
    points = twins.points
    with np.errstate(invalid="ignore"):
        apart = np.abs(points[1:] - points[:1]).max(axis=(0, 2))
    gone = ~np.isfinite(points).any(axis=(0, 2))
    calm = (apart <= GROWTH * story.NUDGE) | gone
    return int(np.argmin(calm)) if not calm.all() else len(calm)
