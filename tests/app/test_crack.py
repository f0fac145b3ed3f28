"""Crack the safe, under AppTest: defaults, every vault and hand, extremes, links and refusals."""

import json

import pytest

import landscapes
import optim
from tests.apptest_helpers import charts, no_exception, open_page, replays, texts

PAGE = "pages/1_Crack_the_safe.py"


def test_defaults_show_the_map_the_metrics_and_the_summary():
    at = open_page(PAGE)
    no_exception(at)
    assert len(charts(at)) == 1
    figure = json.loads(charts(at)[0].proto.spec)
    assert figure["layout"]["images"], "the map's landscape"
    (player,) = replays(at)
    assert player["panels"] == ["map"] and player["motion"]["last"] == 200, "the map is replayed"
    assert "Adam" in player["name"] and "cracked it at step" in player["description"]
    labels = [m.label for m in at.metric]
    assert "Safe cracked" in labels and any("loss" in label.lower() for label in labels)
    assert "cracked it at step" in texts(at)
    assert at.query_params["landscape"] == "himmelblau" and at.query_params["optimizer"] == "adam"


def test_a_chaotic_run_is_said_to_be_one_and_a_default_is_not():
    # Plain descent on Ackley at lr 0.3 leaps the bumps: where it ends, a nudge of its start decides.
    at = open_page(PAGE, {"landscape": "ackley", "optimizer": "sgd", "lr": "0.3"})
    no_exception(at)
    assert "This run is chaotic" in texts(at) and "another story" in texts(at)
    assert "This run is chaotic" not in texts(open_page(PAGE, {"landscape": "ackley", "optimizer": "sgd"}))


@pytest.mark.parametrize("landscape", list(landscapes.LANDSCAPES))
def test_every_vault(landscape):
    at = open_page(PAGE, {"landscape": landscape})
    no_exception(at)
    assert at.selectbox(key="landscape").value == landscape
    assert len(charts(at)) == 1


@pytest.mark.parametrize("optimizer", list(optim.OPTIMIZERS))
def test_every_hand_shows_its_own_knobs(optimizer):
    at = open_page(PAGE, {"optimizer": optimizer, "landscape": "ravine"})
    no_exception(at)
    spec = optim.OPTIMIZERS[optimizer]
    for h in spec.hyperparameters:
        assert at.session_state[h.name] is not None
    assert optim.OPTIMIZERS[optimizer].title in texts(at)


def test_a_shared_link_restores_its_scene():
    query = {"landscape": "rosenbrock", "optimizer": "momentum", "lr": "0.002", "momentum": "0.8", "steps": "300",
             "start_x": "-1.5", "start_y": "2"}
    at = open_page(PAGE, query)
    no_exception(at)
    assert at.session_state["lr"] == 0.002 and at.session_state["momentum"] == pytest.approx(0.8)
    assert at.slider(key="steps").value == 300
    assert at.slider(key="start_x").value == -1.5 and at.slider(key="start_y").value == 2.0
    assert not at.warning


@pytest.mark.parametrize("query", [
    {"landscape": "moon"}, {"optimizer": "sparse_adam"}, {"lr": "fast"}, {"lr": "-1"}, {"steps": "1e9"},
    {"start_x": "1e300"}, {"beta1": "2"}, {"noise": "nan"}, {"schedule": "warp"}, {"landscape": "<script>"},
])
def test_nonsense_in_the_link_is_ignored_with_a_warning(query):
    at = open_page(PAGE, query)
    no_exception(at)
    assert at.warning, f"no warning for {query}"
    assert len(charts(at)) == 1


def test_a_diverging_hand_is_shown_spinning_off():
    at = open_page(PAGE, {"landscape": "rosenbrock", "optimizer": "sgd", "lr": "0.5"})
    no_exception(at)
    assert "spun off at step" in texts(at)


def test_slider_extremes():
    at = open_page(PAGE)
    at.slider(key="steps").set_value(1000).run()
    no_exception(at)
    at.slider(key="steps").set_value(10).run()
    at.slider(key="start_x").set_value(at.slider(key="start_x").max).run()
    no_exception(at)
    lrs = at.select_slider(key="lr").options
    at.select_slider(key="lr").set_value(at.select_slider(key="lr").options[-1]).run()
    no_exception(at)
    assert len(lrs) > 10


def test_changing_vault_resets_start_and_tunes_the_lr():
    at = open_page(PAGE)
    at.selectbox(key="landscape").set_value("bowl").run()
    no_exception(at)
    assert (at.slider(key="start_x").value, at.slider(key="start_y").value) == landscapes.LANDSCAPES["bowl"].start
    assert "cracked it at step" in texts(at)


def test_the_3d_view_on_request():
    at = open_page(PAGE)
    at.toggle(key="show_3d").set_value(True).run()
    no_exception(at)
    assert len(charts(at)) == 2
