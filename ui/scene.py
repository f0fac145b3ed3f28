"""The scene's sidebar: which vault, which hand, which settings, as widgets bound to the URL; the answer is a
`lab.scene.Scene`, the frozen names and numbers the cached runs take."""

from __future__ import annotations

import unicodedata

import numpy as np
import streamlit as st

import landscapes
import optim
from lab.scene import CUSTOM, Scene, surface_or_refusal
from optim.tuning import ladder_for
from ui import runs, url_state
from ui.url_state import Setting

DEFAULT_EXPRESSION = "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
STEPS = (10, 1000)
_REFUSAL = "_formula_refusal"
NOISE_LEVELS = (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def lr_options(spec: optim.OptimizerSpec, current: float | None = None) -> list[float]:
    """The rungs of the spec's lr ladder (1, 2, 3, 5 and 7 per decade), with the current value among them."""
    options = [float(v) for v in ladder_for(spec)]
    if current is not None and current not in options:
        options = sorted({*options, current})
    return options


def format_number(value: float) -> str:
    return f"{float(value):.4g}"


# --- URL settings --------------------------------------------------------------------------------------

def landscape_settings(default_landscape: str = "rosenbrock") -> list[Setting]:
    keys = [*landscapes.LANDSCAPES, CUSTOM]
    return [
        url_state.choice("landscape", default_landscape, keys),
        url_state.text("expression", DEFAULT_EXPRESSION),
        url_state.number("x_min", -3.0, -1e4, 1e4), url_state.number("x_max", 3.0, -1e4, 1e4),
        url_state.number("y_min", -3.0, -1e4, 1e4), url_state.number("y_max", 3.0, -1e4, 1e4),
    ]


def hyperparameter_settings(spec: optim.OptimizerSpec, prefix: str = "", lr: float | None = None) -> list[Setting]:
    """URL settings for each of `spec`'s hyperparameters; `lr` replaces the spec's default learning rate."""
    settings = []
    for h in spec.hyperparameters:
        key = prefix + h.name
        if h.is_switch:
            settings.append(url_state.switch(key, bool(h.default)))
        elif h.name == "lr":
            settings.append(url_state.number(key, float(h.default if lr is None else lr), 1e-8, 100.0))
        else:
            settings.append(url_state.number(key, float(h.default), h.low, h.high))
    return settings


def run_settings(default_steps: int = 200) -> list[Setting]:
    return [
        url_state.number("steps", default_steps, *STEPS, integer=True),
        url_state.number("start_x", np.nan, -1e4, 1e4), url_state.number("start_y", np.nan, -1e4, 1e4),
        url_state.number("noise", 0.0, 0.0, 100.0),
        url_state.number("seed", 0, 0, 2**31 - 1, integer=True),
        url_state.choice("schedule", "constant", list(optim.SCHEDULES)),
    ]


# --- widgets -------------------------------------------------------------------------------------------

def landscape_picker(container=st) -> tuple[str, str, tuple]:
    """Landscape select (with "your own formula"); returns (key, expression, bounds)."""
    key = container.selectbox(
        "Vault (loss landscape)", [*landscapes.LANDSCAPES, CUSTOM], key="landscape",
        format_func=lambda k: "Your own formula…" if k == CUSTOM else landscapes.LANDSCAPES[k].title,
        on_change=_new_vault,
        help="The surface the hand explores. Each vault teaches something different; pick 'Your own formula' "
             "to type one in.")
    if key != CUSTOM:
        return key, "", landscapes.LANDSCAPES[key].bounds
    return (key, *expression_box(container))


def expression_box(container=st) -> tuple[str, tuple]:
    """The formula box, its bounds and the example formulas one click away."""
    container.text_input("Loss f(x, y) =", key="expression", max_chars=300, on_change=_reset_start,
                         help="Use x and y, numbers, + - * / ^, parentheses, pi, e and sin, cos, tan, exp, log, "
                              "sqrt, abs, tanh, sinh, cosh, arctan.")
    with container.popover("Examples: one click away", width="stretch"):
        for label, formula in landscapes.expression.EXAMPLES:
            st.button(f"{label}: `{formula}`", key=f"example_{label}", on_click=_set_expression,
                      args=(formula,), width="stretch")
    x_cols = container.columns(2)
    x_cols[0].number_input("x from", key="x_min", step=0.5, on_change=_reset_start)
    x_cols[1].number_input("x to", key="x_max", step=0.5, on_change=_reset_start)
    y_cols = container.columns(2)
    y_cols[0].number_input("y from", key="y_min", step=0.5, on_change=_reset_start)
    y_cols[1].number_input("y to", key="y_max", step=0.5, on_change=_reset_start)
    bounds = ((float(st.session_state.x_min), float(st.session_state.x_max)),
              (float(st.session_state.y_min), float(st.session_state.y_max)))
    return st.session_state.expression, bounds


def _set_expression(formula: str) -> None:
    st.session_state.expression = formula
    _reset_start()


def _new_vault() -> None:
    """Another vault: its own start, and a learning rate suited to it."""
    _reset_start()
    st.session_state.pop("lr", None)


def _reset_start() -> None:
    st.session_state.start_x = np.nan
    st.session_state.start_y = np.nan


def knob_label(h) -> str:
    """A knob's label in words and its plain-text symbol ("weight decay λ"): what a screen reader reads
    aloud too, so no raw LaTeX; a knob without a plain symbol is named in words only."""
    words = h.name.replace("_", " ")
    symbol = "" if h.is_switch else h.plain_symbol
    # torch's name is sometimes the symbol itself (Adafactor's d, ASGD's t0): say it once.
    if unicodedata.normalize("NFKC", symbol) == words:
        symbol = ""
    return f"{words} {symbol}" if symbol else words


def hyperparameter_sliders(spec: optim.OptimizerSpec, prefix: str = "", container=st) -> dict:
    """One widget per hyperparameter of `spec`, keys `<prefix><name>`; returns {name: value}."""
    values = {}
    for h in spec.hyperparameters:
        key = prefix + h.name
        label = knob_label(h)
        # Widgets take their value from the session (seeded from the URL), never from a `value=` argument.
        st.session_state.setdefault(key, h.default if h.is_switch else float(h.default))
        if h.is_switch:
            values[h.name] = container.toggle(label, key=key, help=h.help)
        elif h.name == "lr":
            options = lr_options(spec, float(st.session_state[key]))
            values[h.name] = container.select_slider(
                "learning rate η, log scale", options=options, key=key, format_func=format_number,
                help=h.help)
        elif h.log:
            options = [float(v) for v in np.logspace(np.log10(h.low), np.log10(h.high), 10)]
            current = float(st.session_state.get(key, h.default))
            options = sorted({*options, current})
            values[h.name] = container.select_slider(label, options=options, key=key, format_func=format_number,
                                                     help=h.help)
        else:
            step = 0.001 if h.high <= 1 else 0.01
            values[h.name] = container.slider(label, float(h.low), float(h.high), key=key, step=step,
                                              format="%.3f" if h.high <= 1 else "%.2f", help=h.help)
    return values


def start_sliders(surface: landscapes.Landscape, container=st) -> tuple[float, float]:
    """Start point sliders over the bounds; NaN (the default) means the landscape's own story start."""
    (x0, x1), (y0, y1) = surface.bounds
    for key, low, high, default in (("start_x", x0, x1, surface.start[0]), ("start_y", y0, y1, surface.start[1])):
        value = st.session_state.get(key, np.nan)
        if value is None or not np.isfinite(value) or not low <= value <= high:
            if value is not None and np.isfinite(value):
                st.warning(f"Ignored {key}={value:g}, which lies outside this vault's bounds [{low:g}, {high:g}]; "
                           "using the vault's own start instead.", icon=":material/warning:")
            st.session_state[key] = float(default)
    sx = container.slider("start x (first dial)", float(x0), float(x1), key="start_x", step=_slider_step(x1 - x0),
                          help="Where the hand starts on the first dial. Tip: click the map to set both.")
    sy = container.slider("start y (second dial)", float(y0), float(y1), key="start_y", step=_slider_step(y1 - y0),
                          help="Where the hand starts on the second dial.")
    return float(sx), float(sy)


def _slider_step(extent: float) -> float:
    """A round step giving a start slider at least 200 positions across its dial."""
    return float(10 ** np.floor(np.log10(extent / 200)))


def run_controls(container=st, *, steps: bool = True, extras: bool = True) -> dict:
    out = {}
    if steps:
        out["steps"] = container.slider("steps", *STEPS, key="steps", step=10,
                                        help="How many clicks the hand gets before it has to stop.")
    if extras:
        with container.expander("Noise and schedule"):
            st.session_state.noise = min(NOISE_LEVELS, key=lambda v: abs(v - st.session_state.get("noise", 0)))
            out["noise"] = st.select_slider(
                "gradient noise (std)", NOISE_LEVELS, key="noise", format_func=format_number,
                help="Random error added to every click, as a mini-batch gives instead of the full loss. "
                     "Momentum averages it out; plain SGD jitters.")
            out["seed"] = st.number_input("noise seed", 0, 2**31 - 1, key="seed", step=1,
                                          help="The same seed replays the same noise.")
            out["schedule"] = st.selectbox(
                "learning-rate schedule", list(optim.SCHEDULES), key="schedule",
                format_func=lambda k: optim.SCHEDULES[k].title,
                help="How the reach changes over the run: " + "; ".join(
                    f"{s.title}: {s.description.lower()}" for s in optim.SCHEDULES.values()))
    return out


def refusal() -> str:
    """Why the formula of this run of `scene_controls` was refused."""
    return st.session_state.get(_REFUSAL) or "That formula can't be used."


def _reset_hyperparameters() -> None:
    """A new hand starts from its own defaults, not from the last hand's settings."""
    for spec in optim.OPTIMIZERS.values():
        for name in spec.names:
            st.session_state.pop(name, None)


def scene_controls(page: str, *, default_landscape: str = "rosenbrock", default_optimizer: str = "adam",
                   default_steps: int = 200, extra: tuple[Setting, ...] = ()) -> Scene | None:
    """The whole sidebar of a one-optimizer page (Crack the safe, Inside the hand); `extra` are the page's own
    settings that share the address bar with the scene (Inside the hand's `step`).

    Returns the scene, or None when the learner's formula is refused (the reason is shown by the box, and
    given by `refusal()` for the page).
    """
    chosen = url_state.pending_choice("optimizer", default_optimizer, optim.OPTIMIZERS)
    spec = optim.OPTIMIZERS[chosen]
    vault_key = url_state.pending_choice("landscape", default_landscape, [*landscapes.LANDSCAPES, CUSTOM])
    lr = runs.suggested_lr(chosen, vault_key, default_steps)
    vault = landscape_settings(default_landscape)
    hand = [url_state.choice("optimizer", default_optimizer, list(optim.OPTIMIZERS)),
            *hyperparameter_settings(spec, lr=lr)]
    run = run_settings(default_steps)
    url_state.restore(page, [*vault, *hand, *run, *extra])
    url_state.show_problems(page)

    sidebar = st.sidebar
    sidebar.header("The vault")
    key, expression, bounds = landscape_picker(sidebar)
    surface = surface_or_refusal(key, expression, bounds)
    if isinstance(surface, str):
        sidebar.error(surface, icon=":material/front_hand:")
    st.session_state[_REFUSAL] = surface if isinstance(surface, str) else None
    sidebar.header("The hand")
    optimizer = sidebar.selectbox("Optimizer", list(optim.OPTIMIZERS), key="optimizer",
                                  format_func=lambda k: optim.OPTIMIZERS[k].title,
                                  on_change=_reset_hyperparameters,
                                  help="Which hand turns the dials. Each keeps a different memory of the clicks.")
    hp = hyperparameter_sliders(optim.OPTIMIZERS[optimizer], container=sidebar)
    sidebar.header("The run")
    extras = run_controls(sidebar)
    start = None if isinstance(surface, str) else start_sliders(surface, sidebar)
    shown = vault if key == CUSTOM else vault[:1]
    url_state.publish(page, [*shown, *hand, *run, *extra])
    if start is None:
        return None
    return Scene(key, expression, bounds, optimizer, tuple(hp.items()), extras["steps"], start,
                 float(extras["noise"]), int(extras["seed"]), extras["schedule"])
