"""What the Sequence models tabs share: the generated corpus, the n-gram models fitted on it, and the
character LM (trained once per server for each setting, with a progress bar while it trains)."""
import streamlit as st

from app_pages.parts import progress, ui
from core.text.lm import ngram
from core.text.lm.corpus import CorpusConfig, generate, quoted
from core.text.rnn import char_lm

KINDS = ("rnn", "gru", "lstm")


@st.cache_data(show_spinner=False)
def corpus(n_docs: int, seed: int) -> list[str]:
    return generate(CorpusConfig(n_docs=n_docs, seed=seed))


@st.cache_resource(show_spinner=False)
def ngram_models(seed: int) -> dict[int, ngram.NGramLM]:
    return {n: ngram.NGramLM(n=n, k=0.01).fit(corpus(3000, seed)[:2700]) for n in (1, 2, 3, 4)}


def char_text(seed: int) -> str:
    """What the character models read: the corpus with a share of shouted quotes (see corpus.quoted)."""
    return quoted(corpus(1500, seed), seed=seed)


@ui.cached_model
def trained_char_lm(kind: str, hidden: int, steps: int, seed: int, _on_progress=None):
    """Shared by every session: never mutated. Returns (model, its training events).
    _on_progress(step, steps) as it trains (a progress.Bar; a leading _ keeps it out of the cache key)."""
    events = []
    for e in char_lm.train_char_lm(char_text(seed), char_lm.CharLMConfig(kind=kind, hidden=hidden, steps=steps), seed):
        events.append(e)
        if _on_progress and isinstance(e, char_lm.TrainEvent):
            _on_progress(e.step, steps)
    return events[-1], [e for e in events[:-1] if not e.diverged]


def trained_with_progress(kind: str, hidden: int, steps: int, seed: int):
    """trained_char_lm with a progress bar while it trains (the first time these settings are asked for)."""
    with progress.bar(f"Training the {kind.upper()} ({hidden} units, once per server)", steps) as bar:
        return trained_char_lm(kind, hidden, steps, seed, _on_progress=bar)


def cell_settings() -> dict:
    """The character model the cells and perplexity tabs show, this session (the cells tab's form sets it)."""
    return st.session_state.setdefault("cell_trained", {"kind": "gru", "hidden": 32, "steps": 150})
