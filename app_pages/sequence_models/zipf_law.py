"""Sequence models, tab "Zipf's law & table sizes": word frequency against rank, and how many distinct
n-grams a corpus really holds next to the |V|ⁿ a table could need."""
import streamlit as st

from app_pages.parts import ui
from app_pages.sequence_models.common import corpus
from core.text.lm import ngram, zipf
from core.viz import sequence as charts


@st.cache_data(show_spinner=False, max_entries=16)
def zipf_tables(seed: int, min_count: int):
    tokens = [w for d in corpus(3000, seed) for w in ngram.words(d)]
    return len(tokens), zipf.zipf_fit(tokens), zipf.distinct_ngrams(tokens, [1, 2, 3, 4, 5], min_count)


def render(seed: int) -> None:
    min_count = st.select_slider("Filter: keep n-grams seen at least", [1, 2, 3, 5, 10], value=2, key="seq_zipf_min", bind="query-params")
    n_tokens, fit, rows = zipf_tables(seed, min_count)
    c1, c2 = st.columns(2)
    ui.chart(c1, charts.zipf_chart(fit.ranks, fit.counts, fit.words, fit.slope, fit.intercept), width="stretch")
    ui.chart(c2, charts.ngram_sizes_chart(rows, min_count), width="stretch")
    st.markdown(f"{n_tokens:,} words, {len(fit.words)} distinct. A 5-gram table could need |V|⁵ = "
                f"{rows[-1]['possible']:.1e} rows; the corpus holds {rows[-1]['distinct']:,} distinct 5-grams and "
                f"{rows[-1]['kept']:,} seen at least {min_count} times: real tables are tiny next to |V|ⁿ.")
    ui.show_code(zipf.zipf_fit, zipf.distinct_ngrams)
