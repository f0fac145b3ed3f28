"""The optimizer core: closed-form first steps, equivalences, PyTorch's own paths, and refusals."""

import json
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optim
from optim import schedules
from tests.calm import calm_stretch

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_paths.json").read_text())
START = np.array([-1.2, 1.0])


def first_two_grads(key, landscape="rosenbrock", start=START, **hp):
    tr = optim.simulate(key, landscape, start=start, steps=2, **hp)
    return tr, tr.grads[0], tr.grads[1]


# --- closed forms for the first steps ------------------------------------------------------------------

def test_sgd_first_step_is_lr_times_gradient():
    tr, g0, _ = first_two_grads("sgd", lr=0.001)
    np.testing.assert_allclose(g0, landscapes.LANDSCAPES["rosenbrock"].grad(START))
    np.testing.assert_allclose(tr.points[1], START - 0.001 * g0, rtol=0, atol=1e-15)


def test_momentum_buffer_starts_as_the_gradient_then_dampens():
    tr, g0, g1 = first_two_grads("momentum", lr=0.001, momentum=0.9, dampening=0.25)
    np.testing.assert_allclose(tr.points[1], START - 0.001 * g0, atol=1e-15)  # no dampening at t = 1
    buffer = 0.9 * g0 + 0.75 * g1
    np.testing.assert_allclose(tr.state["buffer"][1], buffer, rtol=1e-14)
    np.testing.assert_allclose(tr.points[2], tr.points[1] - 0.001 * buffer, atol=1e-14)


def test_nesterov_first_step_looks_ahead():
    tr, g0, _ = first_two_grads("nesterov", lr=0.001, momentum=0.9)
    np.testing.assert_allclose(tr.points[1], START - 0.001 * (g0 + 0.9 * g0), atol=1e-15)


def test_adagrad_first_step_moves_each_dial_by_lr():
    tr, g0, g1 = first_two_grads("adagrad", lr=0.1)
    np.testing.assert_allclose(tr.points[1], START - 0.1 * g0 / (np.abs(g0) + 1e-10), atol=1e-14)
    s = g0**2 + g1**2
    np.testing.assert_allclose(tr.points[2], tr.points[1] - 0.1 * g1 / (np.sqrt(s) + 1e-10), atol=1e-14)


def test_adagrad_lr_decay_and_initial_accumulator():
    tr, g0, g1 = first_two_grads("adagrad", lr=0.1, lr_decay=0.5, initial_accumulator_value=2.0)
    s1 = 2.0 + g0**2
    np.testing.assert_allclose(tr.points[1], START - 0.1 * g0 / (np.sqrt(s1) + 1e-10), atol=1e-14)
    s2 = s1 + g1**2
    np.testing.assert_allclose(tr.points[2], tr.points[1] - 0.1 / 1.5 * g1 / (np.sqrt(s2) + 1e-10), atol=1e-14)


def test_rmsprop_first_step():
    tr, g0, _ = first_two_grads("rmsprop", lr=0.01, alpha=0.9)
    expected = START - 0.01 * g0 / (np.sqrt(0.1 * g0**2) + 1e-8)
    np.testing.assert_allclose(tr.points[1], expected, atol=1e-14)


def test_centered_rmsprop_first_step_divides_by_the_spread():
    tr, g0, _ = first_two_grads("rmsprop", lr=0.01, alpha=0.9, centered=True)
    variance = 0.1 * g0**2 - (0.1 * g0) ** 2
    np.testing.assert_allclose(tr.points[1], START - 0.01 * g0 / (np.sqrt(variance) + 1e-8), atol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    tr, g0, g1 = first_two_grads("adam", lr=0.02, betas=(0.9, 0.999))
    np.testing.assert_allclose(tr.points[1], START - 0.02 * np.sign(g0), atol=1e-9)
    m = 0.1 * 0.9 * g0 + 0.1 * g1
    v = 0.999 * 0.001 * g0**2 + 0.001 * g1**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    np.testing.assert_allclose(tr.state["m_hat"][1], m_hat, rtol=1e-13)
    np.testing.assert_allclose(tr.state["v_hat"][1], v_hat, rtol=1e-13)
    np.testing.assert_allclose(tr.points[2], tr.points[1] - 0.02 * m_hat / (np.sqrt(v_hat) + 1e-8), atol=1e-14)


def test_adamw_decays_the_dials_before_the_adam_step():
    tr, g0, _ = first_two_grads("adamw", lr=0.02, weight_decay=0.5)
    expected = START * (1 - 0.02 * 0.5) - 0.02 * g0 / (np.abs(g0) + 1e-8)
    np.testing.assert_allclose(tr.points[1], expected, atol=1e-14)


def test_adam_l2_enters_the_gradient():
    tr, g0, _ = first_two_grads("adam", lr=0.02, weight_decay=0.5)
    g = g0 + 0.5 * START
    np.testing.assert_allclose(tr.points[1], START - 0.02 * g / (np.abs(g) + 1e-8), atol=1e-14)


# --- equivalences ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("landscape", ["rosenbrock", "himmelblau", "ravine"])
def test_momentum_zero_equals_sgd(landscape):
    a = optim.simulate("momentum", landscape, steps=150, lr=0.002, momentum=0.0, dampening=0.5)
    b = optim.simulate("sgd", landscape, steps=150, lr=0.002)
    np.testing.assert_array_equal(a.points, b.points)


def test_nesterov_without_momentum_is_refused_with_torchs_reason():
    # torch.optim.SGD(nesterov=True, momentum=0) raises; a look-ahead with no swing to look along is plain SGD.
    for momentum in (0.0, np.array([0.9, 0.0])):
        with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
            optim.simulate("nesterov", "himmelblau", steps=10, lr=0.01, momentum=momentum)
    h = optim.get("nesterov").hyperparameter("momentum")
    assert h.low > 0 and h.validate(h.low) == h.low  # the slider cannot reach the refused value
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        optim.simulate("nesterov", "himmelblau", steps=10, lr=0.01, momentum=1.0)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adamw_without_decay_equals_adam(amsgrad):
    a = optim.simulate("adamw", "beale", steps=200, lr=0.03, weight_decay=0.0, amsgrad=amsgrad)
    b = optim.simulate("adam", "beale", steps=200, lr=0.03, weight_decay=0.0, amsgrad=amsgrad)
    np.testing.assert_array_equal(a.points, b.points)


BATCH_SETTINGS = {  # per-run settings that exercise each hand's switches; a tuple is torch's pair (betas=)
    "sgd": {"lr": [1e-4, 1e-3, 2e-3], "weight_decay": [0.0, 0.1, 0.0]},
    "momentum": {"lr": [1e-4, 1e-3, 2e-3], "momentum": [0.0, 0.5, 0.9], "dampening": [0.0, 0.3, 0.0]},
    "nesterov": {"lr": [1e-4, 1e-3, 2e-3], "momentum": [0.1, 0.5, 0.9]},
    "adagrad": {"lr": [0.1, 0.5, 1.0], "lr_decay": [0.0, 0.01, 0.0], "initial_accumulator_value": [0, 0.1, 1]},
    "rmsprop": {"lr": [1e-3, 1e-2, 2e-2], "alpha": [0.9, 0.99, 0.5], "momentum": [0.0, 0.5, 0.0],
                "centered": [False, True, True]},
    "adam": {"lr": [1e-3, 2e-2, 5e-2], "betas": ([0.0, 0.9, 0.5], [0.9, 0.999, 0.99]),
             "amsgrad": [False, True, False]},
    "adamw": {"lr": [1e-3, 2e-2, 5e-2], "weight_decay": [0.0, 0.01, 0.5], "amsgrad": [True, False, False]},
    "adamax": {"lr": [1e-3, 2e-2, 5e-2], "betas": ([0.0, 0.9, 0.5], [0.9, 0.999, 0.99]),
               "weight_decay": [0.0, 0.1, 0.0], "eps": [1e-8, 1e-3, 1e-8]},
    "nadam": {"lr": [1e-3, 2e-2, 5e-2], "betas": ([0.0, 0.9, 0.5], [0.9, 0.999, 0.99]),
              "momentum_decay": [0.0, 4e-3, 0.3], "weight_decay": [0.1, 0.1, 0.0],
              "decoupled_weight_decay": [True, False, False]},
    "radam": {"lr": [1e-3, 5e-3, 2e-3], "betas": ([0.0, 0.9, 0.5], [0.6, 0.999, 0.9]),
              "weight_decay": [0.1, 0.1, 0.0], "decoupled_weight_decay": [True, False, False]},
    "adadelta": {"lr": [0.5, 1.0, 2.0], "rho": [0.0, 0.9, 1.0], "eps": [1e-6, 1e-3, 1e-2],
                 "weight_decay": [0.0, 0.1, 0.0]},
    "asgd": {"lr": [1e-3, 2e-3, 1e-4], "lambd": [1e-4, 0.5, 2.0], "alpha": [0.75, 1.0, 0.0],
             "t0": [0.0, 10.0, 1e6], "weight_decay": [0.0, 0.1, 0.0]},
    "adafactor": {"lr": [1e-2, 5e-2, 2e-3], "beta2_decay": [-0.8, 0.0, -0.3], "eps1": [1e-30, 1e-10, 1e-3],
                  "eps2": [1e-3, 1e-2, 0.1], "d": [1.0, 2.0, 1.5], "weight_decay": [0.0, 0.1, 0.0]},
    "rprop": {"lr": [1e-3, 1e-2, 0.2], "etas": ([0.5, 0.3, 0.9], [1.2, 1.5, 1.01]),
              "step_sizes": ([1e-6, 1e-4, 1e-6], [50.0, 0.5, 0.1])},
    "lion": {"lr": [1e-3, 1e-2, 3e-2], "betas": ([0.9, 0.0, 0.5], [0.99, 0.9, 0.999]),
             "weight_decay": [0.0, 0.1, 0.0]},
    "lbfgs": {"lr": [1.0, 0.3, 1.0], "line_search_fn": [True, False, True], "history_size": [10, 3, 1],
              "max_eval": [25, 1, 4]},
    "muon": {"lr": [2e-2, 1e-3, 5e-2], "momentum": [0.95, 0.0, 0.5], "nesterov": [True, False, True],
             "ns_steps": [5, 3, 1], "adjust_lr_fn": [False, True, False], "weight_decay": [0.0, 0.1, 0.0]},
}


def test_every_registered_hand_has_batch_settings():
    assert set(BATCH_SETTINGS) == set(optim.OPTIMIZERS)


@pytest.mark.parametrize("key", optim.OPTIMIZERS)
def test_a_batch_equals_its_runs_one_by_one(key):
    starts = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.0]])
    settings = BATCH_SETTINGS[key]
    as_arrays = {name: (tuple(np.array(b) for b in v) if isinstance(v, tuple) else np.array(v))
                 for name, v in settings.items()}
    batch = optim.simulate(key, "rosenbrock", start=starts, steps=80, record_state=True, **as_arrays)
    assert batch.points.shape == (3, 81, 2) and batch.loss.shape == (3, 81)
    for i, start in enumerate(starts):
        one = {name: (tuple(b[i] for b in v) if isinstance(v, tuple) else v[i]) for name, v in settings.items()}
        single = optim.simulate(key, "rosenbrock", start=start, steps=80, **one)
        np.testing.assert_array_equal(batch.points[i], single.points)
        np.testing.assert_array_equal(batch.loss[i], single.loss)
        assert (batch.diverged_at[i] if batch.diverged_at[i] >= 0 else None) == single.diverged_at
        assert set(single.state) <= set(batch.state)  # a batch shows what any of its runs uses
        for name, values in single.state.items():
            np.testing.assert_array_equal(batch.state[name][i], values, err_msg=name)


def test_one_start_with_per_run_settings_is_a_batch():
    lrs = np.logspace(-4, 0, 9)
    tr = optim.simulate("sgd", "rosenbrock", steps=50, lr=lrs)
    assert tr.is_batch and tr.points.shape == (9, 51, 2)
    assert tr.diverged_at[0] == -1 and tr.diverged_at[-1] > 0


# --- PyTorch's own paths ---------------------------------------------------------------------------------

def _schedule(spec):
    if spec is None:
        return "constant"
    name, options = spec
    return {"step": schedules.step_decay, "exponential": schedules.exponential,
            "cosine": schedules.cosine}[name](**options)


@pytest.mark.parametrize("case", FIXTURES["cases"],
                         ids=lambda c: f"{c['optimizer']}-{c['landscape']}-{len(c['hyperparameters'])}")
def test_paths_match_torch_optim(case):
    hp = dict(case["hyperparameters"])
    if "betas" in hp:
        hp["betas"] = tuple(hp["betas"])
    tr = optim.simulate(case["optimizer"], case["landscape"], start=case["start"], steps=case["steps"],
                        schedule=_schedule(case["schedule"]), **hp)
    reference = np.array(case["points"])
    assert tr.diverged_at is None
    # Compared where a last-bit difference cannot grow past the tolerance (tests/calm.py): every recorded run
    # of these seven hands is calm throughout, and must stay so for the comparison to mean anything.
    calm = calm_stretch(case["optimizer"], case["landscape"], case["start"], case["steps"],
                        schedule=_schedule(case["schedule"]), **hp)
    assert calm == len(reference)
    np.testing.assert_allclose(tr.points, reference, rtol=1e-10, atol=1e-12)


# --- divergence and cracking -----------------------------------------------------------------------------

def test_a_hand_too_fast_spins_off_and_is_flagged_not_raised():
    tr = optim.simulate("sgd", "rosenbrock", steps=100, lr=0.5)
    assert tr.diverged_at is not None and 0 < tr.diverged_at < 10
    assert np.isnan(tr.points[tr.diverged_at:]).all() and np.isnan(tr.loss[tr.diverged_at:]).all()
    assert np.isfinite(tr.points[: tr.diverged_at]).all()
    assert np.isnan(tr.grads[tr.diverged_at:]).all()
    assert np.isnan(tr.updates[tr.diverged_at - 1:]).all()  # the turn that spun it off has no finite end


def test_leaving_the_generous_box_counts_as_diverging():
    # The saddle is unbounded below: a run that escapes keeps going and leaves the box eventually.
    tr = optim.simulate("sgd", "saddle", start=(0.5, 0.1), steps=400, lr=0.1)
    assert tr.diverged_at is not None
    assert np.all(np.abs(tr.points[: tr.diverged_at]) < 1e4)


def test_cracked_at_is_the_first_step_near_a_minimum():
    tr = optim.simulate("sgd", "bowl", steps=200, lr=0.1)
    k = tr.cracked_at(0.01)
    assert k is not None
    distance = np.linalg.norm(tr.points - np.array(tr.landscape.minima[0]), axis=1)
    assert distance[k] <= 0.01 < distance[k - 1]
    assert tr.cracked_at(1e-300) is None


def test_cracked_at_for_a_batch_and_for_a_surface_without_minimum():
    tr = optim.simulate("adam", "himmelblau", start=np.array([[3.5, 3.5], [-3.5, -3.5], [0.0, 0.0]]),
                        steps=300, lr=0.05)
    cracked = tr.cracked_at()
    assert cracked.shape == (3,) and (cracked > 0).all()
    assert optim.simulate("sgd", "saddle", steps=10, lr=0.01).cracked_at() is None


def test_to_frame_is_tidy_and_holds_the_state():
    table = optim.simulate("adam", "rosenbrock", start=(-1.2, 1.0), steps=30, lr=0.02).to_frame()
    assert list(table.columns[:6]) == ["step", "x", "y", "loss", "grad_x", "grad_y"]
    for column in ("m_x", "v_y", "m_hat_x", "v_hat_y", "effective_lr_x", "update_x", "lr"):
        assert column in table
    assert len(table) == 31 and table["step"].tolist() == list(range(31))
    np.testing.assert_allclose(table["x"].to_numpy()[1:], (table["x"] + table["update_x"]).to_numpy()[:-1])
    batch = optim.simulate("sgd", "bowl", start=np.zeros((2, 2)) + 1, steps=5, lr=0.1, record_state=True)
    assert batch.to_frame()["run"].tolist() == [0] * 6 + [1] * 6


# --- extras: noise and schedules -------------------------------------------------------------------------

def test_noise_is_reproducible_with_its_seed():
    a = optim.simulate("sgd", "bowl", steps=50, lr=0.05, noise=1.0, seed=3)
    b = optim.simulate("sgd", "bowl", steps=50, lr=0.05, noise=1.0, seed=3)
    c = optim.simulate("sgd", "bowl", steps=50, lr=0.05, noise=1.0, seed=4)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    clean = optim.simulate("sgd", "bowl", steps=50, lr=0.05)
    assert not np.array_equal(a.points, clean.points)


@pytest.mark.parametrize("name", optim.SCHEDULES)
def test_every_schedule_starts_at_the_full_lr_and_never_grows(name):
    values = schedules.multipliers(name, 90)
    assert values[0] == 1.0 and np.all(np.diff(values) <= 1e-15) and np.all(values >= 0)


def test_schedule_values():
    np.testing.assert_allclose(schedules.multipliers(schedules.step_decay(2, 0.5), 5), [1, 1, 0.5, 0.5, 0.25])
    np.testing.assert_allclose(schedules.multipliers(schedules.exponential(0.9), 3), [1, 0.9, 0.81])
    np.testing.assert_allclose(schedules.multipliers("cosine", 4), [1, (1 + np.cos(np.pi / 4)) / 2, 0.5,
                                                                  (1 + np.cos(3 * np.pi / 4)) / 2])
    tr = optim.simulate("sgd", "bowl", steps=4, lr=0.1, schedule=lambda k, total: 1.0 / (k + 1))
    np.testing.assert_allclose(tr.lrs[:4], [0.1, 0.05, 0.1 / 3, 0.025])


# Numeric defaults of torch 2.13's constructors (inspect.signature of each class), for the knobs that keep
# torch's name: what each spec's `torch_default` must say. (LBFGS's history_size is listed with max_iter=1.)
TORCH_2_13 = {
    "SGD": {"lr": 0.001, "dampening": 0, "weight_decay": 0},
    "Adagrad": {"lr": 0.01, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10},
    "RMSprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-08, "weight_decay": 0, "momentum": 0},
    "Adam": {"lr": 0.001, "eps": 1e-08, "weight_decay": 0}, "AdamW": {"lr": 0.001, "eps": 1e-08, "weight_decay": 0.01},
    "Adamax": {"lr": 0.002, "eps": 1e-08, "weight_decay": 0},
    "NAdam": {"lr": 0.002, "eps": 1e-08, "weight_decay": 0, "momentum_decay": 0.004},
    "RAdam": {"lr": 0.001, "eps": 1e-08, "weight_decay": 0},
    "Adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-06, "weight_decay": 0},
    "ASGD": {"lr": 0.01, "lambd": 0.0001, "alpha": 0.75, "t0": 1000000.0, "weight_decay": 0},
    "Adafactor": {"lr": 0.01, "beta2_decay": -0.8, "d": 1.0, "weight_decay": 0.0}, "Rprop": {"lr": 0.01},
    "LBFGS": {"lr": 1, "tolerance_grad": 1e-07, "tolerance_change": 1e-09, "history_size": 100},
    "Muon": {"lr": 0.001, "weight_decay": 0.1, "momentum": 0.95, "eps": 1e-07, "ns_steps": 5},
}


@pytest.mark.parametrize("key", list(optim.OPTIMIZERS))
def test_torch_defaults_are_torch_2_13s(key):
    spec = optim.OPTIMIZERS[key]
    torch_class = spec.torch_class.split("(")[0].split(" ")[0]
    if torch_class not in TORCH_2_13:
        pytest.skip(f"{spec.title} has no torch class")
    for h in spec.hyperparameters:
        if h.torch_default is not None and h.name in TORCH_2_13[torch_class]:
            assert h.torch_default == TORCH_2_13[torch_class][h.name], (key, h.name)


# --- refusals --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "settings", "named"), [
    ("sgd", {"lr": -0.1}, "lr"),
    ("sgd", {"lr": float("nan")}, "lr"),
    ("sgd", {"lr": float("inf")}, "lr"),
    ("sgd", {"lr": "fast"}, "lr"),
    ("momentum", {"momentum": 1.0}, "momentum"),
    ("momentum", {"momentum": -0.1}, "momentum"),
    ("momentum", {"dampening": 1.5}, "dampening"),
    ("adam", {"betas": (1.0, 0.999)}, "beta1"),
    ("adam", {"betas": (0.9, -0.5)}, "beta2"),
    ("adam", {"betas": (0.9,)}, "betas"),
    ("adam", {"eps": -1e-8}, "eps"),
    ("adam", {"amsgrad": "yes"}, "amsgrad"),
    ("adamw", {"weight_decay": -0.01}, "weight_decay"),
    ("rmsprop", {"alpha": 1.0}, "alpha"),
    ("adagrad", {"lr_decay": -1}, "lr_decay"),
    ("sgd", {"momentum": 0.9}, "momentum"),
    ("adam", {"lr": np.array([0.1, -0.1])}, "lr"),
])
def test_bad_hyperparameters_raise_a_message_naming_them(key, settings, named):
    with pytest.raises(ValueError, match=named):
        optim.simulate(key, "bowl", steps=5, **settings)


@pytest.mark.parametrize(("call", "named"), [
    (lambda: optim.simulate("sgd", "bowl", steps=-1), "steps"),
    (lambda: optim.simulate("sgd", "bowl", steps=2.5), "steps"),
    (lambda: optim.simulate("sgd", "bowl", noise=-1), "noise"),
    (lambda: optim.simulate("sgd", "bowl", start=(1, 2, 3)), "start"),
    (lambda: optim.simulate("sgd", "bowl", start=(np.nan, 0)), "start"),
    (lambda: optim.simulate("sparse_adam", "bowl"), "optimizer"),
    (lambda: optim.simulate("sgd", "moon"), "landscape"),
    (lambda: optim.simulate("sgd", "bowl", schedule="warp"), "schedule"),
    (lambda: optim.simulate("sgd", "bowl", lr=np.ones(3), weight_decay=np.zeros(4)), "same length"),
    (lambda: optim.simulate("sgd", "bowl", start=np.zeros((3, 2)), lr=np.ones(4)), "lr"),
])
def test_bad_calls_raise_value_error(call, named):
    with pytest.raises(ValueError, match=named):
        call()


def test_every_optimizer_declares_what_the_app_needs():
    for key, spec in optim.OPTIMIZERS.items():
        assert spec.key == key and spec.title and len(spec.description) > 60 and spec.latex
        lr = spec.hyperparameter("lr")
        assert lr.log and 0 < lr.low < lr.default < lr.high
        for h in spec.hyperparameters:
            assert h.help and h.symbol
            if not h.is_switch:
                assert h.low <= h.default <= h.high
                h.validate(h.low), h.validate(h.high)  # the slider's ends are legal values


# --- tuning ----------------------------------------------------------------------------------------------

def test_lr_ladder_is_even_on_a_log_scale():
    from optim.tuning import lr_ladder

    np.testing.assert_allclose(lr_ladder(1e-3, 0.1), [1e-3, 2e-3, 3e-3, 5e-3, 7e-3, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1])


@pytest.mark.parametrize("key", optim.OPTIMIZERS)
def test_suggested_lr_cracks_the_bowl_with_steps_to_spare(key):
    from optim.tuning import ladder_for, suggest_lr

    lr = suggest_lr(key, "bowl", steps=200)
    tr = optim.simulate(key, "bowl", steps=200, lr=lr)
    assert tr.diverged_at is None and tr.cracked_at() is not None and tr.cracked_at() <= 150
    spec = optim.get(key)
    # Rprop's lr is only its first stride: its lowest rung already makes it. L-BFGS's is only its line search's
    # first trial: "calm" takes its fastest rung (test_tuning checks that).
    if lr > ladder_for(key)[0] and not spec.line_search(spec.defaults):
        slower = optim.simulate(key, "bowl", steps=200, lr=lr / 2)
        # the calmest rung that makes it (settles: Lion and Muon may pass the combination and tick on)
        assert slower.settled_at() is None or slower.settled_at() > 150


def test_a_path_that_passes_the_combination_and_leaves_has_not_settled():
    tr = optim.simulate("nesterov", "goldstein_price", steps=60, lr=1e-4)
    assert tr.cracked_at() is not None and tr.diverged_at is not None
    assert tr.settled_at() is None
    calm = optim.simulate("sgd", "bowl", steps=200, lr=0.1)
    assert calm.settled_at() is not None and calm.settled_at() >= calm.cracked_at()


# Down the saddle's endless slope two hands leave the generous box at every rate, and the tuner says so:
# Rprop's stride grows ×1.2 on every step the click keeps its sign, whatever the lr; L-BFGS's line search
# finds the loss still falling at each trial and strides ten times further, to ~3e8 by its fourth step.
EVERY_RATE_SPINS_OFF = {("rprop", "saddle"), ("lbfgs", "saddle")}


# The heavy vault (a real network's loss, seconds per tuning) is held to the same rule for a few hands in
# tests/test_digits_vault.py.
@pytest.mark.parametrize("landscape", [key for key, v in landscapes.LANDSCAPES.items() if not v.heavy])
def test_a_suggested_lr_never_spins_off(landscape):
    from optim.tuning import suggest_lr, tune

    for key in optim.OPTIMIZERS:
        tr = optim.simulate(key, landscape, steps=200, lr=suggest_lr(key, landscape, steps=200))
        if (key, landscape) in EVERY_RATE_SPINS_OFF:
            tuning = tune(key, landscape, steps=200)
            assert tr.diverged_at is not None and tuning.diverged and "every rate spins off" in tuning.reason
        else:
            assert tr.diverged_at is None, key
