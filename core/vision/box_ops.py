"""Box operations written out for reading: IoU, GIoU, NMS, RoI Align.

Boxes are (x1, y1, x2, y2). The tests check each against torchvision.ops.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

import core.runtime  # noqa: F401  (sets the thread count once for the process)


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


@dataclass
class NMSStep:
    kept: int  # index of the box kept at this step (the best one still alive)
    suppressed: list[int]  # indices it removed (IoU > threshold with it)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> tuple[torch.Tensor, list[NMSStep]]:
    """Greedy non-maximum suppression: keep the best box, drop the ones overlapping it, repeat.
    Returns (kept indices by decreasing score, the steps for replay)."""
    order = torch.argsort(scores, descending=True, stable=True).tolist()
    alive = set(order)
    keep, steps = [], []
    ious = box_iou(boxes, boxes)  # [N, N], computed once
    for i in order:
        if i not in alive:
            continue
        keep.append(i)
        gone = [j for j in order if j in alive and j != i and ious[i, j] > iou_threshold]
        alive.difference_update(gone + [i])
        steps.append(NMSStep(kept=i, suppressed=gone))
    return torch.tensor(keep, dtype=torch.long), steps


def bilinear(feature: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Sample feature [C, H, W] at real-valued points (y, x) of shape [P] -> [C, P].
    Pixel centres sit at integer coordinates; points outside by more than a pixel read 0."""
    C, H, W = feature.shape
    valid = (y >= -1) & (y <= H) & (x >= -1) & (x <= W)
    y, x = y.clamp(min=0), x.clamp(min=0)
    y0, x0 = y.floor().long().clamp(max=H - 1), x.floor().long().clamp(max=W - 1)
    y1, x1 = (y0 + 1).clamp(max=H - 1), (x0 + 1).clamp(max=W - 1)
    y = torch.where(y0 >= H - 1, y0.to(y.dtype), y)
    x = torch.where(x0 >= W - 1, x0.to(x.dtype), x)
    ly, lx = y - y0, x - x0  # distances to the top-left neighbour
    hy, hx = 1 - ly, 1 - lx
    out = (feature[:, y0, x0] * hy * hx + feature[:, y0, x1] * hy * lx
           + feature[:, y1, x0] * ly * hx + feature[:, y1, x1] * ly * lx)
    return out * valid


def roi_align(feature: torch.Tensor, box: torch.Tensor, output_size: int, spatial_scale: float = 1.0,
              sampling_ratio: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """RoI Align for one box (aligned=True): split the box into output_size² bins, average
    sampling_ratio² bilinear samples per bin. No rounding anywhere (RoI Pool rounds twice).

    feature [C, H, W], box [4] in image coordinates -> (Tensor[C, S, S], sample points [S*S*r*r, 2] as (x, y))
    """
    S, r = output_size, sampling_ratio
    x1, y1, x2, y2 = (box * spatial_scale - 0.5).tolist()  # aligned: pixel centres at +0.5
    bin_w, bin_h = (x2 - x1) / S, (y2 - y1) / S
    offsets = (torch.arange(r, dtype=feature.dtype) + 0.5) / r  # sample positions inside a bin
    xs = x1 + (torch.arange(S, dtype=feature.dtype)[:, None] + offsets[None, :]).flatten() * bin_w  # [S*r]
    ys = y1 + (torch.arange(S, dtype=feature.dtype)[:, None] + offsets[None, :]).flatten() * bin_h
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # [S*r, S*r]
    samples = bilinear(feature, gy.flatten(), gx.flatten()).view(-1, S, r, S, r)  # [C, S, r, S, r]
    return samples.mean(dim=(2, 4)), torch.stack([gx.flatten(), gy.flatten()], dim=1)


def anchors_at(cx: float, cy: float, sizes: list[float], ratios: list[float]) -> torch.Tensor:
    """The anchor boxes centred on one feature-map cell: one per (size, aspect ratio h/w).
    Area stays size², so w = size / sqrt(ratio), h = size · sqrt(ratio). -> Tensor[len(sizes)*len(ratios), 4]"""
    out = []
    for s in sizes:
        for a in ratios:
            w, h = s / a**0.5, s * a**0.5
            out.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return torch.tensor(out)
