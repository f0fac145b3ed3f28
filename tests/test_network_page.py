"""The real network page's core and figure: the race's timeline, the shadow planes and the honesty meter, the
tuned rates, the lesson, and the replay figure on every screen."""

from __future__ import annotations

import numpy as np
import pytest

import optim
import viz.network
from lab import network as net_lab

HANDS = ("sgd", "adam", "rprop")


@pytest.fixture(scope="module")
def runs():
    race = net_lab.Race(HANDS, steps=40)
    return race, [race.run(key) for key in HANDS]


@pytest.fixture(scope="module")
def line(runs):
    return net_lab.timeline(HANDS, runs[1])


def test_every_hand_has_a_tuned_rate_on_its_ladder():
    from optim.tuning import ladder_for

    assert set(net_lab.TUNED_LR) == set(optim.OPTIMIZERS)
    for key, lr in net_lab.TUNED_LR.items():
        assert np.isclose(ladder_for(key), lr).any(), key


def test_the_tabled_rate_is_the_tuners():
    assert net_lab.tuned_lr("adam") == net_lab.TUNED_LR["adam"]


def test_the_timeline_is_the_networks_own_numbers(runs, line):
    net = net_lab.network()
    _, trajectories = runs
    assert line.train_loss.shape == line.test_accuracy.shape == (3, 41)
    for i, tr in enumerate(trajectories):
        np.testing.assert_allclose(line.test_loss[i], net.loss(tr.points, split="test"), rtol=1e-12)
        assert line.test_accuracy[i, -1] == net.accuracy(tr.points[-1])
        np.testing.assert_array_equal(line.guesses[i, -1], net.predict(tr.points[-1], net.x_test[line.strip]))
    np.testing.assert_array_equal(line.strip_truth, np.arange(10))
    reached = line.first_reaching(0.5)
    assert all(r is None or line.test_accuracy[i, r] >= 0.5 > np.nanmax(line.test_accuracy[i, :r], initial=0)
               for i, r in enumerate(reached))


def test_a_plane_through_two_ends_holds_them(runs):
    race, trajectories = runs
    plane = net_lab.ends_plane(race.start(), trajectories, 0, 1, ("SGD", "Adam"))
    assert abs(plane.e1 @ plane.e2) < 1e-12 and np.isclose(np.linalg.norm(plane.e1), 1)
    shade = net_lab.shadow(plane, trajectories, resolution=9)
    assert shade.off_share[0, -1] < 1e-9 and shade.off_share[1, -1] < 1e-9
    assert shade.a[0, 0] == shade.b[0, 0] == 0 and np.isnan(shade.off_share[0, 0])
    # On the plane the map tells the truth; off it, the meter says by how much it does not.
    np.testing.assert_allclose(shade.plane_loss[:2, -1], shade.true_loss[:2, -1], rtol=1e-9)
    assert np.nanmax(shade.off_share[2]) > 0.05 and np.all(shade.off_share[np.isfinite(shade.off_share)] <= 1 + 1e-12)
    assert shade.grid_loss.shape == (9, 9)


def test_the_pca_plane_holds_the_most_spread(runs):
    race, trajectories = runs
    plane = net_lab.pca_plane(race.start(), trajectories)
    assert 0 < plane.explained <= 1
    offsets = np.concatenate([tr.points for tr in trajectories]) - race.start()
    kept = np.sum((offsets @ plane.e1) ** 2 + (offsets @ plane.e2) ** 2) / np.sum(offsets**2)
    assert kept == pytest.approx(plane.explained, rel=1e-9)
    ends = net_lab.ends_plane(race.start(), trajectories, 0, 1, ("SGD", "Adam"))
    held = np.sum((offsets @ ends.e1) ** 2 + (offsets @ ends.e2) ** 2) / np.sum(offsets**2)
    assert held <= plane.explained + 1e-12


def test_the_lesson_holds_from_nudged_starts_and_reads_the_runs():
    from lab.claims import network_lesson_timeline

    lesson = net_lab.LESSON
    for nudge in range(3):
        line = network_lesson_timeline(nudge)
        assert net_lab.LESSON_CHECK(line), f"start nudge {nudge}"
    line = network_lesson_timeline(0)
    assert lesson.verdict(lesson.correct, line)[0] and not lesson.verdict(0, line)[0]
    assert "reaches 95% at step" in lesson.facts(line)


@pytest.mark.parametrize("layout", viz.network.LAYOUTS)
def test_the_replay_figure_on_every_screen(runs, line, layout):
    race, trajectories = runs
    shade = net_lab.shadow(net_lab.pca_plane(race.start(), trajectories), trajectories, resolution=9)
    images = net_lab.network().x_test[line.strip].reshape(-1, 8, 8)
    fig = viz.network.network_figure(["SGD", "Adam", "Rprop"], line, shade, images, layout=layout, max_frames=12)
    assert len(fig.frames) == 12 and fig.frames[-1].name == "40"
    assert len(fig.layout.images) == 2  # the plane's colour and the digits, which frames cannot remove
    moving = set(fig.frames[0].traces)
    assert {fig.data[i].type for i in moving} == {"scatter", "bar"}
    guesses = next(fig.data[i] for i in moving if fig.data[i].mode == "text" and len(fig.data[i].text) == 30)
    assert guesses.text[0] == str(line.guesses[0, -1, 0])
    if layout == "phone":
        slider, buttons = fig.layout.sliders[0], fig.layout.updatemenus[0]
        assert fig.layout.yaxis.domain[0] > slider.y and buttons.y > fig.layout.yaxis2.domain[1]


def test_an_unknown_layout_is_refused(runs, line):
    with pytest.raises(ValueError, match="layout"):
        viz.network.network_figure([], line, None, None, layout="watch")


def test_the_replay_table_reads_the_timeline(line):
    table = viz.network.replay_table(["SGD", "Adam", "Rprop"], line)
    assert table["header"][:4] == ["step", "SGD training loss", "SGD test loss", "SGD test accuracy"]
    assert len(table["header"]) == 1 + 3 * 3
    first, last = table["rows"][0], table["rows"][-1]
    assert first[0] == "0" and last[0] == "40"
    assert last[3 + 3] == f"{100 * line.test_accuracy[1, -1]:.1f}%"
    assert all(len(row) == len(table["header"]) for row in table["rows"])
