"""The new hands of helper B1 (Adamax, NAdam, RAdam, Adadelta, ASGD, Adafactor): torch.optim's own paths,
first steps derived by hand, batches equal to their runs one by one, and refusals of bad settings."""

import json
from pathlib import Path

import numpy as np
import pytest

import optim
from optim import schedules
from optim.hands import adadelta, adafactor, adamax, asgd, nadam, radam
from tests.calm import calm_stretch

HANDS = {spec.key: spec for spec in (*adamax.SPECS, *nadam.SPECS, *radam.SPECS, *adadelta.SPECS,
                                         *asgd.SPECS, *adafactor.SPECS)}
FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_paths_hands1.json").read_text())
START = np.array([-1.2, 1.0])


def first_two_steps(key, landscape="rosenbrock", start=START, **hp):
    tr = optim.simulate(HANDS[key], landscape, start=start, steps=2, **hp)
    return tr, tr.grads[0], tr.grads[1]


# --- PyTorch's own paths ---------------------------------------------------------------------------------

def _schedule(spec):
    if spec is None:
        return "constant"
    name, options = spec
    return {"step": schedules.step_decay, "exponential": schedules.exponential,
            "cosine": schedules.cosine}[name](**options)


def test_every_hand_has_torch_paths_on_several_vaults():
    for key in HANDS:
        cases = [c for c in FIXTURES["cases"] if c["optimizer"] == key]
        assert len({c["landscape"] for c in cases}) >= 3 and all(c["steps"] >= 120 for c in cases), key
    assert FIXTURES["torch"].startswith("2.13") and all(c["torch_kwargs"]["foreach"] is False
                                                       for c in FIXTURES["cases"])


@pytest.mark.parametrize("case", [c for c in FIXTURES["cases"] if c["optimizer"] in HANDS],
                         ids=lambda c: f"{c['optimizer']}-{c['landscape']}-{len(c['hyperparameters'])}")
def test_paths_match_torch_optim(case):
    hp = dict(case["hyperparameters"])
    if "betas" in hp:
        hp["betas"] = tuple(hp["betas"])
    tr = optim.simulate(HANDS[case["optimizer"]], case["landscape"], start=case["start"], steps=case["steps"],
                        schedule=_schedule(case["schedule"]), **hp)
    reference = np.array(case["points"])
    assert tr.diverged_at is None
    assert np.abs(reference[-1] - reference[0]).max() > 0.05  # the hand really travels
    # Only the calm stretch holds to the last bits on every machine (tests/calm.py): all of every path but
    # Adadelta's on Rosenbrock, whose tail amplifies a last bit some 1e8-fold.
    calm = calm_stretch(HANDS[case["optimizer"]], case["landscape"], case["start"], case["steps"],
                        schedule=_schedule(case["schedule"]), **hp)
    assert calm >= 40
    np.testing.assert_allclose(tr.points[:calm], reference[:calm], rtol=1e-13, atol=1e-13)
    for name, values in case.get("state", {}).items():  # torch's state after each step
        ours = tr.state[name][:-1]
        values = np.array(values)
        ours = ours if values.ndim == 2 else ours[:, 0]  # a number per run is kept on both dials
        np.testing.assert_allclose(ours[:calm - 1], values[:calm - 1], rtol=1e-13, atol=1e-13, err_msg=name)


# --- a batch is its runs, one by one: tests/test_optim.py, for every registered hand ------------------------


SHOWN = {"adamax": ("m", "u", "m_hat", "effective_lr"), "nadam": ("m", "v", "mu_product", "mu", "effective_lr"),
         "radam": ("m", "v", "rho_t", "rectified", "m_hat", "effective_lr"),
         "adadelta": ("square_avg", "acc_delta", "effective_lr"), "asgd": ("ax", "eta", "mu"),
         "adafactor": ("variance", "step_size", "rho_t", "effective_lr")}


@pytest.mark.parametrize("key", HANDS)
def test_one_setting_for_a_batch_of_starts_and_the_state_a_learner_sees(key):
    starts = np.array([[-1.2, 1.0], [0.5, -0.5]])
    batch = optim.simulate(HANDS[key], "himmelblau", start=starts, steps=30, record_state=True)
    single = optim.simulate(HANDS[key], "himmelblau", start=starts[1], steps=30)
    np.testing.assert_array_equal(batch.points[1], single.points)
    assert set(single.state) == set(SHOWN[key])
    table = single.to_frame()
    for name in SHOWN[key]:
        assert f"{name}_x" in table and np.isfinite(table[f"{name}_y"].to_numpy()[:-1]).all(), name


# --- refusals --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "settings", "named"), [
    ("adamax", {"lr": -0.1}, "lr"),
    ("adamax", {"betas": (1.0, 0.999)}, "beta1"),
    ("adamax", {"betas": (0.9, 1.5)}, "beta2"),
    ("adamax", {"eps": -1e-8}, "eps"),
    ("adamax", {"weight_decay": float("nan")}, "weight_decay"),
    ("adamax", {"amsgrad": True}, "amsgrad"),
    ("nadam", {"momentum_decay": -0.004}, "momentum_decay"),
    ("nadam", {"decoupled_weight_decay": 1}, "decoupled_weight_decay"),
    ("nadam", {"betas": (0.9, 1.0)}, "beta2"),
    ("radam", {"betas": (-0.1, 0.999)}, "beta1"),
    ("radam", {"decoupled_weight_decay": "no"}, "decoupled_weight_decay"),
    ("radam", {"weight_decay": -1.0}, "weight_decay"),
    ("adadelta", {"rho": 1.5}, "rho"),
    ("adadelta", {"rho": -0.1}, "rho"),
    ("adadelta", {"eps": -1e-6}, "eps"),
    ("adadelta", {"lr": np.inf}, "lr"),
    ("asgd", {"lambd": -1e-4}, "lambd"),
    ("asgd", {"alpha": -0.75}, "alpha"),
    ("asgd", {"t0": float("nan")}, "t0"),
    ("asgd", {"momentum": 0.9}, "momentum"),
    ("adafactor", {"beta2_decay": 0.5}, "beta2_decay"),
    ("adafactor", {"d": 0.5}, "d"),
    ("adafactor", {"d": np.array([1.0, 0.9])}, "d"),
    ("adafactor", {"eps2": -1e-3}, "eps2"),
    ("adafactor", {"eps1": -1.0}, "eps1"),
    ("adafactor", {"eps": (1e-30,)}, "eps"),
    ("adafactor", {"eps": (None, 1e-3), "eps2": 1e-2}, "eps"),
])
def test_bad_hyperparameters_raise_a_message_naming_them(key, settings, named):
    with pytest.raises(ValueError, match=named):
        optim.simulate(HANDS[key], "bowl", steps=5, **settings)


def test_adafactor_takes_torchs_eps_pair_with_none_as_machine_epsilon():
    paired = optim.simulate(HANDS["adafactor"], "beale", steps=20, eps=(None, 1e-2))
    split = optim.simulate(HANDS["adafactor"], "beale", steps=20, eps2=1e-2)
    np.testing.assert_array_equal(paired.points, split.points)
    assert paired.hyperparameters["eps1"] == np.finfo(np.float64).eps


def test_every_hand_declares_what_the_app_needs():
    for key, spec in HANDS.items():
        assert spec.key == key and spec.title and len(spec.description) > 60 and spec.latex
        assert spec.torch_class and spec.step.__doc__ and "math::" in spec.step.__doc__
        assert spec.hyperparameter("lr").log
        for h in spec.hyperparameters:
            assert h.help and h.symbol
            if not h.is_switch:
                assert h.low <= h.default <= h.high
                h.validate(h.low), h.validate(h.high)  # the slider's ends are legal values
        assert optim.OPTIMIZERS[key] is spec


# --- Adamax ----------------------------------------------------------------------------------------------

def test_adamax_first_steps():
    tr, g0, g1 = first_two_steps("adamax", lr=0.05, betas=(0.8, 0.99), eps=1e-8)
    # The max starts from nothing, so u_1 = |g_1| + eps, and m_1 / (1 - beta1) is g_1 itself.
    np.testing.assert_allclose(tr.points[1], START - 0.05 * g0 / (np.abs(g0) + 1e-8), rtol=0, atol=1e-15)
    m = 0.8 * 0.2 * g0 + 0.2 * g1
    u = np.maximum(0.99 * (np.abs(g0) + 1e-8), np.abs(g1) + 1e-8)
    np.testing.assert_allclose(tr.state["u"][1], u, rtol=1e-15)
    np.testing.assert_allclose(tr.points[2], tr.points[1] - 0.05 / (1 - 0.8**2) * m / u, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.state["effective_lr"][1], 0.05 / (1 - 0.8**2) / u, rtol=1e-14)


def test_adamax_remembers_the_loudest_click_while_it_fades():
    tr = optim.simulate(HANDS["adamax"], "rosenbrock", start=START, steps=60, lr=0.01, betas=(0.9, 0.9))
    u, g = tr.state["u"][:-1], np.abs(tr.grads[:-1])
    assert np.all(u >= g) and np.all(u[1:] >= 0.9 * u[:-1] * (1 - 1e-15))
    assert np.any(u[1:] > np.abs(g[1:]) * 1.01)  # somewhere the memory, not the click, sets the scale


# --- NAdam -----------------------------------------------------------------------------------------------

def _nadam_mu(beta1, psi, t):
    return beta1 * (1 - 0.5 * 0.96 ** (t * psi))


@pytest.mark.parametrize("decoupled", [False, True])
def test_nadam_first_step(decoupled):
    lr, b1, b2, psi, wd = 0.02, 0.9, 0.99, 0.1, 0.3
    tr, g0, _ = first_two_steps("nadam", lr=lr, betas=(b1, b2), momentum_decay=psi, weight_decay=wd,
                                decoupled_weight_decay=decoupled)
    mu1, mu2 = _nadam_mu(b1, psi, 1), _nadam_mu(b1, psi, 2)
    product = float(np.float32(mu1))  # torch keeps the running product of the mu_t in float32
    g = g0 if decoupled else g0 + wd * START
    theta = START * (1 - lr * wd) if decoupled else START
    # m_1 = (1 - b1) g and sqrt(v_1 / (1 - b2)) = |g|: both terms point along the sign of the click.
    look_ahead = (1 - mu1) / (1 - product) * g + mu2 / (1 - product * mu2) * (1 - b1) * g
    np.testing.assert_allclose(tr.points[1], theta - lr * look_ahead / (np.abs(g) + 1e-8), rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.state["mu"][0], [mu1, mu1], rtol=1e-15)
    assert tr.state["mu_product"][0][0] == product


def test_nadam_momentum_warms_up_from_half_of_beta1_at_the_pace_of_psi():
    slow = optim.simulate(HANDS["nadam"], "bowl", steps=200, lr=0.01)  # PyTorch's psi = 0.004
    mu = slow.state["mu"][:-1, 0]
    assert 0.45 < mu[0] < mu[-1] < 0.47 and np.all(np.diff(mu) > 0)
    fast = optim.simulate(HANDS["nadam"], "bowl", steps=200, lr=0.01, momentum_decay=0.5)
    assert fast.state["mu"][-2, 0] > 0.89
    psi = {"beta1": 0.9, "momentum_decay": 0.004}
    assert nadam.momentum_at(psi, 9_000) < 0.9 * 0.9 < nadam.momentum_at(psi, 10_000)
    flat = optim.simulate(HANDS["nadam"], "bowl", steps=50, lr=0.01, momentum_decay=0.0)
    np.testing.assert_array_equal(flat.state["mu"][:-1], 0.45)


# --- RAdam -----------------------------------------------------------------------------------------------

def _rho(beta2, t):
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf, rho_inf - 2 * t * beta2**t / (1 - beta2**t)


def test_radam_first_step_is_plain_sgd():
    # rho_1 = rho_inf - 2 beta2 / (1 - beta2) = 1: no rectification, and m_1 / (1 - beta1) is the click itself.
    tr, g0, _ = first_two_steps("radam", lr=0.001, betas=(0.9, 0.999))
    np.testing.assert_allclose(tr.points[1], START - 0.001 * g0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.state["rho_t"][0], [1.0, 1.0], rtol=1e-12)


def test_radam_switches_the_scaling_on_at_the_sixth_step():
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-8
    tr = optim.simulate(HANDS["radam"], "rosenbrock", start=START, steps=8, lr=lr, betas=(b1, b2))
    np.testing.assert_array_equal(tr.state["rectified"][:-1, 0], [0, 0, 0, 0, 0, 1, 1, 1])
    # Before: SGD with bias-corrected momentum.
    m5 = tr.state["m"][4]
    np.testing.assert_allclose(tr.points[5], tr.points[4] - lr * m5 / (1 - b1**5), rtol=0, atol=1e-15)
    # At step 6: the rectified, scaled step, with r_6 written out.
    rho_inf, rho_6 = _rho(b2, 6)
    r6 = np.sqrt((rho_6 - 4) * (rho_6 - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_6))
    m6, v6 = tr.state["m"][5], tr.state["v"][5]
    expected = tr.points[5] - lr * m6 / (1 - b1**6) * r6 * np.sqrt(1 - b2**6) / (np.sqrt(v6) + eps)
    np.testing.assert_allclose(tr.points[6], expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(tr.state["rho_t"][5, 0], rho_6, rtol=1e-12)


@pytest.mark.parametrize(("beta2", "first_rectified"), [(0.85, 6), (0.9, 6), (0.999, 6), (0.9999, 6), (0.7, 10)])
def test_radam_switches_on_at_the_sixth_step_later_near_two_thirds(beta2, first_rectified):
    tr = optim.simulate(HANDS["radam"], "bowl", steps=30, lr=0.01, betas=(0.9, beta2))
    assert np.argmax(tr.state["rectified"][:, 0]) + 1 == first_rectified


def test_radam_with_a_short_loudness_memory_never_switches_on():
    assert _rho(0.66, 1e6)[0] <= 5 and _rho(2 / 3, 1e6)[0] <= 5 + 1e-12
    tr = optim.simulate(HANDS["radam"], "bowl", steps=200, lr=0.01, betas=(0.9, 0.66))
    assert not tr.state["rectified"][:-1].any() and tr.cracked_at() is not None


# --- Adadelta --------------------------------------------------------------------------------------------

def test_adadelta_first_steps_grow_from_the_root_of_eps():
    lr, rho, eps = 1.0, 0.9, 1e-3
    tr, g0, g1 = first_two_steps("adadelta", lr=lr, rho=rho, eps=eps)
    delta0 = np.sqrt(eps) / np.sqrt((1 - rho) * g0**2 + eps) * g0
    np.testing.assert_allclose(tr.points[1], START - lr * delta0, rtol=0, atol=1e-15)
    u1 = (1 - rho) * delta0**2
    np.testing.assert_allclose(tr.state["acc_delta"][0], u1, rtol=1e-15)
    v2 = rho * (1 - rho) * g0**2 + (1 - rho) * g1**2
    delta1 = np.sqrt(u1 + eps) / np.sqrt(v2 + eps) * g1
    np.testing.assert_allclose(tr.points[2], tr.points[1] - lr * delta1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.state["effective_lr"][1], lr * np.sqrt(u1 + eps) / np.sqrt(v2 + eps), rtol=1e-15)
    # On a loud vault the first turn is about sqrt(eps / (1 - rho)) per dial, whatever the slope.
    np.testing.assert_allclose(np.abs(tr.points[1] - START), np.sqrt(eps / (1 - rho)), rtol=1e-4)


def test_adadelta_that_forgets_nothing_and_learns_nothing_is_sgd():
    # rho = 1: both memories stay zero, the scale is sqrt(eps) / sqrt(eps) = 1 and the turn is lr * g.
    a = optim.simulate(HANDS["adadelta"], "himmelblau", steps=100, lr=0.01, rho=1.0, eps=1e-6)
    b = optim.simulate("sgd", "himmelblau", steps=100, lr=0.01)
    np.testing.assert_array_equal(a.points, b.points)


# --- ASGD ------------------------------------------------------------------------------------------------

def test_asgd_first_steps_and_its_decaying_reach():
    lr, lambd, alpha = 0.01, 0.5, 0.75
    tr, g0, g1 = first_two_steps("asgd", lr=lr, lambd=lambd, alpha=alpha, t0=0.0)
    eta0 = float(np.float32(lr))  # torch keeps eta in float32: the first step uses the lr rounded so
    theta1 = START * (1 - lambd * eta0) - eta0 * g0
    np.testing.assert_allclose(tr.points[1], theta1, rtol=0, atol=1e-15)
    eta1 = float(np.float32(lr / (1 + lambd * lr * 1) ** alpha))
    assert tr.state["eta"][0, 0] == eta1 and tr.state["mu"][0, 0] == 1.0
    np.testing.assert_array_equal(tr.state["ax"][0], tr.points[1])  # mu = 1: the ghost is the hand
    np.testing.assert_allclose(tr.points[2], theta1 * (1 - lambd * eta1) - eta1 * g1, rtol=0, atol=1e-15)


def test_asgd_ghost_is_the_average_of_the_points_after_t0():
    t0 = 20
    tr = optim.simulate(HANDS["asgd"], "himmelblau", start=(0.5, -2.5), steps=120, lr=0.01, t0=float(t0))
    ax = tr.state["ax"]
    np.testing.assert_array_equal(ax[: t0 + 2], tr.points[1: t0 + 3])  # rows are steps 1..t0+2
    # From step t0 + 2 on, the ghost is the running mean of the points visited since then (up to the
    # weights 1/k, which torch stores in float32).
    for last in (t0 + 10, 80, 120):
        np.testing.assert_allclose(ax[last - 1], tr.points[t0 + 2: last + 1].mean(axis=0), rtol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_asgd_ghost_settles_nearer_the_combination_than_the_jittering_hand(seed):
    tr = optim.simulate(HANDS["asgd"], "himmelblau", start=(0.5, -2.5), steps=300, lr=0.01, t0=50.0,
                        noise=5.0, seed=seed)
    combination = np.array([3.584428, -1.848126])
    ghost = np.linalg.norm(tr.state["ax"][-2] - combination)
    hand = np.linalg.norm(tr.points[100:] - combination, axis=1)
    assert ghost < 0.03 and ghost < np.median(hand) / 2


# --- Adafactor -------------------------------------------------------------------------------------------

def _rms(pair):
    return np.sqrt(np.mean(np.square(pair), axis=-1))


def test_adafactor_first_steps():
    lr, c, eps2, d, wd = 0.05, -0.8, 1e-3, 1.0, 0.1
    tr, g0, g1 = first_two_steps("adafactor", lr=lr, beta2_decay=c, eps2=eps2, d=d, weight_decay=wd)
    # Step 1: 1 - beta2 = 1 ** c = 1, so v_1 = g_1^2, the scaled turn is sign(g) (RMS 1: no clipping), and
    # the reach is the dials' own RMS times min(lr, 1).
    alpha1 = max(eps2, _rms(START)) * lr
    theta1 = (1 - lr * wd) * START - alpha1 * np.sign(g0)
    np.testing.assert_allclose(tr.points[1], theta1, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(tr.state["variance"][0], g0**2)
    # Step 2: the memory keeps 1 - 2**c of the first click.
    v2 = (1 - 2.0**c) * g0**2 + 2.0**c * g1**2
    u2 = g1 / np.sqrt(v2)
    alpha2 = max(eps2, _rms(theta1)) * min(lr, 1 / np.sqrt(2))
    step2 = alpha2 / max(1.0, _rms(u2) / d)
    np.testing.assert_allclose(tr.state["variance"][1], v2, rtol=1e-14)
    np.testing.assert_allclose(tr.points[2], (1 - lr * wd) * theta1 - step2 * u2, rtol=0, atol=1e-15)


def test_adafactor_reach_is_relative_to_the_size_of_the_dials():
    far = optim.simulate(HANDS["adafactor"], "bowl", start=(3.0, -3.0), steps=1, lr=0.05)
    near = optim.simulate(HANDS["adafactor"], "bowl", start=(0.3, -0.3), steps=1, lr=0.05)
    at_origin = optim.simulate(HANDS["adafactor"], "bowl", start=(1e-6, -1e-6), steps=1, lr=0.05, eps2=1e-3)
    np.testing.assert_allclose(np.abs(far.updates[0]), 3.0 * 0.05, rtol=1e-14)
    np.testing.assert_allclose(np.abs(near.updates[0]), 0.3 * 0.05, rtol=1e-14)
    np.testing.assert_allclose(np.abs(at_origin.updates[0]), 1e-3 * 0.05, rtol=1e-9)  # the eps2 floor


def test_adafactor_clips_each_scaled_turn_to_rms_d():
    d = 1.0
    tr = optim.simulate(HANDS["adafactor"], "rosenbrock", start=START, steps=150, lr=0.05, d=d)
    t = np.arange(1, 151)
    alpha = np.maximum(1e-3, _rms(tr.points[:-1])) * np.minimum(0.05, 1 / np.sqrt(t))
    turn = _rms(tr.updates[:-1])
    assert np.all(turn <= alpha * d * (1 + 1e-12))
    clipped = tr.state["step_size"][:-1, 0] < alpha * (1 - 1e-12)
    assert clipped.sum() >= 5  # a loud click after quiet ones: the turn is cut back to RMS alpha * d
    np.testing.assert_allclose(turn[clipped], alpha[clipped] * d, rtol=1e-12)
