"""The page's four models in the process-wide model budget, one loader for all of them (one budget entry
per model and source)."""
from __future__ import annotations

from app_pages.parts import ui


@ui.cached_model
def load(what: str, mode: str):
    """'vit' or 'mae' -> (model, processor, resolution); 'mlm' -> (model, tokenizer, resolution, has an NSP
    head); 'encoder' -> (embedding model, tokenizer, resolution)."""
    if what in ("vit", "mae"):
        from core.vision.vit import load as vit_load

        return (vit_load.load_vit if what == "vit" else vit_load.load_mae)(mode)
    from core.text.bert import models

    return (models.load_mlm if what == "mlm" else models.load_embedding_model)(mode)
