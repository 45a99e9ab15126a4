"""The types every vision model shares, whatever its family: the task vocabulary, the two result
types (a page draws these and nothing else: it never looks inside a model), and what a detector
family declares to the Detection page's registry (`Runner`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

# The one task vocabulary of the vision models: a card's task (the words the Models table prints) ->
# the short kind the code branches on. Cards, the Detection page and the ShapesWorld families use it.
DETECT, INSTANCE, SEGMENT = "detect", "instance", "segment"
KIND_OF_TASK = {"detection": DETECT, "instance segmentation": INSTANCE, "semantic segmentation": SEGMENT}


@dataclass(frozen=True)
class Runner:
    """How one detector family runs on the Detection page, declared next to its predictor.

    load(card, source, where, extra, input_size) -> a predictor with .predict(rgb) and .class_names;
    `where` and `extra` are what core.zoo.load.load_with_fallback passes (a local path or a hub id, and
    from_pretrained keywords), so every detector loads through the zoo's one loop.
    """

    name: str  # the cards' extra["runner"] ("yolox", "torchvision", "detr") or "shapes" (bundled)
    load: Callable[..., Any]
    input_size: Callable[[Any], int | None]  # card -> default input side (None: fixed by the architecture)
    uses_nms: bool  # False for set prediction (DETR): one box per object, nothing to suppress


@dataclass
class Detections:
    """Boxes found in one image.

    boxes  (float32[N, 4]) in (x1, y1, x2, y2) pixels of the input image
    scores (float32[N])    confidence in [0, 1]
    labels (int64[N])      index into class_names
    masks  (float32[N, H, W] in [0, 1]) | None   instance masks, for Mask R-CNN
    """

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    masks: np.ndarray | None = None
    meta: dict = field(default_factory=dict)  # model name, weights source, timings in ms

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    def filter(self, min_score: float = 0.0, classes: set[str] | None = None) -> "Detections":
        """Keep detections with score >= min_score and (optionally) a class in `classes`."""
        keep = self.scores >= min_score
        if classes is not None:
            keep &= np.array([self.class_names[i] in classes for i in self.labels], dtype=bool)
        return Detections(
            boxes=self.boxes[keep],
            scores=self.scores[keep],
            labels=self.labels[keep],
            class_names=self.class_names,
            masks=None if self.masks is None else self.masks[keep],
            meta=dict(self.meta),
        )

    @staticmethod
    def empty(class_names: list[str]) -> "Detections":
        return Detections(
            boxes=np.zeros((0, 4), np.float32),
            scores=np.zeros((0,), np.float32),
            labels=np.zeros((0,), np.int64),
            class_names=class_names,
        )


@dataclass
class Segmentation:
    """A per-pixel class map for one image.

    classes (int64[H, W])            index into class_names, 0 is background
    scores  (float32[C, H, W]) | None  per-class probabilities, if the model gives them
    """

    classes: np.ndarray
    class_names: list[str]
    scores: np.ndarray | None = None
    meta: dict = field(default_factory=dict)
