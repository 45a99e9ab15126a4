"""The lesson bar: "step 3 of 8", the step's sentence, Previous / Next (PageUp / PageDown, what a
presenter's clicker sends) and the step as a link. Lessons are data (core/lessons); a step is a view,
set here through the widgets' own state (app_pages/parts/share.py), so the page draws it as if the
class had opened the step's link.

A lesson starts from the sidebar, from a teacher's file, or from a link carrying `lesson=` and `step=`.
"""
from __future__ import annotations

import streamlit as st

from app_pages.parts import share
from core.lessons.builtin import LESSONS
from core.lessons.lesson import Lesson, lesson_text, parse_lesson_text

_ON = "lesson_on"  # {"key": lesson id, "i": step index} while a lesson plays
_GO = "lesson_go"  # a step index asked for by a button, applied before the page's widgets draw
_CUSTOM = "lesson_custom"  # a teacher's own Lesson, loaded from a file (it cannot travel in a link)


def _lesson(key: str) -> Lesson | None:
    custom = st.session_state.get(_CUSTOM)
    return custom if custom is not None and key == custom.key else LESSONS.get(key)


def _go(i: int) -> None:
    st.session_state[_GO] = i


def _stop() -> None:
    st.session_state.pop(_ON, None)


def start_from_link() -> None:
    """`?lesson=attention&step=3` in the opening link starts that lesson at that step (this view)."""
    if st.session_state.get("lesson_link_read"):
        return
    st.session_state["lesson_link_read"] = True
    key, number = st.query_params.get("lesson"), st.query_params.get("step", "1")
    if key is None:
        return
    lesson = _lesson(key)
    if lesson is None:
        st.session_state["lesson_problem"] = f"There is no lesson called `{key[:24]}`; the link opened as a plain view."
        return
    i = int(number) - 1 if number.isdigit() and 1 <= int(number) <= len(lesson.steps) else 0
    st.session_state[_ON] = {"key": lesson.key, "i": i}


def apply_pending(pages: dict[str, st.Page], current: str) -> None:
    """Before any widget draws: move to the step a button asked for. Same page: set the widgets;
    another page: switch to it with the step's parameters (its widgets read them as from a link)."""
    i = st.session_state.pop(_GO, None)
    on = st.session_state.get(_ON)
    if i is None or on is None:
        return
    lesson = _lesson(on["key"])
    if lesson is None or not 0 <= i < len(lesson.steps):
        return
    on["i"] = i
    step = lesson.steps[i]
    if step.page == current:
        share.seed_unbound({k: step.params[k] for k in share.set_view(step.params)})
        return
    rest = share.set_view({k: v for k, v in step.params.items() if k in ("seed", "src")})
    page_params = {k: v for k, v in step.params.items() if k not in ("seed", "src") and k not in rest}
    st.switch_page(pages[step.page], query_params={**page_params, "lesson": lesson.key, "step": str(i + 1)})


def bar(page_path: str) -> None:
    """The bar on top of the page while a lesson plays."""
    if problem := st.session_state.pop("lesson_problem", None):
        st.warning(problem, icon=":material/school:")
    on = st.session_state.get(_ON)
    lesson = _lesson(on["key"]) if on else None
    if lesson is None or not lesson.steps:
        return
    i = min(on["i"], len(lesson.steps) - 1)
    step = lesson.steps[i]
    with st.container(border=True, key="lesson_bar"):
        top, prev, nxt, stop = st.columns([5, 2, 2, 1.4], vertical_alignment="center")
        top.markdown(f":material/school: **{lesson.title}** · step {i + 1} of {len(lesson.steps)}")
        prev.button("Previous", key="lesson_prev", shortcut="PageUp", on_click=_go, args=(i - 1,),
                    disabled=i == 0, width="stretch")
        nxt.button("Next", key="lesson_next", shortcut="PageDown", on_click=_go, args=(i + 1,),
                   disabled=i == len(lesson.steps) - 1, type="primary", width="stretch")
        stop.button("End", key="lesson_end", on_click=_stop, width="stretch")
        st.markdown(step.text)
        if step.note:
            st.caption(f":material/link_off: {step.note}")
        if step.page != page_path:
            st.caption("This step is on another page: press **Next** again or open its link.")
        with st.popover("Open this step as a link", icon=":material/link:"):
            if lesson.key == (st.session_state.get(_CUSTOM) or Lesson("", "", ())).key:
                st.caption("Your own lesson is not in the link: the link opens this view, without the lesson bar.")
                st.code(step.link(base=share.base_url(page_path)), language=None, wrap_lines=True)
            else:
                st.code(step.link(lesson.key, i + 1, share.base_url(page_path)), language=None, wrap_lines=True)


def sidebar(pages: dict[str, st.Page]) -> None:
    """Choose a built-in lesson or load your own file."""
    with st.expander("Lessons", icon=":material/school:"):
        keys = list(LESSONS)
        key = st.selectbox("Lesson", keys, format_func=lambda k: LESSONS[k].title, key="lesson_pick")
        st.button("Start", key="lesson_start", on_click=_begin, width="stretch")
        up = st.file_uploader("Or load your own (a .txt file: one link and its sentence per line)", type=["txt"],
                              key="lesson_file")
        if up is not None:
            parsed = parse_lesson_text(up.getvalue(), key="custom", title=up.name.rsplit(".", 1)[0][:60])
            for error in parsed.errors[:20]:
                st.warning(error, icon=":material/error:")
            if parsed.lesson.steps:
                st.session_state[_CUSTOM] = parsed.lesson
                st.caption(f"{len(parsed.lesson.steps)} steps loaded"
                           + (f"; {len(parsed.errors)} lines skipped." if parsed.errors else "."))
                st.button("Start my lesson", key="lesson_start_custom", on_click=_begin, args=("custom",),
                          width="stretch")
        st.download_button("Download this lesson as a file to edit", lesson_text(LESSONS[key]),
                           f"{key}-lesson.txt", "text/plain", key="lesson_download", width="stretch")


def _begin(key: str | None = None) -> None:
    key = key or st.session_state.get("lesson_pick") or next(iter(LESSONS))
    st.session_state[_ON] = {"key": key, "i": 0}
    st.session_state[_GO] = 0
