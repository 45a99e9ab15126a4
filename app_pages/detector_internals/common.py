"""Shared by the Detector internals tabs: the picture every tab works on, and the cached ShapesWorld models."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app_pages.parts import ui

SIDE = 128  # the ShapesWorld models' input side
ZOOM = 3    # ShapesWorld pictures are shown 3x (nearest), so 128 px stay readable


@dataclass
class Picture:
    name: str
    rgb: np.ndarray                 # uint8[H, W, 3], the picture itself (a photo at its size)
    square: np.ndarray              # uint8[128, 128, 3], what the ShapesWorld models see
    gt_boxes: np.ndarray | None     # float[M, 4] xyxy in the square's pixels (ShapesWorld only)
    gt_labels: np.ndarray | None    # int[M]
    gt_semantic: np.ndarray | None  # int[128, 128] class map, 0 = background (ShapesWorld only)
    shapes: bool                    # True: a ShapesWorld scene (the bundled models are right on it)


@ui.cached_model
def shapes_model(family: str):
    """The bundled ShapesWorld model (shared by every session: never mutated)."""
    from core.vision.shapes.weights import load_shapes_model

    return load_shapes_model(family)


@st.cache_data(show_spinner=False, max_entries=16)
def _scene(seed: int, easy: bool):
    from core.vision.shapes.generator import ShapesConfig, generate

    s = generate(1, seed=seed, cfg=ShapesConfig(easy=easy))[0]
    return s.image, s.boxes, s.labels, s.semantic


def picture() -> Picture:
    """The page-level picture picker: a ShapesWorld scene (default) or a sample photo / upload."""
    from core.vision.internals.prepare import square

    c1, c2, c3 = st.columns([2, 1, 1])
    kind = c1.radio("Picture for every tab", ["ShapesWorld scene", "Photo (sample or upload)"], horizontal=True,
                    key="int_picture", bind="query-params")
    if kind == "ShapesWorld scene":
        seed = int(c2.number_input("Scene seed", 0, 99_999, ui.seed(), key="int_seed", bind="query-params"))
        easy = c3.toggle("Easy scene", True, key="int_easy", bind="query-params", help="Flat background, no overlap: what most of the "
                         "bundled detectors were trained on.")
        img, boxes, labels, semantic = _scene(seed, easy)
        return Picture(f"ShapesWorld seed {seed}", img, img, boxes, labels, semantic, True)
    label, _, rgb = ui.image_input("int")
    if rgb is None:
        st.stop()
    from core.vision.detect import fit_image

    rgb = fit_image(rgb, 512)
    st.caption("The ShapesWorld models see your photo squeezed to 128 x 128 and know only five shapes: the "
               "tensors below are real, but expect them to make little sense on a photo.")
    return Picture(label, rgb, square(rgb, SIDE)[0], None, None, None, False)


def zoom(img: np.ndarray, k: int = ZOOM) -> np.ndarray:
    """Nearest-neighbour upscale uint8[H, W, 3] -> [kH, kW, 3]."""
    return np.repeat(np.repeat(img, k, 0), k, 1)


def draw(img: np.ndarray, boxes, names: list[str], labels=None, scores=None, k: int = ZOOM, line_width: int = 2,
         show_labels: bool = True, tags: list[str] | None = None):
    """Boxes (in img's pixels) drawn on the zoomed image, labelled by names[labels]."""
    from core.vision.types import Detections
    from core.viz.overlay import draw_detections

    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    labels = np.arange(len(b)) if labels is None else np.asarray(labels, np.int64)
    scores = np.ones(len(b), np.float32) if scores is None else np.asarray(scores, np.float32)
    dets = Detections(b * k, scores, labels, list(names))
    return draw_detections(zoom(img, k) if k > 1 else img, dets, show_scores=scores is not None and np.any(scores < 1),
                           line_width=line_width, show_labels=show_labels, tags=tags)


def class_names() -> list[str]:
    from core.vision.shapes.generator import CLASSES

    return list(CLASSES)


@ui.cached_model
def yolox_model(mode: str):
    from core.vision.detect import load_model

    return load_model("yolox-nano", mode)


def real_yolox(mode: str) -> bool:
    """True when YOLOX-Nano resolves to its real (pretrained) weights, not the ShapesWorld stand-in."""
    from core.zoo import get_card, resolve

    src = resolve(get_card("yolox-nano"), mode).source
    return src is not None and src.kind == "pretrained"


def drawn_ground_truth(pic: Picture, width: int = SIDE, height: int = SIDE):
    """(boxes float[M, 4] in a width x height view of the photo, class names) from the ground truth drawn on
    the Detection page for this same photo; (None, None) on a ShapesWorld scene or when none was drawn."""
    from app_pages.parts.gt_check import SHARED_KEY
    from core.vision.draw.shared_gt import boxes_on

    shared = st.session_state.get(SHARED_KEY)
    if pic.shapes or shared is None:
        return None, None
    boxes = boxes_on(shared, pic.rgb, width, height)
    return (boxes.astype(np.float32), shared.names) if boxes is not None else (None, None)


def no_drawn_ground_truth_line(pic: Picture, what: str) -> None:
    if not pic.shapes:
        st.caption(f":material/edit: Draw the ground truth on this photo on the **Detection & segmentation** page "
                   f"(same sample or file) and {what} against it here.")
