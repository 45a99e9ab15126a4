"""Sequence models: an n-gram counts its way to the next word; RNN / GRU / LSTM cells carry a state."""
import streamlit as st

from core.text import char_lm, ngram
from core.text.corpus import CorpusConfig, generate
from app_pages.parts import ui
from core.viz import sequence as charts

st.title("Sequence models")
st.markdown("Two ways to predict what comes next: **count** (an n-gram looks up the last n−1 words) "
            "or **remember** (a recurrent cell folds the whole past into a hidden state).")


@st.cache_data(show_spinner=False)
def corpus(n_docs: int, seed: int) -> list[str]:
    return generate(CorpusConfig(n_docs=n_docs, seed=seed))


@st.cache_resource(show_spinner=False)
def ngram_models(seed: int) -> dict[int, ngram.NGramLM]:
    docs = corpus(3000, seed)
    return {n: ngram.NGramLM(n=n, k=0.01).fit(docs[:2700]) for n in (1, 2, 3, 4)}


@st.cache_resource(show_spinner=False)
def trained_char_lm(kind: str, hidden: int, steps: int, seed: int):
    """Train once per server for each setting; returns (model, the run's events)."""
    text = " ".join(corpus(1500, seed))
    events = []
    bar = st.progress(0.0, text=f"Training a {kind.upper()} character model ({steps} steps, once per server)…")
    for ev in char_lm.train_char_lm(text, char_lm.CharLMConfig(kind=kind, hidden=hidden, steps=steps), seed):
        if isinstance(ev, char_lm.TrainEvent):
            events.append(ev)
            bar.progress(ev.step / steps, text=f"{kind.upper()} step {ev.step}/{steps}: loss {ev.loss:.2f}")
        else:
            model = ev
    bar.empty()
    return model, events


@st.cache_data(show_spinner=False)
def held_out_perplexity(seed: int) -> list[float]:
    models, held_out = ngram_models(seed), corpus(3000, seed)[2700:2800]
    return [models[k].perplexity(held_out) for k in (1, 2, 3, 4)]


tab_ngram, tab_cells = st.tabs(["n-gram language model", "RNN, GRU and LSTM cells"])

with tab_ngram:
    models = ngram_models(ui.seed())
    prompt = st.text_input("Context", "The cat sat on the", key="ng_prompt", max_chars=300)
    n = st.segmented_control("n", [1, 2, 3, 4], default=3, key="ng_n") or 3
    history = ngram.words(prompt)
    lm = models[n]
    ctx = lm.context_of(history)
    st.markdown(f"The {n}-gram sees only the last {n - 1} word(s): **{' '.join(ctx) or '(nothing)'}**")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.next_word_chart(lm.next_distribution(history, top=10), f"P(next | {' '.join(ctx) or '∅'})"),
                    width="stretch")
    c2.altair_chart(charts.ngram_perplexity_chart([1, 2, 3, 4], held_out_perplexity(ui.seed()),
                                                  "Held-out perplexity by n (add-0.01 smoothing)"), width="stretch")
    if not history:
        st.info("Type a few words to condition on; with an empty context the model predicts how documents start.")
    ui.show_code(ngram.NGramLM.prob, ngram.NGramLM.perplexity)

with tab_cells:
    c1, c2, c3 = st.columns(3)
    kind = c1.segmented_control("Cell", ["rnn", "gru", "lstm"], default="gru", key="cell_kind",
                                format_func=str.upper) or "gru"
    hidden = c2.select_slider("Hidden units", [16, 32, 64], value=32, key="cell_hidden")
    steps = c3.select_slider("Training steps", [50, 150, 400, 800], value=150, key="cell_steps")
    model, events = trained_char_lm(kind, hidden, steps, ui.seed())
    st.altair_chart(charts.training_curve_chart([e.step for e in events], [char_lm.bits_per_char(e.loss) for e in events],
                                                f"This {kind.upper()}'s training run"), width="stretch")
    text = st.text_input("Characters to feed in", "The dog barks.", key="cell_text", max_chars=60)
    with ui.friendly_errors("Running the cell"):
        chars, trace, probs = char_lm.trace_text(model, text)
        if len(chars) < len(text):
            st.info("Characters the model never saw were skipped.")
        names = [g for g in trace.gates if g != "h"] + ["h"]
        gate = st.radio("Show", names, horizontal=True, key="cell_gate")
        values = trace.gates[gate][:, 0, :].numpy()  # [T, H]
        st.altair_chart(charts.gate_heatmap(chars, values, gate), width="stretch")
        top = probs[-1].topk(5)
        st.markdown("After the last character the model expects: " + ", ".join(
            f"`{model.vocab.chars[int(i)]!r}` {float(p):.2f}" for p, i in zip(top.values, top.indices)))
        st.caption("These gates come from our hand-written cell run with the trained torch weights; "
                   "the tests check it matches torch.nn step for step.")
    st.markdown("**Sample** from the model: " + f"`{char_lm.sample(model, 'The ', n=80, seed=ui.seed())}`")
    from core.text import rnn_cells

    ui.show_code({"rnn": rnn_cells.rnn_step, "gru": rnn_cells.gru_step, "lstm": rnn_cells.lstm_step}[kind])
