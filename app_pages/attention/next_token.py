"""Attention lab, tab "Next token": a decoder's next-token distribution at T = 1 and at the chosen
temperature, and buttons that append the greedy or a sampled token to the prompt (one autoregressive step)."""
import pandas as pd
import streamlit as st

from app_pages.attention.common import DEFAULT_PROMPT, AttentionRun
from app_pages.parts import ui
from core.runtime import torch_rng
from core.text.attention import view as lab
from core.viz import attention as charts


def append_token(text: str) -> None:
    st.session_state.att_prompt = st.session_state.get("att_prompt", DEFAULT_PROMPT) + text


def render(run: AttentionRun) -> None:
    tr, res, temperature, tokenizer = run.tr, run.res, run.temperature, run.tokenizer
    nt = res.next
    if nt is None:
        st.info("An encoder does not predict a next token. Pick gpt-tiny, gpt2 or distilgpt2 for this tab.")
    else:
        st.markdown(f"A decoder is an **autoregressive** model: it predicts token t + 1 from tokens 1…t, appends it, "
                    f"and repeats (the buttons below do one step). Top {len(nt.ids)} next tokens at T = "
                    f"{temperature:g}; entropy of the whole distribution **{nt.entropy_bits:.2f} bits**.")
        names = [f"{i + 1}. {charts.readable(t)}" for i, t in enumerate(nt.tokens)]
        df = pd.DataFrame({"token": names, "T = 1 (the model)": nt.probs_t1}
                          | ({f"T = {temperature:g}": nt.probs} if temperature != 1 else {}))
        ui.chart(st, charts.grouped_bars(df.melt("token", var_name="temperature", value_name="probability"),
                                         "token", "probability", "temperature", "Next-token probabilities", names))
        g = torch_rng(ui.seed() + len(tr.ids))
        sampled = lab.sample_token(tr.logits, temperature, g)
        a, b = st.columns(2)
        a.button(f"Append greedy “{charts.readable(tokenizer.decode([nt.greedy]))}”", on_click=append_token,
                 args=(tokenizer.decode([nt.greedy]),), key="attn_greedy")
        b.button(f"Append sampled “{charts.readable(tokenizer.decode([sampled]))}”", on_click=append_token,
                 args=(tokenizer.decode([sampled]),), key="attn_sample")
        ui.show_code(lab.next_token, lab.sample_token)
