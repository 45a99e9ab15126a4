"""The one way the internals traces feed an image to a ShapesWorld model: a square of its training side."""
from __future__ import annotations

import numpy as np


def square(rgb: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8[H, W, 3] -> (uint8[size, size, 3], scale float32[4] that maps its xyxy boxes back to the input).

    The aspect ratio is not kept: the models were trained on square images (as ShapesModel.predict does).
    """
    import cv2

    H, W = rgb.shape[:2]
    small = rgb if (H, W) == (size, size) else cv2.resize(
        np.ascontiguousarray(rgb[..., :3]), (size, size), interpolation=cv2.INTER_AREA if max(H, W) > size else cv2.INTER_LINEAR)
    return np.ascontiguousarray(small), np.array([W / size, H / size, W / size, H / size], np.float32)
