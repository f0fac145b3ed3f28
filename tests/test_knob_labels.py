"""Knob labels read as words and plain symbols, for the eye and for a screen reader: no raw LaTeX."""

import optim
from ui.scene import knob_label


def test_every_knob_label_is_words_and_a_plain_symbol():
    for spec in optim.OPTIMIZERS.values():
        for h in spec.hyperparameters:
            label = knob_label(h)
            assert "$" not in label and "\\" not in label and "_" not in label, (spec.key, label)
            assert label.startswith(h.name.replace("_", " ")), (spec.key, label)
    weight_decay = next(h for h in optim.OPTIMIZERS["adamw"].hyperparameters if h.name == "weight_decay")
    assert knob_label(weight_decay) == "weight decay λ"


def test_a_knob_shared_by_several_hands_reads_the_same_on_each():
    """Adam's β₁ and Adamax's β₁ carry the same label: the symbol is read off the rule's LaTeX when the spec
    gives no plain spelling."""
    labels: dict[str, set[str]] = {}
    for spec in optim.OPTIMIZERS.values():
        for h in spec.hyperparameters:
            labels.setdefault(h.name, set()).add(knob_label(h))
    for name in ("beta1", "beta2", "eps", "momentum", "alpha", "weight_decay"):
        assert len(labels[name]) == 1, (name, labels[name])
    assert labels["beta1"] == {"beta1 β₁"} and labels["eps"] == {"eps ε"} and labels["rho"] == {"rho ρ"}
    assert labels["d"] == {"d"} and labels["t0"] == {"t0"}  # the name is the symbol: said once
