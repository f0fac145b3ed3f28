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
