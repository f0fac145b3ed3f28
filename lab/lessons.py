"""Lessons: guided "predict, then run" scenarios, as data, and the measurements behind each one's claim.

Every lesson's claim is checked by a test (tests/app/test_lessons.py) against the very runs the page shows,
so the explanation never promises what the run does not do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import landscapes
import optim
from lab.scene import Scene


@dataclass(frozen=True)
class Run:
    """One hand in a lesson: the optimizer, its settings (the rest at their defaults), and where it starts
    (None: the lesson's start)."""

    optimizer: str
    hyperparameters: tuple[tuple[str, float], ...] = ()
    label: str = ""
    start: tuple[float, float] | None = None

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        spec = optim.get(self.optimizer)
        settings = ", ".join(f"{spec.hyperparameter(name).plain or name} {value:g}"
                             for name, value in self.hyperparameters)
        return f"{spec.title} ({settings})" if settings else spec.title


@dataclass(frozen=True)
class Lesson:
    slug: str  # the URL's `lesson`
    title: str
    question: str
    options: tuple[str, ...]
    correct: int  # index into options
    landscape: str
    runs: tuple[Run, ...]
    steps: int
    explanation: str  # markdown, shown after the run
    start: tuple[float, float] | None = None  # None: the vault's own start
    noise: float = 0.0
    seed: int = 0

    @property
    def surface(self) -> landscapes.Landscape:
        return landscapes.LANDSCAPES[self.landscape]

    def start_of(self, run: Run) -> tuple[float, float]:
        return run.start or self.start or tuple(self.surface.start)

    def scene(self, run: Run) -> Scene:
        """One of the lesson's runs, as the scene the page caches."""
        return Scene(self.landscape, "", (), run.optimizer, run.hyperparameters, self.steps,
                     tuple(float(v) for v in self.start_of(run)), self.noise, self.seed)

    def scenario(self) -> str:
        """The set-up in one line: vault, hands, steps, noise."""
        hands = "; ".join(run.title + (f" from ({run.start[0]:g}, {run.start[1]:g})" if run.start else "")
                          for run in self.runs)
        start = "" if any(run.start for run in self.runs) else \
            " from ({:g}, {:g})".format(*self.start_of(self.runs[0]))
        noise = f", gradient noise σ = {self.noise:g} (the same noise for every hand)" if self.noise else ""
        return f"{self.surface.title} · {hands} · {self.steps} steps{start}{noise}"

    def verdict(self, guess: int | None) -> tuple[bool, str]:
        """(right?, the sentence that says so)."""
        answer = self.options[self.correct]
        if guess == self.correct:
            return True, f"Right: **{answer}**."
        return False, f"Not quite: the answer is **{answer}**."


LESSONS_LIST: tuple[Lesson, ...] = (
    Lesson(
        slug="ravine",
        title="The ravine: zig-zag or glide?",
        question="Both hands start at the far end of a long, narrow ravine. SGD takes the largest steps it safely "
                 "can (learning rate 0.09); Momentum takes smaller ones (0.02) but keeps 90% of its swing. "
                 "Which one cracks the safe first?",
        options=("SGD: bigger steps get there sooner", "Momentum", "They arrive together",
                 "Neither, within 200 steps"),
        correct=1,
        landscape="ravine",
        runs=(Run("sgd", (("lr", 0.09),)), Run("momentum", (("lr", 0.02), ("momentum", 0.9)))),
        steps=200,
        explanation="""The ravine's walls are a hundred times steeper than its floor. SGD's learning rate has to
stay below 2/20 = 0.1, or the steep y dial would overshoot by more on every turn. At that step size the
gentle x dial moves only 0.09 × 0.2 ≈ 2% of the remaining way per click: SGD bounces from wall to wall while
inching along the floor, and after 200 steps it still has not arrived.

Momentum adds up its clicks. Along the floor they all point the same way, so its swing builds up to about
1/(1 − μ) = 10 times a single step; across the ravine they alternate, and cancel out in its memory. It glides
down the floor and cracks the safe in well under 100 steps. This is why nearly every network is trained
with momentum, or with Adam, which keeps one too.""",
    ),
    Lesson(
        slug="saddle",
        title="The saddle: stuck or escape?",
        question="The hand starts a hair off a ridge (y = 0.01). The clicks lead toward the centre and fall silent "
                 "there: it is a saddle, not a combination, and the way down continues along y. Both hands use "
                 "learning rate 0.05. Who gets away first?",
        options=("SGD", "Adam", "Both at the same time", "Neither: both stay stuck at the centre"),
        correct=1,
        landscape="saddle",
        runs=(Run("sgd", (("lr", 0.05),)), Run("adam", (("lr", 0.05),))),
        steps=50,
        explanation="""SGD's turn is the click times the learning rate. Near the centre every click is faint, so
SGD's steps shrink to almost nothing and it lingers there for some twenty steps: the sideways slope that
leads away grows only 10% per step from y = 0.01. It leaves the ridge after about forty steps.

Adam divides each dial's click by that dial's own recent loudness, so the faint sideways click on y moves y
about as far as the loud click on x moves x: roughly the learning rate per step. It slides off the ridge
within a dozen steps and never comes near the centre. The losses of large networks are full of saddles like
this one; adaptive steps (and momentum) are one reason training does not stall on them.""",
    ),
    Lesson(
        slug="too_hot",
        title="Too hot: a little more learning rate",
        question="On the ravine, SGD with learning rate 0.09 zig-zags but holds together. What happens if you "
                 "turn it up by about a fifth, to 0.11?",
        options=("It gets there a little sooner", "It zig-zags more, but still gets there", "It spins off",
                 "Nothing visible changes"),
        correct=2,
        landscape="ravine",
        runs=(Run("sgd", (("lr", 0.09),)), Run("sgd", (("lr", 0.11),))),
        steps=100,
        explanation="""Each turn multiplies the steep y dial's distance from the combination by 1 − lr × 20 (20
is that dial's curvature). At 0.09 the factor is −0.8: the dial overshoots, but by less each time. At 0.11
it is −1.2: every overshoot is 20% larger than the last, and within about thirty steps the dials are thrown
off the map.

The gentle x dial would have tolerated a learning rate of 10. It does not matter: the **steepest** direction
sets the limit, 2 / 20 = 0.1, and just past it the run does not get a little worse, it falls apart. See the
whole boundary on the Map of settings.""",
    ),
    Lesson(
        slug="trap",
        title="The trap: notches that feel like the combination",
        question="Rastrigin's vault has a notch at every whole number, and the true combination at (0, 0). "
                 "Which hand reaches it?",
        options=("SGD", "Adam", "Both", "Neither"),
        correct=3,
        landscape="rastrigin",
        runs=(Run("sgd", (("lr", 0.002),)), Run("adam", (("lr", 0.05),))),
        steps=300,
        explanation="""Both settle in the first notch they meet, near (−4, 4), with a loss of about 32 where the
combination's is 0. At the bottom of a notch the click is silent, exactly as at the combination: a gradient
only knows the slope right under the hand, never that a deeper notch exists four dials away. Adam's
rescaled steps do not help: around the notch the clicks change sign from side to side, and it settles too.

Getting out takes a shake: noise in the clicks, a much larger learning rate at the start, or another start.
In real training the noise of mini-batches does part of that job.""",
    ),
    Lesson(
        slug="four_combinations",
        title="Four combinations: the start decides",
        question="Himmelblau's vault opens with any of four combinations. Four SGD hands start close together, "
                 "no two more than 0.6 apart, around the hilltop in the middle. How many different combinations "
                 "do they find?",
        options=("One: they all roll the same way", "Two", "Three", "Four: each finds its own"),
        correct=3,
        landscape="himmelblau",
        runs=(Run("sgd", (("lr", 0.01),), "start A", (0.03, -0.92)),
              Run("sgd", (("lr", 0.01),), "start B", (-0.19, -0.63)),
              Run("sgd", (("lr", 0.01),), "start C", (-0.42, -0.66)),
              Run("sgd", (("lr", 0.01),), "start D", (-0.48, -1.14))),
        steps=200,
        explanation="""The hilltop is a watershed. Which way a hand rolls off it depends on which side of the
ridges it starts, so starts a few tenths apart end at four different combinations, and once a hand is in a
valley it never comes back.

In a network, the random initialisation plays this part: two trainings that differ only in their seed end in
different minima, often about equally good. The Map of settings shows the whole watershed at once, under
*Basins*.""",
    ),
    Lesson(
        slug="noisy_clicks",
        title="Noisy clicks: what momentum averages",
        question="Both hands hear the same noisy clicks (as mini-batches give) and take the same average stride: "
                 "SGD with learning rate 0.1, Momentum with 0.01 and μ 0.9, which adds up to 0.01 / (1 − 0.9) = "
                 "0.1 per click. Whose path is steadier?",
        options=("SGD", "Momentum", "No difference: noise is noise"),
        correct=1,
        landscape="bowl",
        runs=(Run("sgd", (("lr", 0.1),)), Run("momentum", (("lr", 0.01), ("momentum", 0.9)))),
        steps=300,
        noise=2.0,
        seed=1,
        explanation="""Momentum's turn is an average of roughly its last 1/(1 − μ) = 10 clicks, so the random parts
largely cancel and the path keeps its heading from one step to the next. SGD follows every noisy click, and
jitters back and forth: it travels about four times as far to end up in the same place.

Notice what momentum does **not** do: once there, both wander in a cloud of about the same size around the
combination. With the same average stride, the noise pushes them equally hard. To shrink the cloud, take
smaller steps as training goes on: that is what learning-rate schedules are for.""",
    ),
    Lesson(
        slug="adamw",
        title="Adam with L2 against AdamW",
        question="Both hands fit a line to data with the same weight decay (λ = 0.1) and learning rate (0.05). "
                 "Adam adds the decay to the click, as an L2 penalty; AdamW shrinks the dials directly. Which "
                 "one ends closer to the best-fitting line (the star)?",
        options=("Adam with L2", "AdamW", "Both at the same spot: same λ"),
        correct=1,
        landscape="linear_regression",
        runs=(Run("adam", (("lr", 0.05), ("weight_decay", 0.1)), "Adam + L2 (λ 0.1)"),
              Run("adamw", (("lr", 0.05), ("weight_decay", 0.1)), "AdamW (λ 0.1)")),
        steps=500,
        explanation="""With L2, the pull λθ joins the click, so Adam descends the loss **plus** ½λ‖θ‖² and
settles exactly where that penalised loss is lowest: about (1.56, −1.07), pulled toward zero from the best
fit at (1.69, −1.36).

AdamW's pull is applied to the dials outside Adam's rescaling: each step shrinks them by lr × λ = 0.5%,
while the rescaled click pushes back with up to a full learning rate per dial. The shrink barely moves its
resting point, and it ends much closer to the best fit. In a network this is the point of AdamW: with L2,
Adam divides the decay by each weight's loudness, so weights with loud gradients are hardly regularised;
AdamW's decay is the same for every weight.""",
    ),
    Lesson(
        slug="adagrad_tires",
        title="AdaGrad tires out",
        question="AdaGrad and RMSprop both divide each click by how loud that dial's clicks have been. AdaGrad "
                 "remembers every click it ever heard; RMSprop only the recent ones. Same learning rate (0.1), "
                 "300 steps on Booth's vault: which one cracks the safe?",
        options=("AdaGrad", "RMSprop", "Both", "Neither"),
        correct=1,
        landscape="booth",
        runs=(Run("adagrad", (("lr", 0.1),)), Run("rmsprop", (("lr", 0.1),))),
        steps=300,
        explanation="""AdaGrad divides by the root of the **sum** of every squared click. The sum only grows, so
every step is shorter than the one before: its last steps are some thirty times shorter than its first, and
it crawls to a halt far from the combination.

RMSprop divides by a running **average** that forgets (α = 0.99 keeps roughly the last hundred clicks). When
the clicks get quieter near the combination, its divisor shrinks with them and its steps stay about the
learning rate, so it gets there. That fading memory is what RMSprop, and Adam after it, changed about
AdaGrad.""",
    ),
    Lesson(
        slug="first_step",
        title="Adam's first step",
        question="At this start the click on the x dial is 23 times louder than on the y dial. Adam's memories "
                 "(m and v) start at zero. How far does Adam's very first turn move each dial, with learning "
                 "rate 0.1?",
        options=("x about 23 times further than y, as SGD would", "Both by exactly 0.1",
                 "Almost nothing: its memories are still empty", "About 0.3: three times the learning rate"),
        correct=1,
        landscape="beale",
        start=(0.5, -0.5),
        runs=(Run("adam", (("lr", 0.1),)), Run("sgd", (("lr", 0.01),))),
        steps=150,
        explanation="""After one click Adam's memories hold m = (1 − β₁) g = 0.1 g and v = (1 − β₂) g² = 0.001 g²,
far too small because they started at zero. The **bias correction** divides them by 1 − β₁ᵗ and 1 − β₂ᵗ,
which at t = 1 are exactly 0.1 and 0.001, so m̂ = g and v̂ = g². The step is lr × g / |g|: exactly the
learning rate on each dial, however loud or faint its click. Without the correction it would have been
lr × 0.1 / √0.001 ≈ 3.2 times the learning rate.

SGD moves each dial in proportion to its click: 23 times further on x than on y. Replay the first frames to
see Adam's diagonal first step next to SGD's almost horizontal one.""",
    ),
)

LESSONS: dict[str, Lesson] = {lesson.slug: lesson for lesson in LESSONS_LIST}


# --- the measurements behind each lesson's claim (shown on the page, and checked by the tests) ----------

def step_lengths(trajectory: optim.Trajectory) -> np.ndarray:
    """Length of every turn, (steps,); NaN after a run spun off."""
    return np.linalg.norm(np.diff(trajectory.points, axis=0), axis=1)


def path_length(trajectory: optim.Trajectory) -> float:
    """How far the dials travelled in all, turn by turn."""
    return float(np.nansum(step_lengths(trajectory)))


def heading_kept(trajectory: optim.Trajectory) -> float:
    """Mean cosine between successive turns: near 1 when the hand keeps its heading, below 0 when it jitters."""
    turns = np.diff(trajectory.points, axis=0)
    before, after = turns[:-1], turns[1:]
    cosine = (before * after).sum(axis=1) / (np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1))
    return float(np.nanmean(cosine))


def cloud_size(trajectory: optim.Trajectory, last: int = 100) -> float:
    """Mean distance from the combination over the last `last` steps: the size of the cloud it wanders in."""
    return float(np.mean(trajectory.distance_to_minimum()[-last:]))


def first_step_beyond(trajectory: optim.Trajectory, limit: float, axis: int = 1) -> int | None:
    """The first step at which |dial `axis`| exceeds `limit`; None if never."""
    beyond = np.abs(trajectory.points[:, axis]) > limit
    return int(np.argmax(beyond)) if beyond.any() else None


def first_turn(trajectory: optim.Trajectory) -> np.ndarray:
    """How far the first turn moved each dial, (|Δx|, |Δy|)."""
    return np.abs(trajectory.points[1] - trajectory.points[0])


def l2_resting_point(landscape: str, weight_decay: float) -> np.ndarray:
    """Where loss + ½λ‖θ‖² is lowest on a quadratic vault: the gradient H θ + g₀ + λθ vanishes there, with the
    Hessian H and the gradient at the origin g₀ read off the vault's own gradient."""
    surface = landscapes.LANDSCAPES[landscape]
    g0 = surface.grad(np.zeros(2))
    hessian = np.stack([surface.grad(np.eye(2)[k]) - g0 for k in range(2)], axis=1)
    return np.linalg.solve(hessian + weight_decay * np.eye(2), -g0)


def _point(p) -> str:
    return f"({p[0]:.3g}, {p[1]:.3g})"


def _facts_ravine(lesson, trs):
    sgd, momentum = trs
    return (f"After {lesson.steps} steps SGD is still {sgd.distance_to_minimum()[-1]:.2g} from the combination; "
            f"Momentum cracked it at step {momentum.cracked_at()}.")


def _facts_saddle(lesson, trs):
    sgd, adam = trs
    near = float(np.min(np.linalg.norm(sgd.points, axis=1)))
    lingering = int((np.linalg.norm(sgd.points, axis=1) < 0.3).sum())
    return (f"SGD came within {near:.2g} of the saddle point and spent {lingering} steps within 0.3 of it; it "
            f"got past |y| = 0.5 at step {first_step_beyond(sgd, 0.5)}. Adam got there at step "
            f"{first_step_beyond(adam, 0.5)}.")


def overshoot_ratio(trajectory: optim.Trajectory, axis: int = 1) -> float:
    """The typical factor one turn multiplies dial `axis` by (negative: it lands on the other side)."""
    dial = trajectory.points[:, axis]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmedian(dial[1:] / dial[:-1]))


def _facts_too_hot(lesson, trs):
    calm, hot = trs
    return (f"Each turn multiplied the y dial by {overshoot_ratio(calm):.2f} at lr {calm.hyperparameters['lr']:g}, "
            f"and by {overshoot_ratio(hot):.2f} at lr {hot.hyperparameters['lr']:g}, whose dials left the map at "
            f"step {hot.diverged_at}.")


def _facts_trap(lesson, trs):
    return " ".join(f"{run.title} stopped at {_point(tr.points[-1])}, loss {tr.final_loss:.3g}."
                    for run, tr in zip(lesson.runs, trs, strict=True))


def _facts_four(lesson, trs):
    parts = []
    for run, tr in zip(lesson.runs, trs, strict=True):
        which, _ = lesson.surface.nearest_minimum(tr.points[-1])
        parts.append(f"{run.title} → {_point(lesson.surface.minima[int(which)])}")
    return "; ".join(parts) + "."


def _facts_noisy(lesson, trs):
    sgd, momentum = trs
    return (f"Distance travelled: SGD {path_length(sgd):.0f}, Momentum {path_length(momentum):.0f}. "
            f"Successive turns point the same way (mean cosine): SGD {heading_kept(sgd):.2f}, Momentum "
            f"{heading_kept(momentum):.2f}. Average distance from the combination over the last 100 steps: "
            f"SGD {cloud_size(sgd):.2f}, Momentum {cloud_size(momentum):.2f}.")


def _facts_adamw(lesson, trs):
    adam, adamw = trs
    best = np.asarray(lesson.surface.minima[0])
    ridge = l2_resting_point(lesson.landscape, adam.hyperparameters["weight_decay"])
    return (f"Adam + L2 ended at {_point(adam.points[-1])}, {np.linalg.norm(adam.points[-1] - best):.2f} from the "
            f"best fit {_point(best)}; the penalised loss is lowest at {_point(ridge)}. AdamW ended at "
            f"{_point(adamw.points[-1])}, {np.linalg.norm(adamw.points[-1] - best):.2f} from it.")


def _facts_adagrad(lesson, trs):
    adagrad, rmsprop = trs
    turns = step_lengths(adagrad)
    return (f"AdaGrad's first turn was {turns[0]:.2g} long, its last {turns[-1]:.2g}: {turns[0] / turns[-1]:.0f} "
            f"times shorter. RMSprop cracked the safe at step {rmsprop.cracked_at()}.")


def _facts_first_step(lesson, trs):
    adam, sgd = trs
    a, s = first_turn(adam), first_turn(sgd)
    return (f"Adam's first turn: Δx = {a[0]:.3g}, Δy = {a[1]:.3g}. SGD's: Δx = {s[0]:.2g}, Δy = {s[1]:.2g}, "
            f"{s[0] / s[1]:.0f} to 1.")


FACTS = {"ravine": _facts_ravine, "saddle": _facts_saddle, "too_hot": _facts_too_hot, "trap": _facts_trap,
         "four_combinations": _facts_four, "noisy_clicks": _facts_noisy, "adamw": _facts_adamw,
         "adagrad_tires": _facts_adagrad, "first_step": _facts_first_step}


def facts(lesson: Lesson, trajectories_: list[optim.Trajectory]) -> str:
    """The measurements behind the lesson's claim, in a sentence or two."""
    return FACTS[lesson.slug](lesson, trajectories_)


def simulate(lesson: Lesson) -> list[optim.Trajectory]:
    """The same runs without Streamlit's cache, for tests and scripts."""
    return [lesson.scene(run).simulate() for run in lesson.runs]


def landmarks(lesson: Lesson) -> list[tuple[str, tuple[float, float]]]:
    """Points a lesson marks on the map besides the combination and the start."""
    if lesson.slug == "adamw":
        ridge = l2_resting_point(lesson.landscape, dict(lesson.runs[0].hyperparameters)["weight_decay"])
        return [("where loss + ½λ‖θ‖² is lowest", (float(ridge[0]), float(ridge[1])))]
    return []
