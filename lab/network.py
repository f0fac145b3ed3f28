"""The real network, without the page: hands training the digits network from one start, what they do step by
step (training and test loss, test accuracy, their guesses on a strip of test digits), the shadow of their
paths on a plane, and how honest that shadow is.

Every hand runs at its tuned rate (`TUNED_LR`, the rung of its ladder with the lowest training loss after
`STEPS` full-batch steps; `tuned_lr` finds it, benchmarks/bench_network.py prints the table). A shadow plane
passes through the shared start: either through two hands' end points, or along the first two principal
directions of every point's displacement from the start (`ends_plane`, `pca_plane`). The honesty meter says,
per hand and step, how far the point lies off the plane as a share of its distance from the start, and sets
the true loss beside the plane's loss at the point's shadow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import landscapes
import optim
from lab.numbers import format_loss, format_lr
from landscapes.plane import LossPlane
from optim.tuning import ladder_for

STEPS = 300
STEP_RANGE = (50, 600)
START_SEED = 0
MAX_HANDS = 7
DEFAULT_HANDS = ("sgd", "momentum", "adam")
PLANES = ("ends", "pca")
# The plane's loss is drawn on this many points per side (each point is a pass over the training images).
PLANE_RESOLUTION = 41
# How far beyond the shadows the plane's map reaches, as a share of their span.
PLANE_MARGIN = 0.15
# The accuracy the lesson's race is run to.
TARGET_ACCURACY = 0.95

# Each hand's tuned rate for 300 full-batch steps from net.init(seed=0): the rung of its ladder (its slider's
# range, 1-2-3-5-7 per decade) with the lowest final training loss among the runs that never spin off
# (`tuned_lr`; benchmarks/bench_network.py recomputes and prints them). Tuned on the training loss, never
# on the test set.
TUNED_LR: dict[str, float] = {
    "sgd": 1, "momentum": 1, "nesterov": 1, "adagrad": 0.2, "rmsprop": 0.02, "adam": 0.07, "adamw": 0.05,
    "adamax": 0.07, "nadam": 0.1, "radam": 1, "adadelta": 3, "asgd": 1, "adafactor": 0.07, "rprop": 0.0001,
    "lion": 0.02, "lbfgs": 1, "muon": 0.2,
}


def network() -> landscapes.Network:
    return landscapes.digits_network()


def tuned_lr(key: str, steps: int = STEPS, start_seed: int = START_SEED) -> float:
    """The rung of the hand's ladder with the lowest training loss after `steps` full-batch steps (one
    batched run over the ladder; a rung that spins off never wins)."""
    ladder = ladder_for(key)
    net = network()
    batch = optim.simulate(key, net, start=net.init(seed=start_seed), steps=steps, lr=ladder)
    final = np.where(batch.diverged_at < 0, batch.loss[:, -1], np.inf)
    return float(ladder[int(np.argmin(final))])


def rate(key: str) -> float:
    """The hand's tuned rate on the network (its teaching default if none is tabled)."""
    return TUNED_LR.get(key, float(optim.get(key).hyperparameter("lr").default))


@dataclass(frozen=True)
class Race:
    """Up to seven hands training the network from one start: the frozen names and numbers a page caches."""

    hands: tuple[str, ...] = DEFAULT_HANDS
    steps: int = STEPS
    start_seed: int = START_SEED
    batch_size: int | None = None
    seed: int = 0

    def start(self) -> np.ndarray:
        return network().init(seed=self.start_seed)

    def run(self, key: str, start: np.ndarray | None = None) -> optim.Trajectory:
        """One hand, at its tuned rate (`start`: this race's own by default)."""
        return optim.simulate(key, network(), start=self.start() if start is None else start, steps=self.steps,
                              batch_size=self.batch_size, seed=self.seed, lr=rate(key))


@dataclass(frozen=True)
class Timeline:
    """What each hand did at every step, (hands, steps+1): the numbers the page's charts and strip show."""

    hands: tuple[str, ...]
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    strip: np.ndarray  # (k,) indices into the test set
    strip_truth: np.ndarray  # (k,) the digit each strip image shows
    guesses: np.ndarray  # (hands, steps+1, k) the digit each hand reads in each strip image
    diverged_at: tuple[int | None, ...]

    def first_reaching(self, accuracy: float) -> list[int | None]:
        """Per hand, the first step whose test accuracy is at least `accuracy` (None: never)."""
        out = []
        for row in self.test_accuracy:
            hit = np.flatnonzero(row >= accuracy)
            out.append(int(hit[0]) if hit.size else None)
        return out


def strip_indices(per_digit: int = 1) -> np.ndarray:
    """The test images the strip shows: the first `per_digit` of each digit 0-9 in the test set."""
    labels = network().y_test
    return np.concatenate([np.flatnonzero(labels == d)[:per_digit] for d in range(10)])


def timeline(hands: tuple[str, ...], trajectories: list[optim.Trajectory]) -> Timeline:
    net = network()
    strip = strip_indices()
    test_loss, accuracy, guesses = [], [], []
    for tr in trajectories:
        test_loss.append(net.loss(tr.points, split="test"))
        scores = net.logits(tr.points, net.x_test)
        accuracy.append((scores.argmax(axis=-1) == net.y_test).mean(axis=-1))
        guesses.append(scores[:, strip].argmax(axis=-1))
    finite = [np.isfinite(tr.loss) for tr in trajectories]
    accuracy = [np.where(ok, a, np.nan) for ok, a in zip(finite, accuracy, strict=True)]
    return Timeline(tuple(hands), np.stack([tr.loss for tr in trajectories]), np.stack(test_loss),
                    np.stack(accuracy), strip, net.y_test[strip], np.stack(guesses),
                    tuple(tr.diverged_at for tr in trajectories))


# --- the shadow ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plane:
    """A plane through `origin` with orthonormal directions e1, e2 (coordinates are lengths in the
    parameter space, so the map is not stretched), and how it was chosen."""

    kind: str  # "ends" or "pca"
    origin: np.ndarray
    e1: np.ndarray
    e2: np.ndarray
    description: str
    explained: float | None = None  # PCA: the share of the displacements' variance the plane holds

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a, b, off): each point's coordinates on the plane and its distance off it."""
        offset = points - self.origin
        a, b = offset @ self.e1, offset @ self.e2
        rest = offset - a[..., None] * self.e1 - b[..., None] * self.e2
        return a, b, np.linalg.norm(rest, axis=-1)


def _orthonormal(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e1 = u / np.linalg.norm(u)
    w = v - (v @ e1) * e1
    return e1, w / np.linalg.norm(w)


def ends_plane(start: np.ndarray, trajectories: list[optim.Trajectory], first: int, second: int,
               titles: tuple[str, str]) -> Plane:
    """The plane through the start and the end points of hands `first` and `second`."""
    ends = [_last_finite(trajectories[i].points) for i in (first, second)]
    e1, e2 = _orthonormal(ends[0] - start, ends[1] - start)
    return Plane("ends", start, e1, e2, f"through the start and where {titles[0]} and {titles[1]} end")


def pca_plane(start: np.ndarray, trajectories: list[optim.Trajectory]) -> Plane:
    """The plane through the start along the first two principal directions of every point's displacement
    from it (all hands, all steps): the plane that holds as much of the paths' spread as any can."""
    offsets = np.concatenate([tr.points[np.isfinite(tr.loss)] for tr in trajectories]) - start
    _, singular, directions = np.linalg.svd(offsets, full_matrices=False)
    explained = float((singular[:2] ** 2).sum() / (singular**2).sum())
    return Plane("pca", start, directions[0], directions[1],
                 "through the start along the paths' two principal directions", explained)


def _last_finite(points: np.ndarray) -> np.ndarray:
    finite = np.flatnonzero(np.isfinite(points).all(axis=1))
    return points[finite[-1]]


@dataclass(frozen=True)
class Shadow:
    """Every hand's path on a plane, the loss over that plane, and the honesty meter per hand and step."""

    plane: Plane
    a: np.ndarray  # (hands, steps+1) coordinates on the plane
    b: np.ndarray
    off_share: np.ndarray  # distance off the plane / distance from the start (NaN at the start itself)
    true_loss: np.ndarray  # the training loss at the point
    plane_loss: np.ndarray  # the training loss at its shadow
    xs: np.ndarray  # the map's grid
    ys: np.ndarray
    grid_loss: np.ndarray  # (len(ys), len(xs))

    def median_off(self) -> np.ndarray:
        return np.nanmedian(self.off_share, axis=1)

    def worst_off(self) -> np.ndarray:
        return np.nanmax(self.off_share, axis=1)

    def worst_gap(self) -> np.ndarray:
        """Per hand, the largest |true loss − the plane's loss at the shadow|, in nats."""
        return np.nanmax(np.abs(self.true_loss - self.plane_loss), axis=1)


def shadow(plane: Plane, trajectories: list[optim.Trajectory], resolution: int = PLANE_RESOLUTION) -> Shadow:
    net = network()
    points = np.stack([tr.points for tr in trajectories])  # (hands, steps+1, D)
    a, b, off = plane.project(points)
    distance = np.linalg.norm(points - plane.origin, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(distance > 0, off / distance, np.nan)
    surface = LossPlane(net, plane.origin, plane.e1, plane.e2)
    finite = np.isfinite(a) & np.isfinite(b)
    plane_loss = np.full(a.shape, np.nan)
    plane_loss[finite] = surface.value(a[finite], b[finite])
    xs, ys = _span(a[finite], resolution), _span(b[finite], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = surface.value(grid_x, grid_y)
    true_loss = np.stack([tr.loss for tr in trajectories])
    return Shadow(plane, a, b, share, true_loss, plane_loss, xs, ys, grid)


def _span(values: np.ndarray, resolution: int) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    pad = PLANE_MARGIN * max(high - low, 1e-9)
    return np.linspace(low - pad, high + pad, resolution)


# --- in words -------------------------------------------------------------------------------------------

def race_sentence(titles: list[str], line: Timeline, reached: list[int | None]) -> str:
    """The race in a sentence: who reads 95 % of the test digits first, who ends where."""
    target = f"{100 * TARGET_ACCURACY:.0f}%"
    parts = []
    arrived = sorted((step, title) for step, title in zip(reached, titles, strict=True) if step is not None)
    if arrived:
        parts.append(f"{arrived[0][1]} reads {target} of the test digits first (step {arrived[0][0]})")
        if len(arrived) > 1:
            parts.append("then " + ", ".join(f"{title} (step {step})" for step, title in arrived[1:]))
    missing = [t for step, t in zip(reached, titles, strict=True) if step is None]
    if missing:
        parts.append(f"{', '.join(missing)} never get{'s' if len(missing) == 1 else ''} there")
    spun = [t for t, d in zip(titles, line.diverged_at, strict=True) if d is not None]
    if spun:
        parts.append(f"{', '.join(spun)} spun off")
    text = "; ".join(parts) if parts else "No hand ran."
    return text[0].upper() + text[1:] + "."


def honesty_sentence(titles: list[str], shade: Shadow) -> str:
    """What the meter found, in two sentences."""
    median, worst, gap = shade.median_off(), shade.worst_off(), shade.worst_gap()
    most = int(np.nanargmax(median))
    if shade.plane.kind == "pca":
        opening = (f"This plane passes {shade.plane.description} and holds {100 * shade.plane.explained:.1f}% of "
                   "their spread")
    else:
        opening = f"This plane passes {shade.plane.description}"
    return (f"{opening}, yet {titles[most]}'s points lie a median {100 * median[most]:.0f}% of their distance "
            f"from the start off it (at worst {100 * worst[most]:.0f}%), and the loss the map shows under a hand "
            f"differs from the true loss by up to {format_loss(float(np.nanmax(gap)))} nats. A picture of a "
            "plane is a shadow: it cannot show the path itself.")


ABOUT = f"""
**The network.** scikit-learn's 1,797 handwritten digits (8×8 pixels, scaled to 0–1), split into 1,437 training
and 360 test images with every digit's share the same in both. A layer of 32 tanh units, then 10 scores, one per
digit; the loss is the mean cross-entropy over the training images. Its 2,410 parameters, flattened as torch's
`nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))` flattens them, are the dials; every hand starts
from the same random network.

**The hands.** The same rules as on every other page, on 2,410 dials: each equals torch.optim on this model (the
tests compare 30 steps of every hand with paths recorded from torch). Adafactor keeps a loudness per row and per
column of each weight matrix, as torch does for matrices; Muon orthogonalises each weight matrix and hands the
biases to AdamW (torch's defaults, the same learning rate), as torch's documentation pairs them. Each hand runs
at its tuned rate: the rung of its learning-rate ladder with the lowest training loss after {STEPS} full-batch
steps. With mini-batches the click is the gradient over a few images drawn from the seed: the noisy click the
two-dial pages imitate with their noise slider.

**The shadow.** A plane through the start, with two directions: through two hands' end points (those two
paths end on it), or the first two principal directions of all the points' displacements from the start. Each
point is drawn where it projects; the map under it is the true training loss on the plane. The honesty meter
divides each point's distance off the plane by its distance from the start, and sets the true loss beside the
plane's loss at the shadow: where they differ, the map misleads.
"""


@dataclass(frozen=True)
class NetworkLesson:
    """A predict-then-run question about the real network, as `lab.lessons` asks them of the vaults."""

    slug: str
    title: str
    question: str
    options: tuple[str, ...]
    correct: int
    hands: tuple[str, ...]
    steps: int
    explanation: str

    def scenario(self) -> str:
        rates = ", ".join(f"{optim.get(k).title} at lr {format_lr(rate(k))}" for k in self.hands)
        return (f"The digits network from one random start, {self.steps} full-batch steps: {rates} (each hand's "
                f"tuned rate). The race is to {100 * TARGET_ACCURACY:.0f}% of the 360 test digits read right.")

    def runs(self, start: np.ndarray | None = None) -> list[optim.Trajectory]:
        race = Race(self.hands, self.steps)
        return [race.run(key, start) for key in self.hands]

    def answer(self, line: Timeline) -> int:
        """The option the runs bear out (`LESSON_CHECK`), or -1 if none does."""
        return self.correct if LESSON_CHECK(line) else -1

    def verdict(self, guess: int, line: Timeline) -> tuple[bool, str]:
        right = guess == self.answer(line)
        said = self.options[self.correct]
        return right, ("Right: " if right else "Not quite: ") + said[0].lower() + said[1:] + "."

    def facts(self, line: Timeline) -> str:
        reached = line.first_reaching(TARGET_ACCURACY)
        parts = [f"{optim.get(k).title} reaches {100 * TARGET_ACCURACY:.0f}% at step {r}" if r is not None else
                 f"{optim.get(k).title} never reaches {100 * TARGET_ACCURACY:.0f}%"
                 for k, r in zip(self.hands, reached, strict=True)]
        ends = [f"{optim.get(k).title} {format_loss(float(loss))} / {100 * float(acc):.1f}%"
                for k, loss, acc in zip(self.hands, line.train_loss[:, -1], line.test_accuracy[:, -1], strict=True)]
        return "; ".join(parts) + ". At the end, training loss / test accuracy: " + ", ".join(ends) + "."


def _lesson_holds(line: Timeline) -> bool:
    """The lesson's story, as the test and the page check it: Adam and Momentum within three steps of each
    other, both by step 30; SGD 4.5 to 8 times as many steps ("about six times as long"); Adam's final
    training loss under half Momentum's, yet its test accuracy no better."""
    sgd, momentum, adam = line.first_reaching(TARGET_ACCURACY)
    if None in (sgd, momentum, adam):
        return False
    close = abs(adam - momentum) <= 3 and max(adam, momentum) <= 30 and 4.5 <= sgd / max(adam, momentum) <= 8
    loss, accuracy = line.train_loss[:, -1], line.test_accuracy[:, -1]
    return close and loss[2] < loss[1] / 2 and accuracy[2] <= accuracy[1]


LESSON_CHECK = _lesson_holds

LESSON = NetworkLesson(
    slug="two_dials_or_many",
    title="Does the hand that won on two dials win on 2,410?",
    question=("On Rosenbrock's banana, Adam leaves SGD and Momentum far behind. On the real network, each hand at "
              "its tuned rate, which one first reads 95% of the test digits right?"),
    options=("Adam, far ahead, as on the banana",
             "Momentum, far ahead",
             "Adam and Momentum arrive within a few steps of each other; plain SGD takes about six times as long",
             "Plain SGD: with 2,410 dials, the simplest hand is best"),
    correct=2,
    hands=("sgd", "momentum", "adam"),
    steps=STEPS,
    explanation=(
        "Adam and Momentum reach 95% within a few steps of each other, both in about 25 steps, while plain SGD "
        "needs about six times as long. Tuned, the heavy ball keeps pace with Adam here: this network's valley "
        "is not a banana, and a hand that keeps its swing goes down it as fast as one that rescales every dial. "
        "And Adam ends with the lowest training loss of the three, by more than half, yet it reads no more of "
        "the test digits than Momentum does: the loss a hand drives down is measured on the training images, "
        "and a network that fits them ever more tightly is not thereby better at digits it has never seen. "
        "What wins on two dials is a hint, not a verdict: the only way to know on a real model is to run it."),
)
