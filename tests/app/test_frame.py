"""The frame (app.py): navigation, sidebar, home map, Models page, and every page with defaults."""
import pytest
from streamlit.testing.v1 import AppTest

from core.catalog import ROOT, TOPICS
from core.zoo.registry import all_cards

TIMEOUT = 240


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def test_home_is_a_map_of_every_topic():
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "KeyPoint"
    text = " ".join(m.value for m in at.markdown)
    for topic in TOPICS:
        assert topic.promise in text, topic.title
    assert [s.value for s in at.subheader] == ["Language", "Vision", "Learning"]


def test_sidebar_has_seed_and_model_source():
    at = _app().run()
    seed = at.sidebar.number_input[0]
    assert (seed.label, seed.value) == ("Seed", 0)
    source = at.sidebar.button_group[0]
    assert source.options == ["auto", "offline", "online"]
    assert source.value in ("auto", ["auto"])


def test_models_page_lists_every_card_with_its_source():
    at = _app().run()
    at.switch_page("app_pages/models.py").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert sorted(df["model"]) == sorted(all_cards())
    assert set(df["resolved"]) <= {"pretrained", "packaged", "bundled", "none"}
    assert df["why"].str.len().min() > 0


@pytest.mark.parametrize("topic", [t for t in TOPICS if t.available], ids=lambda t: t.title)
def test_every_page_renders_with_defaults(topic):
    at = _app().run()
    at.switch_page(topic.file).run()
    assert not at.exception, at.exception
    assert len(at.title) >= 1
