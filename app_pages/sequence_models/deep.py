"""Sequence models, tab "Deep & bidirectional": two 2-layer RNNs fill blanks in text, one reading left to right
only, one both ways; inside the bidirectional one, layer by layer and direction by direction."""
import pandas as pd
import streamlit as st

from app_pages.parts import progress, ui
from app_pages.sequence_models.common import KINDS, corpus
from core.viz import sequence as charts


@st.cache_resource(show_spinner=False, max_entries=6)
def trained_fillers(kind: str, seed: int, _on_progress=None):
    """Left-to-right and bidirectional blank fillers on the corpus (shared by every session: never
    mutated). Returns [(model, vocab, held-out blank accuracy)] for the two."""
    from core.text.rnn import fill as rnn_fill

    text = " ".join(corpus(1500, seed))
    cut = int(0.9 * len(text))
    cfg = rnn_fill.FillConfig(kind=kind)
    out = []
    for i, bi in enumerate((False, True)):
        report = (lambda s, n, i=i: _on_progress(i * n + s, 2 * n)) if _on_progress else None
        model, vocab = rnn_fill.train_filler(text[:cut], cfg, bi, seed, on_progress=report)
        out.append((model, vocab, rnn_fill.blank_accuracy(model, vocab, text[cut:])))
    return out


def render(seed: int) -> None:
    from core.text.rnn import deep as rnn_deep, fill as rnn_fill

    c1, c2 = st.columns(2)
    deep_kind = c1.segmented_control("Cell", list(KINDS), default="gru", key="seq_deep_kind", bind="query-params", format_func=str.upper) or "gru"
    deep_text = c2.text_input("Text with blanks (_)", "The cat sat on the m_t. The cat l_kes to eat fish.", key="seq_deep_text", bind="query-params",
                              max_chars=60)
    with ui.friendly_errors("The deep RNN"):
        with progress.bar(f"Training two 2-layer {deep_kind.upper()}s to fill blanks (once per server)",
                          2 * rnn_fill.FillConfig().steps) as bar:
            fillers = trained_fillers(deep_kind, seed, _on_progress=bar)
        (uni, vocab, acc_uni), (bi, _, acc_bi) = fillers
        st.markdown(f"**A task where the future matters**: hide 15% of the characters and name each hidden one. "
                    f"Two 2-layer {deep_kind.upper()}s ({bi.cfg.hidden} units per direction) trained the same way "
                    "on the same batches (a few seconds, once per server); on held-out text they name the blank:")
        m1, m2 = st.columns(2)
        m1.metric("Left to right only", f"{acc_uni:.0%}", help="Its state at the blank has read the left side only.")
        m2.metric("Bidirectional", f"{acc_bi:.0%}", delta=f"{acc_bi - acc_uni:+.0%}",
                  help="Its backward state at the blank has read everything to the right.")
        if rnn_fill.BLANK not in deep_text:
            raise ValueError("put at least one _ in the text where a character is hidden")
        unknown = sorted({ch for ch in deep_text if ch not in vocab.index})
        if unknown:
            st.info(f"Characters the models never saw are skipped: {' '.join(unknown)}")
        text_known = "".join(ch for ch in deep_text if ch in vocab.index)
        rows = []
        for name_, model_ in (("left to right", uni), ("bidirectional", bi)):
            for t, cands in rnn_fill.fill_in(model_, vocab, text_known):
                rows.append({"blank at": f"{t}: …{text_known[max(0, t - 6):t + 7]}…", "model": name_,
                             "guesses": ", ".join(f"'{c}' {q:.0%}" for c, q in cands)})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        trace, err = rnn_fill.states(bi, vocab, text_known)
        st.markdown(f"Inside the bidirectional one: each layer runs a left-to-right and a right-to-left "
                    f"{deep_kind.upper()}; layer 2 reads layer 1's [forward ; backward] states. Run through our own "
                    f"cells with the trained weights, it differs from `torch.nn.{deep_kind.upper()}(num_layers=2, "
                    f"bidirectional=True)` by {err:.1e}.")
        panels = {f"layer {l + 1} {d}": states[l][:, 0].numpy() for l in range(2)
                  for d, states in (("forward", trace.forward), ("backward", trace.backward))}
        ui.chart(st, charts.deep_states_chart(text_known, panels))
        E, H = bi.cfg.emb, bi.cfg.hidden
        st.caption(f"Parameters of this stack from its shape: {rnn_deep.param_count(deep_kind, E, H, 2, True):,} "
                   f"(torch counts {sum(p.numel() for p in bi.rnn.parameters()):,}); the left-to-right one "
                   f"{rnn_deep.param_count(deep_kind, E, H, 2, False):,}.")
    ui.show_code(rnn_fill.train_filler, rnn_deep.run_deep, rnn_deep.param_count)
