r"""The arithmetic the hands share, written once: small NumPy helpers that keep a plain-number
hyperparameter plain and let a per-run one (an array of shape (N,)) broadcast across the columns of the
(2, N) arrays `optim.hands` describes, and that round exactly as torch.optim's own operations do.

Each returns a new array (or, where its docstring says so, an argument itself, untouched) and writes to
what it was given only where the caller says that array is its own scratch (`descend`'s `owned`), so the
rules built on them stay pure.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def per_run(value) -> bool:
    """True for a hyperparameter given one per run (an array), False for one plain number."""
    return isinstance(value, np.ndarray) and value.ndim > 0


def with_l2(grad, params, weight_decay):
    """g + λθ: weight decay as an L2 penalty folded into the gradient (torch's `weight_decay`).

    Returns `grad` itself when there is no decay, so the result must never be written to in place."""
    if not per_run(weight_decay) and weight_decay == 0:
        return grad
    decayed = weight_decay * params
    decayed += grad
    return decayed


def lerp(start, end, weight):
    """torch.lerp's arithmetic, so exponential averages round exactly as PyTorch's do: a new array."""
    step = end - start
    if per_run(weight):
        return np.where(weight < 0.5, start + weight * step, end - step * (1 - weight))
    if weight < 0.5:
        step *= weight
        step += start
        return step
    step *= 1 - weight
    return np.subtract(end, step, out=step)


def select(condition, if_true, if_false):
    """np.where that keeps plain numbers plain: a per-run switch or a single one."""
    if np.ndim(condition) == 0:
        return if_true if condition else if_false
    return np.where(condition, if_true, if_false)


def descend(params, lr, direction, owned=False):
    """θ - η·d as a new array; `owned` says `direction` is this step's own scratch and may be overwritten."""
    update = np.multiply(lr, direction, out=direction if owned and direction.shape == params.shape else None)
    return np.subtract(params, update, out=update)


def power(base, t):
    """base ** t through NumPy's array loop even for one number: libm's scalar pow can differ from it in
    the last bit, and a batch must round exactly as the same runs done one by one."""
    if isinstance(t, int) and isinstance(base, float):
        return _power_of_number(base, t)
    return np.power(np.atleast_1d(base), t)


@lru_cache(maxsize=1 << 14)
def _power_of_number(base: float, t: int) -> np.ndarray:
    """`power` for one base and step, computed once: a run asks for the same β^t on every call."""
    result = np.power(np.atleast_1d(base), t)
    result.flags.writeable = False  # shared between callers
    return result
