"""Teaching truth: every vault's default scene tells the story its own text tells.

The scenes are the ones the app opens with: each hand at the rate `optim.tuning.tune` gives it from the
vault's own start for 200 steps, "calm" (Crack the safe) and "fast" (the race). The rule for every scene
(on the map, no leaps, and a story a nudge of the start cannot change: `optim.story`), then the claims each
vault's description makes, side by side with the run that backs them (`CLAIMS`), checked on the scenes as
shown and again with every start moved by a hair (`lab.claims.nudged`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import landscapes
import optim
from lab import claims
from lab.claims import nudge_in_force
from lab.scene import Scene
from optim import story
from optim.tuning import PREFERENCES, leapt_at, left_map_at, tune

STEPS = 200
VAULTS = list(landscapes.LANDSCAPES)
HANDS = list(optim.OPTIMIZERS)
FIRST_SEVEN = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")  # the hands older stories name
# The saddle has no bottom: a hand that escapes it runs off the map, and that is its story.
NO_BOTTOM = {"saddle"}


@cache
def tuned(vault: str, hand: str, prefer: str = "calm"):
    return tune(hand, vault, steps=STEPS, prefer=prefer)


def scene(vault: str, hand: str, prefer: str = "calm") -> optim.Trajectory:
    """The default scene's run, from its start moved by the nudge in force (`lab.claims.nudged`)."""
    return _scene(vault, hand, tuned(vault, hand, prefer).lr, nudge_in_force())


@cache
def _scene(vault: str, hand: str, lr: float, nudge: int | None) -> optim.Trajectory:
    return claims.run(hand, vault, steps=STEPS, lr=lr)


@cache
def robustness(vault: str, hand: str, lr: float) -> story.Robustness:
    return Scene(vault, "", (), hand, (("lr", lr),), STEPS, landscapes.LANDSCAPES[vault].start).robustness()


def end(vault, hand, prefer="calm") -> np.ndarray:
    return scene(vault, hand, prefer).points[-1]


def both(check):
    """The claim holds in Crack the safe's scene and in the race's."""
    return lambda: all(check(prefer) for prefer in PREFERENCES)


# --- the rule for every default scene --------------------------------------------------------------------

@pytest.mark.parametrize("prefer", PREFERENCES)
@pytest.mark.parametrize("hand", HANDS)
@pytest.mark.parametrize("vault", [v for v in VAULTS if v not in NO_BOTTOM])
def test_no_default_scene_leaves_the_map_or_leaps_a_hump(vault, hand, prefer):
    run = scene(vault, hand, prefer)
    assert run.diverged_at is None
    assert left_map_at(run) is None, f"leaves the map at step {left_map_at(run)}"
    assert leapt_at(run) is None, f"jumps a hump at step {leapt_at(run)}"
    tuning = tuned(vault, hand, prefer)
    assert tuning.cracks == (run.settled_at() is not None)
    if not tuning.cracks and not tuning.teaching:
        assert f"no learning rate cracks this vault for {optim.OPTIMIZERS[hand].title}" in tuning.reason


@pytest.mark.parametrize("prefer", PREFERENCES)
@pytest.mark.parametrize("hand", HANDS)
@pytest.mark.parametrize("vault", VAULTS)
def test_every_default_scene_tells_a_story_a_nudge_cannot_change(vault, hand, prefer):
    verdict = robustness(vault, hand, tuned(vault, hand, prefer).lr)
    assert verdict.robust, verdict.explain()


def test_the_saddle_is_the_stated_exception():
    assert "runs off the map, which here is the point" in landscapes.LANDSCAPES["saddle"].description
    assert left_map_at(scene("saddle", "sgd")) is None
    assert left_map_at(scene("saddle", "adam")) is not None


# --- the lucky picks the old tuner made are gone ---------------------------------------------------------

@pytest.mark.parametrize(("vault", "hand", "lucky"), [
    ("styblinski_tang", "sgd", 0.05),  # step 1 jumped x from 4.8 over the hump to -2.5
    ("three_hump_camel", "sgd", 0.07),  # its first step overshoots the side valley
    ("rastrigin", "sgd", 0.07),  # chaotic, most points off the map
    ("ackley", "sgd", 0.3),  # bounced over the bumps into the well
])
def test_the_tuner_no_longer_picks_a_lucky_rate(vault, hand, lucky):
    for prefer in PREFERENCES:
        assert tuned(vault, hand, prefer).lr != lucky


def test_the_ravine_race_has_no_hand_jumping_off_the_map():
    for hand in HANDS:
        run = scene("ravine", hand, "fast")
        assert left_map_at(run) is None and leapt_at(run) is None, hand


def test_the_lucky_rates_really_were_lucky():
    # Only what every nudged twin does too: where the chaotic Ackley run ends is a nudge's (and a CPU's) call.
    st = optim.simulate("sgd", "styblinski_tang", steps=STEPS, lr=0.05)
    assert st.points[1, 0] < 0 < st.points[0, 0] and leapt_at(st) == 0
    ackley = optim.simulate("sgd", "ackley", steps=STEPS, lr=0.3)
    assert leapt_at(ackley) == 0 and not robustness("ackley", "sgd", 0.3).robust
    rastrigin = optim.simulate("sgd", "rastrigin", steps=STEPS, lr=0.07)
    assert left_map_at(rastrigin) == 1


# --- each vault's claims, beside the run that backs them --------------------------------------------------

def _ravine_momentum_faster(prefer):
    sgd, momentum = scene("ravine", "sgd", prefer), scene("ravine", "momentum", prefer)
    weaves = int((np.diff(np.sign(momentum.points[20:, 1])) != 0).sum())
    return (sgd.settled_at() is None and momentum.settled_at() is not None
            and abs(momentum.points[50, 0]) * 5 < abs(sgd.points[50, 0]) and weaves >= 10)


def _bowl_overshoots_past_one():
    at_limit = claims.run("sgd", "bowl", steps=20, lr=1.0)
    beyond = claims.run("sgd", "bowl", steps=10, lr=1.2)
    steady = np.linalg.norm(at_limit.points[-1]) == pytest.approx(np.linalg.norm(at_limit.points[0]))
    return steady and np.linalg.norm(beyond.points[-1]) > 10 * np.linalg.norm(beyond.points[0])


def _saddle_story():
    sgd, adam = scene("saddle", "sgd"), scene("saddle", "adam")
    return (tuned("saddle", "sgd").teaching and left_map_at(sgd) is None and np.linalg.norm(sgd.points[100]) < 0.3
            and left_map_at(adam) is not None and left_map_at(adam) < STEPS)


def _rosenbrock_story(prefer):
    final = {hand: scene("rosenbrock", hand, prefer).final_loss for hand in HANDS}
    nobody = not any(tuned("rosenbrock", hand, prefer).cracks for hand in FIRST_SEVEN)
    newer = {hand for hand in HANDS if hand not in FIRST_SEVEN and tuned("rosenbrock", hand, prefer).cracks}
    nobody = nobody and newer == {"lbfgs", "muon"}
    fast = all(final[h] < final["sgd"] / 3 for h in ("momentum", "nesterov", "adam"))
    behind = all(final[h] > final["sgd"] for h in ("adagrad", "rmsprop"))
    return nobody and fast and behind


def _beale_loudness():
    beale = landscapes.LANDSCAPES["beale"]
    corners = np.array([[x, y] for x in (-4.5, 4.5) for y in (-4.5, 4.5)])
    loudest = np.linalg.norm(beale.grad(corners), axis=-1).max()
    near = np.linalg.norm(beale.grad(np.array([3.1, 0.5])))
    return loudest > 1e5 * near


def _beale_adaptive(prefer):
    settled = {hand: scene("beale", hand, prefer).settled_at() for hand in ("sgd", "adam", "rmsprop")}
    return all(settled[h] is not None and settled[h] < settled["sgd"] for h in ("adam", "rmsprop"))


def _himmelblau_story():
    where = {hand: scene("himmelblau", hand).landscape.nearest_minimum(end("himmelblau", hand))[0] for hand in HANDS}
    lr = tuned("himmelblau", "sgd").lr
    nudged = {int(landscapes.LANDSCAPES["himmelblau"].nearest_minimum(
        claims.run("sgd", "himmelblau", start=(-0.3 + dx, -0.9 + dy), lr=lr).points[-1])[0])
        for dx, dy in ((0, 0), (0.1, 0), (0, 0.1))}
    return len(set(where.values())) > 1 and len(nudged) > 1


def _booth_curves():
    run = scene("booth", "sgd")
    first = run.points[1] - run.points[0]
    aim = np.array(run.landscape.minima[0]) - run.points[0]
    angle = np.degrees(np.arccos(first @ aim / np.linalg.norm(first) / np.linalg.norm(aim)))
    return angle > 10 and run.settled_at() is not None


def _matyas_story():
    run = scene("matyas", "sgd")
    across = (run.points @ np.array([1.0, -1.0])) / np.sqrt(2)
    return np.abs(across[10]) < 0.05 * np.abs(across[0]) and run.settled_at() > 50


def _three_hump_story(prefer):
    side = (-1.75, 0.87)
    caught = all(np.linalg.norm(end("three_hump_camel", h, prefer) - side) < 0.1 for h in ("sgd", "adagrad", "rmsprop"))
    over = all(tuned("three_hump_camel", h, prefer).cracks for h in ("momentum", "adam"))
    return caught and over and tuned("three_hump_camel", "sgd", prefer).teaching


def _three_hump_bold_first_step():
    for lr in (0.07, 0.1):
        bold = claims.run("sgd", "three_hump_camel", steps=STEPS, lr=lr)
        if not (bold.points[1, 0] > -1.07 and bold.settled_at() is not None):
            return False
    return True


def _six_hump_story(prefer):
    six = landscapes.LANDSCAPES["six_hump_camel"]
    sgd = scene("six_hump_camel", "sgd", prefer)
    twin = {h: int(six.nearest_minimum(end("six_hump_camel", h, prefer))[0]) for h in ("adagrad", "rmsprop",
                                                                                      "momentum", "adam")}
    cracked = all(tuned("six_hump_camel", h, prefer).cracks for h in twin)
    return (sgd.settled_at() is None and sgd.final_loss > 0 and cracked and twin["adagrad"] == twin["rmsprop"]
            and twin["momentum"] == twin["adam"] != twin["adagrad"])


def _rastrigin_story(prefer):
    first_notch = np.array([-4.0, 4.0])
    stuck = np.linalg.norm(end("rastrigin", "sgd", prefer) - first_notch) < 0.1
    carried = np.linalg.norm(end("rastrigin", "momentum", prefer) - first_notch) > 0.9
    nobody = not any(tuned("rastrigin", h, prefer).cracks for h in HANDS)
    return stuck and carried and nobody


def _ackley_story(prefer):
    named = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
    stopped = all(scene("ackley", h, prefer).final_loss > 2 for h in named)
    return stopped and not any(tuned("ackley", h, prefer).cracks for h in HANDS)


def _goldstein_price_story():
    gp = landscapes.LANDSCAPES["goldstein_price"]
    _, _, Z = gp.grid(401)
    fast = claims.run("adam", "goldstein_price", steps=STEPS, lr=0.5)
    return (Z.min() == pytest.approx(3.0, abs=1e-3) and 5e5 < Z.max() < 2e6
            and np.linalg.norm(fast.points[-1] - (-0.6, -0.4)) < 0.05)


def _styblinski_tang_story(prefer):
    kept = all(end("styblinski_tang", h, prefer)[0] > 0 for h in ("sgd", "adagrad", "rmsprop"))
    swung = all(tuned("styblinski_tang", h, prefer).cracks for h in ("momentum", "adam"))
    return kept and swung


def _digits_story():
    from landscapes.digits_vault import digits_plane

    surface, plane, net = landscapes.LANDSCAPES["digits"], digits_plane(), landscapes.digits_network()
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    at = plane.origin + corners[:, :1] * plane.u + corners[:, 1:] * plane.v
    (x, y), = surface.minima
    bottom = plane.origin + x * plane.u + y * plane.v
    return (np.all(surface.f(corners) > np.log(10)) and np.all(net.accuracy(at, split="train") < 0.5)
            and net.accuracy(bottom, split="train") == 1.0)


def _linear_regression_story():
    surface = landscapes.LANDSCAPES["linear_regression"]
    run = scene("linear_regression", "sgd")
    hessian = np.array([surface.grad(np.array(p)) - surface.grad(np.zeros(2)) for p in ((1.0, 0.0), (0.0, 1.0))])
    curvatures, axes = np.linalg.eigh(hessian)
    across = (run.points - surface.minima[0]) @ axes[:, 1]
    return (22 < curvatures[1] / curvatures[0] < 25 and np.abs(across).max() < 0.05
            and int((np.diff(np.sign(across)) != 0).sum()) <= 3)


CLAIMS = [
    ("bowl", "push the learning rate past 2/L = 1 and the dial overshoots the mark by more each turn",
     _bowl_overshoots_past_one),
    ("ravine", "Momentum builds up speed along the floor and gets to the combination several times sooner, "
               "weaving across the valley as it goes", both(_ravine_momentum_faster)),
    ("saddle", "plain descent lingers at the centre, while Adam hears the faint sideways click and escapes",
     _saddle_story),
    ("rosenbrock", "of the newer hands only L-BFGS, which sketches the bend, and Muon, whose stride never shrinks, "
                   "do", both(_rosenbrock_story)),
    ("beale", "a hundred thousand times louder", _beale_loudness),
    ("beale", "which is the problem adaptive methods such as Adam and RMSProp solve", both(_beale_adaptive)),
    ("himmelblau", "moving it a little, or changing the optimizer, sends the run to a different one",
     _himmelblau_story),
    ("booth", "watch gradient descent curve its way in", _booth_curves),
    ("matyas", "plain descent dawdles the rest of the way", _matyas_story),
    ("three_hump_camel", "Momentum and Adam build up a swing that carries them over the hump into the middle",
     both(_three_hump_story)),
    ("three_hump_camel", "lr 0.07 or more, overshoots the side valley altogether", _three_hump_bold_first_step),
    ("six_hump_camel", "while AdaGrad and RMSprop reach one deepest twin and momentum and Adam the other",
     both(_six_hump_story)),
    ("rastrigin", "from this start no hand at a steady learning rate opens it", both(_rastrigin_story)),
    ("ackley", "no hand at a steady learning rate opens it: plain descent, momentum, AdaGrad, RMSprop and Adam "
               "each stop in a bump short of the well", both(_ackley_story)),
    ("goldstein_price", "catches runs that come in too fast, such as Adam at lr 0.5", _goldstein_price_story),
    ("styblinski_tang", "Plain descent, AdaGrad and RMSprop keep each dial on the side it started",
     both(_styblinski_tang_story)),
    ("linear_regression", "gradient descent does not zig-zag here", _linear_regression_story),
    ("digits", "its loss is worse than a blind guess's (ln 10, about 2.3) and it reads fewer than half of its "
               "training digits; at the bottom of the basin it reads all of them", _digits_story),
]


NUDGES = [None, *claims.CHECKED_NUDGES]


@pytest.mark.parametrize("nudge", NUDGES, ids=["as_shown", *(f"nudged_{k}" for k in NUDGES[1:])])
@pytest.mark.parametrize(("vault", "words", "check"), CLAIMS, ids=[f"{v}: {w[:40]}" for v, w, _ in CLAIMS])
def test_each_vaults_claim_is_what_its_scene_shows(vault, words, check, nudge):
    assert words in " ".join(landscapes.LANDSCAPES[vault].description.split())
    with claims.nudged(nudge):
        assert check()


def test_every_vault_has_a_checked_claim():
    assert {vault for vault, _, _ in CLAIMS} == set(VAULTS)


def test_teaching_rates_are_honest_scenes_too():
    for vault, surface in landscapes.LANDSCAPES.items():
        for hand, lr in surface.teaching_lr.items():
            assert lr in optim.tuning.lr_ladder(*_slider(hand)), (vault, hand)
            if vault not in NO_BOTTOM:
                run = scene(vault, hand)
                assert left_map_at(run) is None and leapt_at(run) is None


def _slider(hand):
    h = optim.OPTIMIZERS[hand].hyperparameter("lr")
    return h.low, h.high
