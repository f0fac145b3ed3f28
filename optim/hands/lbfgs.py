r"""L-BFGS: a hand that builds a picture of the vault's curvature from its last few turns and clicks.

One shown step is one call of torch.optim.LBFGS's `step(closure)` with `max_iter=1`, reproduced operation
for operation (float64), vectorised over runs::

    stop  if max |g_t| <= tolerance_grad                 (counts one evaluation, changes nothing else)
    d_t = −g_t                                           on a run's first step; else
          y = g_t − g_prev,  s = t_prev · d_prev,  keep (y, s, 1/yᵀs) if yᵀs > 1e-10
          (dropping the oldest pair beyond history_size; H_diag = yᵀs / yᵀy),
          d_t = −H g_t by the two-loop recursion with H₀ = H_diag · I
    t   = min(1, 1/‖g_t‖₁) · lr on the first step, lr after it
    stop  if g_tᵀ d_t > −tolerance_change                (no turn, the memory is still updated)
    t  ← a strong-Wolfe line search from t (line_search_fn="strong_wolfe"; c1 = 1e-4, c2 = 0.9,
         at most max_eval − 1 trial points, the zoom ending once the bracket is under 1e-9: torch's
         fixed tolerance, not tolerance_change), else t as it is
    θ_t = θ_{t-1} + t · d_t

Conventions worth knowing:

- With `max_iter=1` torch's default `max_eval` is `max_iter * 5 // 4 = 1`, which leaves its line search
  a single trial point: it then takes the step only if the loss went down, else stays put. `max_eval` is
  a hyperparameter here (teaching default 25) so the line search can actually search.
- `func_evals` counts evaluations as torch's `state["func_evals"]`: one per step for the click the step
  starts from (also on a step that stops early) plus one per trial point of the line search.
- The line search evaluates the vault through `closure` (see `optim.simulate`), noise-free; the click the
  step starts from is the one `simulate` passes in, noise included.
- Per-run counters (`func_evals`, `t`) are stored on both dials so they fit the (2, N) state layout; the
  memory of pairs (`old_dirs`, `old_stps`, `ro`), shape (history, 2, N), is not recorded per step.
- torch adds `t·d` and the two-loop corrections with fused multiply-adds on CPUs that have them (all
  current x86-64 and ARM ones); `optim.hands._fused` rounds them the same way. Where torch's autograd
  click equals ours (Himmelblau, the ravine) paths are bit for bit; elsewhere they part at the last bit.
- Inside its line search torch mixes Python floats and 0-dim tensors, and `float / tensor` is computed
  as `reciprocal(tensor) * float`, rounding twice; which step lengths are tensors depends on the branch
  taken. `_strong_wolfe` tracks that per run, so even the cubic interpolation rounds as torch's does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optim.hands._fused import fused_multiply_add
from optim.hyperparameters import NON_NEGATIVE, SWITCH, Bounded, Hyperparameter, NamedSwitch, lr
from optim.spec import MapAxis, OptimizerSpec

if TYPE_CHECKING:
    from optim.explain import Step

CURVATURE_FLOOR = 1e-10  # torch keeps a (y, s) pair only if yᵀs exceeds this
C1, C2 = 1e-4, 0.9  # torch's sufficient-decrease and curvature constants for the strong Wolfe conditions
# torch's step() calls _strong_wolfe without passing its tolerance_change, so the zoom always ends at the
# function's own default, whatever the optimizer was given.
ZOOM_TOLERANCE = 1e-9


WORDS = {
    "silent": "**The click is silent.** Every dial's click is at most the gradient tolerance: L-BFGS stops "
              "here and does not turn (it still counts the evaluation).",
    "first": "**The first direction (d).** Nothing surveyed yet: straight downhill, against the click.",
    "direction": "**The surveyed direction (d).** From its last turns and how the clicks changed along them, "
                 "the two-loop recursion sketches the vault's curvature and points where the sketch's bottom "
                 "is. The pairs it draws on are not in the table; this is the direction the step computed.",
    "slope": "**Does d lead downhill?** The click along the direction: negative means the loss falls that way. "
             "If it is not clearly negative, the hand stops.",
    "guess_first": "**The first stride to try.** η, but no more than one over the clicks' total size, so the "
                   "very first trial is not thrown far by a loud click.",
    "guess": "**The stride to try.** η: a full step to where the sketch says the bottom is.",
    "searched": "**The stride chosen.** The line search tried points along d and took one where the loss fell "
                "enough and the slope flattened (strong Wolfe).",
    "fixed": "**The stride.** No line search: the stride to try is the stride taken.",
    "evals": "**Evaluations this step.** How many times the vault was listened to: the click the step starts "
             "from plus every trial point of the line search.",
    "turn": "**The turn.** The stride times the direction.",
    "still": "**No turn.** The direction does not lead downhill by more than the tolerance: the hand stays put.",
}


def _explain(s: Step) -> tuple:
    lr, g = s.eta()[0], s.gradient()
    s.add(r"n^{\text{eval}}_t", r"\text{evals}_t - \text{evals}_{t-1}", WORDS["evals"], "[now] - [before]",
          {"now": s.now("func_evals"), "before": s.before("func_evals")}, lambda now, before: now - before,
          shared=True)
    if max(abs(v) for v in g) <= float(s.hp["tolerance_grad"]):
        s.add(r"\max|g_t|", "", WORDS["silent"], r"\max(|[gx]|, |[gy]|)", {"gx": g[0], "gy": g[1]},
              lambda gx, gy: max(abs(gx), abs(gy)), shared=True)
        return s.turn("0", WORDS["still"], "0", {}, lambda: 0.0)
    first = s.t == 1 or s.before("func_evals")[0] == 0
    if first:
        d = s.add("d_t", "-g_t", WORDS["first"], "-<g>", {"g": g}, lambda g: -g, s.now("d"))
    else:
        d = s.add("d_t", r"-H_t\, g_t", WORDS["direction"], "[d]", {"d": s.now("d")}, lambda d: d, s.now("d"))
    slope = s.add(r"g_t^\top d_t", "", WORDS["slope"], r"<gx>\cdot<dx> + <gy>\cdot<dy>",
                  {"gx": g[0], "dx": d[0], "gy": g[1], "dy": d[1]}, lambda gx, dx, gy, dy: gx * dx + gy * dy,
                  shared=True)
    if first:
        guess = s.add(r"t^{(0)}_t", r"\min(1,\ 1/\lVert g_t \rVert_1)\, \eta", WORDS["guess_first"],
                      r"\min(1,\ 1/(|[gx]| + |[gy]|))\cdot[eta]", {"gx": g[0], "gy": g[1], "eta": lr},
                      lambda gx, gy, eta: min(1.0, 1 / (abs(gx) + abs(gy))) * eta, shared=True)
    else:
        guess = s.add(r"t^{(0)}_t", r"\eta", WORDS["guess"], "[eta]", {"eta": lr}, lambda eta: eta, shared=True)
    if not slope[0] <= -float(s.hp["tolerance_change"]):
        return s.turn("0", WORDS["still"], "0", {}, lambda: 0.0)
    if s.hp["line_search_fn"]:
        stride = s.add("t_t", r"\text{line search from } t^{(0)}_t", WORDS["searched"], "[t]",
                       {"t": s.now("t")}, lambda t: t, s.now("t"), shared=True)
    else:
        stride = s.add("t_t", r"t^{(0)}_t", WORDS["fixed"], "[t]", {"t": guess}, lambda t: t, s.now("t"),
                       shared=True)
    return s.turn(r"t_t\, d_t", WORDS["turn"], r"[t]\cdot<d>", {"t": stride, "d": d}, lambda t, d: t * d)
def _dot(a, b):
    """Per-run dot product over the dials: on two, in torch's order (no fused multiply-add); on a network's
    flattened parameters, a sum over all of them (torch's BLAS `dot` orders it its own way)."""
    if a.shape[0] == 2:
        return a[0] * b[0] + a[1] * b[1]
    return np.einsum("ij,ij->j", a, b)


def _max_abs(a):
    if a.shape[0] == 2:
        return np.maximum(np.abs(a[0]), np.abs(a[1]))
    return np.abs(a).max(axis=0)


def _sum_abs(a):
    if a.shape[0] == 2:
        return np.abs(a[0]) + np.abs(a[1])
    return np.abs(a).sum(axis=0)


def _py_max(a, b):
    """Python's max(a, b): b only if b > a (so a NaN b loses)."""
    return np.where(b > a, b, a)


def _py_min(a, b):
    return np.where(b < a, b, a)


def lbfgs_init(params, hp):
    n_runs = params.shape[1]
    capacity = int(np.max(hp["history_size"]))
    zeros = np.zeros_like(params)
    return {"d": zeros, "t": zeros, "prev_flat_grad": zeros, "func_evals": zeros,
            "old_dirs": np.zeros((capacity, *params.shape)), "old_stps": np.zeros((capacity, *params.shape)),
            "ro": np.zeros((capacity, n_runs)), "memory": np.zeros(n_runs, dtype=np.int64),
            "H_diag": np.ones(n_runs), "n_iter": np.zeros(n_runs, dtype=np.int64)}


def _remember(state, y, s, ys, keep, history_size):
    """Append (y, s, 1/yᵀs) for the runs in `keep`, dropping the oldest pair where the memory is full."""
    old_dirs, old_stps, ro, count = state["old_dirs"], state["old_stps"], state["ro"], state["memory"]
    full = keep & (count == history_size)
    old_dirs = np.where(full[None, None], np.roll(old_dirs, -1, axis=0), old_dirs)
    old_stps = np.where(full[None, None], np.roll(old_stps, -1, axis=0), old_stps)
    ro = np.where(full[None], np.roll(ro, -1, axis=0), ro)
    count = np.where(full, count - 1, count)
    runs = np.flatnonzero(keep)
    slot = count[runs]
    old_dirs[slot, :, runs], old_stps[slot, :, runs] = y[:, runs].T, s[:, runs].T
    ro[slot, runs] = 1.0 / ys[runs]  # ys > 1e-10 for every kept run
    return old_dirs, old_stps, ro, np.where(keep, count + 1, count)


def _two_loop(g, old_dirs, old_stps, ro, count, h_diag):
    """−H g by the two-loop recursion over each run's own number of remembered pairs."""
    q = -g
    alphas = np.zeros((max(int(count.max(initial=0)), 0), g.shape[1]))
    for i in range(alphas.shape[0] - 1, -1, -1):
        used = i < count
        alphas[i] = _dot(old_stps[i], q) * ro[i]
        q = np.where(used, fused_multiply_add(-alphas[i], old_dirs[i], q), q)
    r = q * h_diag
    for i in range(alphas.shape[0]):
        used = i < count
        beta = _dot(old_dirs[i], r) * ro[i]
        r = np.where(used, fused_multiply_add(alphas[i] - beta, old_stps[i], r), r)
    return r


def _cubic_minimum(x1, f1, g1, x2, f2, g2, x_tensor, low=None, high=None):
    """Minimiser of the cubic through two points with values and slopes, clamped to [low, high]
    (default: between the points), or the middle of that range when the cubic has no minimum.

    torch mixes Python floats and 0-dim tensors here, and `float / tensor` is computed as
    `tensor.reciprocal() * float` (two roundings). So each step length carries a flag, "is a tensor in
    torch": `x_tensor` (x1, x2), `low`/`high` as (value, flag) pairs. Returns (value, flag).
    """
    x1_tensor, x2_tensor = x_tensor
    if low is None:
        ordered = x1 <= x2
        low = (np.where(ordered, x1, x2), np.where(ordered, x1_tensor, x2_tensor))
        high = (np.where(ordered, x2, x1), np.where(ordered, x2_tensor, x1_tensor))
    (low, low_tensor), (high, high_tensor) = low, high
    rise = 3 * (f1 - f2)
    run = x1 - x2
    d1 = g1 + g2 - np.where(x1_tensor | x2_tensor, (1.0 / run) * rise, rise / run)
    d2_square = d1 * d1 - g1 * g2
    d2 = np.sqrt(np.where(d2_square >= 0, d2_square, 0.0))
    position = np.where(x1 <= x2, x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)),
                        x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2)))
    # Python's max(position, low) then min(., high): which object wins decides the flag (position is a tensor).
    raised = _py_max(position, low)
    raised_tensor = np.where(low > position, low_tensor, True)
    clamped = _py_min(raised, high)
    clamped_tensor = np.where(high < raised, high_tensor, raised_tensor)
    has_minimum = d2_square >= 0
    return (np.where(has_minimum, clamped, (low + high) / 2.0),
            np.where(has_minimum, clamped_tensor, low_tensor | high_tensor))


def _strong_wolfe(closure, x, t, t_tensor, d, f, gtd, searching, tolerance_change, max_ls):
    """torch's `_strong_wolfe` for every run in `searching` at once: each loop turn moves the runs still
    searching, the others keep their values. Returns the step length and the number of evaluations.

    `t_tensor` says where torch's initial step length is a 0-dim tensor rather than a float (see
    `_cubic_minimum`); the flag travels with every trial step length and bracket end.
    """
    cols = np.arange(x.shape[1])
    d_norm = _max_abs(d)
    f_new, g_new = closure(fused_multiply_add(t, d, x))
    evaluations = searching.astype(np.int64)
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, gtd_prev = np.zeros_like(t), f, gtd
    t_prev_tensor = np.zeros(x.shape[1], dtype=bool)  # torch starts from the int 0
    ls_iter = np.zeros(x.shape[1], dtype=np.int64)
    bracket, bracket_f, bracket_gtd = (np.full((2, x.shape[1]), np.nan) for _ in range(3))
    bracket_tensor = np.zeros((2, x.shape[1]), dtype=bool)
    done = np.zeros(x.shape[1], dtype=bool)
    bracketing = searching.copy()
    while True:  # bracket an interval that holds a point satisfying the strong Wolfe conditions
        live = bracketing & (ls_iter < max_ls)
        if not live.any():
            break
        too_high = (f_new > f + C1 * t * gtd) | ((ls_iter > 1) & (f_new >= f_prev))
        wolfe = ~too_high & (np.abs(gtd_new) <= -C2 * gtd)
        pair = live & (too_high | (~wolfe & (gtd_new >= 0)))
        single = live & wolfe
        bracket = np.where(pair, (t_prev, t), np.where(single, (t, t), bracket))
        bracket_tensor = np.where(pair, (t_prev_tensor, t_tensor), np.where(single, (t_tensor, t_tensor),
                                                                             bracket_tensor))
        bracket_f = np.where(pair, (f_prev, f_new), np.where(single, (f_new, f_new), bracket_f))
        bracket_gtd = np.where(pair, (gtd_prev, gtd_new), bracket_gtd)
        done |= single
        bracketing &= ~(pair | single)
        going = live & ~(pair | single)
        if not going.any():
            continue
        t_next, t_next_tensor = _cubic_minimum(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (t_prev_tensor, t_tensor),
            (t + 0.01 * (t - t_prev), t_tensor | t_prev_tensor), (t * 10, t_tensor))
        t_prev, f_prev, gtd_prev, t_prev_tensor = (
            np.where(going, a, b) for a, b in ((t, t_prev), (f_new, f_prev), (gtd_new, gtd_prev),
                                                (t_tensor, t_prev_tensor)))
        t, t_tensor = np.where(going, t_next, t), np.where(going, t_next_tensor, t_tensor)
        f_try, g_try = closure(fused_multiply_add(t, d, x))
        f_new, gtd_new = np.where(going, f_try, f_new), np.where(going, _dot(g_try, d), gtd_new)
        evaluations += going
        ls_iter += going
    # Runs still bracketing used up their evaluations: the bracket is [0, t].
    bracket = np.where(bracketing, (np.zeros_like(t), t), bracket)
    bracket_tensor = np.where(bracketing, (np.zeros_like(t_tensor), t_tensor), bracket_tensor)
    bracket_f = np.where(bracketing, (f, f_new), bracket_f)
    low = np.where(bracket_f[0] <= bracket_f[1], 0, 1)
    insufficient = np.zeros(x.shape[1], dtype=bool)
    zooming = searching & ~done & (ls_iter < max_ls)
    while True:  # zoom: shrink the bracket until a point satisfies them
        live = zooming & ~done & (ls_iter < max_ls)
        live &= ~(np.abs(bracket[1] - bracket[0]) * d_norm < tolerance_change)
        zooming &= live
        if not live.any():
            break
        t_try, t_try_tensor = _cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                                             bracket_gtd[1], bracket_tensor)
        top, bottom = _py_max(bracket[0], bracket[1]), _py_min(bracket[0], bracket[1])
        top_tensor = np.where(bracket[1] > bracket[0], bracket_tensor[1], bracket_tensor[0])
        bottom_tensor = np.where(bracket[1] < bracket[0], bracket_tensor[1], bracket_tensor[0])
        margin = 0.1 * (top - bottom)
        near_edge = _py_min(top - t_try, t_try - bottom) < margin
        pushed = near_edge & (insufficient | (t_try >= top) | (t_try <= bottom))
        nearer_top = np.abs(t_try - top) < np.abs(t_try - bottom)
        t_try = np.where(pushed, np.where(nearer_top, top - margin, bottom + margin), t_try)
        t_try_tensor = np.where(pushed, top_tensor | bottom_tensor, t_try_tensor)
        insufficient = np.where(live, near_edge & ~pushed, insufficient)
        t, t_tensor = np.where(live, t_try, t), np.where(live, t_try_tensor, t_tensor)
        f_try, g_try = closure(fused_multiply_add(t, d, x))
        gtd_try = _dot(g_try, d)
        evaluations += live
        ls_iter += live
        high = 1 - low
        too_high = live & ((f_try > f + C1 * t * gtd) | (f_try >= bracket_f[low, cols]))
        lower = live & ~too_high
        done |= lower & (np.abs(gtd_try) <= -C2 * gtd)
        swap = lower & ~done & (gtd_try * (bracket[high, cols] - bracket[low, cols]) >= 0)
        for values, new in ((bracket, t), (bracket_f, f_try), (bracket_gtd, gtd_try), (bracket_tensor, t_tensor)):
            values[high[too_high], cols[too_high]] = new[too_high]
            values[high[swap], cols[swap]] = values[low[swap], cols[swap]]
            values[low[lower], cols[lower]] = new[lower]
        low = np.where(too_high, np.where(bracket_f[0] <= bracket_f[1], 0, 1), low)
    return np.where(searching, bracket[low, cols], t), evaluations


def lbfgs_step(params, grad, state, hp, lr, t, closure=None):
    r"""One `torch.optim.LBFGS(max_iter=1).step(closure)` for every run (module docstring: the rule).

    .. math::
        d_t = -H_t g_t \ (\text{two-loop recursion over the last pairs } (s, y)), \qquad
        \theta_t = \theta_{t-1} + \alpha_t d_t,
        \ \alpha_t = \text{lr or a strong-Wolfe line search}
    """
    # Runs that stopped, or that do not search, still flow through the masked arithmetic (NaN brackets,
    # 0/0 on a silent vault): their results are discarded, so their warnings mean nothing.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _lbfgs_step(params, grad, state, hp, lr, t, closure)


def _lbfgs_step(params, grad, state, hp, lr, t, closure):
    search = hp["line_search_fn"]
    if np.any(search) and closure is None:
        raise ValueError("lbfgs with line_search_fn='strong_wolfe' needs closure= to evaluate the vault")
    history_size = np.asarray(hp["history_size"]).astype(np.int64)
    evals = state["func_evals"] + 1
    active = ~(_max_abs(grad) <= hp["tolerance_grad"])
    n_iter = state["n_iter"] + active
    first = active & (n_iter == 1)
    later = active & ~first

    memory = {k: state[k] for k in ("old_dirs", "old_stps", "ro", "memory")}
    memory["memory"] = np.where(first, 0, memory["memory"])
    y = grad - state["prev_flat_grad"]
    s = state["d"] * state["t"]
    ys = _dot(y, s)
    keep = later & (ys > CURVATURE_FLOOR)
    h_diag = np.where(first, 1.0, state["H_diag"])
    if keep.any():
        memory["old_dirs"], memory["old_stps"], memory["ro"], memory["memory"] = _remember(
            memory, y, s, ys, keep, history_size)
        h_diag = np.where(keep, ys / _dot(y, y), h_diag)
    direction = np.where(first, -grad, _two_loop(grad, memory["old_dirs"], memory["old_stps"], memory["ro"],
                                                 np.where(later, memory["memory"], 0), h_diag))
    direction = np.where(active, direction, state["d"])
    inverse_l1 = 1.0 / _sum_abs(grad)
    length = np.where(first, np.where(inverse_l1 < 1.0, inverse_l1, 1.0) * lr, lr + np.zeros_like(inverse_l1))
    length = np.where(active, length, state["t"][0])
    gtd = _dot(grad, direction)
    moving = active & ~(gtd > -hp["tolerance_change"])
    searching = moving & search
    if searching.any():
        loss, _ = closure(params)
        # torch's first guess is a 0-dim tensor where 1/‖g‖₁ won min(1, 1/‖g‖₁), a float otherwise.
        length_is_tensor = first & (inverse_l1 < 1.0)
        searched, trials = _strong_wolfe(closure, params, length, length_is_tensor, direction, loss, gtd,
                                         searching, ZOOM_TOLERANCE, np.asarray(hp["max_eval"]) - 1)
        length = np.where(searching, searched, length)
        evals = evals + trials
    new_params = np.where(moving, fused_multiply_add(length, direction, params), params)
    new_state = {
        "d": direction, "t": np.broadcast_to(length, params.shape).copy(), "func_evals": evals,
        "prev_flat_grad": np.where(active, grad, state["prev_flat_grad"]), "H_diag": h_diag, "n_iter": n_iter,
        **memory,
    }
    return new_params, new_state


LBFGS = OptimizerSpec(
    key="lbfgs",
    title="L-BFGS",
    description=(
        "The surveyor: from its last few turns and the way the clicks changed along them it sketches how "
        "the vault curves, and turns the dials straight toward where that sketch says the bottom is, "
        "long strides down a gentle ravine, short ones across a steep wall. With the line search on it "
        "also listens at a few trial points along the way before committing, and counts every listen "
        "(func_evals). One step here is one torch step() with max_iter=1. Teaching defaults: lr 1, the "
        "strong-Wolfe line search on with up to 25 evaluations per step, 10 remembered pairs (PyTorch: no "
        "line search, max_eval 1 when max_iter is 1, history_size 100)."),
    latex=(r"\begin{aligned} y_{k} &= g_{k+1} - g_{k}, \quad s_{k} = \theta_{k+1} - \theta_{k} \\ "
           r"d_t &= -H_t\, g_t \quad (\text{two-loop recursion over the last } m \text{ pairs},\ "
           r"H^0_t = \tfrac{s^\top y}{y^\top y} I) \\ "
           r"\theta_t &= \theta_{t-1} + \alpha_t\, d_t, \quad \alpha_t = \eta "
           r"\ \text{or a strong-Wolfe line search from } \eta \end{aligned}"),
    hyperparameters=(
        lr(1.0, low=1e-3, high=2.0, torch_default=1.0),
        NamedSwitch("line_search_fn", r"\text{strong\_wolfe}", True, SWITCH, torch_default=False,
                    on="strong_wolfe", plain="line search",
                    help="Try a few points along the direction and take one where the loss fell enough and "
                         "the slope flattened (the strong Wolfe conditions), instead of a fixed stride."),
        Bounded("max_eval", r"n_{\text{eval}}", 25, "[1, inf) whole", low=1, high=50, torch_default=1,
                plain="max evals", minimum=1, whole=True,
                help="At most this many evaluations of the vault per step, the first click included."),
        Bounded("history_size", "m", 10, "[1, inf) whole", low=1, high=100, torch_default=100,
                plain="m", minimum=1, whole=True,
                help="How many recent turns (and how the clicks changed along them) the sketch is drawn from."),
        Hyperparameter("tolerance_grad", r"\epsilon_g", 1e-7, NON_NEGATIVE, low=1e-12, high=1e-2, log=True,
                       torch_default=1e-7, help="Stop turning once every click is at most this loud."),
        Hyperparameter("tolerance_change", r"\epsilon_\Delta", 1e-9, NON_NEGATIVE, low=1e-12, high=1e-2,
                       log=True, torch_default=1e-9,
                       help="Stop when the direction barely points downhill. (The line search ends once its "
                            "interval shrinks below 1e-9 whatever this says: torch's step() does not pass it on.)"),
    ),
    init=lbfgs_init,
    step=lbfgs_step,
    torch_class='LBFGS(max_iter=1, line_search_fn="strong_wolfe")',
    shown_state=lambda hp: ("d", "t", "func_evals"),
    explain=_explain,
    map_axis=MapAxis("history_size", "remembered pairs m", "m",
                     "L-BFGS sketches the vault's curvature from its last m turns: one pair knows a single "
                     "curvature, a few already describe a two-dial vault (the map rounds m to whole numbers).",
                     low=1.0, high=12.0, lr_range=(1e-3, 2.0)),
    arrows=(("d", "d (the surveyed direction)"),),
    uses_closure=True,
    line_search=lambda hp: bool(hp["line_search_fn"]),
)

SPECS = (LBFGS,)
