"""The semi-supervised page: renders, starts live runs, ticks, toggles the method mid-run, stops.

AppTest does not tick st.fragment(run_every=...) by itself: every at.run() is one tick.
"""
import pytest
from streamlit.testing.v1 import AppTest

from pathlib import Path

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "semi_supervised" / "page.py")


def _fresh():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run(timeout=180)
    assert not at.exception, at.exception
    return at


def test_page_renders_with_defaults():
    at = _fresh()
    assert at.title[0].value == "Semi-supervised learning"
    assert len(at.tabs) == 6
    assert at.button(key="cls_start") and at.button(key="det_start") and at.button(key="stac_start")
    assert at.radio(key="ssl_det_method").value == "soft_teacher"
    assert at.radio(key="ssl_det_vnorm").value == "paper"            # the notes' normalisation is the default
    assert at.metric and "variance" in at.metric[0].label      # box jittering tab: one pseudo-box explained
    repro = Path(PAGE).parents[1] / "assets" / "ssl" / "reproduce.json"
    if repro.exists():  # the reproduction tab states, claim by claim, what the interval says
        verdicts = [e.value for e in list(at.success) + list(at.error) + list(at.info)]
        assert any("Soft Teacher (+ box jittering) beats supervised" in v and
                   any(w in v for w in ("Reproduced", "Not resolved", "Contradicted")) for v in verdicts), verdicts


@pytest.mark.slow
def test_classification_run_ticks_toggles_and_stops():
    at = _fresh()
    at.selectbox(key="ssl_cls_data").set_value("two_moons")
    at.slider(key="ssl_cls_steps").set_value(200)
    at.radio(key="ssl_cls_method").set_value("supervised")
    at.button(key="cls_start").click().run(timeout=180)
    assert not at.exception, at.exception
    for _ in range(2):
        at.run(timeout=180)                                  # one fragment tick each
    at.radio(key="ssl_cls_method").set_value("fixmatch").run(timeout=180)   # the toggle, mid-run
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
    at.number_input(key="ssl_det_steps").set_value(20)
    at.number_input(key="ssl_det_bl").set_value(2)
    at.number_input(key="ssl_det_bu").set_value(2)
    at.number_input(key="ssl_det_every").set_value(2)
    at.button(key="det_start").click().run(timeout=300)        # the click's own run is the first tick
    assert not at.exception, at.exception
    hist = at.session_state["ssl_det"].history
    assert hist and hist[0].step == 0 and hist[0].student_map is not None   # first step on screen at once
    assert any("steps/s" in c.value or "step 0 /" in c.value for c in at.caption)
    at.run(timeout=300)
    at.radio(key="ssl_det_method").set_value("mean_teacher")
    at.toggle(key="ssl_det_jitter").set_value(False).run(timeout=300)
    at.run(timeout=300)
    assert not at.exception, at.exception
    hist = at.session_state["ssl_det"].history
    assert hist[0].method == "soft_teacher" and hist[-1].method == "mean_teacher"
    assert hist[-1].box_jitter is False
    assert any(e.baseline_map is not None and e.step > 0 for e in hist)     # the supervised-only line
    at.button(key="det_stop").click().run(timeout=300)
    assert not at.exception and at.session_state["ssl_det"].running is False


@pytest.mark.slow
def test_stac_stages_run_and_stop():
    at = _fresh()
    at.slider(key="ssl_stac_tau").set_value(0.75)
    at.button(key="stac_start").click().run(timeout=300)
    assert not at.exception, at.exception
    hist = at.session_state["ssl_stac"].history
    assert hist[0]["stage"] == "pseudo-label" and hist[0]["n_pseudo"] > 0 and at.session_state["ssl_stac"].config.tau == 0.75
    at.run(timeout=300)
    assert at.session_state["ssl_stac"].history[-1]["stage"] == "retrain"
    at.button(key="stac_stop").click().run(timeout=300)
    assert not at.exception and at.session_state["ssl_stac"].running is False
