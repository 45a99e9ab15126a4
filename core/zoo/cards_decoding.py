"""Model cards for the Decoding lab: the bundled date translators (a small Marian Transformer and
a GRU with / without attention, all trained by core.text.decoding.train_seq2seq) and a pretrained Marian
opus-mt translator that falls back to the bundled Transformer offline (same MarianMTModel code path).
The open-ended prompts use the attention lab's cards (gpt-tiny, gpt2, distilgpt2)."""
from __future__ import annotations

import json

from core.zoo.card import ModelCard, Source
from core.zoo.record import describe, read_record
from core.zoo.sources import REPO_ROOT

DATES = Source(kind="bundled", hub="assets", ref="assets/seq2seq_dates", size_mb=2.7)
GRU_ATT = Source(kind="bundled", hub="assets", ref="assets/seq2seq_gru_attn", size_mb=0.9)
GRU_NOATT = Source(kind="bundled", hub="assets", ref="assets/seq2seq_gru_noattn", size_mb=0.9)


def _notes(src: Source, what: str) -> str:
    """The training record in the folder's card.json, as one readable line."""
    path = REPO_ROOT / src.ref / "card.json"
    if not path.is_file():
        return f"{what} Train it with `python -m core.text.decoding.train_seq2seq` (writes {src.ref}/)."
    return f"{what} {json.loads(path.read_text())['params']:,} parameters. {describe(read_record(path))}"


CARDS: list[ModelCard] = [
    ModelCard(name="seq2seq-dates", family="Transformer (Marian)", task="seq2seq: dates -> ISO",
              license="MIT (KeyPoint's own weights and data)", sources=(DATES,), page="decoding",
              notes=_notes(DATES, "MarianMTModel, 2+2 layers x 4 heads, d_model 128, character tokenizer."),
              extra={"kind": "marian", "card_json": f"{DATES.ref}/card.json"}),
    ModelCard(name="gru-seq2seq", family="GRU", task="seq2seq: dates -> ISO",
              license="MIT (KeyPoint's own weights and data)", sources=(GRU_ATT,), page="decoding",
              notes=_notes(GRU_ATT, "Bi-GRU encoder, GRU decoder with Luong attention, hidden 128."),
              extra={"kind": "gru", "card_json": f"{GRU_ATT.ref}/card.json"}),
    ModelCard(name="gru-seq2seq-noattn", family="GRU", task="seq2seq: dates -> ISO",
              license="MIT (KeyPoint's own weights and data)", sources=(GRU_NOATT,), page="decoding",
              notes=_notes(GRU_NOATT, "Bi-GRU encoder, GRU decoder fed one fixed context vector, hidden 128."),
              extra={"kind": "gru", "card_json": f"{GRU_NOATT.ref}/card.json"}),
    ModelCard(name="opus-mt-en-de", family="Transformer (Marian)", task="translation en -> de",
              license="CC-BY-4.0", page="decoding",
              sources=(Source(kind="pretrained", hub="hf", ref="Helsinki-NLP/opus-mt-en-de", size_mb=298.0), DATES),
              notes="Helsinki-NLP OPUS-MT English->German: MarianMTModel, 6+6 layers x 8 heads, d_model 512, "
                    "74M parameters (its tokenizer needs the `sentencepiece` package). Offline it falls back "
                    "to the bundled date translator.",
              extra={"kind": "marian"}),
]
