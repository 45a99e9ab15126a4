"""Decoding lab, "Beam-width study": our traced beam search for k = 1, 2, 4, 8, 16 on several inputs, on a button:
the best output's score, how varied the n-best list is, and the time."""
import streamlit as st

from app_pages.decoding.common import CAUSAL, CAUSAL_PROMPTS, DecodingRun
from app_pages.parts import progress, ui
from core.text.decoding.search import DecodeConfig
from core.viz import decoding as charts


def render(run: DecodingRun) -> None:
    name = run.name
    st.subheader("Beam-width study (real runs)")
    st.caption("Our traced beam search for k = 1…16 on several inputs: the best output's score, how varied the n-best "
               "list is, and the time. A wider beam finds higher-scoring outputs until the score saturates.")
    n = st.slider("Inputs", 3, 50, 8, key="dec_study_n", bind="query-params") if run.dates_weights else len(CAUSAL_PROMPTS)
    if st.button("Run k = 1…16", key="dec_study_go"):
        with ui.friendly_errors("The beam-width study"):
            from core.text.decoding.beam_width import k_study
            from core.text.decoding.seq2seq_data import make_pairs

            pairs = make_pairs(n, run.seed, "test") if run.dates_weights else None
            inputs = [p.source for p in pairs] if pairs else (CAUSAL_PROMPTS if name in CAUSAL else [run.text])
            with progress.bar("Beam search for k = 1, 2, 4, 8, 16", 5 * len(inputs), unit="searches") as bar:
                st.session_state["dec_study"] = (name, k_study(
                    lambda t: run.stepper(t, attention=False, sentence_end=run.sentence_end), inputs,
                    [set(p.alternatives) for p in pairs] if pairs else None,
                    cfg=DecodeConfig(max_new_tokens=run.max_new, alpha=run.alpha, form=run.form), on_progress=bar))
    if st.session_state.get("dec_study", (None,))[0] == name:
        ui.chart(st, charts.study_chart(st.session_state["dec_study"][1]))
