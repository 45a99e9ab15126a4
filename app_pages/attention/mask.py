"""Attention lab, tab "Mask & temperature": the causal mask on and off side by side (how much of a row leaks
onto later tokens, and what that does to the next-token prediction), then softmax(scores / T) on one row."""
import pandas as pd
import streamlit as st
import torch

from app_pages.attention.common import AttentionRun
from app_pages.parts import ui
from core.text.attention import capture as att
from core.text.attention import view as lab
from core.viz import attention as charts


def render(run: AttentionRun) -> None:
    tr, res, layer, head, T, temperature = run.tr, run.res, run.layer, run.head, run.T, run.temperature
    if run.decoder:
        with_mask = tr if tr.causal else res.masked
        no_mask = res.unmasked if tr.causal else tr
        leaks = lab.leak_shares(no_mask.weights[layer, head])  # [T]
        worst = int(leaks.argmax())
        st.markdown(f"**The causal mask** (layer {layer}, head {head}). Without it every token sees the future: on "
                    f"average **{float(leaks.mean()):.0%}** of a row's attention lands on later tokens, and for "
                    f"“{tr.tokens[worst]}” (token {worst}) **{float(leaks[worst]):.0%}**. With it: 0%.")
        a, b = st.columns(2)
        ui.chart(a, charts.heatmap(with_mask.weights[layer, head], tr.tokens, "With the causal mask"))
        ui.chart(b, charts.heatmap(no_mask.weights[layer, head], tr.tokens, "Mask off: future tokens leak in"))
        keys = charts.token_labels(tr.tokens)
        row = pd.DataFrame({"key": keys * 2, "weight": with_mask.weights[layer, head, worst].tolist()
                            + no_mask.weights[layer, head, worst].tolist(),
                            "run": ["with the mask"] * T + ["mask off"] * T})
        ui.chart(st, charts.grouped_bars(row, "key", "weight", "run", f"Row of token {worst} “{tr.tokens[worst]}”: "
                                         f"{float(leaks[worst]):.0%} of it on later tokens without the mask", keys))
        n_with = res.next if tr.causal else res.next_masked
        n_without = res.next_unmasked if tr.causal else res.next
        diff = pd.DataFrame({"with mask": [charts.readable(t) for t in n_with.tokens[:5]], "P (with mask)": n_with.probs[:5],
                             "without mask": [charts.readable(t) for t in n_without.tokens[:5]],
                             "P (without mask)": n_without.probs[:5]})
        st.markdown("**Next-token prediction, with and without the mask** (the model was trained with it): "
                    f"KL(with ‖ without) = {att.kl_div(with_mask.logits, no_mask.logits):.3f} bits.")
        st.dataframe(diff.style.format("{:.3f}", subset=["P (with mask)", "P (without mask)"]))
    else:
        st.info("An encoder (BERT, MiniLM) reads the whole sentence at once to build a representation of every "
                "token; nothing is generated left to right, so no token has a future to hide. The mask only "
                "exists in decoders, where position t must not see the token it is trained to predict.")
    rows_t = lab.temperature_rows(res.steps.masked[res.token], [lab.LOW_T, 1.0, temperature])
    st.markdown(f"**Temperature on one attention row** (token {res.token} “{tr.tokens[res.token]}”, layer {layer}, "
                f"head {head}): softmax(scores / T). Low T sharpens the row toward its largest score, high T flattens "
                "it toward uniform; the Temperature slider above sets the third panel.")
    cols = st.columns(3)
    for col, (t, w, h), what in zip(cols, rows_t, ("sharp", "the model", "the slider")):
        ui.chart(col, charts.bars(charts.token_labels(tr.tokens), w.tolist(), f"T = {t:g} ({what}): {h:.2f} bits",
                                  "weight", width=220))
    st.caption("Entropy: " + " · ".join(f"T = {t:g}: **{h:.2f} bits**" for t, _, h in rows_t)
               + f" (uniform over the {int(torch.isfinite(res.steps.masked[res.token]).sum())} visible keys: "
               f"{float(torch.log2(torch.isfinite(res.steps.masked[res.token]).sum())):.2f} bits).")
    ui.show_code(lab.leak_shares, lab.temperature_rows, att.softmax_t, att.entropy)
