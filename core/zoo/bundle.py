"""Save a small trained Hugging Face model as KeyPoint bundled weights: fp16 safetensors + card.json.

fp16 halves the bundle (the models are a few hundred thousand parameters); the loaders read it back
as float32, so every computation on the page is in float32.
"""
from __future__ import annotations

import copy
from pathlib import Path

from core.zoo.record import TrainingRecord, write_card


def save_bundle(model, out: Path, record: TrainingRecord, details: dict, extra_savers=()) -> Path:
    """model: a PreTrainedModel (copied, not changed); record and details: the card (core.zoo.record);
    extra_savers: objects with save_pretrained (tokenizer, image processor). Returns the folder."""
    out.mkdir(parents=True, exist_ok=True)
    copy.deepcopy(model).half().save_pretrained(out, safe_serialization=True)
    for s in extra_savers:
        s.save_pretrained(out)
    write_card(out / "card.json", record, **details)
    return out
