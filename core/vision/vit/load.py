"""Load the chapter's models through the zoo: pretrained Hugging Face checkpoint when cached (or
online), else KeyPoint's bundled small model; one code path (every source is a Hugging Face folder
or hub id). Attention is "eager" (SDPA returns no attentions); bundled fp16 weights load as float32.
"""
from __future__ import annotations

import dataclasses

import torch

from core.runtime import device
from core.text.lm import source_location
from core.zoo import Resolution, get_card, hf_load_kwargs, resolve


def load_hf(name: str, model_cls, aux_cls, mode: str | None = None):
    """Resolve card `name`, then model_cls.from_pretrained + aux_cls.from_pretrained (an image
    processor or a tokenizer). A source that fails to load falls through to the card's later local
    sources, and the Resolution says why. Returns (model in eval mode, aux, Resolution, missing keys:
    weights the checkpoint lacked, e.g. a head it was never trained with)."""
    card = get_card(name)
    res = resolve(card, mode)  # type: ignore[arg-type]
    if res.source is None:
        raise ValueError(f"no weights for {name}: {res.reason}")
    later = [s for s in card.sources[card.sources.index(res.source) + 1:] if s.kind != "pretrained"]
    errors: list[str] = []
    for src in [res.source] + later:
        try:
            where = source_location(src)
            extra = hf_load_kwargs(src.ref) if src.hub == "hf" else {}
            model, info = model_cls.from_pretrained(where, attn_implementation="eager", dtype=torch.float32,
                                                    output_loading_info=True, **extra)
            aux = aux_cls.from_pretrained(where, **extra)
        except Exception as e:  # noqa: BLE001 - try the next source, report why
            errors.append(f"{src.kind} `{src.ref}` failed to load ({type(e).__name__})")
            continue
        model.eval().to(device())
        if src is not res.source:
            res = dataclasses.replace(res, source=src, reason=f"{src.kind} `{src.ref}` (" + "; ".join(errors) + ")",
                                      skipped=res.skipped + tuple(errors))
        return model, aux, res, tuple(info.get("missing_keys", ()))
    raise ValueError(f"could not load {name}: " + "; ".join(errors))


def load_vit(mode: str | None = None):
    """google/vit-base-patch16-224 when available, else the bundled ShapesWorld ViT."""
    from transformers import AutoImageProcessor, ViTForImageClassification

    return load_hf("vit-base-patch16-224", ViTForImageClassification, AutoImageProcessor, mode)[:3]


def load_mae(mode: str | None = None):
    """facebook/vit-mae-base when available, else the bundled ShapesWorld MAE."""
    from transformers import AutoImageProcessor, ViTMAEForPreTraining

    return load_hf("vit-mae-base", ViTMAEForPreTraining, AutoImageProcessor, mode)[:3]
