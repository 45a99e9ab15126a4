"""Decoding lab, "Teacher forcing vs free running": per output position, accuracy with the gold prefix against
accuracy with the model's own previous predictions (exposure bias), on a button (dates translators)."""
import streamlit as st

from app_pages.decoding.common import DecodingRun
from app_pages.parts import progress, ui
from core.text.decoding import train_seq2seq as study
from core.text.decoding.seq2seq_data import make_pairs
from core.viz import decoding as charts


def render(run: DecodingRun) -> None:
    name = run.name
    st.subheader("Teacher forcing vs free running (exposure bias)")
    st.caption("Per output position: accuracy with the gold prefix (how it was trained) vs with its own "
               "previous predictions (how it is used).")
    if st.button("Measure on 200 held-out dates", key="dec_tf_go"):
        with ui.friendly_errors("Exposure bias"):
            with progress.bar("Teacher forcing and free running on 200 held-out dates", 200, unit="dates") as bar:
                r = study.exposure_bias(run.model, run.tok, make_pairs(200, run.seed + 1, "test"), chunk=50,
                                        on_progress=bar)
            st.session_state["dec_tf"] = (name, r)
    if st.session_state.get("dec_tf", (None,))[0] == name:
        r = st.session_state["dec_tf"][1]
        ui.chart(st, charts.exposure_chart(r["positions"]), width="stretch")
        gap = max(p["teacher_forcing"] - p["free_running"] for p in r["positions"])
        st.write(f"Whole-date exact match: teacher forcing {r['exact_teacher_forcing']:.1%}, "
                 f"free running {r['exact_free_running']:.1%}. Largest gap at one position: {gap:.1%}.")
        if abs(r["exact_teacher_forcing"] - r["exact_free_running"]) < 0.01:
            st.info("This model shows no exposure-bias gap on whole dates: the dates it gets wrong it gets wrong even "
                    "when fed the gold prefix, so its errors are not caused by its own earlier mistakes. Per position, "
                    "free running falls behind by at most the gap above, right after a first mistake. A short, "
                    "rigid output (11 tokens) leaves little room for errors to compound.")
