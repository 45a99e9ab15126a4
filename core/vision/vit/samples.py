"""A ShapesWorld picture for the chapter's offline models (the kind of image they were trained on)."""
from __future__ import annotations

import numpy as np

from core.vision.shapes.classification import classification_set


def shapes_image(seed: int, size: int = 128, texture: float = 1.0, fill: float | None = None,
                 jitter: float = 0.0) -> tuple[np.ndarray, str]:
    """One held-out ShapesWorld image (seeds far from the training seeds) and its class name;
    fill: cropped around the shape to this share of the side (as the bundled models were trained),
    jitter: the crop moved off-centre by up to this fraction (seeded)."""
    from core.vision.vit.data import zoom_on_shape

    s = classification_set(1, seed=10_000 + int(seed), size=128, texture=texture)
    off = tuple(np.random.default_rng(seed).uniform(-jitter, jitter, 2))
    img = zoom_on_shape(s.images[0], s.boxes[0], size, fill, off) if fill else s.images[0]
    return img, s.class_names[int(s.labels[0])]
