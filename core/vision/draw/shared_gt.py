"""Ground truth drawn on one page, reused by another page showing the same picture at another size.

The boxes are kept as fractions of the picture's width and height, with a 32 x 32 thumbnail of the picture:
another page finds them again only for a picture that looks the same (any size; the internals page squeezes
photos to 128 x 128 without keeping the aspect, and fractions survive that too)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THUMB = 32
SAME_PICTURE = 6.0  # mean absolute difference of the thumbnails (0..255) under which two pictures are one


@dataclass
class SharedGroundTruth:
    thumb: np.ndarray  # uint8[32, 32, 3], the picture's fingerprint
    boxes: np.ndarray  # float[M, 4] xyxy as fractions of width and height
    names: list[str]  # each box's class name


def _thumb(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.resize(np.ascontiguousarray(np.asarray(rgb)[..., :3]), (THUMB, THUMB), interpolation=cv2.INTER_AREA)


def share(rgb: np.ndarray, boxes: np.ndarray, names: list[str]) -> SharedGroundTruth:
    """boxes float[M, 4] xyxy in rgb's pixels -> a size-free record of them."""
    h, w = np.asarray(rgb).shape[:2]
    frac = np.asarray(boxes, np.float64).reshape(-1, 4) / np.array([w, h, w, h], np.float64)
    return SharedGroundTruth(_thumb(rgb), frac, list(names))


def boxes_on(shared: SharedGroundTruth | None, rgb: np.ndarray, width: int, height: int) -> np.ndarray | None:
    """The shared boxes in pixels of a width x height view of `rgb`, or None when `rgb` is another picture."""
    if shared is None or len(shared.boxes) == 0:
        return None
    diff = np.abs(_thumb(rgb).astype(np.float32) - shared.thumb.astype(np.float32)).mean()
    if diff > SAME_PICTURE:
        return None
    return shared.boxes * np.array([width, height, width, height], np.float64)
