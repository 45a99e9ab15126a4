"""Sequence models, tab "Perplexity, every model": the n-grams, the character RNN / GRU / LSTM and the tiny
GPT scored on the same held-out text, per token and in bits per character."""
import pandas as pd
import streamlit as st

from app_pages.parts import export, ui
from app_pages.sequence_models.common import KINDS, cell_settings, ngram_models, trained_char_lm, trained_with_progress
from core.text.lm.corpus import CorpusConfig, generate
from core.text.rnn import view as sequence_lab


@st.cache_data(show_spinner="Scoring every model on the held-out text…", max_entries=8)
def perplexities(kinds: tuple, hidden: int, steps: int, seed: int) -> pd.DataFrame:
    from core.text.lm.load import load_causal_lm

    gpt = None
    with ui.friendly_errors("Loading the tiny GPT"):
        gpt = load_causal_lm("gpt-tiny", "offline")[:2]
    held = generate(CorpusConfig(n_docs=60, seed=seed + 10_000))  # a seed no model trained on
    return sequence_lab.perplexity_table(ngram_models(seed), {k: trained_char_lm(k, hidden, steps, seed)[0] for k in kinds},
                                         gpt, held)


def render(seed: int) -> None:
    cell_cfg = cell_settings()
    st.markdown("The same held-out text for every model. Perplexity = exp(mean cross-entropy per token); tokens "
                "differ (words, characters, GPT pieces), so compare kinds by **bits per character** "
                "(total NLL / characters / ln 2). The n-grams drop spaces and case, so they get a little help.")
    all_kinds = st.toggle("Include the RNN and the LSTM too (trains them once per server)", key="seq_ppl_all", bind="query-params")
    kinds = KINDS if all_kinds else (cell_cfg["kind"],)
    for k in kinds:  # train what is not trained yet, with progress (cached: instant afterwards)
        trained_with_progress(k, cell_cfg["hidden"], cell_cfg["steps"], seed)
    table = perplexities(kinds, cell_cfg["hidden"], cell_cfg["steps"], seed)
    st.dataframe(table.style.format({"perplexity (per token)": "{:.2f}", "bits per character": "{:.3f}"}), hide_index=True)
    export.csv(table, "perplexity", "all-cells" if all_kinds else cell_cfg["kind"], hidden=cell_cfg["hidden"],
               steps=cell_cfg["steps"], seed=seed)
    from core.text.lm import perplexity as ppl_mod

    ui.show_code(ppl_mod.perplexity, ppl_mod.char_nll)
