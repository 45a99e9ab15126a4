"""The bundled ShapesWorld models behind one interface, for pages and the zoo's offline fallback.

    m = load_shapes_model("frcnn")        # yolo, ssd, frcnn, maskrcnn, detr, deeplab
    dets = m.predict(rgb)                 # any uint8[H, W, 3] image -> Detections (or Segmentation)
    m.class_names, m.card["training"]["held_out"]

The image is resized to the training size (128 x 128, aspect not kept: the models saw square
images), and boxes / masks / class maps are mapped back to the input's pixels.
"""
from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import torch

from core.vision.types import Detections, Runner, Segmentation
from core.vision.shapes.models.registry import FAMILIES, get_family
from core.vision.shapes.generator import CLASSES, ShapesConfig
from core.vision.shapes.train import WEIGHTS_DIR, load_weights, weight_paths


def available_families(folder: Path = WEIGHTS_DIR) -> list[str]:
    """Families whose bundled weights exist."""
    return [f for f in FAMILIES if weight_paths(f, folder)[0].exists()]


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise ValueError(f"expected an RGB image of shape [H, W, 3], got {a.shape}")
    if a.shape[0] < 8 or a.shape[1] < 8:
        raise ValueError(f"image too small ({a.shape[1]}x{a.shape[0]}); need at least 8x8 pixels")
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating) and a.max() <= 1.0:
            a = a * 255.0
        a = np.clip(a, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a[..., :3])


class ShapesModel:
    """A trained ShapesWorld model; predict() takes any RGB image."""

    def __init__(self, family: str, model: torch.nn.Module, card: dict, weights: Path):
        self.family = family
        self.model = model
        self.card = card
        self.weights = weights
        self._fam = get_family(family)
        self.task = self._fam.task
        self.uses_nms = self._fam.uses_nms
        self.image_size = int(card.get("data", {}).get("size", 128))
        self.data_config = ShapesConfig(**card["data"]) if "data" in card else self._fam.data
        self.class_names = (["background"] + list(CLASSES)) if self.task == "segment" else list(CLASSES)

    def predict(self, rgb: np.ndarray, min_score: float = 0.0) -> Detections | Segmentation:
        img = _as_rgb(rgb)
        H, W = img.shape[:2]
        S = self.image_size
        t0 = time.perf_counter()
        small = cv2.resize(img, (S, S), interpolation=cv2.INTER_AREA if max(H, W) > S else cv2.INTER_LINEAR)
        out = self._fam.predict(self.model, small[None])[0]
        meta = {"model": f"shapes-{self.family}", "source": "bundled", "weights": str(self.weights),
                "ms": (time.perf_counter() - t0) * 1000.0, "input_size": (W, H), "model_size": S}
        if isinstance(out, Segmentation):
            classes = cv2.resize(out.classes.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST).astype(np.int64)
            scores = None
            if out.scores is not None:
                scores = cv2.resize(out.scores.transpose(1, 2, 0), (W, H), interpolation=cv2.INTER_LINEAR)
                scores = scores.reshape(H, W, -1).transpose(2, 0, 1).astype(np.float32)
            return Segmentation(classes=classes, class_names=self.class_names, scores=scores, meta=meta)
        scale = np.array([W / S, H / S, W / S, H / S], np.float32)
        masks = None
        if out.masks is not None:
            masks = np.stack([cv2.resize(m, (W, H), interpolation=cv2.INTER_LINEAR) for m in out.masks]) \
                if len(out.masks) else np.zeros((0, H, W), np.float32)
        dets = Detections(boxes=(out.boxes * scale).astype(np.float32), scores=out.scores, labels=out.labels,
                          class_names=self.class_names, masks=masks, meta=meta)
        return dets.filter(min_score) if min_score > 0 else dets


def load_shapes_model(family: str, folder: Path = WEIGHTS_DIR) -> ShapesModel:
    """Build the family's model and load its bundled safetensors (no pickle). FileNotFoundError if absent."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    model, card = load_weights(family, folder)
    return ShapesModel(family, model, card, weight_paths(family, folder)[0])


def _load_bundled(card, source, where, extra, input_size) -> ShapesModel:
    """The card's ShapesWorld stand-in (card.extra["shapes"]), from assets/weights/."""
    return load_shapes_model(card.extra["shapes"])


def runner(family: str) -> Runner:
    """How the Detection page runs the bundled stand-in of `family` (the offline fallback of its cards)."""
    fam = get_family(family)
    return Runner("shapes", load=_load_bundled, input_size=lambda card: fam.data.size, uses_nms=fam.uses_nms)
