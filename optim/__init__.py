"""The hand on the dials: torch.optim's optimizers as small, vectorised NumPy functions.

    tr = optim.simulate("adam", "rosenbrock", start=(-1.2, 1.0), steps=300, lr=0.02, betas=(0.9, 0.999))
    tr.points, tr.loss, tr.diverged_at, tr.cracked_at(), tr.to_frame()

`OPTIMIZERS` holds each optimizer's spec (its update rule, defaults, slider ranges, LaTeX rule,
plain-language story, how to explain a step), collected from `optim.hands`.
"""

from optim.hyperparameters import Hyperparameter
from optim.registry import OPTIMIZERS, OptimizerSpec, get
from optim.schedules import SCHEDULES, Schedule
from optim.simulate import simulate
from optim.trajectory import Trajectory

__all__ = ["OPTIMIZERS", "SCHEDULES", "Hyperparameter", "OptimizerSpec", "Schedule", "Trajectory", "get",
           "simulate"]
