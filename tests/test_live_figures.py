"""The live class's figures: pure functions, checked without a browser."""

from __future__ import annotations

import landscapes
import optim
import viz
from viz import live


def test_the_tally_keeps_the_questions_order_and_marks_the_right_answer_after_the_reveal():
    tally = {"SGD": 3, "Momentum <b>": 5, "Neither": 0}
    before = live.tally_figure(tally)
    bar = before.data[0]
    assert list(bar.y) == ["SGD", "Momentum &lt;b&gt;", "Neither"] and list(bar.x) == [3, 5, 0]
    assert len(set(bar.marker.color)) == 1
    assert before.layout.title.text == "8 answers"
    after = live.tally_figure(tally, correct="Momentum <b>")
    assert list(after.data[0].marker.color) == [viz.live.NEUTRAL, live.RIGHT, viz.live.NEUTRAL]


def test_the_settings_cloud_has_one_group_per_outcome_on_the_hands_ranges():
    fig = live.settings_cloud([0.01, 0.5, 0.002], [0.9, 0.9, 0.0], ["settled", "spun off", "searching"],
                              lr_range=(1e-4, 1.0), beta_range=(0.0, 0.99))
    counts = {trace.name: len(trace.x) for trace in fig.data}
    assert counts == {"settled (1)": 1, "searching (1)": 1, "spun off (1)": 1}
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.range) == [-4, 0]


def test_every_run_of_the_class_is_drawn_coloured_by_what_it_did():
    runs = [optim.simulate("momentum", "rosenbrock", steps=300, lr=lr, momentum=0.9) for lr in (0.003, 1.0)]
    views = [viz.path_view(run, label=f"lr {run.hyperparameters['lr']:g}") for run in runs]
    fig = live.class_paths_figure(landscapes.LANDSCAPES["rosenbrock"], views)
    paths = [trace for trace in fig.data if trace.name in live.OUTCOME_COLOURS]
    assert [trace.name for trace in paths] == ["settled", "spun off"]
    assert paths[0].line.color != paths[1].line.color
