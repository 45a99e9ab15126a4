"""The Architectures tab: one network's layer table (shapes, parameters, FLOPs, receptive fields) and the
family side by side."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.parts import export, progress, ui


@st.cache_data(show_spinner="Measuring the network...", max_entries=32)
def _table(key: str, size: int):
    from core.vision.cnn.explore import explore

    try:
        return explore(key, size)
    except RuntimeError as e:  # e.g. a pooling window larger than the map: the input is too small
        raise ValueError(f"{size} x {size} is too small an input for this network ({str(e).splitlines()[0]})") from None


@st.cache_data(show_spinner=False)
def _family(_on_progress=None):
    """Once per server; _on_progress(done, total) per network measured (a leading _ keeps it out of the key)."""
    from core.vision.cnn.explore import family

    return family(on_progress=_on_progress)


def render():
    from core.vision.cnn import table as tb
    from core.vision.cnn.explore import EXPLORER, explorer_input
    from core.viz import cnn as viz

    c1, c2 = st.columns([2, 1])
    key = c1.selectbox("Network", list(EXPLORER), index=list(EXPLORER).index("teaching:resnet18"),
                       format_func=EXPLORER.get, key="cnn_arch", bind="query-params")
    in_ch, default = explorer_input(key)
    sizes = sorted({28, 32, 64, 96, 128, 160, 224, default})
    size = c2.select_slider("Input size (pixels)", sizes, value=default, key="cnn_arch_size", bind="query-params")
    with ui.friendly_errors("Measuring the network"):
        t = _table(key, size)
        last_rf = next((r.rf for r in reversed(t.rows) if r.rf is not None), None)
        m1, m2, m3 = st.columns(3)
        m1.metric("Parameters", f"{t.total_params:,}")
        m2.metric("FLOPs per image", f"{t.total_flops / 1e9:.3f} G")
        m3.metric("Largest receptive field before pooling", f"{last_rf} px" if last_rf else "-")
        st.caption(f"Input {in_ch} x {size} x {size}. FLOPs measured by `torch.utils.flop_counter.FlopCounterMode` "
                   "(2 per multiply-add; convolutions and matrix products). Receptive field in input pixels: "
                   "r' = r + (k - 1) j, j' = j s, the largest over a block's paths.")
        st.dataframe(t.records(), hide_index=True, width="stretch", height=320)
        export.csv(pd.DataFrame(t.records()), "layers", key, size=size, label="Layer table (CSV)")
        ui.chart(st, viz.layer_chart(t.records()), width="content")
    st.subheader("The family side by side")
    with progress.bar("Measuring the family (parameters and FLOPs of each network)", unit="networks") as bar:
        fam = _family(_on_progress=bar)
    ui.chart(st, viz.family_chart(fam), width="content")
    shares = ", ".join(f"{r['network']} {r['fc_share']:.0%}" for r in fam)
    st.caption(f"Share of parameters in fully connected layers: {shares}. NiN and GoogLeNet replace the FC "
               "layers with global average pooling; ResNet and DenseNet keep one small classifier.")
    ui.show_code(tb.layer_table, tb.kernel_stride, tb.compose)
