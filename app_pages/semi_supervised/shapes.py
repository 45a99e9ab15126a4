"""ShapesWorld browser: generated images with their ground truth, and a COCO download.

A module, not a page: the semi-supervised page (and the lead's navigation) call `render()`.
"""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import streamlit as st

from app_pages.parts import ui


@st.cache_data(max_entries=8, show_spinner=False)
def _batch(n: int, seed: int, cfg_items: tuple, aug: str):
    """Generate (and optionally augment) a batch; cached by its inputs."""
    from core.runtime import numpy_rng
    from core.vision.shapes.augment import strong, weak
    from core.vision.shapes.generator import ShapesConfig, generate
    samples = generate(n, seed, ShapesConfig(**dict(cfg_items)))
    if aug != "none":
        rng = numpy_rng(seed)
        samples = [(weak if aug == "weak" else strong)(s, rng) for s in samples]
    return samples


@st.cache_data(max_entries=4, show_spinner=False)
def _zip(n: int, seed: int, cfg_items: tuple, aug: str) -> bytes:
    from core.vision.shapes.evaluate import coco_zip
    return coco_zip(_batch(n, seed, cfg_items, aug), meta={"seed": seed, "config": dict(cfg_items), "augment": aug})


def _draw(sample, view: str, opacity: float) -> np.ndarray:
    from core.vision.types import Detections, Segmentation
    from core.vision.shapes.generator import CLASSES
    from core.viz.overlay import draw_detections, draw_segmentation
    big = np.kron(sample.image, np.ones((2, 2, 1), np.uint8))  # 2x so the labels stay readable
    if view == "semantic map":
        seg = Segmentation(classes=np.kron(sample.semantic, np.ones((2, 2), np.int64)), class_names=["background"] + CLASSES)
        return draw_segmentation(big, seg, opacity=opacity, legend=False)
    n = len(sample.labels)
    dets = Detections(boxes=sample.boxes, scores=np.ones(n, np.float32), labels=sample.labels, class_names=CLASSES,
                      masks=sample.masks.astype(np.float32) if view == "boxes + masks" else None)
    dets2 = Detections(boxes=dets.boxes * 2, scores=dets.scores, labels=dets.labels, class_names=CLASSES,
                       masks=None if dets.masks is None else np.kron(dets.masks, np.ones((1, 2, 2), np.float32)))
    return draw_detections(big, dets2, mask_opacity=opacity, show_scores=False)


def _config(key: str):
    from core.vision.shapes.generator import ShapesConfig
    c1, c2, c3 = st.columns(3)
    seed = c1.number_input("Seed", 0, 10_000_000, ui.seed(), key=f"{key}_seed", bind="query-params")
    n = c1.slider("Images", 1, 24, 8, key=f"{key}_n", bind="query-params")
    easy = c2.toggle("Easy setting", False, key=f"{key}_easy", bind="query-params",
                     help="Flat background, bigger shapes, no overlap: what the two-stage detectors train on.")
    lo, hi = c2.slider("Shapes per image", 1, 8, (2, 5), key=f"{key}_count", bind="query-params")
    texture = c3.slider("Background texture", 0.0, 2.0, 1.0, 0.1, key=f"{key}_texture", bind="query-params")
    noise = c3.slider("Pixel noise (grey levels)", 0.0, 40.0, 8.0, 1.0, key=f"{key}_noise", bind="query-params")
    with st.expander("More settings"):
        d1, d2, d3 = st.columns(3)
        r_lo, r_hi = d1.slider("Radius (px at 128)", 4.0, 30.0, (8.0, 22.0), 1.0, key=f"{key}_radius", bind="query-params")
        min_visible = d2.slider("Drop a shape if less than this much shows", 0.0, 1.0, 0.5, 0.05, key=f"{key}_vis", bind="query-params",
                                help="Occlusion: later shapes cover earlier ones; 1.0 means no overlap at all.")
        size = d3.select_slider("Image size", [64, 96, 128, 160, 192, 256], 128, key=f"{key}_size", bind="query-params")
        rotate = d3.toggle("Rotate shapes", True, key=f"{key}_rotate", bind="query-params")
        aug = d1.radio("Augmentation", ["none", "weak", "strong"], horizontal=True, key=f"{key}_aug", bind="query-params",
                       help="weak: flip + small zoom/shift. strong: colour jitter, RandAugment ops, "
                            "larger affine, cutout. Boxes are recomputed from the moved masks.")
    cfg = ShapesConfig(size=int(size), min_shapes=lo, max_shapes=hi, min_radius=r_lo, max_radius=r_hi,
                       rotate=rotate, texture=texture, noise=noise, min_visible=min_visible, easy=easy)
    return int(n), int(seed), cfg, aug


def render(key: str = "shapes") -> None:
    """The ShapesWorld browser. `key` prefixes every widget key, so the tab can appear on two pages."""
    from core.vision.shapes.generator import CLASSES, _shape_masks, boxes_from_masks
    st.subheader("ShapesWorld")
    st.caption("A generated dataset: circles, squares, triangles, stars and rings with exact instance masks, "
               "tight boxes and a semantic map. Every picture below is the generator's output, drawn with its "
               "own ground truth.")
    n, seed, cfg, aug = _config(key)
    view = st.radio("Show", ["boxes", "boxes + masks", "semantic map"], index=1, horizontal=True, key=f"{key}_view", bind="query-params")
    opacity = st.slider("Overlay opacity", 0.0, 1.0, 0.45, 0.05, key=f"{key}_opacity", bind="query-params")
    with ui.friendly_errors("ShapesWorld"):
        items = tuple(sorted(asdict(cfg).items()))
        samples = _batch(n, seed, items, aug)
        cols = st.columns(4)
        for i, s in enumerate(samples):
            cols[i % 4].image(_draw(s, view, opacity), caption=f"#{i}: " + ", ".join(CLASSES[k] for k in s.labels),
                              width="stretch")
        counts = np.bincount(np.concatenate([s.labels for s in samples] + [np.zeros(0, np.int64)]),
                             minlength=len(CLASSES))
        st.dataframe({"class": CLASSES, "instances": counts.tolist()}, hide_index=True)
        st.download_button("Download this batch (COCO JSON + PNGs, zip)", _zip(n, seed, items, aug),
                           file_name=f"shapesworld_seed{seed}_n{n}.zip", mime="application/zip", key=f"{key}_dl")
    ui.show_code(_shape_masks, boxes_from_masks)
