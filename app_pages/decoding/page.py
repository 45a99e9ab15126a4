"""Decoding lab: greedy, beam search you can watch step by step, sampling, length penalties,
cross-attention, the beam-width study and exposure bias, on real models.

This file takes the shared inputs (model, source or prompt, beam width, length penalty) and decodes once
with beam search and greedy; each section below lays out one idea in its own module beside it (penalty,
tree, cross_attention, sampling, cost, width_study, exposure, by_length)."""
from __future__ import annotations

import json

import streamlit as st

from app_pages.decoding import by_length, cost, cross_attention, exposure, penalty, sampling, tree, width_study
from app_pages.decoding.common import CAUSAL, CAUSAL_PROMPTS, SEQ2SEQ, DecodingRun, decode
from app_pages.parts import ui
from core.text.decoding.search import PENALTY_FORMS, DecodeConfig, beam_search
from core.text.decoding.seq2seq_data import check_source, examples
from core.text.decoding.seq2seq_model import GRUSeq2Seq


@ui.cached_model
def load(name: str, mode: str):
    if name in CAUSAL:
        from core.text.lm.load import load_causal_lm

        return load_causal_lm(name, mode)
    from core.text.decoding.seq2seq_model import load_translator

    return load_translator(name, mode)


st.title("Decoding lab")
st.caption("Greedy, beam search and sampling, fully traced on real models. Type a source (or a prompt), "
           "then watch every candidate the search considered. Every decoder here is **autoregressive**: each output "
           "token is predicted from the source and the tokens decoded so far.")
mode, seed = ui.model_source(), ui.seed()
names = SEQ2SEQ | CAUSAL
c1, c2 = st.columns([3, 1])
# A translator first: the seq2seq half of the page (cross-attention, teacher forcing, the fixed-context
# bottleneck) only exists for an encoder-decoder. The tiny GPT stays one click away.
name = c1.selectbox("Model", list(names), format_func=lambda n: f"{n}: {names[n]}", key="dec_model", bind="query-params",
                    index=list(names).index("seq2seq-dates"))
if name not in CAUSAL:
    c2.button("Try an open-ended prompt (tiny GPT)", key="dec_to_gpt", width="stretch",
              on_click=lambda: st.session_state.update(dec_model="gpt-tiny"),
              help="A decoder-only model continuing a prompt: beam vs greedy and the length penalty show best there.")
is_dates = name in ("seq2seq-dates", "gru-seq2seq", "gru-seq2seq-noattn")

model = None
with ui.friendly_errors("Loading the model"):
    model, tok, res = load(name, mode)
    ui.source_badge(res)
if model is None:
    st.stop()
dates_weights = is_dates or (res.source is not None and res.source.hub == "assets" and name == "opus-mt-en-de")

defaults = examples() if dates_weights else (["The house is wonderful."] if name in SEQ2SEQ else CAUSAL_PROMPTS)
kind = f"{dates_weights}-{name in CAUSAL}"
if st.session_state.get("dec_kind") != kind:  # new kind of model: start from its first example
    st.session_state["dec_kind"], st.session_state["dec_text"] = kind, defaults[0]
c1, c2 = st.columns([1, 2])
c1.selectbox("Example", defaults, key=f"dec_example_{kind}",
             on_change=lambda: st.session_state.update(dec_text=st.session_state[f"dec_example_{kind}"]))
text = c2.text_input("Source / prompt", defaults[0], key="dec_text", bind="query-params", max_chars=200)

c1, c2, c3, c4 = st.columns(4)
k = c1.slider("Beam width k", 1, 16, 4, key="dec_k", bind="query-params")
alpha = c2.select_slider("Length penalty α", [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0], value=1.0, key="dec_alpha", bind="query-params")
form = c3.selectbox("Penalty form", list(PENALTY_FORMS), format_func=PENALTY_FORMS.get, key="dec_form", bind="query-params")
max_new = c4.slider("Max new tokens", 2, 40, 14 if dates_weights else 20, key="dec_max", bind="query-params")
sentence_end = name in CAUSAL and st.toggle(
    "End each hypothesis at a sentence's end (“.”, “!” and “?” are EOS ids)", value=True, key="dec_sentence", bind="query-params",
    help="Off: the model's own end-of-text token only, which gpt-tiny rarely emits: every beam runs to the maximum length.")
with st.expander("Which direction favours longer outputs?"):
    st.markdown(penalty.LP_HELP)
    lp_slot = st.container()

layers = [-1, None] + list(range(model.config.decoder_layers - 1)) if name in SEQ2SEQ and not isinstance(model, GRUSeq2Seq) else [-1]
if st.session_state.get("dec_layer", -1) not in layers:  # a layer the new model does not have
    st.session_state["dec_layer"] = -1
trace = None
with ui.friendly_errors("Decoding"):
    if dates_weights:
        text = check_source(text)
    elif not text.strip():
        raise ValueError("type a prompt or a sentence")
    elif name in CAUSAL:
        from core.text.lm.load import context_limit

        n_prompt = len(tok(text)["input_ids"])
        if n_prompt + max_new > context_limit(model):
            raise ValueError(f"prompt ({n_prompt} tokens) + {max_new} new tokens exceed the model's context of "
                             f"{context_limit(model)}: shorten the prompt")
    cfg = DecodeConfig(max_new_tokens=max_new, num_beams=k, alpha=alpha, form=form)
    cfg_json = json.dumps(cfg.__dict__)
    trace = decode(name, mode, text, "beam", cfg_json, seed, st.session_state.get("dec_layer", -1), sentence_end,
                   _model=model, _tok=tok)
    greedy_tr = decode(name, mode, text, "greedy", cfg_json, seed, -1, sentence_end, _model=model, _tok=tok)
if trace is None:
    st.stop()

run = DecodingRun(name=name, mode=mode, seed=seed, text=text, model=model, tok=tok, dates_weights=dates_weights, k=k,
                  alpha=alpha, form=form, max_new=max_new, sentence_end=sentence_end, layers=layers, trace=trace,
                  greedy_tr=greedy_tr)
penalty.render(lp_slot, run)
tree.render(run)
if name in SEQ2SEQ:
    cross_attention.render(run)
sampling.render(run)
cost.render(run)
width_study.render(run)
if dates_weights:
    exposure.render(run)
    by_length.render(run)

ui.show_code(beam_search)
