r"""The update rules: small pure functions, state in, state out, exactly as torch.optim documents them.

Every rule has the same shape::

    init(params, hp) -> state
    step(params, grad, state, hp, lr, t) -> (new_params, new_state)

`params` and `grad` are float64 arrays of shape (2, N): row 0 the x dial, row 1 the y dial, one column per
run, so a batch of N runs is one call. Each hyperparameter in `hp` is a float or an array of shape (N,),
which broadcasts across the columns; `lr` likewise (already scheduled for this step). `t` counts steps
from 1, as torch.optim's `state["step"]` does. Nothing the caller passed is modified in place.

Speed: a rule runs once per step, so its bodies work in place (`out=`, `+=`) on the arrays they have just
created themselves, never on an argument, and skip the work a switch turned off (a plain-number switch, or
a plain-number 0, picks one branch instead of computing both and choosing). Every such rewrite keeps the
same operations on the same operands (IEEE addition and multiplication are commutative, so `a += b` is
`b + a` bit for bit), which is how the paths still match torch.optim's and a batch its runs one by one.

The arithmetic follows torch.optim's single-tensor implementation operation for operation (for instance
Adam divides by :math:`\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon`, and updates :math:`m` with `lerp`), so a
path computed here matches PyTorch's in float64 to rounding, not just mathematically.

`derive(history, hp, lr, t)` turns a recorded history of states (arrays with a leading step axis) into
the quantities a learner wants to see but the rule does not need to keep, such as Adam's bias-corrected
:math:`\hat m_t` and the effective learning rate of each dial.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def _per_run(value) -> bool:
    """True for a hyperparameter given one per run (an array), False for one plain number."""
    return isinstance(value, np.ndarray) and value.ndim > 0


def _with_l2(grad, params, weight_decay):
    """g + λθ: weight decay as an L2 penalty folded into the gradient (torch's `weight_decay`).

    Returns `grad` itself when there is no decay, so the result must never be written to in place."""
    if not _per_run(weight_decay) and weight_decay == 0:
        return grad
    decayed = weight_decay * params
    decayed += grad
    return decayed


def _lerp(start, end, weight):
    """torch.lerp's arithmetic, so exponential averages round exactly as PyTorch's do: a new array."""
    step = end - start
    if _per_run(weight):
        return np.where(weight < 0.5, start + weight * step, end - step * (1 - weight))
    if weight < 0.5:
        step *= weight
        step += start
        return step
    step *= 1 - weight
    return np.subtract(end, step, out=step)


def _select(condition, if_true, if_false):
    """np.where that keeps plain numbers plain: a per-run switch or a single one."""
    if np.ndim(condition) == 0:
        return if_true if condition else if_false
    return np.where(condition, if_true, if_false)


def _descend(params, lr, direction, owned=False):
    """θ - η·d as a new array; `owned` says `direction` is this step's own scratch and may be overwritten."""
    update = np.multiply(lr, direction, out=direction if owned and direction.shape == params.shape else None)
    return np.subtract(params, update, out=update)


def _power(base, t):
    """base ** t through NumPy's array loop even for one number: libm's scalar pow can differ from it in
    the last bit, and a batch must round exactly as the same runs done one by one."""
    if isinstance(t, int) and isinstance(base, float):
        return _power_of_number(base, t)
    return np.power(np.atleast_1d(base), t)


@lru_cache(maxsize=1 << 14)
def _power_of_number(base: float, t: int) -> np.ndarray:
    """`_power` for one base and step, computed once: a run asks for the same β^t on every call."""
    result = np.power(np.atleast_1d(base), t)
    result.flags.writeable = False  # shared between callers
    return result


# --- SGD -------------------------------------------------------------------------------------------------

def sgd_init(params, hp):
    return {}


def sgd_step(params, grad, state, hp, lr, t):
    r"""Plain gradient descent.

    .. math::  g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}, \qquad \theta_t = \theta_{t-1} - \eta g_t
    """
    g = _with_l2(grad, params, hp["weight_decay"])
    return _descend(params, lr, g, owned=g is not grad), {}


# --- SGD with momentum (heavy ball) and Nesterov ---------------------------------------------------------

def momentum_init(params, hp):
    return {"buffer": np.zeros_like(params)}


def momentum_step(params, grad, state, hp, lr, t, nesterov=False):
    r"""SGD with momentum, in PyTorch's convention (not Sutskever's: the lr multiplies the buffer).

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        b_t &= g_t \ \text{at}\ t = 1, \quad \text{else}\ \mu b_{t-1} + (1-\tau) g_t \\
        \theta_t &= \theta_{t-1} - \eta\, b_t \quad (\text{Nesterov: } \theta_{t-1} - \eta\,(g_t + \mu b_t))

    Dampening τ is skipped on the first step, where the buffer starts as the gradient itself. With μ = 0
    the buffer is not used at all, exactly as torch.optim.SGD ignores it.
    """
    g = _with_l2(grad, params, hp["weight_decay"])
    mu, dampening = hp["momentum"], hp["dampening"]
    if t == 1:
        buffer = g
    else:
        buffer = mu * state["buffer"]
        # (1 - 0) * g is g exactly, so an undamped buffer skips the multiplication.
        buffer += g if not _per_run(dampening) and dampening == 0 else (1 - dampening) * g
    if _per_run(mu):
        direction = np.where(mu == 0, g, g + mu * buffer if nesterov else buffer)
        return _descend(params, lr, direction, owned=True), {"buffer": buffer}
    if mu == 0:
        return _descend(params, lr, g), {"buffer": buffer}
    if nesterov:
        ahead = mu * buffer
        ahead += g
        return _descend(params, lr, ahead, owned=True), {"buffer": buffer}
    return _descend(params, lr, buffer), {"buffer": buffer}


def nesterov_step(params, grad, state, hp, lr, t):
    return momentum_step(params, grad, state, {**hp, "dampening": 0.0}, lr, t, nesterov=True)


# --- AdaGrad ---------------------------------------------------------------------------------------------

def adagrad_init(params, hp):
    return {"sum": np.zeros_like(params) + hp["initial_accumulator_value"]}


def adagrad_step(params, grad, state, hp, lr, t):
    r"""AdaGrad: each dial's step shrinks with the sum of every click it has heard.

    .. math::
        \tilde\eta_t = \frac{\eta}{1 + (t-1)\,\delta}, \quad
        s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}

    with δ the `lr_decay`, :math:`s_0` the `initial_accumulator_value`, and ε added outside the root.
    """
    g = _with_l2(grad, params, hp["weight_decay"])
    clr = lr / (1 + (t - 1) * hp["lr_decay"])
    total = g * g
    total += state["sum"]
    scaled = np.sqrt(total)
    scaled += hp["eps"]
    np.divide(g, scaled, out=scaled)
    return _descend(params, clr, scaled, owned=True), {"sum": total}


def adagrad_derive(history, hp, lr, t):
    clr = lr / (1 + (t - 1) * hp["lr_decay"])
    return {"effective_lr": clr / (np.sqrt(history["sum"]) + hp["eps"])}


# --- RMSprop ---------------------------------------------------------------------------------------------

def rmsprop_init(params, hp):
    zeros = np.zeros_like(params)
    return {"square_avg": zeros, "grad_avg": zeros, "buffer": zeros}


def _rmsprop_denominator(square_avg, grad_avg, centered, eps):
    """√ṽ + ε as a new array."""
    if _per_run(centered) or centered:
        with np.errstate(invalid="ignore"):
            variance = square_avg - grad_avg * grad_avg
        root = np.sqrt(_select(centered, variance, square_avg))
    else:
        root = np.sqrt(square_avg)
    root += eps
    return root


def rmsprop_step(params, grad, state, hp, lr, t):
    r"""RMSprop: divide each click by the root of a running average of recent squared clicks.

    .. math::
        v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2 \\
        \tilde v_t &= v_t - \bar g_t^2 \ \text{(centered, with}\ \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t)
                     \quad\text{else}\ v_t \\
        b_t &= \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \qquad \theta_t = \theta_{t-1} - \eta b_t
              \quad (\mu = 0:\ \theta_t = \theta_{t-1} - \eta\,\tfrac{g_t}{\sqrt{\tilde v_t} + \epsilon})

    ε sits outside the square root, as in PyTorch (TensorFlow puts it inside).
    """
    g = _with_l2(grad, params, hp["weight_decay"])
    alpha, mu, centered = hp["alpha"], hp["momentum"], hp["centered"]
    square_avg = alpha * state["square_avg"]
    loudness = g * g
    loudness *= 1 - alpha
    square_avg += loudness
    grad_avg = _lerp(state["grad_avg"], g, 1 - alpha) if np.any(centered) else state["grad_avg"]
    scaled = _rmsprop_denominator(square_avg, grad_avg, centered, hp["eps"])
    np.divide(g, scaled, out=scaled)
    # Like torch, a hand without momentum keeps no buffer: it stays as it was (zeros), per run too.
    if _per_run(mu):
        swing = mu * state["buffer"]
        swing += scaled
        buffer = np.where(mu > 0, swing, state["buffer"])
        direction = np.where(mu > 0, buffer, scaled)
    elif mu > 0:
        buffer = mu * state["buffer"]
        buffer += scaled
        direction = buffer
    else:
        buffer, direction = state["buffer"], scaled
    new_params = _descend(params, lr, direction, owned=direction is scaled)
    return new_params, {"square_avg": square_avg, "grad_avg": grad_avg, "buffer": buffer}


def rmsprop_derive(history, hp, lr, t):
    denominator = _rmsprop_denominator(history["square_avg"], history["grad_avg"], hp["centered"], hp["eps"])
    return {"effective_lr": lr / denominator}


# --- Adam and AdamW --------------------------------------------------------------------------------------

def adam_init(params, hp):
    zeros = np.zeros_like(params)
    return {"m": zeros, "v": zeros, "v_max": zeros}


def adam_step(params, grad, state, hp, lr, t, decoupled=False):
    r"""Adam, with weight decay as an L2 term in the gradient (AdamW: decoupled, see `adamw_step`).

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}
            \quad (\text{AMSGrad: } \hat v_t = \frac{\max(v_1,\dots,v_t)}{1-\beta_2^t}) \\
        \theta_t &= \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    ε sits outside the square root and is added after the bias correction, as in PyTorch.
    """
    b1, b2 = hp["beta1"], hp["beta2"]
    if decoupled:
        params = params * (1 - lr * hp["weight_decay"])
        g = grad
    else:
        g = _with_l2(grad, params, hp["weight_decay"])
    m = _lerp(state["m"], g, 1 - b1)
    v = b2 * state["v"]
    loudness = g * g
    loudness *= 1 - b2
    v += loudness
    amsgrad = hp["amsgrad"]
    if _per_run(amsgrad):
        v_max = np.where(amsgrad, np.maximum(state["v_max"], v), state["v_max"])
        v_used = np.where(amsgrad, v_max, v)
    elif amsgrad:
        v_max = v_used = np.maximum(state["v_max"], v)
    else:
        v_max, v_used = state["v_max"], v
    denominator = np.sqrt(v_used)
    denominator /= np.sqrt(1 - _power(b2, t))
    denominator += hp["eps"]
    step_size = lr / (1 - _power(b1, t))
    np.divide(m, denominator, out=denominator)
    return _descend(params, step_size, denominator, owned=True), {"m": m, "v": v, "v_max": v_max}


def adamw_step(params, grad, state, hp, lr, t):
    r"""AdamW: Adam whose weight decay shrinks the dials directly instead of entering the gradient.

    .. math::
        \theta' = \theta_{t-1} - \eta\lambda\theta_{t-1}, \qquad
        \theta_t = \theta' - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`m_t, v_t, \hat m_t, \hat v_t` exactly as in Adam (the gradient itself carries no λθ).
    """
    return adam_step(params, grad, state, hp, lr, t, decoupled=True)


def adam_derive(history, hp, lr, t):
    b1, b2, amsgrad = hp["beta1"], hp["beta2"], hp["amsgrad"]
    v_used = np.where(amsgrad, history["v_max"], history["v"])
    m_hat = history["m"] / (1 - b1**t)
    v_hat = v_used / (1 - b2**t)
    return {"m_hat": m_hat, "v_hat": v_hat, "effective_lr": lr / (np.sqrt(v_hat) + hp["eps"])}
