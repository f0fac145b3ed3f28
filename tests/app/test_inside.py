"""Inside the hand: the page under AppTest, and the update rule with this step's numbers put in, checked
against the run itself for every optimizer."""

from __future__ import annotations

import itertools
import math
import sys

import numpy as np
import pytest

import landscapes
import optim
from optim import explain as steps
from tests.apptest_helpers import charts, no_exception, open_page, texts
from ui import inside

PAGE = "pages/3_Inside_the_hand.py"


def _latex(at) -> str:
    return "\n".join(item.value for item in at.latex)


# --- the page -----------------------------------------------------------------------------------------

def test_defaults_open_step_ten_of_adam():
    at = open_page(PAGE)
    no_exception(at)
    assert at.slider(key="step").value == inside.DEFAULT_STEP
    assert at.query_params["step"] == str(inside.DEFAULT_STEP) and at.query_params["optimizer"] == "adam"
    assert len(charts(at)) == 1
    shown = _latex(at)
    for symbol in ("m_t", "v_t", r"1-\beta_1^t", r"1-\beta_2^t", r"\hat m_t", r"\hat v_t", r"\eta^{\text{dial}}_t",
                   r"\Delta\theta_t", r"\theta_t"):
        assert symbol in shown, symbol
    assert r"0.9^{10}" in shown and r"0.999^{10}" in shown, "this step's t is put into the bias corrections"
    labels = [m.label for m in at.metric]
    assert "Loss before the turn" in labels and "Loss after" in labels
    assert "k-th turn" in texts(at)
    assert len(at.dataframe[0].value) == at.slider(key="steps").value + 1
    assert not at.warning


SYMBOLS = {
    "sgd": [r"-0.", r"\Delta\theta_t"],
    "momentum": ["b_t", r"\Delta\theta_t"],
    "nesterov": ["b_t", r"\Delta\theta_t"],
    "adagrad": ["s_t", r"\eta^{\text{dial}}_t"],
    "rmsprop": ["v_t", "d_t", r"\eta^{\text{dial}}_t"],
    "adam": ["m_t", r"\hat v_t"],
    "adamw": ["m_t", r"\hat v_t", r"\lambda"],
    "adamax": ["u_t", r"\eta^{\text{dial}}_t"],
    "nadam": [r"\mu_t", r"\Pi_t", "d_t"],
    "radam": [r"\rho_t", r"\text{rectified}"],
    "adadelta": [r"\Delta_t", "u_t"],
    "asgd": [r"\bar\theta_t", r"\eta_{t-1}"],
    "adafactor": [r"\mathrm{RMS}(u_t)", r"\alpha_t"],
    "rprop": ["s_t", r"\eta^{\text{dial}}_t"],
    "lion": ["c_t", r"\operatorname{sign}"],
    "lbfgs": [r"n^{\text{eval}}_t", r"\Delta\theta_t"],  # by step 10 it has cracked the bowl: silent
    "muon": ["B_t", "O_t", r"\lVert O_t \rVert"],
}


@pytest.mark.parametrize("optimizer", list(optim.OPTIMIZERS))
def test_every_hand_is_taken_apart(optimizer):
    at = open_page(PAGE, {"optimizer": optimizer, "landscape": "bowl"})
    no_exception(at)
    assert len(charts(at)) == 1
    shown = _latex(at) + texts(at)
    for symbol in SYMBOLS[optimizer]:
        assert symbol in shown, (optimizer, symbol)
    assert optim.OPTIMIZERS[optimizer].title in texts(at)


@pytest.mark.parametrize("landscape", ["rosenbrock", "ravine", "saddle", "rastrigin", "goldstein_price",
                                       "linear_regression"])
def test_several_vaults(landscape):
    at = open_page(PAGE, {"landscape": landscape})
    no_exception(at)
    assert len(charts(at)) == 1 and at.latex


def test_the_step_picker_at_its_ends_and_the_buttons():
    at = open_page(PAGE)
    at.slider(key="step").set_value(1).run()
    no_exception(at)
    shown = _latex(at)
    assert r"0.9^{1}" in shown and r"0.9\cdot0 +" in shown, "step 1 starts from empty memories"
    assert at.query_params["step"] == "1"
    assert at.button(key="step_back").disabled
    last = int(at.slider(key="step").max)
    assert last == at.slider(key="steps").value
    at.slider(key="step").set_value(last).run()
    no_exception(at)
    assert rf"0.9^{{{last}}}" in _latex(at)
    assert at.button(key="step_next").disabled
    at.button(key="step_back").click().run()
    assert at.slider(key="step").value == last - 1
    at.button(key="step_next").click().run()
    assert at.slider(key="step").value == last


def test_a_step_beyond_the_run_is_clamped_and_a_bad_one_warned_about():
    at = open_page(PAGE, {"step": "900", "steps": "50"})
    no_exception(at)
    assert at.slider(key="step").value == 50
    at = open_page(PAGE, {"step": "soon"})
    no_exception(at)
    assert at.warning and "step=soon" in at.warning[0].value
    assert at.slider(key="step").value == inside.DEFAULT_STEP


def test_a_diverging_hand_shows_the_turn_that_spun_it_off():
    at = open_page(PAGE, {"landscape": "rosenbrock", "optimizer": "sgd", "lr": "1"})
    no_exception(at)
    assert "spun off at step" in texts(at)
    run = optim.simulate("sgd", "rosenbrock", None, 200, lr=1.0)
    last = at.slider(key="step").max if run.diverged_at > 1 else 1
    assert last == run.diverged_at
    if run.diverged_at > 1:
        at.slider(key="step").set_value(last).run()
    no_exception(at)
    assert "spun off here" in texts(at)
    assert "Loss after: spun off" in texts(at)


def test_a_tiny_turn_shows_the_digits_that_change_and_why_rprops_stride_is_tiny():
    # Rprop's first stride is its learning rate (1e-4 is its calm rung on Himmelblau), growing ×1.2 per turn:
    # at step 10 the loss moves from 181.5931 to 181.5923, which four digits read as "181.6 → 181.6".
    at = open_page(PAGE, {"landscape": "himmelblau", "optimizer": "rprop", "lr": "0.0001", "step": "10"})
    no_exception(at)
    before, after = (m.value for m in at.metric if m.label in ("Loss before the turn", "Loss after"))
    assert before != after and before.startswith("181.59") and after.startswith("181.59")
    shown = texts(at)
    assert "from 181.6 to 181.6" not in shown and "a change of -0.00081" in shown
    assert "started at the learning rate, 0.0001, and after 10 turns it is 0.000516" in shown


def test_slider_extremes_and_settings():
    at = open_page(PAGE, {"optimizer": "rmsprop", "centered": "true", "momentum": "0.5", "weight_decay": "0.1",
                          "schedule": "cosine", "noise": "2"})
    no_exception(at)
    shown = _latex(at)
    assert r"\bar g_t" in shown and r"\eta_t" in shown and "b_t" in shown
    at.slider(key="steps").set_value(1000).run()
    no_exception(at)
    at.slider(key="steps").set_value(10).run()
    no_exception(at)
    assert at.slider(key="step").value == 10 and at.slider(key="step").max == 10


def test_the_csv_holds_every_step():
    at = open_page(PAGE)
    assert at.get("download_button")
    table = at.dataframe[0].value
    assert {"step", "x", "y", "loss", "grad_x", "m_hat_x", "effective_lr_y", "update_x"} <= set(table.columns)


# --- the numbers put into the rule, checked against the run ---------------------------------------------

CASES = [
    ("sgd", {}), ("sgd", {"weight_decay": 0.05}),
    ("momentum", {}), ("momentum", {"dampening": 0.5, "weight_decay": 0.01}), ("momentum", {"momentum": 0.0}),
    ("nesterov", {}), ("nesterov", {"weight_decay": 0.02}),
    ("adagrad", {}), ("adagrad", {"lr_decay": 0.05, "initial_accumulator_value": 0.3}),
    ("rmsprop", {}), ("rmsprop", {"centered": True, "momentum": 0.5}), ("rmsprop", {"momentum": 0.9}),
    ("adam", {}), ("adam", {"amsgrad": True, "weight_decay": 0.02}),
    ("adamw", {}), ("adamw", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamax", {}), ("adamax", {"weight_decay": 0.1, "betas": (0.5, 0.9)}),
    ("nadam", {}), ("nadam", {"decoupled_weight_decay": True, "weight_decay": 0.1, "momentum_decay": 0.2}),
    ("nadam", {"weight_decay": 0.05}),
    ("radam", {}), ("radam", {"decoupled_weight_decay": True, "weight_decay": 0.1, "betas": (0.9, 0.7)}),
    ("radam", {"betas": (0.9, 0.6)}),
    ("adadelta", {}), ("adadelta", {"rho": 0.5, "eps": 1e-6, "weight_decay": 0.1}),
    ("asgd", {}), ("asgd", {"t0": 5, "lambd": 0.5, "weight_decay": 0.1, "lr": 0.001}),
    ("adafactor", {}), ("adafactor", {"weight_decay": 0.1, "d": 2.0, "beta2_decay": -0.5}),
    ("rprop", {}), ("rprop", {"etas": (0.3, 1.5), "step_sizes": (1e-4, 0.5)}),
    ("lion", {}), ("lion", {"weight_decay": 0.1, "betas": (0.5, 0.9)}),
    ("lbfgs", {}), ("lbfgs", {"line_search_fn": False, "lr": 0.1}), ("lbfgs", {"history_size": 2, "max_eval": 4}),
    ("muon", {}), ("muon", {"weight_decay": 0.1, "nesterov": False, "ns_steps": 3, "adjust_lr_fn": "match_rms_adamw"}),
]
STATE_OF = {r"m_t": "m", r"v_t": "v", r"\hat m_t": "m_hat", r"\hat v_t": "v_hat", "s_t": "sum",
            r"\eta^{\text{dial}}_t": "effective_lr", r"v^{\max}_t": "v_max", r"\bar g_t": "grad_avg"}


def _runs():
    for (optimizer, hp), landscape, schedule, noise in itertools.product(
            CASES, ["rosenbrock", "himmelblau"], ["constant", "cosine"], [0.0, 1.0]):
        yield optimizer, hp, optim.simulate(optimizer, landscape, None, 40, noise=noise, schedule=schedule, **hp)


def _cancels(line, dial) -> bool:
    """A result much smaller than the numbers it comes from: no rounding of them can carry it."""
    biggest = max(abs(v) for v in line.inputs[dial].values())
    return abs(line.values[dial]) < 1e-6 * biggest


@pytest.mark.parametrize("optimizer", list(optim.OPTIMIZERS))
def test_the_numbers_shown_reproduce_the_recorded_turn(optimizer):
    checked = 0
    for key, _, run in _runs():
        if key != optimizer:
            continue
        table = run.to_frame()
        for step in range(1, steps.last_step(table) + 1):
            row, after = table.iloc[step - 1], table.iloc[step]
            lines = steps.explain(optimizer, run.hyperparameters, table, step)
            assert [line.kind for line in lines[-2:]] == ["update", "point"]
            for line in lines:
                digits = steps.digits_for(line)
                for dial, axis in enumerate("xy"):
                    value = line.values[dial]
                    # The arithmetic is the optimizer's own: at full precision it gives what the run recorded.
                    if line.recorded and math.isfinite(value):
                        assert line.computed(dial) == pytest.approx(value, rel=1e-9, abs=1e-300), line.symbol
                    recorded = {"update": row[f"update_{axis}"], "point": after[axis]}.get(line.kind)
                    if recorded is not None and math.isfinite(recorded):
                        resolution = 4 * sys.float_info.epsilon * max(abs(row[axis]), abs(after[axis]))
                        shown = float(steps.tex_number(value, steps.RESULT_DIGITS)
                                      .replace(r"\times10^{", "e").rstrip("}"))
                        assert abs(shown - recorded) <= steps.last_digit(recorded) + resolution, \
                            (optimizer, step, line.symbol, shown, recorded)
                    # Worked out by hand, the numbers shown give the result shown (or the line says ≈).
                    text = steps.render(line, dial, digits)
                    if steps.reproduces(line, dial, digits):
                        assert r"\approx" not in text
                    else:
                        assert r"\approx" in text and _cancels(line, dial), (optimizer, step, line.symbol)
                    checked += 1
    assert checked > 1000


def test_recorded_state_lines_are_the_runs_own_numbers():
    run = optim.simulate("adam", "rosenbrock", None, 30, amsgrad=True)
    table = run.to_frame()
    lines = {line.symbol: line for line in steps.explain("adam", run.hyperparameters, table, 12)}
    for symbol, name in STATE_OF.items():
        if symbol in lines:
            assert lines[symbol].values == (table[f"{name}_x"].iloc[11], table[f"{name}_y"].iloc[11])
    assert lines["g_t"].values == (table["grad_x"].iloc[11], table["grad_y"].iloc[11])


def test_adams_first_step_reads_like_the_textbook():
    run = optim.simulate("adam", "rosenbrock", None, 5)
    table = run.to_frame()
    lines = {line.symbol: line for line in steps.explain("adam", run.hyperparameters, table, 1)}
    g = table["grad_x"].iloc[0]
    m = steps.render(lines["m_t"], 0, 4)
    assert m == rf"m_t = 0.9\cdot0 + 0.1\cdot({steps.tex_number(g, 4)}) = {steps.tex_number(0.1 * g, 4)}"
    assert steps.render(lines[r"1-\beta_1^t"], 0, 4) == r"1-\beta_1^t = 1 - 0.9^{1} = 0.1"
    # After the bias correction the first step is the learning rate itself, against the click, per dial.
    turn = lines[r"\Delta\theta_t"].values
    assert turn == pytest.approx((-0.05 * np.sign(g), -0.05 * np.sign(table["grad_y"].iloc[0])), rel=1e-6)


def test_numbers_are_written_for_reading():
    assert steps.tex_number(16.2049, 4) == "16.20"
    assert steps.tex_number(0.9, 4) == "0.9"
    assert steps.tex_number(1 - 0.9, 4) == "0.1"
    assert steps.tex_number(1e-8, 4) == "10^{-8}"
    assert steps.tex_number(-3.2e-5, 4) == r"-3.2\times10^{-5}"
    assert steps.tex_number(-3.21234e-5, 4) == r"-3.212\times10^{-5}"
    assert steps.tex_number(123456.7, 4) == r"1.235\times10^{5}"
    assert steps.tex_number(math.inf, 4) == r"\infty" and steps.tex_number(math.nan, 4) == r"\text{NaN}"
    assert steps.tex_number(0.0, 4) == "0"


def test_a_step_outside_the_run_is_refused():
    run = optim.simulate("sgd", "bowl", None, 5)
    with pytest.raises(ValueError, match="step must be between 1 and 5"):
        steps.explain("sgd", run.hyperparameters, run.to_frame(), 6)


def test_the_last_step_worth_opening():
    calm = optim.simulate("sgd", "bowl", None, 20, lr=0.1)
    assert steps.last_step(calm.to_frame()) == 20
    wild = optim.simulate("sgd", "rosenbrock", None, 20, lr=1.0)
    assert steps.last_step(wild.to_frame()) == wild.diverged_at


def test_every_optimizer_has_an_explanation_and_every_landscape_a_step():
    assert {key for key, spec in optim.OPTIMIZERS.items() if spec.explain} == set(optim.OPTIMIZERS)
    for key in landscapes.LANDSCAPES:
        run = optim.simulate("adam", key, None, 3)
        assert steps.explain("adam", run.hyperparameters, run.to_frame(), 1)
