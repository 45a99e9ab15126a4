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


def test_sidebar_has_seed_and_model_source(monkeypatch):
    for flag in ("KEYPOINT_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(flag, raising=False)
    at = _app().run()
    seed = at.sidebar.number_input[0]
    assert (seed.label, seed.value) == ("Seed", 0)
    source = at.sidebar.button_group[0]
    assert source.options == ["auto", "offline", "online"]
    assert source.value in ("auto", ["auto"])
    assert not source.disabled


def test_forced_offline_disables_the_source_and_says_so(monkeypatch):
    monkeypatch.setenv("KEYPOINT_OFFLINE", "1")
    at = _app().run()
    source = at.sidebar.button_group[0]
    assert source.disabled and source.value in ("offline", ["offline"])
    assert any("KEYPOINT_OFFLINE=1" in c.value for c in at.sidebar.caption)
    at.switch_page("app_pages/models.py").run()
    assert not at.exception
    assert any("forced by `KEYPOINT_OFFLINE=1`" in m.value for m in at.markdown)
    df = at.dataframe[0].value
    assert "online" not in " ".join(df["why"])  # every row resolved offline, as every badge says


def test_models_page_lists_every_card_with_its_source():
    at = _app().run()
    at.switch_page("app_pages/models.py").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert sorted(df["model"]) == sorted(all_cards())
    assert set(df["resolved"]) <= {"pretrained", "packaged", "bundled", "none"}
    assert df["why"].str.len().min() > 0
    records = at.dataframe[1].value  # one training record per bundle (core.zoo.record)
    assert len(records) >= 23 and len(set(records["model"]) & set(all_cards())) >= 22
    assert (records["value"] > 0).all() and records["command"].str.contains("python -m ").all()


@pytest.mark.parametrize("topic", [t for t in TOPICS if t.available], ids=lambda t: t.title)
def test_every_page_renders_with_defaults(topic):
    at = _app().run()
    at.switch_page(topic.file).run()
    assert not at.exception, at.exception
    assert len(at.title) >= 1
