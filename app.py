"""KeyPoint: the frame. Navigation over every topic page and the shared sidebar.

Run with:  streamlit run app.py
"""
import sys

import streamlit as st

from app_pages.parts import present, ui
from core.catalog import GROUPS, TOPICS, slug
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

with st.sidebar:
    st.markdown("### KeyPoint")
    ui.model_source_control()
    st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="seed",
                    help="One seed for every random choice on every page.")
    ui.present_toggle()
present.apply()
nav.run()

# After the page: the device is only known once torch is loaded, and the home page must not pay for torch.
with st.sidebar:
    if "torch" in sys.modules:
        from core.runtime import device_label

        st.caption(f":material/memory: {device_label()}")
    else:
        st.caption(":material/memory: Device: chosen when the first model loads (GPU if present).")
