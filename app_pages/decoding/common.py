"""What the sections of the Decoding lab share: the models offered, a stepper (one decoding step of a
loaded model, core.text.decoding.search) for any text, and one cached traced decode."""
from __future__ import annotations

import json
from dataclasses import dataclass

import streamlit as st

SEQ2SEQ = {"seq2seq-dates": "Transformer (Marian), dates -> ISO", "gru-seq2seq": "GRU + attention, dates -> ISO",
           "gru-seq2seq-noattn": "GRU, no attention, dates -> ISO", "opus-mt-en-de": "Marian opus-mt, English -> German"}
CAUSAL_PROMPTS = ["The cat", "Once upon a time", "Tom went to the", "The dog likes to eat", "Paris is the"]
CAUSAL = {"gpt-tiny": "tiny GPT (open-ended prompt)", "gpt2": "GPT-2 (open-ended prompt)",
          "distilgpt2": "DistilGPT2 (open-ended prompt)"}


def stepper_for(name: str, model, tok, text: str, attention: bool = True, layer: int | None = -1,
                sentence_end: bool = False):
    """sentence_end (causal models): ".", "!" and "?" are EOS ids, so hypotheses end at different lengths."""
    from core.text.decoding.search import HFStepper, sentence_end_ids
    from core.text.decoding.seq2seq_model import make_stepper

    if name in CAUSAL and sentence_end:
        return HFStepper(model, tok, text, eos_token_id=sentence_end_ids(tok))
    return make_stepper(model, tok, text, attention=attention and name in SEQ2SEQ, attn_layer=layer)


@st.cache_data(show_spinner="Searching…", max_entries=64)
def decode(name: str, mode: str, text: str, method: str, cfg_json: str, seed: int, layer: int | None = -1,
           sentence_end: bool = False, _model=None, _tok=None):
    """One traced decode, cached by every input that changes it (name and mode say which model _model is;
    a leading _ keeps the model itself out of the key)."""
    from core.text.decoding.search import DecodeConfig, beam_search, greedy, sample

    cfg = DecodeConfig(**json.loads(cfg_json))
    st_ = stepper_for(name, _model, _tok, text, layer=layer, sentence_end=sentence_end)
    if method == "beam":
        return beam_search(st_, cfg)
    if method == "greedy":
        return greedy(st_, cfg)
    from core.runtime import torch_rng
    return sample(st_, cfg, generator=torch_rng(seed))


@dataclass
class DecodingRun:
    """The page's inputs, the loaded model, and the beam and greedy decodes of the text."""
    name: str
    mode: str  # the model source (ui.model_source)
    seed: int
    text: str  # the source or prompt, checked
    model: object
    tok: object
    dates_weights: bool  # a dates translator (the held-out date studies apply)
    k: int  # beam width
    alpha: float  # length penalty exponent
    form: str  # length penalty form (search.PENALTY_FORMS)
    max_new: int
    sentence_end: bool  # causal models: ".", "!" and "?" end a hypothesis
    layers: list  # the cross-attention layers this model offers (-1: last, None: mean of all)
    trace: object  # the beam search (search.Trace)
    greedy_tr: object  # greedy decoding of the same text

    def stepper(self, text: str, **kwargs):
        """A fresh stepper of this model on `text` (stepper_for's keywords)."""
        return stepper_for(self.name, self.model, self.tok, text, **kwargs)
