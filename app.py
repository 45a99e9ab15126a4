"""KeyPoint: the frame. Navigation over every topic page and the shared sidebar.

Run with:  streamlit run app.py
"""
import sys

import streamlit as st

from app_pages.parts import lesson, present, share, ui
from core.catalog import GROUPS, TOPICS, slug
from core.zoo.budget import trim_heap_if_grown
from core.threads import configure_threads

configure_threads()  # the one place the server sets torch's thread count (torch-free until a page loads it)

st.set_page_config(page_title="KeyPoint", page_icon=":material/school:", layout="wide",
                   initial_sidebar_state="collapsed" if ui.presenting() else "auto")

home = st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True)
sections: dict[str, list] = {"": [home]}
for group in GROUPS:
    pages = [st.Page(t.file, title=t.title, icon=t.icon, url_path=slug(t))
             for t in TOPICS if t.group == group and t.available]
    if pages:
        sections[group] = pages
sections["About"] = [st.Page("app_pages/models.py", title="Models", icon=":material/inventory_2:")]
nav = st.navigation(sections)
by_path = {p.url_path: p for group in sections.values() for p in group}

# Before any widget reads the link: drop what no widget should read, start a lesson the link names,
# and move to the step a lesson button asked for.
share.guard_link()
lesson.start_from_link()
lesson.apply_pending(by_path, nav.url_path)
top = st.container()  # above the page: the lesson bar, and what the opening link asked for in vain
with top:
    lesson.bar(nav.url_path)

with st.sidebar:
    st.markdown("### KeyPoint")
    ui.model_source_control()
    st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="seed", bind="query-params",
                    help="One seed for every random choice on every page.")
    ui.present_toggle()
    lesson.sidebar(by_path)
present.apply()
try:
    nav.run()
finally:  # also after a page's st.stop() (an empty prompt...): the notice and the link still come
    share.report_link(top)
    trim_heap_if_grown()  # freed memory goes back to the system (core/zoo/budget.py says why)

    # After the page: the link needs the page's widgets, and the device is only known once torch is
    # loaded (the home page must not pay for torch).
    with st.sidebar:
        share.share_box(nav.url_path)
        if "torch" in sys.modules:
            from core.runtime import device_label

            st.caption(f":material/memory: {device_label()}")
        else:
            st.caption(":material/memory: Device: chosen when the first model loads (GPU if present).")
