"""Load the chapter's models through the zoo (core.zoo.load.load_hf): pretrained Hugging Face
checkpoint when cached (or online), else KeyPoint's bundled small model; one code path (every
source is a Hugging Face folder or hub id)."""
from __future__ import annotations

from core.zoo.load import load_hf


def load_vit(mode: str | None = None):
    """google/vit-base-patch16-224 when available, else the bundled ShapesWorld ViT."""
    from transformers import AutoImageProcessor, ViTForImageClassification

    return load_hf("vit-base-patch16-224", ViTForImageClassification, AutoImageProcessor, mode)[:3]


def load_mae(mode: str | None = None):
    """facebook/vit-mae-base when available, else the bundled ShapesWorld MAE."""
    from transformers import AutoImageProcessor, ViTMAEForPreTraining

    return load_hf("vit-mae-base", ViTMAEForPreTraining, AutoImageProcessor, mode)[:3]
