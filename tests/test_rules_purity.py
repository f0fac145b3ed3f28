"""The rules work in place on their own scratch arrays for speed; what the caller passes stays untouched."""

import numpy as np
import pytest

import landscapes
import optim
from optim.simulate import _with_closure

RNG = np.random.default_rng(7)
PARAMS = RNG.normal(size=(2, 3))
GRAD = RNG.normal(size=(2, 3))


def _settings(spec, how):
    """The defaults (no weight decay: the rule may hand the gradient itself around), or every
    hyperparameter switched on (non-zero, switches True), as plain numbers or one per run."""
    if how == "defaults":
        return spec.resolve({})
    per_run, hp = how == "per-run", {}
    for h in spec.hyperparameters:
        value = True if h.is_switch else (h.default or (h.low + h.high) / 2)
        hp[h.name] = np.array([value, value, not value if h.is_switch else value]) if per_run else value
    return spec.resolve(hp, 3 if per_run else None)


@pytest.mark.parametrize("how", ["defaults", "plain", "per-run"])
@pytest.mark.parametrize("key", optim.OPTIMIZERS)
def test_a_step_never_writes_to_what_it_was_given(key, how):
    spec = optim.OPTIMIZERS[key]
    hp = _settings(spec, how)
    lr = hp["lr"]
    params, grad = PARAMS.copy(), GRAD.copy()
    state = spec.init(params, hp)
    # A rule that evaluates the vault itself (L-BFGS's line search) gets it as simulate gives it.
    step = _with_closure(spec.step, landscapes.get("bowl")) if spec.uses_closure else spec.step
    for t in (1, 2, 3):
        given = {"params": params.copy(), "grad": grad.copy(), **{n: v.copy() for n, v in state.items()}}
        new_params, new_state = step(params, grad, state, hp, lr, t)
        for name, value in {"params": params, "grad": grad, **state}.items():
            np.testing.assert_array_equal(value, given[name], err_msg=f"{name} written to at t={t}")
        assert not np.shares_memory(new_params, params) and not np.shares_memory(new_params, grad)
        params, state = new_params, new_state
