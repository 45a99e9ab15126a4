"""DETR's set loss for one matched assignment, term by term (Carion et al. 2020, eq. 2 and its
appendix), as the Detector internals page shows it:

    L = w_class · CE + w_L1 · L1 + w_GIoU · L_GIoU

CE: cross-entropy over *every* query: a matched query's target is its object's class, an unmatched
one's is "no object", whose weight is 0.1 (most queries are empty; without the down-weighting they
would drown the rest). PyTorch's weighted mean divides by the sum of the weights.
L1 and L_GIoU = 1 − GIoU: over the matched pairs only, summed and divided by the number of objects.
Boxes are (cx, cy, w, h) normalised to the image side; the weights are the paper's 1 : 5 : 2.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.boxes import box_convert, elementwise_giou
from core.vision.matcher import PAPER_WEIGHTS

NO_OBJECT_WEIGHT = 0.1  # DETR's eos_coef


@dataclass
class SetLoss:
    target: list[int]  # per query: its object's class, or C ("no object") when unmatched
    class_weight: np.ndarray  # float[Q] the CE weight of each query's target (1, or 0.1 for "no object")
    nll: np.ndarray  # float[Q] −log p(target) of each query
    l1_pairs: np.ndarray  # float[P] |box_q − box_m|_1 of each matched pair
    giou_pairs: np.ndarray  # float[P] GIoU of each matched pair
    ce: float  # Σ w·nll / Σ w
    l1: float  # Σ l1_pairs / max(1, M)
    giou: float  # Σ (1 − giou_pairs) / max(1, M)
    weights: tuple[float, float, float]  # (class, L1, GIoU)

    @property
    def total(self) -> float:
        wc, wl, wg = self.weights
        return wc * self.ce + wl * self.l1 + wg * self.giou


def set_loss_of_match(prob: np.ndarray, boxes: np.ndarray, tgt_labels: np.ndarray, tgt_boxes: np.ndarray,
                      rows: np.ndarray, cols: np.ndarray, no_object_weight: float = NO_OBJECT_WEIGHT,
                      weights: tuple[float, float, float] = PAPER_WEIGHTS) -> SetLoss:
    """prob float[Q, C+1] (last column "no object"), boxes float[Q, 4] and tgt_boxes float[M, 4]
    (cx, cy, w, h) in [0, 1], tgt_labels int[M]; rows, cols: the matched (query, object) pairs."""
    prob = np.asarray(prob, np.float64)
    Q, C = prob.shape[0], prob.shape[1] - 1
    target = np.full(Q, C)
    target[rows] = np.asarray(tgt_labels)[cols]
    w = np.where(target == C, no_object_weight, 1.0)
    nll = -np.log(np.clip(prob[np.arange(Q), target], 1e-12, 1.0))
    src = torch.as_tensor(np.asarray(boxes, np.float64)[rows]).reshape(-1, 4)  # [P, 4]
    tgt = torch.as_tensor(np.asarray(tgt_boxes, np.float64)[cols]).reshape(-1, 4)
    l1 = (src - tgt).abs().sum(1).numpy()
    giou = elementwise_giou(box_convert(src, "cxcywh", "xyxy"), box_convert(tgt, "cxcywh", "xyxy")).numpy()
    M = max(1, len(tgt_labels))
    return SetLoss(target.tolist(), w, nll, l1, giou, float((w * nll).sum() / w.sum()) if Q else 0.0,
                   float(l1.sum() / M), float((1 - giou).sum() / M), weights)
