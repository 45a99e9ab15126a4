"""Presenter mode (the sidebar toggle and `?present=1`), and the progress bar of app_pages/parts/progress."""
from streamlit.testing.v1 import AppTest

from app_pages.parts import progress
from core.catalog import ROOT


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def _css(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_presenter_toggle_adds_the_big_type_css():
    at = _app().run()
    toggle = at.sidebar.toggle(key="present")
    assert toggle.value is False and "font-size: 3.2rem" not in _css(at)
    assert "@media (max-width: 640px)" in _css(at)  # the phone layout is always there
    toggle.set_value(True).run()
    assert not at.exception
    assert "font-size: 3.2rem" in _css(at) and "flex-direction: column" in _css(at)


def test_present_1_in_the_link_turns_presenter_mode_on():
    at = _app()
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert at.sidebar.toggle(key="present").value is True
    assert "font-size: 3.2rem" in _css(at)
    assert at.query_params.get("present") in (["true"], "true")  # the address bar keeps it: a reload presents
    at.run()
    assert at.sidebar.toggle(key="present").value is True and at.query_params.get("present") in (["true"], "true")


class FakeBar:
    """Stands in for st.progress: records every value and text shown."""

    def __init__(self):
        self.shown = []

    def progress(self, value, text=None):
        self.shown.append((value, text))
        return self

    def empty(self):
        self.shown.append(("cleared", None))


def test_track_moves_the_bar_from_0_to_1_with_time_left():
    where = FakeBar()
    events = list(progress.track(iter(range(10)), "Training", total=10, unit="steps", where=where))
    assert events == list(range(10))
    values = [v for v, _ in where.shown[:-1]]
    assert values[0] == 0.0 and values[-1] == 1.0 and values == sorted(values)
    assert "Training: 5 / 10 steps" in where.shown[5][1] and "left" in where.shown[5][1]
    assert where.shown[-1] == ("cleared", None)


def test_callback_bar_follows_on_progress():
    where = FakeBar()
    with progress.bar("Ablating heads", total=4, unit="heads", where=where) as on_progress:
        for done in range(1, 5):
            on_progress(done, 4)
            assert on_progress.value == done / 4
    assert [v for v, _ in where.shown[:-1]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert where.shown[-2][1] == "Ablating heads: 4 / 4 heads · done"


def test_presenter_mode_makes_chart_type_bigger():
    import json

    from core.viz.style import AXIS_LABEL

    def label_sizes(at):
        return {json.loads(c.proto.spec).get("config", {}).get("axis", {}).get("labelFontSize")
                for c in at.get("vega_lite_chart")}

    at = _app().run()
    at.switch_page("app_pages/linear_regression/page.py").run()
    assert not at.exception and label_sizes(at) == {None}
    at.sidebar.toggle(key="present").set_value(True).run()
    assert label_sizes(at) == {round(AXIS_LABEL * 1.6, 1)}


def _stepper_script():
    import streamlit as st

    from app_pages.parts import present

    step = present.stepper("Replay: step", range(5), 4, key="demo_step")
    st.markdown(f"step={step}")


def test_stepper_buttons_move_the_step_and_stop_at_the_ends():
    at = AppTest.from_function(_stepper_script, default_timeout=60).run()
    shown = lambda: at.markdown[-1].value  # noqa: E731
    assert shown() == "step=4" and not at.exception
    at.button(key="demo_step_next").click().run()
    assert shown() == "step=4"  # already the last step
    for expected in (3, 2, 1, 0, 0):
        at.button(key="demo_step_prev").click().run()
        assert shown() == f"step={expected}"
    at.button(key="demo_step_next").click().run()
    assert shown() == "step=1" and at.select_slider(key="demo_step").value == 1
    assert not at.exception and not at.warning
    at.select_slider(key="demo_step").set_value(3).run()
    at.button(key="demo_step_next").click().run()
    assert shown() == "step=4"


def _live_script():
    from types import SimpleNamespace

    import streamlit as st

    from app_pages.parts import live
    from core.live import LiveRun

    def start():
        return LiveRun(iter(SimpleNamespace(step=i) for i in range(1, 7)), SimpleNamespace(steps=6))

    run = live.controls("demo_run", start, key="demo")
    if run:
        live.show(run, lambda r: st.markdown(f"at {r.history[-1].step}"), max_events=2,
                  steps=lambda r: (r.history[-1].step, r.config.steps), what="Demo")


def test_a_live_run_shows_progress_from_its_own_steps():
    at = AppTest.from_function(_live_script, default_timeout=60).run()
    assert not at.get("progress")
    at.button(key="demo_start").click().run()  # each run() is one tick: two events
    seen = []
    for _ in range(4):
        bars = at.get("progress")
        if bars:
            seen.append((bars[0].proto.value, bars[0].proto.text))
        at.run()
    values = [v for v, _ in seen]
    assert values == sorted(values) and values[0] < 100 and values[-1] == 100, seen
    assert seen[0][1].startswith("Demo: 2 / 6 steps") and "left" in seen[0][1]


def _two_tab_script():
    import streamlit as st

    from app_pages.parts import present

    a, b = st.tabs(["A", "B"], key="demo_tab", on_change="rerun")
    with a, present.keyboard(a.open):
        present.stepper("step a", range(3), 2, key="sa")
    with b, present.keyboard(b.open):
        present.stepper("step b", range(3), 2, key="sb")


def test_only_the_open_tabs_stepper_takes_the_arrow_keys():
    at = AppTest.from_function(_two_tab_script, default_timeout=60).run()
    shortcuts = lambda: {b.key: b.proto.shortcut for b in at.button}  # noqa: E731
    assert shortcuts() == {"sa_prev": "left", "sa_next": "right", "sb_prev": "", "sb_next": ""}
    at.session_state["demo_tab"] = "B"
    at.run()
    assert shortcuts() == {"sa_prev": "", "sa_next": "", "sb_prev": "left", "sb_next": "right"}
