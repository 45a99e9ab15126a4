"""Sequence models: an n-gram counts its way to the next word; RNN / GRU / LSTM cells carry a state.
Zipf's law, one perplexity table, deep and bidirectional RNNs, vanishing gradients and clipping, and
RNN vs GRU vs LSTM trained live. Training happens on a button (or once per server for the defaults);
a widget that only changes a view never retrains.

Each tab lives in its own module beside this file (ngrams, zipf_law, perplexities, cells, deep, gradients,
live_training); what several tabs share (the corpus, the trained character model) is in common."""
import streamlit as st

from app_pages.parts import ui
from app_pages.sequence_models import cells, deep, gradients, live_training, ngrams, perplexities, zipf_law

st.title("Sequence models")
st.markdown("Two ways to predict what comes next: **count** (an n-gram looks up the last n−1 words) "
            "or **remember** (a recurrent cell folds the whole past into a hidden state).")

seed = ui.seed()
TABS = {"n-gram language model": ngrams, "Zipf's law & table sizes": zipf_law, "Perplexity, every model": perplexities,
        "RNN, GRU and LSTM cells": cells, "Deep & bidirectional": deep, "Vanishing gradients & clipping": gradients,
        "Live training": live_training}
# lazy: only the open tab runs (and trains, if it must)
for tab, tab_module in zip(st.tabs(list(TABS), key="seq_tab", bind="query-params", on_change="rerun"), TABS.values()):
    with tab:
        if tab.open:
            tab_module.render(seed)
