"""The vault (home page): the story, the glossary, the live dial and links to every page."""

import json

from tests.apptest_helpers import charts, no_exception, open_page, replays, texts


def test_the_story_the_table_and_the_demo():
    at = open_page()
    no_exception(at)
    story = texts(at)
    for word in ("parameters", "loss", "gradient", "optimizer", "learning rate", "momentum"):
        assert word in story.lower()
    glossary = at.dataframe[0].value
    assert {"Safe-cracking", "Deep learning"} <= set(glossary.columns) and len(glossary) >= 8
    figure = json.loads(charts(at)[0].proto.spec)
    assert figure["layout"]["images"]
    (player,) = replays(at)
    assert player["panels"] == ["demo_chart"] and player["motion"]["last"] > 0


def test_the_closing_question_is_answered_by_trying():
    at = open_page()
    at.select_slider(key="lr").set_value(1.2).run()
    no_exception(at)
    assert "spun off" in texts(at)
    at.select_slider(key="lr").set_value(0.1).run()
    assert "cracked it" in texts(at)
    assert at.query_params["lr"] == "0.1"


def test_links_to_every_page():
    at = open_page()
    targets = {link.proto.page for link in at.get("page_link")}
    for name in ("Crack_the_safe", "The_race", "Inside_the_hand", "Map_of_settings", "Lessons"):
        assert any(name in target for target in targets), name


def test_a_bad_lr_in_the_link_warns():
    at = open_page(query={"lr": "loud"})
    no_exception(at)
    assert at.warning
