"""Decoding lab, "What beam search costs": scored continuations and time at four lengths, measured on a button:
k·V per step, linear in the length, against the V^n sequences of an exhaustive search."""
import pandas as pd
import streamlit as st

from app_pages.decoding.common import DecodingRun
from app_pages.parts import ui
from core.text.decoding.search import DecodeConfig


def render(run: DecodingRun) -> None:
    name, text, k, max_new = run.name, run.text, run.k, run.max_new
    st.subheader("What beam search costs: k·V per step, linear in length")
    st.caption("The notes call beam search exponential in the number of steps. An exhaustive search would be: V^n "
               "sequences of n tokens. Beam search scores each of its k beams' V continuations per step and keeps k, so "
               "it does k·V work per step and n·k·V in all: linear in the length. Measured on this model and input:")
    if st.button(f"Measure beam search (k = {k}) at four lengths", key="dec_cost_go"):
        with ui.friendly_errors("Measuring the cost"):
            from core.text.decoding.beam_width import beam_cost

            lengths = sorted({max(2, max_new // 4), max(2, max_new // 2), max(2, 3 * max_new // 4), max_new})
            st.session_state["dec_cost"] = (name, text, k, beam_cost(
                lambda: run.stepper(text, attention=False, sentence_end=False), k, lengths,
                DecodeConfig(alpha=run.alpha, form=run.form)))
    if st.session_state.get("dec_cost", (None,))[:3] == (name, text, k):
        cost = pd.DataFrame(st.session_state["dec_cost"][3])
        st.dataframe(cost.style.format({"per step": "{:,.0f}", "time (ms)": "{:.0f}",
                                        "exhaustive: log10(V^steps)": "{:.1f}"}), hide_index=True)
        st.caption(f"Per step it scored {cost['per step'].iloc[0]:,.0f} continuations = k·V at every length (when a "
                   "search ends early on EOS, the steps column says so): double the steps, double the work, while "
                   f"V^steps gains another {cost['exhaustive: log10(V^steps)'].iloc[0] / cost['steps'].iloc[0]:.1f} "
                   "digits per token.")
