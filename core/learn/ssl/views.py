"""Teacher and student views whose geometry is known.

Views are per-image axis-aligned affine maps x' = sx * x + tx, y' = sy * y + ty (a flip has
sx = -1), so a box found in one view can be carried into another exactly: Soft Teacher needs the
teacher's scores on the *student's* candidate boxes, and those live in a different view.
Each affine is a Tensor[4] (sx, tx, sy, ty); a batch of them Tensor[B, 4].
The augmentations themselves (the random affine, the warp, colour jitter and cut-out) live in
core.vision.shapes.augment, ShapesWorld's one augmentation module; this file is the bookkeeping
of views: which affine made which view, and boxes carried between them.
"""
from __future__ import annotations

import torch

from core.vision.shapes.augment import photometric_batch as photometric
from core.vision.shapes.augment import random_affine
from core.vision.shapes.augment import warp_batch as warp

__all__ = ["invert_affine", "compose_affine", "map_boxes", "random_affine", "warp", "photometric",
           "weak_view", "strong_view", "boxes_into_view", "targets_into_view"]


def invert_affine(a: torch.Tensor) -> torch.Tensor:
    """x = (x' - tx) / sx, so the inverse has sx' = 1/sx and tx' = -tx/sx."""
    return torch.stack([1 / a[:, 0], -a[:, 1] / a[:, 0], 1 / a[:, 2], -a[:, 3] / a[:, 2]], dim=1)


def compose_affine(first: torch.Tensor, then: torch.Tensor) -> torch.Tensor:
    """The map `then(first(x))`."""
    return torch.stack([then[:, 0] * first[:, 0], then[:, 0] * first[:, 1] + then[:, 1],
                        then[:, 2] * first[:, 2], then[:, 2] * first[:, 3] + then[:, 3]], dim=1)


def map_boxes(boxes: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """boxes (Tensor[N, 4]) xyxy through one affine a (Tensor[4]); flips swap x1 and x2."""
    x = boxes[:, 0::2] * a[0] + a[1]
    y = boxes[:, 1::2] * a[2] + a[3]
    return torch.stack([x.min(1).values, y.min(1).values, x.max(1).values, y.max(1).values], dim=1)


def weak_view(images: torch.Tensor, g: torch.Generator):
    """Random horizontal flip only (Soft Teacher's weak view: flip + resize)."""
    a = random_affine(images.shape[0], images.shape[-1], g, flip=True)
    return warp(images, a), a


def strong_view(images: torch.Tensor, g: torch.Generator):
    """Flip, scale 0.8-1.2, shift up to 8%, then colour jitter, noise, cut-outs."""
    a = random_affine(images.shape[0], images.shape[-1], g, flip=True, scale=(0.8, 1.2), shift=0.08)
    return photometric(warp(images, a), g), a


def boxes_into_view(boxes: torch.Tensor, a: torch.Tensor, size: int, min_side: float = 2.0):
    """Carry boxes into a view, clip to the image, drop those squeezed below min_side.
    Returns (boxes Tensor[M, 4], keep Tensor[N] bool)."""
    b = map_boxes(boxes, a).clamp(0, size)
    keep = ((b[:, 2] - b[:, 0]) >= min_side) & ((b[:, 3] - b[:, 1]) >= min_side)
    return b[keep], keep


def targets_into_view(targets: list, affines: torch.Tensor, size: int) -> list:
    out = []
    for t, a in zip(targets, affines):
        b, keep = boxes_into_view(t["boxes"], a, size)
        out.append({k: (b if k == "boxes" else v[keep]) for k, v in t.items()})
    return out
