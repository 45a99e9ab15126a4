"""Attention lab, tab "Directions & superposition": word vectors (nearest neighbours, analogies, one
direction per feature?), how many near-orthogonal directions fit in N dimensions, and the angles between
the chosen layer's MLP neurons."""
import math

import pandas as pd
import streamlit as st

from app_pages.attention.common import AttentionRun
from app_pages.parts import progress, ui
from core.text.attention import directions, mlp
from core.viz import attention as charts


@st.cache_resource(show_spinner="Embedding the word list with MiniLM…")
def minilm_vectors(mode: str):
    from core.text.lm.load import load_encoder

    model, tokenizer, res = load_encoder("minilm", mode)
    return list(directions.WORDS), directions.encoder_word_vectors(model, tokenizer, list(directions.WORDS)), res


@st.cache_data(show_spinner=False, max_entries=16)
def near_orthogonal(epsilon: float, seed: int, _on_progress=None) -> list[dict]:
    return directions.near_orthogonal_rows(epsilon, seed, on_progress=_on_progress)


def render(run: AttentionRun) -> None:
    model, tokenizer, layer = run.model, run.tokenizer, run.layer
    source = st.radio("Word vectors from", ["MiniLM (packaged sentence encoder)", "the loaded model's token embeddings"],
                      horizontal=True, key="att_dir_source", bind="query-params")
    with ui.friendly_errors("Word vectors"):
        if source.startswith("MiniLM"):
            words, V, vec_res = minilm_vectors(run.mode)
        else:
            words, V = directions.token_embedding_vectors(model, tokenizer, list(directions.WORDS))
            if len(words) < 4:
                raise ValueError("too few of the word list are single tokens of this model: pick MiniLM")
        c1, c2 = st.columns(2)
        word = c1.selectbox("Nearest neighbours of", words, index=words.index("cat") if "cat" in words else 0, key="att_dir_word", bind="query-params")
        c1.dataframe(pd.DataFrame(directions.neighbours(words, V, word), columns=["word", "cosine"]), hide_index=True)
        choices = [a for a in directions.ANALOGIES if all(w in words for w in a)] or [tuple(words[:3])]
        a_, b_, c_ = c2.selectbox("Analogy a − b + c", choices, format_func=lambda t: f"{t[0]} − {t[1]} + {t[2]}",
                                  key="att_dir_analogy", bind="query-params")
        c2.dataframe(pd.DataFrame(directions.analogy(words, V, a_, b_, c_), columns=[f"{a_} − {b_} + {c_} ≈", "cosine"]),
                     hide_index=True)
        scores = pd.DataFrame(directions.difference_scores(words, V, directions.FEATURES))
        if len(scores):
            st.markdown("**Is there one direction per feature?** Each feature on its own pairs: a pair's difference "
                        "vector (b − a) against the mean difference of the same feature's other pairs, and against "
                        "the other feature's (cosine; unrelated directions in this many dimensions score near 0):")
            mean = scores.groupby("feature")[scores.columns[2:]].mean()
            st.dataframe(mean.style.format("{:.2f}"))
            with st.expander("Every pair"):
                st.dataframe(scores.style.format("{:.2f}", subset=list(scores.columns[2:])), hide_index=True)
    st.markdown("**Superposition**: only N directions are exactly orthogonal in N dimensions, but exponentially many fit "
                "when every pair may be off by a few degrees (Johnson–Lindenstrauss). Counted live: random unit "
                "vectors, each kept if it stays within 90° ± ε of every one kept so far.")
    eps = st.select_slider("ε (degrees)", list(directions.EPSILONS), value=20, key="att_dir_eps", bind="query-params")
    a, b = st.columns(2)
    with progress.bar("Counting near-orthogonal directions for N = 2 … 256", unit="dimensions N") as bar:
        rows = near_orthogonal(float(eps), ui.seed(), _on_progress=bar)
    ui.chart(a, charts.near_orthogonal_chart(rows, eps), width="stretch")
    beat = directions.beats_dimensions(rows)
    if beat is not None and beat <= 16:
        a.caption(f"From N = {beat} dimensions on, more directions fit within 90° ± {eps}° than the N exactly "
                  "orthogonal ones, and the gap grows fast with N.")
    else:
        a.info(f"The trade-off: with ε = {eps}° every pair must be within {eps}° of a right angle (|cos| ≤ "
               f"{math.sin(math.radians(eps)):.2f}). Random directions in N dimensions "
               "have |cos| around 1/√N, so a strict ε only pays off in many dimensions: "
               + (f"here the count passes N only from N = {beat}." if beat else
                  "none of these N up to 256 gets there (the count grows like exp(N·sin²ε), so it needs "
                  "thousands of dimensions).")
               + " Loosen ε and far more near-orthogonal directions fit, at the price of more interference between "
                 "the features they carry.")
    W = mlp.mlp_parts(model, layer)[1]  # [F, D]: each MLP neuron's output direction in the residual stream
    ui.chart(b, charts.angle_histogram(directions.pairwise_angles_deg(W.detach().float().cpu().numpy(), 600),
                                          f"Angles between layer {layer}'s {W.shape[0]} MLP neurons ({W.shape[1]} dims)"),
                   width="stretch")
    st.caption(f"{W.shape[0]} neurons write into a {W.shape[1]}-dimensional stream: more directions than dimensions, "
               "yet their angles crowd around 90°.")
    ui.show_code(directions.analogy, directions.count_near_orthogonal)
