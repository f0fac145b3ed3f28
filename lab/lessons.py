"""Lessons: guided "predict, then run" scenarios, as data, and the measurements behind each one's claim.

Every lesson's claim is checked by a test (tests/app/test_lessons.py) against the very runs the page shows,
so the explanation never promises what the run does not do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

import landscapes
import optim
from lab.numbers import format_loss, format_lr, format_number, format_point
from lab.outcome import left_map_at
from lab.scene import Scene
from optim import story


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
        settings = ", ".join(f"{spec.hyperparameter(name).plain_symbol or name} {value:g}"
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
gentle x dial moves only 0.09 × 0.2 ≈ 2% of the remaining way per click. SGD's bounce between the walls
dies out within some fifteen steps; after that it only inches along the floor, and after 200 steps it still
has not arrived.

Momentum adds up its clicks. Along the floor they all point the same way, so its swing builds up to about
1/(1 − μ) = 10 times a single step. Across the ravine its swing does not die as fast: it weaves from wall to
wall until about step 66. What wins is speed along the floor: by step 50 it is at x = −0.6 while SGD is
still at −3.6, and it cracks the safe at step 59. This is why nearly every network is trained with
momentum, or with Adam, which keeps one too.""",
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
within a dozen steps, never comes near the centre, and by step 37 it has run off the map downhill: a
saddle has no bottom, so escaping it means running away, and this lesson leaves the map on purpose. The
losses of large networks are full of saddles like this one; adaptive steps (and momentum) are one reason
training does not stall on them.""",
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
it is −1.2: every overshoot is 20% larger than the last. By step 3 the swing already reaches past the edge of
the map, and by about step thirty the dials are thrown off altogether: the run spins off. This lesson
leaves the map on purpose.

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
while the rescaled click pushes back with up to a full learning rate per dial. The shrink still pulls it:
after 500 steps AdamW is 0.17 from the best fit and still drifting (0.023 over the last 100 steps), about
half as far as Adam with L2 (0.32, at rest). For their last 300 steps the two paths lie within 2% of
the map of each other, so the map is zoomed on their ends, where the difference is.

In a network this is the point of AdamW: with L2, Adam divides the decay by each weight's loudness, so
weights with loud gradients are hardly regularised; AdamW's decay is the same for every weight.""",
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
the clicks get quieter near the combination, its divisor shrinks with them, so its steps stay large while
there is still a way to go: its first steps are ten times the learning rate (1.0 per dial at lr 0.1, while
its young average is just the first click squared), and they only fade once it is there. That fading
memory is what RMSprop, and Adam after it, changed about AdaGrad.""",
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


# --- lessons where one of the newer hands is the answer ---------------------------------------------------

LESSONS_LIST += (
    Lesson(
        slug="beale_cliffs",
        title="Cliffs and plains: only the sign",
        question="Beale's vault is a plain ringed by cliffs: at the start the clicks are about a hundred loud, near "
                 "the combination thousands of times fainter. Rprop listens only to which way each click points, "
                 "never to how loud it is. Which hand cracks the safe within 300 steps?",
        options=("Momentum: it builds up speed on the plain", "Adam", "Rprop", "None of them"),
        correct=2,
        landscape="beale",
        runs=(Run("rprop"), Run("adam", (("lr", 0.05),)), Run("momentum", (("lr", 0.01), ("momentum", 0.9)))),
        steps=300,
        explanation="""Rprop ignores how loud a click is. Each dial keeps its own stride, which grows 1.2 times
on every step its clicks keep their direction and halves at every flip: from 0.01 at the start to almost 0.5
across the plain, and back down wherever the path bends. The clicks it heard on the way ranged over a factor of
more than two thousand, and none of that reached its stride. It cracks the safe within thirty steps.

Momentum multiplies the loud clicks by its learning rate and then keeps the swing: a few turns in, it hits a
cliff at full speed, leaps off it and spins off within ten steps: its run leaves the map on purpose, to show
what a kept swing does on a cliff. Adam does rescale each dial by its loudness, but its memory
(β₂ = 0.999) keeps the loud clicks of the start for hundreds of steps, so its turns stay short and it is still
creeping along the curved floor after 300 steps. Rprop's catch: it needs whole, noise-free clicks. With
mini-batches the signs flip at random and its strides shrink to nothing, which is why networks are trained with
its mini-batch descendants, RMSprop and Adam.""",
    ),
    Lesson(
        slug="lbfgs_ravine",
        title="The surveyor in the ravine",
        question="Back to the ravine of the first lesson. Momentum (learning rate 0.02, μ 0.9) glides down its "
                 "floor. L-BFGS sketches the vault's curvature from its last few turns and tries a few points along "
                 "each direction before committing. How many steps does it need to crack the safe?",
        options=("About as many as Momentum", "Fewer than ten", "More than Momentum: listening takes time",
                 "It cannot: the walls are too steep"),
        correct=1,
        landscape="ravine",
        runs=(Run("lbfgs"), Run("momentum", (("lr", 0.02), ("momentum", 0.9)))),
        steps=100,
        explanation="""Its first turns are short and probing, straight down the steep wall like any hand. But each
turn leaves L-BFGS a pair: how far it went, and how the click changed on the way. From a few such pairs it
sketches how the vault curves along both dials, and its direction swings from the wall to the floor of the
ravine: one full stride, from step 3 to step 4, takes it from about 8 away from the combination to 1.5, and it
cracks the safe in fewer than ten steps.

Each step costs more than one click, though: the line search listens at trial points along the way, about a
dozen evaluations by the time it cracked, against one click per step for Momentum, which needed some sixty
steps. Networks are rarely trained with L-BFGS: mini-batch noise spoils both the sketch and the line search,
and remembering its pairs costs a copy of every weight per pair.""",
    ),
    Lesson(
        slug="lion_stride",
        title="Lion's metronome",
        question="Lion and Adam start on the bowl with the same learning rate, 0.05, and their first turns both "
                 "move each dial by 0.05. Near the combination the clicks fade to nothing. How long are their "
                 "turns there, at the end of 200 steps?",
        options=("Both shrink to almost nothing", "Lion's stay exactly 0.05 per dial; Adam's shrink to almost nothing",
                 "Adam's stay 0.05 per dial; Lion's shrink", "Both stay 0.05 per dial"),
        correct=1,
        landscape="bowl",
        runs=(Run("lion", (("lr", 0.05),)), Run("adam", (("lr", 0.05),))),
        steps=200,
        explanation="""Lion turns every dial by the learning rate times the sign of its blended memory, and a
sign is ±1 however faint the click. So every one of its 400 dial turns is exactly 0.05: it walks in at
that pace and then ticks across the combination, one stride each way, for as long as it runs.

Adam divides each dial's direction by the root of its loudness memory, and that memory (β₂ = 0.999) still
holds the louder clicks of the way down, so as the clicks fade its turns shrink a thousandfold and it settles.
To make Lion settle, its learning rate has to fall: that is why it is trained with a schedule that takes η
toward zero.""",
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


def left_map(trajectory: optim.Trajectory, surface: landscapes.Landscape) -> int | None:
    """The first step off the map (the tuner's yardstick, `lab.outcome.left_map_at`); None if never."""
    return left_map_at(trajectory.points, surface.bounds)


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
    return format_point(p)


def last_swing(trajectory: optim.Trajectory, limit: float = 0.06, axis: int = 1) -> int | None:
    """The last step at which |dial `axis`| exceeds `limit`: when the swing across a valley has died."""
    beyond = np.abs(trajectory.points[:, axis]) > limit
    return int(np.flatnonzero(beyond).max()) if beyond.any() else None


RAVINE_CHECKPOINT = 50


def _facts_ravine(lesson, trs):
    sgd, momentum = trs
    k = RAVINE_CHECKPOINT
    return (f"At step {k} SGD is at x = {format_number(sgd.points[k, 0], 2)}, Momentum at x = "
            f"{format_number(momentum.points[k, 0], 2)}. The swing across the ravine (|y| > 0.06) last shows at "
            f"step {last_swing(sgd)} for SGD and {last_swing(momentum)} for Momentum. After {lesson.steps} steps "
            f"SGD is still {format_number(sgd.distance_to_minimum()[-1], 2)} from the combination; Momentum "
            f"cracked it at step {momentum.settled_at()}.")


def _facts_saddle(lesson, trs):
    sgd, adam = trs
    near = float(np.min(np.linalg.norm(sgd.points, axis=1)))
    lingering = int((np.linalg.norm(sgd.points, axis=1) < 0.3).sum())
    return (f"SGD came within {format_number(near, 2)} of the saddle point and spent {lingering} steps within 0.3 "
            f"of it; it got past |y| = 0.5 at step {first_step_beyond(sgd, 0.5)}. Adam got there at step "
            f"{first_step_beyond(adam, 0.5)}.")


def overshoot_ratio(trajectory: optim.Trajectory, axis: int = 1) -> float:
    """The typical factor one turn multiplies dial `axis` by (negative: it lands on the other side)."""
    dial = trajectory.points[:, axis]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmedian(dial[1:] / dial[:-1]))


def _facts_too_hot(lesson, trs):
    calm, hot = trs
    return (f"Each turn multiplied the y dial by {overshoot_ratio(calm):.2f} at lr "
            f"{format_lr(calm.hyperparameters['lr'])}, and by {overshoot_ratio(hot):.2f} at lr "
            f"{format_lr(hot.hyperparameters['lr'])}, whose swing reached past the map's edge at step "
            f"{left_map(hot, lesson.surface)} and spun off at step {hot.diverged_at}.")


def _facts_trap(lesson, trs):
    return " ".join(f"{run.title} stopped at {_point(tr.points[-1])}, loss {format_loss(tr.final_loss, 0.0)}."
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
    drift = np.linalg.norm(adamw.points[-1] - adamw.points[-101])
    return (f"Adam + L2 ended at {_point(adam.points[-1])}, {np.linalg.norm(adam.points[-1] - best):.2f} from the "
            f"best fit {_point(best)}; the penalised loss is lowest at {_point(ridge)}. AdamW ended at "
            f"{_point(adamw.points[-1])}, {np.linalg.norm(adamw.points[-1] - best):.2f} from it, and moved "
            f"{format_number(drift, 2)} over its last 100 steps.")


def _facts_adagrad(lesson, trs):
    adagrad, rmsprop = trs
    turns = step_lengths(adagrad)
    reach = np.abs(np.diff(rmsprop.points, axis=0))
    return (f"AdaGrad's first turn was {format_number(turns[0], 2)} long, its last {format_number(turns[-1], 2)}: "
            f"{turns[0] / turns[-1]:.0f} times shorter. RMSprop's first turn moved each dial "
            f"{format_number(reach[0].max(), 2)}, its last {format_number(reach[-1].max(), 2)}; it cracked the safe "
            f"at step {rmsprop.settled_at()}.")


def _facts_first_step(lesson, trs):
    adam, sgd = trs
    a, s = first_turn(adam), first_turn(sgd)
    return (f"Adam's first turn: Δx = {format_number(a[0], 3)}, Δy = {format_number(a[1], 3)}. SGD's: Δx = "
            f"{format_number(s[0], 2)}, Δy = {format_number(s[1], 2)}, "
            f"{s[0] / s[1]:.0f} to 1.")


FACTS = {"ravine": _facts_ravine, "saddle": _facts_saddle, "too_hot": _facts_too_hot, "trap": _facts_trap,
         "four_combinations": _facts_four, "noisy_clicks": _facts_noisy, "adamw": _facts_adamw,
         "adagrad_tires": _facts_adagrad, "first_step": _facts_first_step}


def _facts_beale_cliffs(lesson, trs):
    rprop, adam, momentum = trs
    cracked = rprop.cracked_at()
    strides = rprop.state["step_size"][:cracked]
    clicks = np.abs(rprop.grads[:cracked])
    return (f"Rprop cracked the safe at step {cracked}; on the way its largest stride was {strides.max():.2g} "
            f"(first {strides[0, 0]:g}), while the clicks it heard ranged from {clicks.max():.3g} down to "
            f"{clicks.min():.2g}. Momentum spun off at step {momentum.diverged_at}. Adam ended with loss "
            f"{adam.final_loss:.2g}, {adam.distance_to_minimum()[-1]:.2f} from the combination.")


def _facts_lbfgs_ravine(lesson, trs):
    lbfgs, momentum = trs
    cracked = lbfgs.cracked_at()
    distance = lbfgs.distance_to_minimum()
    return (f"L-BFGS cracked the safe at step {cracked}, after {lbfgs.state['func_evals'][cracked - 1, 0]:.0f} "
            f"evaluations of the vault; from step 3 to step 4 its distance to the combination fell from "
            f"{distance[3]:.2g} to {distance[4]:.2g}. Momentum cracked it at step {momentum.cracked_at()}.")


def _facts_lion_stride(lesson, trs):
    lion, adam = trs
    lion_turns, adam_turns = (np.abs(np.diff(tr.points, axis=0)) for tr in (lion, adam))
    return (f"Lion's dial turns: shortest {lion_turns.min():.3g}, longest {lion_turns.max():.3g}; its last turn is "
            f"{step_lengths(lion)[-1]:.3g} long. Adam's first turn moved each dial by {adam_turns[0].min():.3g}; its "
            f"last turn is {step_lengths(adam)[-1]:.2g} long.")


FACTS.update({"beale_cliffs": _facts_beale_cliffs, "lbfgs_ravine": _facts_lbfgs_ravine,
              "lion_stride": _facts_lion_stride})


def facts(lesson: Lesson, trajectories_: list[optim.Trajectory]) -> str:
    """The measurements behind the lesson's claim, in a sentence or two."""
    return FACTS[lesson.slug](lesson, trajectories_)


def simulate(lesson: Lesson, nudge: int | None = None) -> list[optim.Trajectory]:
    """The same runs without Streamlit's cache, for tests and scripts; with `nudge` (an index into
    `optim.story.NUDGE_DIRECTIONS`), each from its start moved by a hair that way, as the tests also run them."""
    scenes = [lesson.scene(run) for run in lesson.runs]
    if nudge is not None:
        scenes = [dataclasses.replace(scene, start=_nudged(scene.start, nudge)) for scene in scenes]
    return [scene.simulate() for scene in scenes]


def _nudged(start, nudge: int) -> tuple[float, float]:
    x, y = story.nudged_starts(start)[1 + nudge]
    return float(x), float(y)


def landmarks(lesson: Lesson) -> list[tuple[str, tuple[float, float]]]:
    """Points a lesson marks on the map besides the combination and the start."""
    if lesson.slug == "adamw":
        ridge = l2_resting_point(lesson.landscape, dict(lesson.runs[0].hyperparameters)["weight_decay"])
        return [("where loss + ½λ‖θ‖² is lowest", (float(ridge[0]), float(ridge[1])))]
    if lesson.slug == "ravine":
        # Where each hand is at the checkpoint the explanation quotes: the race along the floor, frozen.
        k = RAVINE_CHECKPOINT
        return [(f"{run.title} at step {k}", (float(tr.points[k, 0]), float(tr.points[k, 1])))
                for run, tr in zip(lesson.runs, simulate(lesson), strict=True)]
    return []


def zoom(lesson: Lesson, trajectories_: list[optim.Trajectory]) -> tuple[tuple[float, float], ...] | None:
    """The part of the map a lesson shows, where the whole vault would hide its point; None for the whole map.

    AdamW's lesson: its two paths overlap for most of the way and part only near the best fit, so the map
    is framed on their last 100 steps and the best fit, with as much margin again around them.
    """
    if lesson.slug != "adamw":
        return None
    points = np.concatenate([tr.points[-100:] for tr in trajectories_] + [np.asarray(lesson.surface.minima)])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low).max()
    return tuple((float(lo - pad), float(hi + pad)) for lo, hi in zip(low, high, strict=True))
