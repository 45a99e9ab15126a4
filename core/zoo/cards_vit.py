"""Model cards for the Vision transformers page: ViT, MAE and BERT's pre-training heads.

Each lists the famous pretrained checkpoint first and KeyPoint's own small model second (trained
offline by the project's scripts: ShapesWorld for ViT and MAE, the generated corpus for the masked
LM), so the page runs the same Hugging Face architecture either way and says which.
"""
from __future__ import annotations

import json

from core.zoo.card import ModelCard, Source
from core.zoo.record import describe, read_record
from core.zoo.sources import REPO_ROOT

VIT_SHAPES = Source(kind="bundled", hub="assets", ref="assets/vit/vit_shapes", size_mb=0.25)
MAE_SHAPES = Source(kind="bundled", hub="assets", ref="assets/vit/mae_shapes", size_mb=0.25)
MLM_CORPUS = Source(kind="bundled", hub="assets", ref="assets/mlm", size_mb=1.0)


def bundled_note(src: Source) -> str:
    """One line from the training record next to the bundled weights."""
    path = REPO_ROOT / src.ref / "card.json"
    if not path.is_file():
        return f"Offline fallback `{src.ref}` is not trained yet."
    r = read_record(path)
    also = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.held_out.items() if k != r.metric)
    return (f"Offline fallback: {json.loads(path.read_text())['params']:,} parameters. {describe(r)}"
            + (f" Also held out: {also}." if also else ""))


CARDS: list[ModelCard] = [
    ModelCard(name="vit-base-patch16-224", family="ViT", task="image classification", license="Apache-2.0",
              sources=(Source(kind="pretrained", hub="hf", ref="google/vit-base-patch16-224", size_mb=346.0),
                       VIT_SHAPES),
              notes="Google ViT-B/16: 12 layers x 12 heads, d_model 768, 16 px patches at 224 px (196 tokens + CLS), "
                    "ImageNet-21k pre-training, ImageNet-1k fine-tuning. " + bundled_note(VIT_SHAPES),
              page="vision_transformers"),
    ModelCard(name="vit-mae-base", family="MAE", task="masked image modelling", license="Apache-2.0",
              sources=(Source(kind="pretrained", hub="hf", ref="facebook/vit-mae-base", size_mb=448.0), MAE_SHAPES),
              notes="Facebook MAE ViT-B/16 encoder + 8-block decoder, pre-trained on ImageNet-1k with 75% of "
                    "patches hidden. " + bundled_note(MAE_SHAPES),
              page="vision_transformers"),
    ModelCard(name="bert-base-uncased-mlm", family="BERT", task="masked LM + next sentence", license="Apache-2.0",
              sources=(Source(kind="pretrained", hub="hf", ref="bert-base-uncased", size_mb=440.0), MLM_CORPUS),
              notes="Google BERT base (uncased) with its pre-training heads (masked LM and next-sentence "
                    "prediction). " + bundled_note(MLM_CORPUS),
              page="vision_transformers"),
]
