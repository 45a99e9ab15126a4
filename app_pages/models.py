"""Models: every card in the zoo, where its weights come from on this machine, and why."""
import streamlit as st

from core.zoo.table import zoo_rows
from app_pages.parts import ui

st.title("Models")
mode = ui.model_source()
st.markdown(f"Model-source mode: **{mode}**. Sources are tried in order: *pretrained* (the famous "
            "checkpoint, through the torchvision / Hugging Face / ONNX caches), *packaged* (weights a "
            "pip package ships), *bundled* (small weights KeyPoint trained itself, in `assets/`).")
with ui.friendly_errors("Reading the model zoo"):
    rows = zoo_rows(mode)
    st.dataframe(rows, width="stretch", hide_index=True, height=36 * (len(rows) + 1) + 4,
                 column_order=["model", "resolved", "why", "family", "task", "license", "size_mb", "sources", "page"],
                 column_config={
        "size_mb": st.column_config.NumberColumn("size (MB)", format="%.1f"),
        "why": st.column_config.TextColumn("resolved because", width="large"),
    })
    counts = {k: sum(r["resolved"] == k for r in rows) for k in ("pretrained", "packaged", "bundled", "none")}
    st.caption(" · ".join(f"{k}: {v}" for k, v in counts.items()))
st.markdown("For a classroom that will be offline later, fetch the pretrained checkpoints once while online:")
st.code("python -m core.zoo download            # every model\npython -m core.zoo download yolox-nano  # one",
        language="bash")
