"""Models: every card in the zoo, where its weights come from on this machine, and why."""
import streamlit as st

from core.zoo.network import offline_reason
from core.zoo.table import training_rows, zoo_rows
from app_pages.parts import ui
from app_pages.parts.budget_view import show_loaded_models

st.title("Models")
mode = ui.model_source()
forced = offline_reason()
st.markdown(f"Model-source mode: **{mode}**" + (f" (forced by `{forced}` on this server)" if forced else "")
            + ". Sources are tried in order: *pretrained* (the famous "
            "checkpoint, through the torchvision / Hugging Face / ONNX caches), *packaged* (weights a "
            "pip package ships), *bundled* (small weights KeyPoint trained itself, in `assets/`).")
with ui.friendly_errors("Reading the model zoo"):
    rows = zoo_rows(mode)
    st.dataframe(rows, width="stretch", hide_index=True, height=36 * (len(rows) + 1) + 4,
                 column_order=["model", "resolved", "loaded", "why", "family", "task", "license", "size_mb", "sources", "page"],
                 column_config={
        "size_mb": st.column_config.NumberColumn("size (MB)", format="%.1f"),
        "why": st.column_config.TextColumn("resolved because", width="large"),
        "loaded": st.column_config.TextColumn("loaded on this server", help="the source a page actually "
                                              "loaded (after any fallback); empty until a page loads it"),
    })
    counts = {k: sum(r["resolved"] == k for r in rows) for k in ("pretrained", "packaged", "bundled", "none")}
    st.caption(" · ".join(f"{k}: {v}" for k, v in counts.items()))
st.subheader("How the bundled models were trained")
st.markdown("Every bundle in `assets/` carries one training record beside its weights: the command that trained "
            "it, on what, for how long, and its score on data it never saw (the tests hold each model to it).")
with ui.friendly_errors("Reading the training records"):
    records = training_rows()
    st.dataframe(records, width="stretch", hide_index=True,
                 column_order=["model", "held-out metric", "value", "held-out examples", "steps",
                               "training wall time (s)", "machine", "command", "data", "bundle"])
st.markdown("For a classroom that will be offline later, fetch the pretrained checkpoints once while online:")
st.code("python -m core.zoo download            # every model\npython -m core.zoo download yolox-nano  # one",
        language="bash")

show_loaded_models()
