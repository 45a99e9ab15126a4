"""The picture the ViT and MAE tabs read: a ShapesWorld image (what the offline models know) or a photo."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import ui
from app_pages.vision_transformers.models import load
from core.vision.vit.pixels import model_side, resize_note
from core.vision.vit.samples import shapes_image


def model_and_picture(what: str, mode: str, offline_note: str):
    """The ViT or MAE tab's model with its weights badge (and, offline, what stands in for the published
    model), then the picture it reads -> (model, processor, bundled weights?, RGB or None)."""
    model, proc, res = load(what, mode)
    ui.source_badge(res)
    bundled = res.source.kind == "bundled"
    if bundled:
        st.caption(offline_note)
    return model, proc, bundled, choose(what, bundled, model_side(proc), model.config.patch_size)


def choose(key: str, bundled: bool, side: int, patch: int):
    """ShapesWorld (what the offline model knows) or a photo / upload. Returns RGB or None; says
    what resizing to the model's side does to a student's own picture."""
    kinds = ["ShapesWorld picture", "Photo or upload"]
    c1, c2 = st.columns([2, 1])
    kind = c1.radio("Picture", kinds, index=0 if bundled else 1, key=f"{key}_kind", bind="query-params", horizontal=True,
                    help="The offline model was trained on ShapesWorld; the pretrained one on ImageNet photos.")
    if kind == kinds[0]:
        n = c2.number_input("ShapesWorld picture number", 0, 9999, ui.seed() % 10000, key=f"{key}_shape", bind="query-params")
        img, name = (shapes_image(int(n), texture=0.0, fill=0.55) if key == "mae"
                     else shapes_image(int(n), fill=0.4, jitter=0.25))
        st.caption(f"A held-out ShapesWorld image: a **{name}**.")
        return img
    img = ui.image_input(key)[2]
    note = None if img is None else resize_note(img.shape, side, patch)
    if note:
        st.info(note)
    return img


def enlarge(img: np.ndarray, side: int = 224) -> np.ndarray:
    """Nearest-neighbour enlargement to about `side` pixels, for the eye."""
    k = max(1, side // img.shape[0])
    return np.kron(img, np.ones((k, k, 1), np.uint8)) if k > 1 else img
