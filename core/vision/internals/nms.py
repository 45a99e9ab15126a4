"""TEACHING COPY. Greedy NMS as a stepper: every keep and every suppression recorded, so the page can
replay it. KeyPoint's detectors use core.vision.boxes.nms (torchvision.ops); the tests hold this to it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.vision.internals.iou import box_iou


@dataclass
class NMSStep:
    kept: int  # index of the box kept at this step (the best one still alive)
    suppressed: list[int]  # indices it removed (IoU > threshold with it)


def nms_steps(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> tuple[torch.Tensor, list[NMSStep]]:
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
