"""The same hands on a network's thousands of dials: `optim.simulate(key, net, ...)` lands here.

A network (`landscapes.network.Network`) is a vault whose dials are its parameters, (D,) flattened as torch
flattens them. The rules are the same pure functions as on two dials, on (D, N) arrays (dials × runs), so a
batch of runs (several starts, or one value per run for any hyperparameter) is still one loop. Hands that see
shapes get the layout's tensors through their spec (`OptimizerSpec.rules_for`): Adafactor factors each weight
matrix's loudness into rows and columns, Muon orthogonalises each weight matrix and hands the biases to AdamW.

The click is the gradient of the mean cross-entropy, over the whole training set by default, or, with
`batch_size`, over a mini-batch: each step hears a different handful of images
(`landscapes.network.minibatch_indices`, drawn from `seed`), which is the noisy click the two-dial pages
imitate with their noise slider.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from landscapes.network import Network, minibatch_indices
from optim import schedules
from optim.trajectory import Trajectory

# A run has spun off once its training loss (or any dial) is not finite, or the loss is more than this many
# times its loss at the start: a network ten times worse than where it began is not learning.
SPUN_OFF_FACTOR = 10.0


def is_network(landscape) -> bool:
    return isinstance(landscape, Network)


def train(spec, net: Network, start, steps: int, *, batch_size, seed, schedule, record_state,
          hyperparameters: dict) -> Trajectory:
    """`optim.simulate` on a network (its docstring; the checks of `steps` and the optimizer are done there).

    Returns a `Trajectory` whose `points` are (steps+1, D) (a batch: (N, steps+1, D)) and whose `loss` is the
    training loss over the whole training set at every point, mini-batches or not. Nothing per step besides
    (no clicks or memory: 300 steps of 2,410 dials would be 6 MB per quantity per run).
    """
    if record_state:
        raise ValueError("a network's clicks and memory are not recorded step by step (2,410 numbers each); "
                         "leave record_state unset")
    size = net.size
    start = np.asarray(net.init(seed=0) if start is None else start, dtype=np.float64)
    if start.shape != (size,) and (start.ndim != 2 or start.shape[1] != size or start.shape[0] == 0):
        raise ValueError(f"start must be the network's {size} parameters, or an array of shape (N, {size}); "
                         f"got shape {start.shape}")
    if not np.all(np.isfinite(start)):
        raise ValueError("start must be finite")
    batch_size = _check_batch_size(batch_size, len(net.y_train))

    hyperparameters = spec.split_pairs(hyperparameters)
    lengths = {np.shape(v)[0] for v in hyperparameters.values() if np.ndim(v) == 1}
    if len(lengths) > 1:
        raise ValueError(f"per-run hyperparameters must all have the same length, got {sorted(lengths)}")
    runs_asked = lengths.pop() if lengths else None
    is_batch = start.ndim == 2 or runs_asked is not None
    n_runs = start.shape[0] if start.ndim == 2 else (runs_asked or 1)
    hp = spec.resolve(hyperparameters, n_runs if is_batch else None)
    lr_per_update = np.multiply.outer(schedules.multipliers(schedule, steps), np.atleast_1d(hp["lr"]))
    params = np.ascontiguousarray(np.broadcast_to(start.reshape(-1, size), (n_runs, size)).T)  # (D, N)
    batches = None if batch_size is None else minibatch_indices(len(net.y_train), batch_size, steps, seed)

    with np.errstate(all="ignore"):
        trace, loss = _run(spec, net, params, hp, lr_per_update, steps, batches)
        if batches is not None or not np.isfinite(loss[-1]).all():
            # The clicks were heard on mini-batches: the loss shown is still the whole training set's.
            loss = net.loss(trace.transpose(0, 2, 1))
        diverged_at = _spun_off_at(trace, loss)
        after = np.arange(steps + 1)[:, None] >= np.where(diverged_at < 0, steps + 1, diverged_at)
        loss[after] = np.nan
        trace[np.broadcast_to(after[:, None, :], trace.shape)] = np.nan
    points, loss = trace.transpose(2, 0, 1), loss.T
    if not is_batch:
        only = int(diverged_at[0])
        return Trajectory(spec.key, net, hp, points[0], loss[0], None if only < 0 else only)
    return Trajectory(spec.key, net, hp, points, loss, diverged_at)


def _run(spec, net, params, hp, lr_per_update, steps, batches):
    """The loop: (steps+1, D, N) points and the training loss at each (full batch: a by-product of the click;
    the last point's is computed at the end; mini-batches: NaN here, filled in by the caller)."""
    n_runs = params.shape[1]
    trace = np.empty((steps + 1, *params.shape))
    loss = np.full((steps + 1, n_runs), np.nan)
    trace[0] = params
    init, step_fn = spec.rules_for(net.layout)
    state = init(params, hp)
    single_lr = lr_per_update.shape[1] == 1
    for k in range(steps):
        indices = None if batches is None else batches[k]
        heard, grad = _loss_and_grad(net, params, indices)
        if indices is None:
            loss[k] = heard
            if not np.isfinite(params).any():
                trace[k + 1:] = np.nan
                return trace, loss
        lr = lr_per_update[k, 0] if single_lr else lr_per_update[k]
        if getattr(spec, "uses_closure", False):
            params, state = step_fn(params, grad, state, hp, lr, k + 1, closure=_closure(net, indices))
        else:
            params, state = step_fn(params, grad, state, hp, lr, k + 1)
        trace[k + 1] = params
    if batches is None:
        loss[steps] = np.atleast_1d(net.loss(params.T))
    return trace, loss


def _loss_and_grad(net, params, indices):
    """Loss (N,) and click (D, N) for the runs' columns, on the images `indices` (None: all of them)."""
    loss, grad = net.loss_and_grad(params.T, indices)
    return loss, np.ascontiguousarray(grad.T)


def _closure(net, indices):
    """What a rule that evaluates the vault itself (L-BFGS's line search) calls: the loss and click at any
    (D, N) parameters, on the same images as the step's own click, as a torch closure evaluates them."""
    def closure(params):
        return _loss_and_grad(net, params, indices)
    return closure


def _spun_off_at(trace, loss) -> np.ndarray:
    """First step at which each run's loss is not finite or above `SPUN_OFF_FACTOR` times its start's, or a
    dial is not finite; -1 for none."""
    bad = ~np.isfinite(loss) | (loss > SPUN_OFF_FACTOR * loss[:1]) | ~np.isfinite(trace).all(axis=1)
    return np.where(bad.any(axis=0), bad.argmax(axis=0), -1)


def _check_batch_size(batch_size, n_train: int) -> int | None:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or not 1 <= batch_size <= n_train:
        raise ValueError(f"batch_size must be a whole number in [1, {n_train}] (or None for the whole training "
                         f"set), got {batch_size!r}")
    return int(batch_size)
