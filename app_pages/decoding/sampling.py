"""Decoding lab, "Greedy vs beam vs sampling": three samples (temperature, top-k, top-p) beside greedy and beam."""
import json

import pandas as pd
import streamlit as st

from app_pages.decoding.common import DecodingRun, decode
from app_pages.parts import ui
from core.text.decoding.search import DecodeConfig


def render(run: DecodingRun) -> None:
    seed, trace, greedy_tr = run.seed, run.trace, run.greedy_tr
    st.subheader("Greedy vs beam vs sampling, same input")
    c1, c2, c3 = st.columns(3)
    temp = c1.slider("Temperature", 0.1, 2.0, 1.0, 0.1, key="dec_temp", bind="query-params")
    top_k = c2.slider("Top-k (0 = off)", 0, 50, 0, key="dec_topk", bind="query-params")
    top_p = c3.slider("Top-p (1 = off)", 0.1, 1.0, 1.0, 0.05, key="dec_topp", bind="query-params")
    with ui.friendly_errors("Sampling"):
        scfg = DecodeConfig(max_new_tokens=run.max_new, temperature=temp, top_k=top_k, top_p=top_p, alpha=run.alpha,
                            form=run.form)
        samples = [decode(run.name, run.mode, run.text, "sample", json.dumps(scfg.__dict__), seed + i, -1,
                          run.sentence_end, _model=run.model, _tok=run.tok).best for i in range(3)]
        rows = [{"method": "greedy", "output": greedy_tr.best.text, "log-prob": greedy_tr.best.score},
                {"method": f"beam k={run.k}", "output": trace.best.text, "log-prob": trace.best.score}]
        rows += [{"method": f"sample (seed {seed + i})", "output": h.text, "log-prob": None} for i, h in enumerate(samples)]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption("Sample log-probs are under the filtered distribution, so they are not comparable and are left out.")
