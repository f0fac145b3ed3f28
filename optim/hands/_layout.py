"""A network's parameters as the rules see them: (D, N) dials × runs, cut into the layout's tensors.

A layout is ((name, shape), ...), the parameters flattened row-major in that order (torch's
`parameters_to_vector`). A tensor of shape (R, C) occupies rows [first, first + R·C) of the (D, N) array;
`view` gives it back as (R, C, N) without copying.
"""

from __future__ import annotations

from math import prod

import numpy as np


def pieces(layout) -> list[tuple[str, slice, tuple[int, ...]]]:
    """(name, rows of the flat vector, shape) for each tensor, in order."""
    out, first = [], 0
    for name, shape in layout:
        shape = tuple(int(s) for s in shape)
        out.append((name, slice(first, first + prod(shape)), shape))
        first += prod(shape)
    return out


def view(array: np.ndarray, rows: slice, shape: tuple[int, ...]) -> np.ndarray:
    """Rows `rows` of a (D, N) array as the tensor they hold, (*shape, N)."""
    return array[rows].reshape(*shape, array.shape[-1])


def check(layout, params: np.ndarray) -> None:
    total = sum(prod(shape) for _, shape in layout)
    if params.shape[0] != total:
        raise ValueError(f"the layout holds {total} parameters but there are {params.shape[0]} dials")
