"""Work out the rates `optim.tuning.tune` gives every hand on each heavy vault (calm and fast), to keep in the
vault's `tuned_lr`: there a ladder's climb costs about a minute per hand, too long for a page to wait.

    .venv/bin/python scripts/tune_heavy_vaults.py            # prints the table to paste into the vault

One climb serves both preferences (they choose differently from the same rungs). tests/test_teaching_truth.py
checks that every kept rate tells a robust story, and tests/test_digits_vault.py that the tuner, climbing again,
still agrees for one hand.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import landscapes  # noqa: E402
import optim  # noqa: E402
from optim import tuning  # noqa: E402


def main() -> None:
    climbed = {}
    climb = tuning._climb

    def remembered(spec, surface, starts, ladder, steps, escape, settings):
        key = (spec.key, surface.key, tuple(np.round(ladder, 15)))
        if key not in climbed:
            climbed[key] = climb(spec, surface, starts, ladder, steps, escape, settings)
        return climbed[key]

    tuning._climb = remembered
    for key, surface in landscapes.LANDSCAPES.items():
        if not surface.heavy:
            continue
        table = {"calm": {}, "fast": {}}
        for hand in optim.OPTIMIZERS:
            began = time.perf_counter()
            for prefer in table:
                found = tuning.tune(hand, key, prefer=prefer, use_kept=False)
                table[prefer][hand] = found.lr
                print(f"# {key} {hand} {prefer}: {found.lr:g}, {found.reason}", file=sys.stderr)
            print(f"# {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
            climbed.clear()
        print(f"{key}: tuned_lr={table!r}")


if __name__ == "__main__":
    main()
