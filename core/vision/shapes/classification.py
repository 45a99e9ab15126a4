"""ShapesWorld as an image-classification set: one shape per image, the label is its class.

The CNN and vision-transformer chapters train and test on it offline (with scikit-learn's digits),
so their feature maps, CAMs and attention have an object to find. Deterministic by seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.vision.shapes.generator import CLASSES, ShapesConfig, generate


@dataclass
class ClassifySet:
    images: np.ndarray  # uint8[N, size, size, 3] RGB
    labels: np.ndarray  # int64[N], index into CLASSES
    boxes: np.ndarray  # float32[N, 4] the shape's box (x1, y1, x2, y2) at `size`
    class_names: tuple = tuple(CLASSES)


def classification_set(n: int, seed: int = 0, size: int = 64, texture: float = 1.0,
                       noise: float = 8.0) -> ClassifySet:
    """n images of one shape each, drawn at 128 px by ShapesWorld and shrunk to size (area filter)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    cfg = ShapesConfig(min_shapes=1, max_shapes=1, min_radius=14.0, max_radius=30.0,
                       texture=texture, noise=noise, min_visible=0.0)
    images, labels, boxes = [], [], []
    draw_seed = seed
    while len(images) < n:  # a shape clipped away entirely leaves an empty image: draw more
        for s in generate(max(64, n - len(images)), draw_seed, cfg):
            if len(s.labels) != 1 or len(images) == n:
                continue
            img = s.image if size == s.image.shape[0] else cv2.resize(s.image, (size, size), interpolation=cv2.INTER_AREA)
            images.append(img)
            labels.append(int(s.labels[0]))
            boxes.append(s.boxes[0] * (size / s.image.shape[0]))
        draw_seed += 1_000_003  # a different stream for the top-up, still deterministic
    return ClassifySet(np.stack(images) if images else np.zeros((0, size, size, 3), np.uint8),
                       np.asarray(labels, np.int64), np.asarray(boxes, np.float32).reshape(-1, 4))
