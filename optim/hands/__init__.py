r"""The hands: one module per optimizer family, holding its update rule, its spec(s) and how to explain a step.

Every rule is small pure functions, state in, state out, exactly as torch.optim documents them::

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
path computed here matches PyTorch's in float64 to rounding, not just mathematically. The pieces several
hands share (weight decay folded into the gradient, torch's `lerp`, θ − η·d, β^t) are in `optim.arithmetic`.

`derive(history, hp, lr, t)` turns a recorded history of states (arrays with a leading step axis) into
the quantities a learner wants to see but the rule does not need to keep, such as Adam's bias-corrected
:math:`\hat m_t` and the effective learning rate of each dial.
"""
