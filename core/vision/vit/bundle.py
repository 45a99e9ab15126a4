"""Save a small trained Hugging Face model as KeyPoint bundled weights: fp16 safetensors + card.json.

fp16 halves the bundle (the models are a few hundred thousand parameters); the loaders read it back
as float32, so every computation on the page is in float32.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path


def save_bundle(model, out: Path, card: dict, extra_savers=()) -> Path:
    """model: a PreTrainedModel (copied, not changed); card: the training record; extra_savers:
    objects with save_pretrained (tokenizer, image processor). Returns the folder."""
    out.mkdir(parents=True, exist_ok=True)
    copy.deepcopy(model).half().save_pretrained(out, safe_serialization=True)
    for s in extra_savers:
        s.save_pretrained(out)
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    return out


def read_card(folder: Path) -> dict | None:
    """The training record next to bundled weights, or None when it is missing or unreadable."""
    try:
        return json.loads((Path(folder) / "card.json").read_text())
    except (OSError, ValueError):
        return None
