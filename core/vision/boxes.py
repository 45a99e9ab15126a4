"""The one runtime home of box overlap and non-maximum suppression, for every detector KeyPoint runs.

Boxes are (x1, y1, x2, y2) in pixels. NumPy, because Detections are NumPy arrays; `elementwise_iou`
is the tensor form a loss takes its gradient through. The detector-internals page teaches NMS with its
own traced stepper (core.vision.internals.nms); the tests hold all of them to torchvision.ops.
"""
from __future__ import annotations

import numpy as np
import torch


def box_area(boxes: np.ndarray) -> np.ndarray:
    """boxes float[..., 4] -> float[...]; a degenerate box has area 0, never negative."""
    return np.clip(boxes[..., 2] - boxes[..., 0], 0, None) * np.clip(boxes[..., 3] - boxes[..., 1], 0, None)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every pair: a float[N, 4], b float[M, 4] -> float[N, M] (0 where the union is empty)."""
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])  # [N, M, 2] the intersection's corner
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(bottom_right - top_left, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return inter / np.maximum(union, 1e-9)


def elementwise_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of a[..., 4] with b[..., 4] element by element (broadcasting), keeping the gradient (YOLO's loss)."""
    w = (torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1])).clamp(min=0)
    inter = w * h
    area = lambda x: (x[..., 2] - x[..., 0]).clamp(min=0) * (x[..., 3] - x[..., 1]).clamp(min=0)  # noqa: E731
    return inter / (area(a) + area(b) - inter).clamp(min=1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS: keep the best box, drop every box overlapping it by more than the threshold, repeat.

    Returns int64[K], indices of kept boxes by decreasing score (as torchvision.ops.nms).
    """
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        order = rest[box_iou(boxes[best][None], boxes[rest])[0] <= iou_threshold]
    return np.asarray(keep, np.int64)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_threshold: float) -> np.ndarray:
    """NMS within each class separately: a cat never suppresses a dog. Indices by decreasing score.

    Equal scores keep the order of their indices, as torchvision.ops.batched_nms does (its kernel sorts
    with a stable sort), so the two agree index for index even on ties.
    """
    keep = [np.flatnonzero(labels == c)[nms(boxes[labels == c], scores[labels == c], iou_threshold)]
            for c in np.unique(labels)]
    keep = np.sort(np.concatenate(keep)) if keep else np.zeros(0, np.int64)  # index order first ...
    return keep[np.argsort(-scores[keep], kind="stable")]  # ... so a stable sort breaks ties by index
