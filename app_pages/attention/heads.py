"""Attention lab, tab "Multi-head": remove each head in turn and measure how far the next-token
distribution moves (decoders), and the effect of removing the head chosen above."""
import pandas as pd
import streamlit as st

from app_pages.attention.common import AttentionRun
from app_pages.parts import progress, ui
from core.text.attention import capture as att
from core.text.attention import view as lab
from core.viz import attention as charts


@st.cache_data(max_entries=16, show_spinner=False)
def get_importance(name: str, mode: str, text: str, causal: bool, temperature: float,
                   _model=None, _tokenizer=None, _on_progress=None) -> lab.HeadImportance:
    """name and mode say which model _model is: they are its part of the cache key (a leading _ is not hashed)."""
    return lab.head_importance(_model, _tokenizer, text, causal, temperature, max_tokens=lab.LabConfig.max_tokens,
                               on_progress=_on_progress)


def render(run: AttentionRun) -> None:
    tr, res, layer, head, L, H, temperature = run.tr, run.res, run.layer, run.head, run.L, run.H, run.temperature
    if run.decoder:
        with progress.bar("Removing each head in turn", L * H, unit="heads") as bar:
            hi = get_importance(run.name, run.mode, run.text, tr.causal, temperature, _model=run.model,
                                _tokenizer=run.tokenizer, _on_progress=bar)
        (tl, th) = hi.top
        st.markdown(f"**Remove one head at a time** (zero its slice of the concatenated heads before the "
                    f"out-projection) and measure how far the next-token distribution moves. The {L * H} heads are "
                    f"not equal: the most important here is **layer {tl}, head {th}** "
                    f"(KL {float(hi.kl[tl, th]):.3f} bits); the median head moves it "
                    f"{float(hi.kl.median()):.3f} bits.")
        a, b = st.columns([2, 3])
        ui.chart(a, charts.ablation_heatmap(hi.kl))
        b.markdown(f"**Layer {tl}, head {th} removed**, applied to the prompt:")
        b.dataframe(pd.DataFrame({"original": [charts.readable(t) for t in hi.next.tokens],
                                  "P (original)": hi.next.probs,
                                  f"without L{tl} H{th}": [charts.readable(t) for t in hi.next_without_top.tokens],
                                  "P (removed)": hi.next_without_top.probs}).style.format(
            "{:.3f}", subset=["P (original)", "P (removed)"]), hide_index=True)
    st.markdown(f"**Your choice**: remove head {head} of layer {layer} (the Layer / Head boxes above).")
    if res.ablation is None:
        st.caption("Switch on *Remove the chosen head* above to measure what this head contributes.")
    else:
        st.metric(f"Effect of removing layer {layer}, head {head}", f"{res.ablation:.4f}", help=res.ablation_what)
        st.caption(res.ablation_what)
        if res.next_ablated is not None:
            st.dataframe(pd.DataFrame({"original": [charts.readable(t) for t in res.next.tokens[:5]],
                                       "P (original)": res.next.probs[:5],
                                       f"without L{layer} H{head}": [charts.readable(t) for t in res.next_ablated.tokens[:5]],
                                       "P (ablated)": res.next_ablated.probs[:5]}).style.format(
                "{:.3f}", subset=["P (original)", "P (ablated)"]))
    ui.show_code(lab.head_importance, att.ablation_kls)
