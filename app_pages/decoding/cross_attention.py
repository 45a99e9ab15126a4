"""Decoding lab, "Cross-attention": how much each decoded token looked at each source token (translators)."""
import streamlit as st

from app_pages.decoding.common import DecodingRun
from app_pages.parts import ui
from core.viz import decoding as charts


def render(run: DecodingRun) -> None:
    st.subheader("Cross-attention of each decoded token over the source")
    if len(run.layers) > 1:
        st.selectbox("Layer (heads averaged)", run.layers, key="dec_layer", bind="query-params",
                     format_func=lambda v: "last layer" if v == -1 else "mean of all layers" if v is None else f"layer {v + 1}")
    with ui.friendly_errors("Cross-attention"):
        source_toks = run.stepper(run.text).source_tokens()
        chart = charts.attention_chart(run.trace, source_toks)
        if chart is None:
            st.info("This model has no attention: everything it knows about the source is one fixed vector.")
        else:
            ui.chart(st, chart, width="stretch")
