"""Every step of every built-in lesson opens without an error and shows the view its sentence is
about: the lesson bar says "step i of n" and the text, and the page's widgets hold the step's values
(read back from the sidebar's link to the view). Played as a teacher would: Start, then Next."""
import pytest

from app_pages.parts.share import _norm
from core.lessons.builtin import LESSONS
from core.lessons.links import parse_link
from tests.links.helpers import link, open_link


def _shows(at, lesson, i):
    step = lesson.steps[i]
    assert not at.exception, (lesson.key, i, at.exception)
    text = " ".join(m.value for m in at.markdown)
    assert f"step {i + 1} of {len(lesson.steps)}" in text and step.text in text, (lesson.key, i)
    page, params = parse_link(link(at))
    assert page == step.page, (lesson.key, i, page)
    for key, value in step.params.items():  # in the view's link, or (a default) left out of it
        got = params.get(key)
        if got is None:
            got = at.session_state[key]
            got = str(got).lower() if isinstance(got, bool) else str(got)
        assert _norm(got) == _norm(value), (lesson.key, i, key, got, value)


@pytest.mark.slow
@pytest.mark.parametrize("key", list(LESSONS))
def test_a_built_in_lesson_walks_through_every_step(key):
    lesson = LESSONS[key]
    at = open_link("")
    at.sidebar.selectbox(key="lesson_pick").set_value(key)
    at.sidebar.button(key="lesson_start").click().run()
    _shows(at, lesson, 0)
    for i in range(1, len(lesson.steps)):
        at.button(key="lesson_next").click().run()
        _shows(at, lesson, i)
    assert at.button(key="lesson_next").disabled
    at.button(key="lesson_prev").click().run()  # and back
    _shows(at, lesson, len(lesson.steps) - 2)


@pytest.mark.slow
def test_a_step_link_opens_the_lesson_there_and_end_closes_it():
    lesson = LESSONS["linear-regression"]
    page, params = parse_link(lesson.steps[2].link(lesson.key, 3))
    at = open_link(page, params)
    _shows(at, lesson, 2)
    at.button(key="lesson_end").click().run()
    assert not at.exception and "step 3 of" not in " ".join(m.value for m in at.markdown)


def test_a_link_to_an_unknown_lesson_opens_the_view_and_says_so():
    at = open_link("linear-regression", {"lesson": "<script>", "step": "99", "lin_noise": "2.0"})
    assert not at.exception
    assert any("no lesson called" in w.value for w in at.warning)
    assert at.session_state["lin_noise"] == 2.0


def test_a_teachers_lesson_file_loads_its_good_lines_and_plays():
    text = ("# title: Two views\n"
            "linear-regression?lin_noise=2.0  Noisy data.\n"
            "nowhere?x=1  Not a page.\n"
            "linear-regression?lin_tab=Projection\n"
            "linear-regression?lin_tab=Projection  The projection.\n")
    at = open_link("")
    at.sidebar.file_uploader(key="lesson_file").set_value(("my-lesson.txt", text.encode(), "text/plain")).run()
    assert not at.exception
    said = [w.value for w in at.sidebar.warning]
    assert len(said) == 2 and said[0].startswith("line 3:") and said[1].startswith("line 4:"), said
    at.sidebar.button(key="lesson_start_custom").click().run()
    text_now = " ".join(m.value for m in at.markdown)
    assert "**Two views** · step 1 of 2" in text_now and "Noisy data." in text_now
    assert at.session_state["lin_noise"] == 2.0
    at.button(key="lesson_next").click().run()
    assert not at.exception and at.session_state["lin_tab"] == "Projection" and at.session_state["lin_noise"] == 0.5
