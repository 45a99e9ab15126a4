"""Attention lab, tab "One head, step by step": Q, K, V, the scores, the mask and the softmax of the chosen
head as matrices (short prompts) or a summary, the query token followed across every key, the residual add."""
import pandas as pd
import streamlit as st

from app_pages.attention.common import AttentionRun
from app_pages.parts import ui
from core.text.attention import capture as att
from core.viz import attention as charts

SMALL = 12  # prompts up to this many tokens get full matrices in the step-by-step


def render(run: AttentionRun) -> None:
    tr, res, layer, head, T = run.tr, run.res, run.layer, run.head, run.T
    s = res.steps
    dh = s.Q.shape[1]
    st.markdown(f"Layer {layer}, head {head}: **Q = E·W_q + b_q**, K, V alike (E: {T}×{s.E.shape[1]}, "
                f"W_q: {s.Wq.shape[0]}×{dh}) → **scores = QKᵀ/√{dh}** → "
                + ("**causal mask** (−∞ above the diagonal) → " if tr.causal else "no mask → ")
                + "**softmax** per row → **Z = A·V** → out-projection → **residual add**. "
                f"Check: Q recomputed from the weights differs from the model's by {s.max_err_q:.1e}.")
    fmt = lambda m, rows, cols=None: pd.DataFrame(m.tolist(), index=rows, columns=cols)  # noqa: E731
    labels = charts.token_labels(tr.tokens)
    if T <= SMALL:
        a, b, c = st.columns(3)
        for col, nm, M in ((a, "Q", s.Q), (b, "K", s.K), (c, "V", s.V)):
            col.markdown(f"**{nm}** ({T}×{dh}, first {min(4, dh)} of {dh} columns)")
            col.dataframe(fmt(M[:, :4], labels, [f"d{j}" for j in range(min(4, dh))]).style.format("{:.2f}"), width="stretch")
        for nm, M in (("QKᵀ/√d_k", s.scores), ("+ mask (−∞ above the diagonal)" if tr.causal else "no mask", s.masked),
                      ("softmax → A (each row sums to 1)", s.A)):
            st.markdown(f"**{nm}** ({T}×{T})")  # full width: every column visible
            st.dataframe(fmt(M, labels, labels).style.format("{:.2f}"), width="stretch")
    else:
        st.info(f"{T} tokens: the matrices are too big to read, so here is a summary of each.")
        summ = {nm: M for nm, M in (("E", s.E), ("Q", s.Q), ("K", s.K), ("V", s.V), ("scores", s.scores), ("A", s.A),
                                     ("Z = A·V", s.Z), ("head output", s.head_out), ("attention output", s.attn_out))}
        st.dataframe(pd.DataFrame([{"matrix": k, "shape": "×".join(map(str, M.shape)), "mean": float(M.mean()),
                                    "std": float(M.std()), "min": float(M.min()), "max": float(M.max())}
                                   for k, M in summ.items()]).set_index("matrix").style.format("{:.3f}", subset=["mean", "std", "min", "max"]))
    st.markdown(f"**Following query token {res.token} “{tr.tokens[res.token]}”** across every key: its score, "
                "the mask, the softmax weight, and how much of each value vector it takes.")
    follow = pd.DataFrame({"key": labels, "q·k/√d": s.scores[res.token].tolist(), "+ mask": s.masked[res.token].tolist(),
                           "softmax": s.A[res.token].tolist(),
                           "|weight × v|": (s.A[res.token, :, None] * s.V).norm(dim=-1).tolist()}).set_index("key")
    st.dataframe(follow.style.format("{:.3f}"), height=min(36 * (T + 1), 400))
    norms = pd.DataFrame({"token": labels, "|residual in|": s.resid_in.norm(dim=-1).tolist(),
                          f"|head {head} output|": s.head_out.norm(dim=-1).tolist(),
                          "|all heads output|": s.attn_out.norm(dim=-1).tolist(),
                          "|residual out|": s.resid_out.norm(dim=-1).tolist()}).set_index("token")
    st.markdown("**The residual add**: the block adds the attention output to the stream it read from "
                + ("(GPT-2: x + attn(LN(x)))." if run.decoder else "(BERT: LayerNorm(x + attn(x)))."))
    st.dataframe(norms.style.format("{:.2f}"))
    ui.show_code(att.head_steps)
