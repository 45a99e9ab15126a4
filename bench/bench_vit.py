"""Vision transformers page timings and the MAE encoder's saving.

vit_page_s: everything the ViT tab computes for one 224 px image with the default model
(core.vision.vit.vit_view.vit_view: resize, forward with attentions, the strided-conv check, head
averages, rollout per layer, positional-embedding similarities, top-5; then the patch grid, token
strip and two heat overlays), against the bare forward with attentions
(`model(pixel_values, output_attentions=True)` on the already-resized input). charts_s: building
the three Altair specs, reported apart.

mae_encoder_flops_ratio: MAE encoder FLOPs (FlopCounterMode) at 75% masking over unmasked.

    python -m bench vit_page_s mae_encoder_flops_ratio
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import torch


def _image() -> np.ndarray:
    from core.vision.samples import load_sample
    from core.vision.vit.pixels import resize_square

    return resize_square(load_sample("chelsea"), 224)


def _vit_b16_ratio(img: np.ndarray, proc, rounds: int = 5) -> dict:
    """The same page work on a model shaped like google/vit-base-patch16-224 (ViTConfig() defaults,
    random weights: nothing to download), where the forward is ~100x the bundled model's."""
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    from core.vision.vit.pixels import draw_grid, heat_overlay, to_pixels, token_strip
    from core.vision.vit.vit_view import vit_view

    conf = ViTConfig()
    conf._attn_implementation = "eager"
    model = ViTForImageClassification(conf).eval()
    proc = ViTImageProcessor()
    x = to_pixels(img, proc)
    with torch.no_grad():
        bare = lambda: model(pixel_values=x, output_attentions=True)  # noqa: E731
        bare()
        base, value = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            bare()
            base.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            v = vit_view(model, proc, img)
            draw_grid(img, 16), token_strip(img, 16, 12, scale=2)
            heat_overlay(img, v.cls_attention[-1]), heat_overlay(img, v.rollout[-1])
            value.append(time.perf_counter() - t0)
    return {"vit_b16_page_s": round(min(value), 4), "vit_b16_bare_s": round(min(base), 4),
            "vit_b16_ratio": round(min(value) / min(base), 3)}


def vit_page_s(rounds: int = 15) -> dict:
    from core.vision.vit.load import load_vit
    from core.vision.vit.pixels import draw_grid, heat_overlay, model_side, resize_square, to_pixels, token_strip
    from core.vision.vit.vit_view import vit_view
    from core.viz import vit as vz

    model, proc, res = load_vit()
    img = _image()
    x = to_pixels(resize_square(img, model_side(proc)), proc)

    @torch.no_grad()
    def bare():
        model(pixel_values=x, output_attentions=True)

    def page():  # the tab's numbers and pictures (chart specs are timed apart, below)
        v = vit_view(model, proc, img)
        draw_grid(img, 16)
        token_strip(img, 16, 12, scale=2)
        heat_overlay(img, v.cls_attention[-1])
        heat_overlay(img, v.rollout[-1])
        return v

    bare(), page()
    base, value = [], []
    for _ in range(rounds):  # interleaved: both see the same machine load
        t0 = time.perf_counter()
        bare()
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        page()
        value.append(time.perf_counter() - t0)
    v = page()
    vit_b = _vit_b16_ratio(img, proc)
    t0 = time.perf_counter()
    vz.layer_maps(v.cls_attention, "a").to_dict()
    vz.layer_maps(v.rollout, "b").to_dict()
    vz.pos_similarity_panels(v.pos_similarity, v.grid, 1 if v.grid <= 8 else 2).to_dict()
    charts_s = time.perf_counter() - t0
    return {"value": min(value), "unit": "s", "baseline": min(base),
            "median_ratio": round(statistics.median(value) / statistics.median(base), 3),
            "charts_s": round(charts_s, 4), "model": res.source.ref, "tokens": v.tokens, **vit_b,
            "threads": torch.get_num_threads()}


def mae_encoder_flops_ratio() -> dict:
    from core.vision.vit.load import load_mae
    from core.vision.vit.mae import random_mask
    from core.vision.vit.mae_view import flops_ratio
    from core.vision.vit.pixels import model_side, resize_square, to_pixels

    model, proc, res = load_mae()
    side = model_side(proc)
    n = (side // model.config.patch_size) ** 2
    x = to_pixels(resize_square(_image(), side), proc)
    fv, fa = flops_ratio(model, x, random_mask(n, 0.75, torch.Generator().manual_seed(0)))
    return {"value": round(fv / fa, 4), "unit": "ratio", "baseline": 1.0, "flops_masked": fv, "flops_all": fa,
            "model": res.source.ref, "patches": n}


BENCHMARKS = {"vit_page_s": vit_page_s, "mae_encoder_flops_ratio": mae_encoder_flops_ratio}
