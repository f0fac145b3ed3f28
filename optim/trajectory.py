"""`Trajectory`: the record of a run (or a batch of runs), and the questions a learner asks of it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from landscapes import Landscape

# A run has cracked the safe once it is this close to a global minimum, as a share of the larger side of
# the landscape's bounds, unless the caller says otherwise.
DEFAULT_CRACK_FRACTION = 0.01


def stays_from(inside: np.ndarray) -> np.ndarray:
    """For a (..., steps+1) bool array, the step from which every entry to the end is True; -1 where the
    last one is False."""
    inside = np.asarray(inside, dtype=bool)
    # Length of the final run of True values, counted back from the end.
    tail = np.where(inside.all(axis=-1), inside.shape[-1], np.argmin(inside[..., ::-1], axis=-1))
    return np.where(inside[..., -1], inside.shape[-1] - tail, -1)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """What `optim.simulate` returns.

    Row t of every array describes step t: `points[t]` is where the dials stand after t updates (row 0 is
    the start), `loss[t]` the loss there, `grads[t]` the click heard there (noise included, weight decay
    not), `state[name][t]` the optimizer's memory right after it heard that click, `updates[t]` the turn it
    then made (`points[t+1] - points[t]`) and `lrs[t]` the learning rate it used. The last row has a point,
    a loss and a click but no update: those entries are NaN. From `diverged_at` on, every entry is NaN.

    A single run has arrays of shape (steps+1, ...); a batch has a leading run axis, (N, steps+1, ...),
    and `diverged_at` is then an int array with -1 for runs that never diverged.

    On a network (`landscape` is then a `landscapes.Network`) a point is the whole parameter vector,
    `points` (steps+1, 2410), and the loss the training loss; nothing per step besides is kept. A network
    has no known combination, so `cracked_at` and `settled_at` refuse with a message saying what to ask
    instead, and `to_frame` has a row per step with sizes instead of a column per dial.
    """

    optimizer: str
    landscape: Landscape
    hyperparameters: dict
    points: np.ndarray
    loss: np.ndarray
    diverged_at: int | None | np.ndarray
    grads: np.ndarray | None = None
    updates: np.ndarray | None = None
    lrs: np.ndarray | None = None
    state: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def is_batch(self) -> bool:
        return self.points.ndim == 3

    @property
    def on_network(self) -> bool:
        """True for a run on a network's parameters rather than on a two-dial vault."""
        return hasattr(self.landscape, "layout")

    @property
    def steps(self) -> int:
        return self.points.shape[-2] - 1

    @property
    def n_runs(self) -> int:
        return self.points.shape[0] if self.is_batch else 1

    @property
    def diverged(self) -> bool | np.ndarray:
        return self.diverged_at >= 0 if self.is_batch else self.diverged_at is not None

    @property
    def final_loss(self) -> float | np.ndarray:
        """Loss at the last step (NaN for a run that diverged)."""
        return self.loss[..., -1] if self.is_batch else float(self.loss[-1])

    def default_tolerance(self) -> float:
        self._refuse_on_network("a crack tolerance")
        return DEFAULT_CRACK_FRACTION * max(self.landscape.extent)

    def distance_to_minimum(self) -> np.ndarray:
        """Distance from every point to the nearest global minimum (inf where there is none)."""
        self._refuse_on_network("the distance to the combination")
        if not self.landscape.minima:
            return np.full(self.points.shape[:-1], np.inf)
        return self.landscape.nearest_minimum(self.points)[1]

    def cracked_at(self, tol: float | None = None):
        """The first step whose point lies within `tol` of a global minimum: the click of the open safe.

        None if it never gets there (for a batch: an int array, -1 where it never does). `tol` defaults to
        1 % of the larger side of the landscape's bounds.
        """
        tol = self.default_tolerance() if tol is None else float(tol)
        inside = self.distance_to_minimum() <= tol
        first = np.where(inside.any(axis=-1), inside.argmax(axis=-1), -1)
        if self.is_batch:
            return first
        return None if first < 0 else int(first)

    def settled_at(self, tol: float | None = None):
        """The step from which the run stays within `tol` of a global minimum to the end: the safe is not
        only clicked open but stays open. None if it is not there at the end (a batch: -1 per run).

        A path can pass the combination and swing away: then `cracked_at` is a step and this is None.
        """
        tol = self.default_tolerance() if tol is None else float(tol)
        first = stays_from(self.distance_to_minimum() <= tol)
        if self.is_batch:
            return first
        return None if first < 0 else int(first)

    def run(self, index: int) -> Trajectory:
        """One run of a batch, as a single trajectory."""
        if not self.is_batch:
            raise ValueError("this trajectory is a single run already")

        def pick(value):
            return value[index] if isinstance(value, np.ndarray) and value.ndim >= 1 else value

        hp = {name: pick(value) for name, value in self.hyperparameters.items()}
        diverged = int(self.diverged_at[index])
        return Trajectory(
            self.optimizer, self.landscape, hp, self.points[index], self.loss[index],
            None if diverged < 0 else diverged,
            None if self.grads is None else self.grads[index],
            None if self.updates is None else self.updates[index],
            None if self.lrs is None else self.lrs[index],
            {name: value[index] for name, value in self.state.items()},
        )

    def ghost(self) -> np.ndarray | None:
        """The points the spec's ghost state traces (ASGD's averaged point), aligned with `points`: row t is
        where the ghost stood after t updates (row 0: the start). None when the hand keeps no ghost or its
        state was not recorded. Single runs only."""
        from optim import registry  # the registry imports the hands, which import this module

        name = registry.get(self.optimizer).ghost if self.optimizer in registry.OPTIMIZERS else None
        if name is None or name not in self.state or self.is_batch:
            return None
        return np.concatenate([self.points[:1], self.state[name][:-1]])

    def _refuse_on_network(self, what: str) -> None:
        if self.on_network:
            raise ValueError(f"a network has no known combination, so there is no {what}: ask for its loss "
                             "(trajectory.loss) or its test accuracy (landscape.accuracy(trajectory.points)) "
                             "instead")

    def to_frame(self) -> pd.DataFrame:
        """A tidy table, one row per step (and per run, for a batch, with a `run` column first).

        Columns: step, x, y, loss, grad_x, grad_y, lr, then each state quantity as `<name>_x, <name>_y`
        (momentum buffer, m, v, m_hat, v_hat, effective_lr, ...), and update_x, update_y. On a network, where a
        column per dial would be 2,410 columns: step, loss, distance (from the start) and update (the length
        of the turn made from that step), both over all the dials.
        """
        if self.is_batch:
            frames = [self.run(i).to_frame().assign(run=i) for i in range(self.n_runs)]
            table = pd.concat(frames, ignore_index=True)
            return table[["run", *table.columns[:-1]]]
        if self.on_network:
            turns = np.full(self.steps + 1, np.nan)
            turns[:-1] = np.linalg.norm(np.diff(self.points, axis=0), axis=1)
            return pd.DataFrame({"step": np.arange(self.steps + 1), "loss": self.loss,
                                 "distance": np.linalg.norm(self.points - self.points[0], axis=1),
                                 "update": turns})
        columns = {"step": np.arange(self.steps + 1), "x": self.points[:, 0], "y": self.points[:, 1],
                   "loss": self.loss}

        def add_pair(name, values):
            if values is not None:
                columns[f"{name}_x"], columns[f"{name}_y"] = values[:, 0], values[:, 1]

        add_pair("grad", self.grads)
        if self.lrs is not None:
            columns["lr"] = self.lrs
        for name, values in self.state.items():
            add_pair(name, values)
        add_pair("update", self.updates)
        return pd.DataFrame(columns)
