"""The real network page: it opens, reads its settings from a link, runs the lesson; other pages never load
scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.apptest_helpers import ROOT, charts, no_exception, open_page, texts

PAGE = "pages/7_The_real_network.py"


def test_the_page_opens_with_its_three_hands():
    at = open_page(PAGE, timeout=240)
    no_exception(at)
    assert len(charts(at)) == 1
    assert at.multiselect(key="hands").value == ["sgd", "momentum", "adam"]
    words = texts(at)
    assert "2,410" in words and "reads 95% of the test digits first" in words
    assert "off it" in words and "A picture of a plane is a shadow" in words
    table = at.dataframe[0].value
    assert list(table["hand"]) == ["SGD", "Momentum", "Adam"]


def test_a_link_opens_the_pca_plane_with_other_hands():
    at = open_page(PAGE, {"hands": "adam,lion", "plane": "pca", "steps": "100"}, timeout=240)
    no_exception(at)
    assert at.multiselect(key="hands").value == ["adam", "lion"] and at.radio(key="plane").value == "pca"
    assert "holds" in texts(at) and "of their spread" in texts(at)
    assert at.query_params["plane"] == "pca" and at.query_params["hands"] == "adam,lion"


def test_a_bad_link_is_explained_not_crashed():
    at = open_page(PAGE, {"hands": "adam,sparse", "steps": "5"}, timeout=240)
    no_exception(at)
    assert at.warning and "ignored" in at.warning[0].value


def test_predict_then_run():
    at = open_page(PAGE, timeout=240)
    at.radio(key="network_guess").set_value(2).run()
    at.button(key="network_run").click().run(timeout=240)
    no_exception(at)
    assert at.success and "Right" in at.success[0].value
    assert "Measured on these runs" in texts(at)


def test_other_pages_never_import_scikit_learn():
    code = (
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "for page in ('pages/1_Crack_the_safe.py', 'pages/2_The_race.py'):\n"
        "    at = AppTest.from_file('app.py', default_timeout=120)\n"
        "    at.switch_page(page)\n"
        "    at.run()\n"
        "    assert not at.exception, [e.value for e in at.exception]\n"
        "print(json.dumps(any(m.startswith('sklearn') for m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False


def test_the_map_of_settings_on_the_digits_vault_uses_a_coarser_grid_and_says_so():
    at = open_page("pages/4_Map_of_settings.py", {"landscape": "digits", "optimizer": "momentum", "resolution": "40",
                                                  "steps": "50"}, timeout=300)
    no_exception(at)
    notes = " ".join(i.value for i in at.info)
    assert "A coarser grid on this vault: 10 × 10 runs, not 40 × 40" in notes
