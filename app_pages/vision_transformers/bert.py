"""The BERT pre-training tab: token + segment + position embeddings, the masked-LM recipe (80/10/10) and
what a model fills in, and next-sentence pairs."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.parts import ui
from app_pages.vision_transformers.models import load
from core.runtime import torch_rng
from core.text.bert.mlm import mlm_mask
from core.text.bert.nsp import nsp_pairs, split_sentences
from core.text.bert.view import (embedding_view, fill_recipe, fill_typed_masks, max_positions, mlm_view, nsp_scores,
                                 recipe_tally)
from core.viz import bert as bz

DEFAULT_TEXT = ("The cat sat on the mat. The cat likes to eat fish. It was a sunny day. "
                "Tom went to the park with a red ball. Tom saw a dog and felt happy.")


def _cut_note(what: str, cut: int, limit: int) -> None:
    """Say plainly when an input was cut to the model's position table."""
    if cut > 0:
        st.info(f"{what}: the loaded model reads at most **{limit} tokens** (its `max_position_embeddings`), so "
                f"the last {cut} token(s) of your text were cut off here.")


def render(mode: str) -> None:
    text = st.text_area("Your text (a few sentences)", DEFAULT_TEXT, key="bert_text", bind="query-params", max_chars=600)
    sents = split_sentences(text)
    if not sents:
        raise ValueError("type at least one sentence")
    st.subheader("1 · Token + segment + position embeddings")
    enc, etok, eres = load("encoder", mode)
    ui.source_badge(eres)
    ev = embedding_view(enc, etok, sents[0], sents[1] if len(sents) > 1 else None)
    _cut_note("Embeddings of sentences A and B", ev.cut, max_positions(enc))
    ui.chart(st, bz.embeddings_chart(ev.tokens, {"token": ev.token_vec, "segment": ev.segment_vec,
                                                 "position": ev.position_vec, "sum": ev.summed,
                                                 "after LayerNorm": ev.output}))
    st.caption(f"Sentence A has segment 0, sentence B segment 1 ({ev.segments.count(1)} tokens). Our sum + "
               f"LayerNorm matches the model's own embedding module to {ev.check_err:.1e}."
               + (" This MiniLM was fine-tuned for sentence embeddings: it has no masked-LM or NSP head, so "
                  "the predictions below come from a separate model." if eres.source.kind == "packaged" else ""))
    model, tok, res, has_nsp = load("mlm", mode)
    limit = max_positions(model)
    st.subheader("2 · The masked-LM recipe (15% chosen: 80% [MASK], 10% random, 10% unchanged)")
    ui.source_badge(res)
    if res.source.kind == "bundled":
        st.caption("Offline: a small BERT KeyPoint pre-trained on its own generated corpus (masked LM + next "
                   "sentence), because `bert-base-uncased` is not cached here. Corpus-like sentences read best.")
    mv = mlm_view(tok, text, ui.seed(), limit)
    _cut_note("Masked LM", mv.cut, limit)
    st.dataframe(pd.DataFrame({"token": mv.tokens, "chosen as": mv.actions, "the model sees": mv.seen}).T,
                 width="stretch")
    tally = recipe_tally(tok, text, ui.seed(), limit)
    one = {a: mv.actions.count(a) for a in ("mask", "random", "keep")}
    c1, c2 = st.columns(2)
    ui.chart(c1, bz.recipe_tally_chart(one, "This draw (seed " + str(ui.seed()) + ")"))
    ui.chart(c2, bz.recipe_tally_chart(tally, "Over 2000 draws of the same text"))
    n = sum(tally.values())
    st.caption(f"This draw chose {sum(one.values())} tokens: {one['mask']} → [MASK], {one['random']} → a random "
               f"word, {one['keep']} unchanged. Over 2000 draws the {n} choices split "
               f"{tally['mask'] / n:.0%} / {tally['random'] / n:.0%} / {tally['keep'] / n:.0%}: one short text "
               "cannot show 80/10/10, many draws do. The loss is computed at the chosen tokens only, including "
               "the unchanged ones, so the model cannot tell which visible words it will be asked about.")
    preds = fill_recipe(model, tok, mv)
    typed = st.text_input("Or write your own [MASK] sentence", "The cat sat on the [MASK].", key="bert_typed", bind="query-params")
    preds_typed = fill_typed_masks(model, tok, typed) if "[mask]" in typed.lower() else []
    rows = [{"slot": f"{p.position}: {mv.seen[p.position]} (was {p.original})", "token": t, "probability": q}
            for p in preds for t, q in p.candidates]
    rows += [{"slot": f"yours, token {p.position}", "token": t, "probability": q} for p in preds_typed for t, q in p.candidates]
    if rows:
        ui.chart(st, bz.fill_mask_chart(pd.DataFrame(rows)))
    _next_sentence(model, tok, text, limit, has_nsp)
    ui.show_code(mlm_mask, recipe_tally, nsp_pairs, embedding_view)


def _next_sentence(model, tok, text: str, limit: int, has_nsp: bool) -> None:
    from core.text.lm.corpus import CorpusConfig, generate

    st.subheader("3 · Next-sentence pairs (50% real next, 50% random)")
    pool = [x for d in generate(CorpusConfig(n_docs=50, seed=7)) for x in split_sentences(d)]
    pairs = nsp_pairs(text, torch_rng(ui.seed()), pool)
    if not pairs:
        st.info("Write at least two sentences to build next-sentence pairs.")
    elif any(len(tok(p.a, p.b)["input_ids"]) > limit for p in pairs):
        st.info(f"Next-sentence pairs: a pair longer than the model's {limit} positions is cut (the longer "
                "sentence loses its last tokens) before the head scores it.")
    if not pairs:
        return
    table = pd.DataFrame({"A": [p.a for p in pairs], "B": [p.b for p in pairs],
                          "really": ["IsNext" if p.is_next else "NotNext" for p in pairs],
                          "B came from": [p.source for p in pairs]})
    if has_nsp:
        table["P(IsNext)"] = nsp_scores(model, tok, pairs)
        ui.chart(st, bz.nsp_chart(pd.DataFrame({"pair": [f"pair {i + 1}" for i in range(len(pairs))],
                                                "score": table["P(IsNext)"].to_numpy(),
                                                "truth": table["really"].to_numpy()})))
    else:
        st.info("The loaded model has no next-sentence head, so there is no NSP score to show.")
    st.dataframe(table, hide_index=True, width="stretch")
