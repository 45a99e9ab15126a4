"""The semi-supervised page: renders, starts live runs, ticks, toggles the method mid-run, stops.

AppTest does not tick st.fragment(run_every=...) by itself: every at.run() is one tick.
"""
import pytest
from streamlit.testing.v1 import AppTest

from pathlib import Path

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "semi_supervised.py")


def _fresh():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run(timeout=180)
    assert not at.exception, at.exception
    return at


def test_page_renders_with_defaults():
    at = _fresh()
    assert at.title[0].value == "Semi-supervised learning"
    assert len(at.tabs) == 4
    assert at.button(key="cls_start") and at.button(key="det_start")
    assert at.radio(key="det_method").value == "soft_teacher"
    repro = Path(PAGE).parents[1] / "assets" / "ssl" / "reproduce.json"
    if repro.exists():  # the reproduction tab states, claim by claim, whether it reproduced
        verdicts = [e.value for e in list(at.success) + list(at.warning)]
        assert any("Soft Teacher beats E2E + EMA" in v for v in verdicts), verdicts


def test_classification_run_ticks_toggles_and_stops():
    at = _fresh()
    at.selectbox(key="cls_data").set_value("two_moons")
    at.slider(key="cls_steps").set_value(200)
    at.radio(key="cls_method").set_value("supervised")
    at.button(key="cls_start").click().run(timeout=180)
    assert not at.exception, at.exception
    for _ in range(2):
        at.run(timeout=180)                                  # one fragment tick each
    at.radio(key="cls_method").set_value("fixmatch").run(timeout=180)   # the toggle, mid-run
    at.run(timeout=180)
    assert not at.exception, at.exception
    run = at.session_state["ssl_cls"]
    methods = [e.method for e in run.history]
    assert methods[0] == "supervised" and methods[-1] == "fixmatch"
    assert 0.0 <= run.history[-1].student_acc <= 1.0
    at.button(key="cls_stop").click().run(timeout=180)
    assert not at.exception and at.session_state["ssl_cls"].running is False
    n = len(at.session_state["ssl_cls"].history)
    at.run(timeout=180)
    assert len(at.session_state["ssl_cls"].history) == n  # stopped means stopped


@pytest.mark.slow
def test_detection_run_ticks_toggles_and_stops():
    at = _fresh()
    at.number_input(key="det_steps").set_value(20)
    at.number_input(key="det_bl").set_value(2)
    at.number_input(key="det_bu").set_value(2)
    at.number_input(key="det_every").set_value(5)
    at.button(key="det_start").click().run(timeout=300)
    assert not at.exception, at.exception
    at.run(timeout=300)
    at.radio(key="det_method").set_value("mean_teacher")
    at.toggle(key="det_jitter").set_value(False).run(timeout=300)
    at.run(timeout=300)
    assert not at.exception, at.exception
    hist = at.session_state["ssl_det"].history
    assert hist[0].method == "soft_teacher" and hist[-1].method == "mean_teacher"
    assert hist[-1].box_jitter is False
    assert any(e.student_map is not None for e in hist)
    at.button(key="det_stop").click().run(timeout=300)
    assert not at.exception and at.session_state["ssl_det"].running is False
