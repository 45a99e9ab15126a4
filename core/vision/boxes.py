"""The one box vocabulary of KeyPoint: formats, area, IoU, GIoU and NMS, for torch tensors and NumPy arrays.

Formats (torchvision.ops.box_convert's names):
    "xyxy"    (x1, y1, x2, y2)  corners; what Detections hold, in pixels
    "cxcywh"  (cx, cy, w, h)    centre and size; what YOLO and DETR predict (DETR's normalised to [0, 1])
    "xywh"    (x1, y1, w, h)    top-left corner and size; COCO's json

Each function takes a Tensor or an ndarray and returns the same kind. Overlaps are written once, element
by element (`elementwise_iou`, `elementwise_giou`: a loss takes its gradient through them); the pairwise
matrices broadcast them. NMS delegates to torchvision.ops (its C++ kernel), explicitly.

The Detector internals page teaches IoU, GIoU and NMS with its own written-out copies
(core.vision.internals.iou, core.vision.internals.nms, marked as teaching copies); the tests hold
those and these to torchvision.ops.
"""
from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

Boxes = TypeVar("Boxes", torch.Tensor, np.ndarray)
FORMATS = ("xyxy", "cxcywh", "xywh")
_EPS = 1e-9  # an empty union (two degenerate boxes) gives IoU 0, not nan


def _stack(parts, like):
    return torch.stack(parts, dim=-1) if isinstance(like, torch.Tensor) else np.stack(parts, axis=-1)


def _maximum(a, b):
    return torch.maximum(a, b) if isinstance(a, torch.Tensor) else np.maximum(a, b)


def _minimum(a, b):
    return torch.minimum(a, b) if isinstance(a, torch.Tensor) else np.minimum(a, b)


def box_convert(boxes: Boxes, in_fmt: str, out_fmt: str) -> Boxes:
    """boxes [..., 4] from one format to another ("xyxy", "cxcywh", "xywh"), as torchvision.ops.box_convert."""
    if in_fmt not in FORMATS or out_fmt not in FORMATS:
        raise ValueError(f"box formats are {FORMATS}, got {in_fmt!r} -> {out_fmt!r}")
    if in_fmt == out_fmt:
        return boxes.clone() if isinstance(boxes, torch.Tensor) else boxes.copy()
    a, b, c, d = (boxes[..., i] for i in range(4))
    if in_fmt == "cxcywh":
        x1, y1, x2, y2 = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    elif in_fmt == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    else:
        x1, y1, x2, y2 = a, b, c, d
    if out_fmt == "cxcywh":
        parts = [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]
    elif out_fmt == "xywh":
        parts = [x1, y1, x2 - x1, y2 - y1]
    else:
        parts = [x1, y1, x2, y2]
    return _stack(parts, boxes)


def box_area(boxes: Boxes) -> Boxes:
    """boxes [..., 4] xyxy -> [...]; a degenerate box has area 0, never negative."""
    return (boxes[..., 2] - boxes[..., 0]).clip(min=0) * (boxes[..., 3] - boxes[..., 1]).clip(min=0)


def elementwise_iou(a: Boxes, b: Boxes) -> Boxes:
    """IoU of a[..., 4] with b[..., 4] (xyxy) element by element, broadcasting; keeps the gradient (YOLO's loss)."""
    wh = (_minimum(a[..., 2:], b[..., 2:]) - _maximum(a[..., :2], b[..., :2])).clip(min=0)  # the intersection's size
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a) + box_area(b) - inter
    return inter / union.clip(min=_EPS)


def elementwise_giou(a: Boxes, b: Boxes) -> Boxes:
    """Generalised IoU (Rezatofighi et al. 2019) element by element: IoU - (hull - union) / hull, with hull
    the smallest box around both. Unlike IoU it still has a gradient when the boxes do not overlap."""
    wh = (_minimum(a[..., 2:], b[..., 2:]) - _maximum(a[..., :2], b[..., :2])).clip(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = (box_area(a) + box_area(b) - inter).clip(min=_EPS)
    hull_wh = (_maximum(a[..., 2:], b[..., 2:]) - _minimum(a[..., :2], b[..., :2])).clip(min=0)
    hull = (hull_wh[..., 0] * hull_wh[..., 1]).clip(min=_EPS)
    return inter / union - (hull - union) / hull


def box_iou(a: Boxes, b: Boxes) -> Boxes:
    """IoU of every pair: a [N, 4], b [M, 4] xyxy -> [N, M] (0 where the union is empty)."""
    return elementwise_iou(a[:, None, :], b[None, :, :])


def generalized_box_iou(a: Boxes, b: Boxes) -> Boxes:
    """GIoU of every pair: a [N, 4], b [M, 4] xyxy -> [N, M] in [-1, 1] (DETR's matcher and box loss)."""
    return elementwise_giou(a[:, None, :], b[None, :, :])


def _as_tensors(*arrays):
    return [torch.from_numpy(np.ascontiguousarray(x)) for x in arrays]


def nms(boxes: Boxes, scores: Boxes, iou_threshold: float) -> Boxes:
    """Greedy NMS: keep the best box, drop every box overlapping it by more than the threshold, repeat.
    Delegates to torchvision.ops.nms. Returns int64[K] indices of the kept boxes by decreasing score."""
    from torchvision.ops import nms as tv_nms

    if isinstance(boxes, torch.Tensor):
        return tv_nms(boxes, scores, iou_threshold)
    b, s = _as_tensors(boxes, scores)
    return tv_nms(b, s.to(b.dtype), iou_threshold).numpy()


def batched_nms(boxes: Boxes, scores: Boxes, labels: Boxes, iou_threshold: float) -> Boxes:
    """NMS within each class separately (a cat never suppresses a dog); delegates to
    torchvision.ops.batched_nms. Indices by decreasing score; equal scores keep index order."""
    from torchvision.ops import batched_nms as tv_batched_nms

    if isinstance(boxes, torch.Tensor):
        return tv_batched_nms(boxes, scores, labels, iou_threshold)
    b, s, lab = _as_tensors(boxes, scores, labels)
    return tv_batched_nms(b, s.to(b.dtype), lab, iou_threshold).numpy()
