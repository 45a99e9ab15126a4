"""A ShapesWorld picture for the chapter's offline models (the kind of image they were trained on)."""
from __future__ import annotations

import numpy as np

from core.vision.shapes.classification import classification_set


def shapes_image(seed: int, size: int = 128, texture: float = 1.0) -> tuple[np.ndarray, str]:
    """One held-out ShapesWorld image (seeds far from the training seeds) and its class name."""
    s = classification_set(1, seed=10_000 + int(seed), size=size, texture=texture)
    return s.images[0], s.class_names[int(s.labels[0])]
