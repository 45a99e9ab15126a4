"""The Hungarian algorithm (min-cost assignment), as DETR's matcher uses it.

Shortest augmenting paths with row/column potentials, O(n²·m). Rows are the smaller side;
a rectangular cost is handled by transposing. The tests check it against
scipy.optimize.linear_sum_assignment.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def hungarian(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cost [n, m] -> (row indices, column indices) of the assignment with the least total cost,
    min(n, m) pairs, rows sorted (the same format as scipy's linear_sum_assignment)."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f"the cost must be a matrix [n, m], got shape {cost.shape}")
    if cost.size == 0:  # no predictions or no objects: nothing to match (integer arrays, as scipy)
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if cost.shape[0] > cost.shape[1]:
        cols, rows = hungarian(cost.T)
        order = np.argsort(rows)
        return rows[order], cols[order]
    n, m = cost.shape
    INF = float("inf")
    u = np.zeros(n + 1)  # row potentials
    v = np.zeros(m + 1)  # column potentials
    match = np.zeros(m + 1, dtype=int)  # match[j] = row (1-based) assigned to column j; 0 = free
    way = np.zeros(m + 1, dtype=int)
    for i in range(1, n + 1):
        match[0] = i  # column 0 is a virtual start holding the new row
        j0 = 0
        minv = np.full(m + 1, INF)
        used = np.zeros(m + 1, dtype=bool)
        while True:  # grow the tree of tight edges until it reaches a free column
            used[j0] = True
            i0 = match[j0]
            reduced = cost[i0 - 1] - u[i0] - v[1:]  # reduced costs from row i0 to every column
            better = (~used[1:]) & (reduced < minv[1:])
            minv[1:][better] = reduced[better]
            way[1:][better] = j0
            free_cols = np.where(~used[1:])[0] + 1
            j1 = free_cols[np.argmin(minv[free_cols])]
            delta = minv[j1]
            u[match[used]] += delta  # shift potentials so the new edge becomes tight
            v[used] -= delta
            minv[~used] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:  # flip the augmenting path
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    rows, cols = [], []
    for j in range(1, m + 1):
        if match[j]:
            rows.append(match[j] - 1)
            cols.append(j - 1)
    order = np.argsort(rows)
    return np.asarray(rows, np.int64)[order], np.asarray(cols, np.int64)[order]


@dataclass
class MatchingCost:
    """DETR's matching cost between Q predictions and M objects, term by term (each float[Q, M]).

    total = w_class * cls + w_l1 * l1 + w_giou * giou (the paper's weights 1 : 5 : 2).
    """

    cls: np.ndarray   # -p(the object's class) under the query's class distribution
    l1: np.ndarray    # L1 distance of the boxes, (cx, cy, w, h) normalised by the image side
    giou: np.ndarray  # -GIoU of the boxes
    weights: tuple[float, float, float]

    @property
    def total(self) -> np.ndarray:
        wc, wl, wg = self.weights
        return wc * self.cls + wl * self.l1 + wg * self.giou


def matching_cost(prob: np.ndarray, pred_boxes: np.ndarray, gt_labels: np.ndarray, gt_boxes: np.ndarray,
                  image_size: float, weights: tuple[float, float, float] = (1.0, 5.0, 2.0)) -> MatchingCost:
    """prob float[Q, C] (class probabilities), pred_boxes float[Q, 4] and gt_boxes float[M, 4] xyxy pixels,
    gt_labels int[M] -> the three cost terms. Empty sides give [Q, 0] or [0, M] matrices.

    As in DETR's matcher, the class term is -p(class), not the log-likelihood: the constant 1 of
    1 - p is dropped, and p keeps it on the same scale as the box terms.
    """
    import torch

    from core.vision.internals.iou import generalized_box_iou

    Q, M = len(pred_boxes), len(gt_boxes)
    if Q == 0 or M == 0:
        z = np.zeros((Q, M))
        return MatchingCost(z, z.copy(), z.copy(), weights)
    p, g = torch.as_tensor(pred_boxes, dtype=torch.float64), torch.as_tensor(gt_boxes, dtype=torch.float64)
    to_cxcywh = lambda b: torch.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2,  # noqa: E731
                                       b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1) / image_size
    cls = -np.asarray(prob, np.float64)[:, np.asarray(gt_labels, np.int64)]
    l1 = torch.cdist(to_cxcywh(p), to_cxcywh(g), p=1).numpy()
    giou = -generalized_box_iou(p, g).numpy()
    return MatchingCost(cls, l1, giou, weights)
