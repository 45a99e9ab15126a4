"""Sequence models, tab "n-gram language model": the next-word distribution of an n-gram after a typed
context (only the last n − 1 words count), and held-out perplexity by n."""
import streamlit as st

from app_pages.parts import ui
from app_pages.sequence_models.common import corpus, ngram_models
from core.text.lm import ngram
from core.viz import sequence as charts


@st.cache_data(show_spinner=False)
def held_out_perplexity(seed: int) -> list[float]:
    models, held_out = ngram_models(seed), corpus(3000, seed)[2700:2800]
    return [models[k].perplexity(held_out) for k in (1, 2, 3, 4)]


def render(seed: int) -> None:
    models = ngram_models(seed)
    prompt = st.text_input("Context", "The cat sat on the", key="seq_ng_prompt", bind="query-params", max_chars=300)
    n = st.segmented_control("n", [1, 2, 3, 4], default=3, key="seq_ng_n", bind="query-params") or 3
    history = ngram.words(prompt)
    ctx = models[n].context_of(history)
    st.markdown(f"The {n}-gram sees only the last {n - 1} word(s): **{' '.join(ctx) or '(nothing)'}**. "
                f"Both kinds of model on this page are **autoregressive**: they predict the next token from the "
                f"ones before it. An n-gram is a **Markov model of order n − 1** (here {n - 1}): everything older "
                "is forgotten.")
    c1, c2 = st.columns(2)
    ui.chart(c1, charts.next_word_chart(models[n].next_distribution(history, top=10), f"P(next | {' '.join(ctx) or '∅'})"),
                    width="stretch")
    ui.chart(c2, charts.ngram_perplexity_chart([1, 2, 3, 4], held_out_perplexity(seed), "Held-out perplexity by n",
                                                  "add-0.01 smoothing"), width="stretch")
    if not history:
        st.info("Type a few words to condition on; with an empty context the model predicts how documents start.")
    ui.show_code(ngram.NGramLM.prob, ngram.NGramLM.perplexity)
