"""Anchors (Faster R-CNN's RPN) and default boxes (SSD), and how each is assigned to ground truth.

Written out so the page can draw them; the tests hold them to torchvision's AnchorGenerator,
DefaultBoxGenerator, the RPN's Matcher and SSD's SSDMatcher. Boxes are (x1, y1, x2, y2) pixels.
"""
from __future__ import annotations

import math

import torch

from core.vision.boxes import box_convert, box_iou


def anchors_at(cx: float, cy: float, sizes: list[float], ratios: list[float]) -> torch.Tensor:
    """The anchor boxes centred on one feature-map cell: one per (size, aspect ratio h/w).
    Area stays size², so w = size / sqrt(ratio), h = size · sqrt(ratio). -> Tensor[len(sizes)*len(ratios), 4]"""
    out = []
    for s in sizes:
        for a in ratios:
            out.append([cx, cy, s / a**0.5, s * a**0.5])  # centre, w, h
    return box_convert(torch.tensor(out), "cxcywh", "xyxy")


def base_anchors(sizes, ratios) -> torch.Tensor:
    """torchvision's cell template: Tensor[len(ratios) * len(sizes), 4] centred on 0, ratio-major
    (all sizes of the first ratio, then the next), coordinates rounded to whole pixels."""
    scales = torch.as_tensor(sizes, dtype=torch.float32)
    h_ratios = torch.sqrt(torch.as_tensor(ratios, dtype=torch.float32))  # ratio = h / w, area kept
    w_ratios = 1 / h_ratios
    ws = (w_ratios[:, None] * scales[None, :]).reshape(-1)
    hs = (h_ratios[:, None] * scales[None, :]).reshape(-1)
    return (torch.stack([-ws, -hs, ws, hs], dim=1) / 2).round()


def anchor_grid(image_size: tuple[int, int], feature_size: tuple[int, int], sizes, ratios) -> torch.Tensor:
    """Every anchor of one feature map, as torchvision's AnchorGenerator lays them out.

    image_size (H, W) and feature_size (h, w) -> Tensor[h * w * A, 4], A = len(sizes) * len(ratios),
    cell by cell (row-major), the A templates of each cell together. Note: torchvision puts the
    template's centre on the cell's top-left corner (x = j * stride), not on the cell's centre.
    """
    (H, W), (h, w) = image_size, feature_size
    sy, sx = H // h, W // w  # pixels per cell (integer, as torchvision)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32) * sy, torch.arange(w, dtype=torch.float32) * sx,
                            indexing="ij")
    shifts = torch.stack([xs, ys, xs, ys], dim=-1).reshape(-1, 1, 4)  # [h*w, 1, 4]
    return (shifts + base_anchors(sizes, ratios)[None]).reshape(-1, 4)


def default_box_scales(num_maps: int, min_ratio: float = 0.15, max_ratio: float = 0.9) -> list[float]:
    """SSD's scales: evenly spaced from min_ratio to max_ratio over the maps, plus 1.0 for the last map's
    extra box (torchvision's DefaultBoxGenerator when no scales are given). A single map has no spacing
    to speak of: its scale is min_ratio and its extra box's sqrt(min_ratio * max_ratio), as torchvision."""
    if num_maps == 1:
        return [min_ratio, max_ratio]
    return [min_ratio + (max_ratio - min_ratio) * k / (num_maps - 1.0) for k in range(num_maps)] + [1.0]


def default_boxes(feature_sizes: list[tuple[int, int]], image_size: tuple[int, int], aspect_ratios,
                  scales=None, steps=None, clip: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """SSD's default boxes on every feature map, in torchvision's order.

    feature_sizes [(h_k, w_k)], image_size (H, W); aspect_ratios per map, e.g. [[2], [2, 3]]; scales
    (len = maps + 1) the box side / image side per map; steps the maps' strides in pixels (None: the
    map's own cell size). Per cell of map k: a square of side s_k, a square of side sqrt(s_k s_{k+1}),
    and for each ratio a, a (s_k sqrt a) x (s_k / sqrt a) box and its transpose.

    Returns (boxes Tensor[D, 4] xyxy pixels, map index Tensor[D]) with D = sum_k h_k w_k (2 + 2 |a_k|).
    """
    scales = list(scales) if scales is not None else default_box_scales(len(feature_sizes))
    H, W = image_size
    out, level = [], []
    for k, (fh, fw) in enumerate(feature_sizes):
        s_k, s_prime = scales[k], math.sqrt(scales[k] * scales[k + 1])
        wh = [[s_k, s_k], [s_prime, s_prime]]
        for a in aspect_ratios[k]:
            r = math.sqrt(a)
            wh += [[s_k * r, s_k / r], [s_k / r, s_k * r]]
        wh = torch.tensor(wh, dtype=torch.float32)  # [P, 2] relative to the image
        if clip:
            wh = wh.clamp(0, 1)
        xf, yf = (W / steps[k], H / steps[k]) if steps is not None else (fw, fh)  # cells per image side
        cx = (torch.arange(fw, dtype=torch.float32) + 0.5) / xf
        cy = (torch.arange(fh, dtype=torch.float32) + 0.5) / yf
        gy, gx = torch.meshgrid(cy, cx, indexing="ij")
        centres = torch.stack([gx, gy], dim=-1).reshape(-1, 1, 2).expand(-1, len(wh), 2)  # [h*w, P, 2]
        rel = torch.cat([centres, wh[None].expand(fh * fw, -1, -1)], dim=-1).reshape(-1, 4)  # cx, cy, w, h
        out.append(box_convert(rel, "cxcywh", "xyxy") * torch.tensor([W, H, W, H], dtype=torch.float32))
        level.append(torch.full((len(rel),), k, dtype=torch.long))
    return torch.cat(out), torch.cat(level)


def assign_anchors(anchors: torch.Tensor, gt: torch.Tensor, fg_iou: float = 0.7, bg_iou: float = 0.3,
                   low_quality: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The RPN's training labels for every anchor against the ground truth.

    IoU >= fg_iou: positive (1); < bg_iou: negative (0); in between: ignored (-1). With low_quality,
    each object's best anchors are positive even below fg_iou, so no object goes without one.
    anchors [A, 4], gt [M, 4] -> (labels int64[A], matched object int64[A] (-1 if none), best IoU float[A]).
    """
    A = anchors.shape[0]
    if gt.numel() == 0:
        return torch.zeros(A, dtype=torch.long), torch.full((A,), -1, dtype=torch.long), torch.zeros(A)
    iou = box_iou(gt, anchors)  # [M, A]
    best, match = iou.max(dim=0)
    labels = torch.full((A,), -1, dtype=torch.long)
    labels[best >= fg_iou] = 1
    labels[best < bg_iou] = 0
    if low_quality:  # every anchor tying for an object's best IoU (Faster R-CNN's rule)
        per_gt = iou.max(dim=1).values
        rescued = torch.nonzero(iou == per_gt[:, None])[:, 1]
        labels[rescued] = 1
    matched = torch.where(labels == 1, match, torch.full_like(match, -1))
    return labels, matched, best


def match_default_boxes(boxes: torch.Tensor, gt: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """SSD's matching: every default box with IoU >= threshold takes its best object, and every object
    takes its single best default box whatever the IoU. boxes [D, 4], gt [M, 4] -> int64[D] object index,
    -1 for background."""
    D = boxes.shape[0]
    if gt.numel() == 0:
        return torch.full((D,), -1, dtype=torch.long)
    iou = box_iou(gt, boxes)  # [M, D]
    best, match = iou.max(dim=0)
    match = torch.where(best >= threshold, match, torch.full_like(match, -1))
    match[iou.argmax(dim=1)] = torch.arange(gt.shape[0])  # each object's best box is forced
    return match
