"""DETR's bipartite matcher (Carion et al. 2020, `models/matcher.py` in the DETR repository): the one
matcher KeyPoint has. The ShapesWorld DETR trains with it; the Detector internals page shows it and
solves the same cost with its written-out Hungarian algorithm (core.vision.internals.hungarian).

Each of Q predictions is paired with at most one of M objects so that the total cost is least:

    cost[q, m] = w_class * (-p_q(class of m)) + w_l1 * |box_q - box_m|_1 + w_giou * (-GIoU(box_q, box_m))

with boxes (cx, cy, w, h) normalised to the image side, and the paper's weights 1 : 5 : 2.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from core.vision.boxes import box_convert, generalized_box_iou

PAPER_WEIGHTS = (1.0, 5.0, 2.0)  # class, L1, GIoU


@dataclass
class MatchingCost:
    """The matching cost term by term, each float[Q, M]."""

    cls: np.ndarray   # -p(the object's class) under the query's class distribution
    l1: np.ndarray    # L1 distance of the (cx, cy, w, h) boxes, normalised by the image side
    giou: np.ndarray  # -GIoU of the boxes
    weights: tuple[float, float, float]  # (class, L1, GIoU)

    @property
    def total(self) -> np.ndarray:
        wc, wl, wg = self.weights
        return wc * self.cls + wl * self.l1 + wg * self.giou


@torch.no_grad()
def matching_cost(prob: torch.Tensor, boxes: torch.Tensor, tgt_labels: torch.Tensor, tgt_boxes: torch.Tensor,
                  weights: tuple[float, float, float] = PAPER_WEIGHTS) -> MatchingCost:
    """prob [Q, C] class probabilities (a trailing "no object" column may be there or not), boxes [Q, 4]
    and tgt_boxes [M, 4] (cx, cy, w, h) in [0, 1], tgt_labels int[M] -> the three terms, [Q, M] each.

    As in DETR's matcher, the class term is -p(class), not the log-likelihood: the constant 1 of
    1 - p is dropped, and p keeps it on the same scale as the box terms.
    """
    prob, boxes = torch.as_tensor(prob), torch.as_tensor(boxes)  # the model's own dtype and device
    tgt_boxes = torch.as_tensor(tgt_boxes).to(boxes)
    tgt_labels = torch.as_tensor(tgt_labels, dtype=torch.long, device=prob.device)
    Q, M = boxes.shape[0], tgt_boxes.shape[0]
    if Q == 0 or M == 0:
        z = np.zeros((Q, M))
        return MatchingCost(z, z.copy(), z.copy(), weights)
    cls = -prob[:, tgt_labels]                                                              # [Q, M]
    l1 = torch.cdist(boxes, tgt_boxes, p=1)                                                 # [Q, M]
    giou = -generalized_box_iou(box_convert(boxes, "cxcywh", "xyxy"), box_convert(tgt_boxes, "cxcywh", "xyxy"))
    return MatchingCost(*(t.cpu().numpy() for t in (cls, l1, giou)), weights)


def match(cost: MatchingCost) -> tuple[np.ndarray, np.ndarray]:
    """(prediction indices, object indices) of the least-cost assignment, min(Q, M) pairs (SciPy's solver)."""
    if cost.total.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    q, m = linear_sum_assignment(cost.total)
    return q.astype(np.int64), m.astype(np.int64)
