"""TEACHING COPY. IoU and GIoU of every pair of boxes, written out for reading (the Detector internals
page shows this code). KeyPoint's models use core.vision.boxes; the tests hold both to torchvision.ops.

Boxes are (x1, y1, x2, y2).
"""
from __future__ import annotations

import torch


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """boxes (Tensor[N, 4]) -> Tensor[N]"""
    return (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Intersection over union of every pair. a [N, 4], b [M, 4] -> Tensor[N, M]."""
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])  # [N, M, 2] the intersection's corner
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])  # [N, M, 2]
    wh = (bottom_right - top_left).clamp(min=0)  # no overlap -> 0, not negative
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return inter / union


def generalized_box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """GIoU = IoU − (hull − union) / hull, with hull the smallest box around both.
    Unlike IoU it still has a gradient when boxes do not overlap (DETR's box loss uses it)."""
    iou = box_iou(a, b)
    inter_union = box_area(a)[:, None] + box_area(b)[None, :]
    top_left = torch.minimum(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.maximum(a[:, None, 2:], b[None, :, 2:])
    hull = (bottom_right - top_left).clamp(min=0).prod(-1)  # [N, M]
    union = inter_union / (1 + iou)  # from iou = inter/union and inter + union = area_a + area_b
    return iou - (hull - union) / hull
