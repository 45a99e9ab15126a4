"""Home: a map of the course. Loads instantly: no torch, no models."""
import streamlit as st

from core.catalog import GROUPS, TOPICS

st.title("KeyPoint")
st.markdown("A visual deep-learning playground. Every picture here is computed by a real model "
            "or algorithm, running now, on your input.")

for group in GROUPS:
    st.subheader(group)
    cols = st.columns(3)
    for i, topic in enumerate(t for t in TOPICS if t.group == group):
        with cols[i % 3].container(border=True):
            if topic.available:
                st.page_link(topic.file, label=f"**{topic.title}**", icon=topic.icon)
            else:
                st.markdown(f"{topic.title} *(coming next)*")
            st.markdown(topic.promise)
            st.caption(topic.notes)

st.page_link("app_pages/models.py", label="Which weights is every model using, and why?", icon=":material/inventory_2:")
