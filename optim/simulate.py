"""`simulate`: put a hand on the dials and let it listen and turn, one vectorised loop over steps."""

from __future__ import annotations

from numbers import Integral

import numpy as np

import landscapes
from landscapes import Landscape
from optim import registry, schedules, training
from optim.trajectory import Trajectory

MAX_STEPS = 100_000
# A run has spun off once it leaves the landscape's bounds widened by this many times their size on
# every side (so the box is about 100 times as wide as the map), or its point or loss is not finite.
DIVERGENCE_MARGIN = 50.0
# Points per block when computing the loss along a batch of paths: each block costs some twenty NumPy
# calls whatever its size, and 2**17 points (2 MB of path, 13 rows of 10,000 runs) still sit in L2 cache;
# at 2**15 (3 rows) those calls cost a 10,000-run Nesterov batch about 3.5% of its time.
LOSS_BLOCK = 1 << 17


def simulate(
    optimizer: str | registry.OptimizerSpec,
    landscape: str | Landscape,
    start=None,
    steps: int = 200,
    *,
    noise: float = 0.0,
    seed: int | None = 0,
    schedule: str | schedules.ScheduleFn | None = "constant",
    record_state: bool | None = None,
    shared_noise: bool = False,
    batch_size: int | None = None,
    **hyperparameters,
) -> Trajectory:
    """Run `optimizer` on `landscape` for `steps` updates from `start`, exactly as torch.optim would.

    `start` is one point (x, y) or a batch of shape (N, 2); it defaults to the landscape's own start.
    Every hyperparameter may be a number or an array of shape (N,), one value per run, so a grid of
    settings is a single call; a batch runs as one loop over steps, vectorised across runs.

    `noise` is the standard deviation of Gaussian noise added to every gradient (what a mini-batch does),
    drawn from `seed`; each run of a batch hears its own noise, unless `shared_noise`, when every run hears
    the noise a single run with this seed hears (a run beside its nudged twins, a ladder of rates judged on
    the very run each would show). `schedule` scales the learning rate per update: a name from `optim.SCHEDULES` or a
    function `(update_index, total_steps) -> multiplier`. `record_state` keeps the gradients, the
    optimizer's memory and the updates of every step; by default it does for a single run and not for a
    batch, whose memory it would multiply.

    Diverging is an outcome, not an error: see `Trajectory.diverged_at`. Invalid settings raise
    ValueError naming the parameter and the allowed range.

    `landscape` may also be a network (`landscapes.digits_network()`): the dials are then its parameters,
    `start` a vector of them (default: `net.init(seed=0)`), and the click its gradient over the whole
    training set, or with `batch_size` over a mini-batch drawn from `seed` (see `optim.training`).
    """
    spec = registry.get(optimizer)
    if training.is_network(landscape):
        if noise:
            raise ValueError("noise is for two-dial vaults; a network's click is noisy through mini-batches: "
                             "give batch_size instead")
        return training.train(spec, landscape, start, _check_steps(steps), batch_size=batch_size, seed=seed,
                              schedule=schedule, record_state=record_state, hyperparameters=hyperparameters)
    if batch_size is not None:
        raise ValueError("batch_size is for networks (a mini-batch of images); on a two-dial vault the noise "
                         "setting imitates a mini-batch's click")
    surface = landscapes.get(landscape)
    steps = _check_steps(steps)
    noise = _check_noise(noise)
    start = np.asarray(surface.start if start is None else start, dtype=np.float64)
    if start.shape != (2,) and (start.ndim != 2 or start.shape[1] != 2 or start.shape[0] == 0):
        raise ValueError(f"start must be a point (x, y) or an array of shape (N, 2), got shape {start.shape}")
    if not np.all(np.isfinite(start)):
        raise ValueError("start must be finite")

    hyperparameters = spec.split_pairs(hyperparameters)
    runs_asked = _runs_from_hyperparameters(hyperparameters)
    is_batch = start.ndim == 2 or runs_asked is not None
    n_runs = start.shape[0] if start.ndim == 2 else (runs_asked or 1)
    hp = spec.resolve(hyperparameters, n_runs if is_batch else None)
    record = (not is_batch) if record_state is None else bool(record_state)

    lr = hp["lr"]
    lr_per_update = np.multiply.outer(schedules.multipliers(schedule, steps), np.atleast_1d(lr))
    params = np.ascontiguousarray(np.broadcast_to(start.reshape(-1, 2), (n_runs, 2)).T)  # (2, N)

    with np.errstate(all="ignore"):
        trace = np.empty((steps + 1, 2, n_runs))
        along = _AlongThePath(surface, trace)
        heard, history = _run(spec, surface, params, hp, lr_per_update, steps, noise, seed, record, trace, along,
                              shared_noise)
        loss, diverged_at = along.finish()
        # From here on every array is seen run-first, (N, steps+1, ...), as Trajectory documents. They are
        # views of the step-first arrays the loop wrote, not copies: a batch's path is the largest array
        # here, and copying it only to reorder it would double both the memory and the time it takes.
        points, loss = trace.transpose(2, 0, 1), loss.T
        grads = updates = lrs = None
        state = {}
        if record:
            after = np.arange(trace.shape[0])[:, None] >= np.where(diverged_at < 0, trace.shape[0], diverged_at)
            heard[-1] = surface.grad(trace[-1].T).T
            updates = np.full_like(trace, np.nan)
            updates[:-1] = np.diff(trace, axis=0)
            lrs = np.full(loss.shape[::-1], np.nan)
            lrs[:-1] = lr_per_update
            lrs[after] = np.nan
            state = _state_table(spec, hp, history, lr_per_update, steps)
            for values in (heard, updates, *state.values()):
                _blank_after(values, after)
            grads, updates, lrs = heard.transpose(2, 0, 1), updates.transpose(2, 0, 1), lrs.T
            state = {name: value.transpose(2, 0, 1) for name, value in state.items()}

    if not is_batch:
        only = int(diverged_at[0])
        return Trajectory(
            spec.key, surface, hp, points[0], loss[0], None if only < 0 else only,
            None if grads is None else grads[0], None if updates is None else updates[0],
            None if lrs is None else lrs[0], {name: value[0] for name, value in state.items()})
    return Trajectory(spec.key, surface, hp, points, loss, diverged_at, grads, updates, lrs, state)


def _run(spec, surface, params, hp, lr_per_update, steps, noise, seed, record, trace, along, shared_noise=False):
    """The loop itself: `steps` updates of all N runs at once, in the (2, N) layout the rules expect,
    written into `trace` (steps+1, 2, N); `along` checks the rows written so far as it goes."""
    n_runs = params.shape[1]
    trace[0] = params
    heard = np.full((steps + 1, 2, n_runs), np.nan) if record else None
    history = {}
    rng = np.random.default_rng(seed) if np.any(noise) else None
    grad_fn, step_fn = surface.grad_fn, spec.step
    if getattr(spec, "uses_closure", False):
        step_fn = _with_closure(step_fn, surface)
    state = spec.init(params, hp)
    if record:
        # Memory that fits one (2, N) row (per dial, or per run like NAdam's momentum product) is recorded;
        # larger state (LBFGS's history of steps) is not.
        history = {name: np.full((steps + 1, 2, n_runs), np.nan) for name, value in state.items()
                   if _fits_row(np.shape(value), params.shape)}
    single_lr = lr_per_update.shape[1] == 1
    for k in range(steps):
        # A fresh array each step, since a rule may keep the gradient itself in its state (momentum's b_1).
        grad = np.empty((2, n_runs))
        grad[0], grad[1] = grad_fn(params[0], params[1])
        if rng is not None:
            grad += noise * rng.standard_normal((2, 1 if shared_noise else n_runs))
        lr = lr_per_update[k, 0] if single_lr else lr_per_update[k]
        params, state = step_fn(params, grad, state, hp, lr, k + 1)
        trace[k + 1] = params
        along.rows_written(k + 2)
        if record:
            heard[k] = grad
            for name, values in history.items():
                values[k] = state[name]
    return heard, history


def _fits_row(shape: tuple, row: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, row) == row
    except ValueError:
        return False


def _with_closure(step_fn, surface):
    """The hook for rules that evaluate the vault themselves (a spec with `uses_closure=True`, LBFGS):
    their step is called with `closure=f`, f(params (2, N)) -> (loss (N,), grad (2, N)), noise-free."""
    def closure(params):
        gx, gy = surface.grad_fn(params[0], params[1])
        n_runs = params.shape[1]
        grad = np.array((np.broadcast_to(gx, (n_runs,)), np.broadcast_to(gy, (n_runs,))), dtype=np.float64)
        return np.broadcast_to(surface.value_fn(params[0], params[1]), (n_runs,)).astype(np.float64), grad

    def step(params, grad, state, hp, lr, t):
        return step_fn(params, grad, state, hp, lr, t, closure=closure)
    return step


def _state_table(spec, hp, history, lr_per_update, steps):
    """Recorded memory plus what `derive` computes from it: the quantities worth showing, (steps+1, 2, N)."""
    shown = {name: history[name] for name in spec.shown_state(hp)}
    if spec.derive is not None and steps > 0:
        t = np.arange(1, steps + 2, dtype=np.float64)[:, None, None]
        lr = np.concatenate([lr_per_update, np.full((1, lr_per_update.shape[1]), np.nan)])[:, None, :]
        shown.update(spec.derive(history, hp, lr, t))
    return shown


class _AlongThePath:
    """Loss at every recorded point, (steps+1, N), and the first step at which each run spun off (-1 for
    none): non-finite point or loss, or outside the generous box. From that step on, the run's points
    and losses become NaN, in place.

    Computed in blocks of rows while the loop is still writing the path: a block is taken as soon as it
    is complete, so its points are still in cache. A batch's path is too large to be read back from
    memory cheaply; a single run's fits in one block, taken at the end.
    """

    def __init__(self, surface, trace):
        (x0, x1), (y0, y1) = surface.bounds
        mx, my = DIVERGENCE_MARGIN * (x1 - x0), DIVERGENCE_MARGIN * (y1 - y0)
        self.box = ((0, x0 - mx, x1 + mx), (1, y0 - my, y1 + my))
        self.value_fn, self.trace = surface.value_fn, trace
        n_rows, n_runs = trace.shape[0], trace.shape[2]
        self.loss = np.empty((n_rows, n_runs))
        self.diverged_at = np.full(n_runs, -1)
        self.blank_from = np.full(n_runs, n_rows)  # diverged_at, or past the end for a run that never spins off
        self.rows = max(1, LOSS_BLOCK // max(1, n_runs))
        self.inside, self.test = np.empty((2, min(self.rows, n_rows), n_runs), dtype=bool)
        self.done = 0  # rows taken so far

    def rows_written(self, count):
        """The loop has written rows [0, count): take every block now complete."""
        while self.done + self.rows <= count:
            self._take(self.done + self.rows)

    def finish(self):
        if self.done < self.trace.shape[0]:
            self._take(self.trace.shape[0])
        return self.loss, self.diverged_at

    def _take(self, end):
        first, self.done = self.done, end
        block, block_loss = self.trace[first:end], self.loss[first:end]
        block_loss[...] = self.value_fn(block[:, 0], block[:, 1])
        inside, test = self.inside[:end - first], self.test[:end - first]
        np.isfinite(block_loss, out=inside)
        for axis, low, high in self.box:
            inside &= np.greater_equal(block[:, axis], low, out=test)
            inside &= np.less_equal(block[:, axis], high, out=test)
        diverged_at, blank_from = self.diverged_at, self.blank_from
        new = np.flatnonzero(~inside.all(axis=0) & (diverged_at < 0))
        if new.size:
            diverged_at[new] = blank_from[new] = first + np.argmin(inside[:, new], axis=0)
        if diverged_at.max() >= 0:
            after = np.arange(first, end)[:, None] >= blank_from
            _blank_after(block, after)
            np.putmask(block_loss, after, np.nan)


def _blank_after(values, after):
    """NaN into a (steps+1, 2, N) array wherever the (steps+1, N) mask `after` is set."""
    # putmask wants the mask at full size, but is still several times faster than copyto(where=).
    np.putmask(values, np.broadcast_to(after[:, None, :], values.shape), np.nan)


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, Integral) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number in [0, {MAX_STEPS}], got {steps!r}")
    return int(steps)


def _check_noise(noise) -> float:
    if not (isinstance(noise, int | float | np.floating | np.integer) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number in [0, inf), got {noise!r}")
    return float(noise)


def _runs_from_hyperparameters(hyperparameters) -> int | None:
    """How many runs the per-run hyperparameters ask for; None if every one is a single number."""
    lengths = {np.shape(v)[0] for v in hyperparameters.values() if np.ndim(v) == 1}
    if len(lengths) > 1:
        raise ValueError(f"per-run hyperparameters must all have the same length, got {sorted(lengths)}")
    return lengths.pop() if lengths else None
