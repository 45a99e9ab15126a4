"""DETR's set loss on the Detector internals page: equal to a hand computation of the paper's loss
and to the loss the ShapesWorld DETR trains with (core.vision.shapes.models.detr.set_loss)."""
import math

import numpy as np
import pytest
import torch

from core.vision.internals.detr_loss import set_loss_of_match
from core.vision.matcher import match, matching_cost


def test_set_loss_equals_a_hand_computation():
    # 3 queries, 2 real classes + no object; 1 object of class 1 matched to query 0
    prob = np.array([[0.2, 0.7, 0.1],
                     [0.1, 0.1, 0.8],
                     [0.5, 0.25, 0.25]])
    boxes = np.array([[0.5, 0.5, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1], [0.3, 0.3, 0.2, 0.2]])
    tgt_boxes = np.array([[0.5, 0.6, 0.2, 0.2]])
    loss = set_loss_of_match(prob, boxes, np.array([1]), tgt_boxes, np.array([0]), np.array([0]))
    assert loss.target == [1, 2, 2] and loss.class_weight.tolist() == [1.0, 0.1, 0.1]
    ce = (-math.log(0.7) - 0.1 * math.log(0.8) - 0.1 * math.log(0.25)) / 1.2  # weighted mean
    l1 = 0.1  # |0.5 − 0.6| on cy
    # xyxy: pred (0.4, 0.4, 0.6, 0.6), target (0.4, 0.5, 0.6, 0.7): inter 0.2·0.1, union 0.06, hull 0.2·0.3
    iou = 0.02 / 0.06
    giou = iou - (0.06 - 0.06) / 0.06
    assert loss.ce == pytest.approx(ce) and loss.l1 == pytest.approx(l1) and loss.giou == pytest.approx(1 - giou)
    assert loss.total == pytest.approx(1 * ce + 5 * l1 + 2 * (1 - giou))


def test_set_loss_equals_the_trainers_loss():
    from core.vision.shapes.models.detr import DETRConfig, set_loss

    cfg = DETRConfig()
    g = torch.Generator().manual_seed(0)
    Q, C, M = cfg.queries, cfg.num_classes, 3
    logits = torch.randn(1, Q, C + 1, generator=g, dtype=torch.float64)
    boxes = torch.rand(1, Q, 4, generator=g, dtype=torch.float64) * 0.4 + 0.2
    tgt = {"labels": torch.tensor([0, 2, 1]), "boxes": torch.rand(M, 4, generator=g, dtype=torch.float64) * 0.4 + 0.2}
    want, parts = set_loss(logits.float(), boxes.float(), [{"labels": tgt["labels"], "boxes": tgt["boxes"].float()}], cfg)
    prob = logits[0].softmax(-1).numpy()
    rows, cols = match(matching_cost(prob, boxes[0].numpy(), tgt["labels"].numpy(), tgt["boxes"].numpy()))
    got = set_loss_of_match(prob, boxes[0].numpy(), tgt["labels"].numpy(), tgt["boxes"].numpy(), rows, cols)
    assert got.ce == pytest.approx(parts["ce"], rel=1e-5) and got.l1 == pytest.approx(parts["l1"], rel=1e-5)
    assert got.giou == pytest.approx(parts["giou"], rel=1e-5) and got.total == pytest.approx(float(want), rel=1e-5)


def test_no_objects_means_every_query_learns_no_object():
    prob = np.array([[0.3, 0.7], [0.9, 0.1]])
    loss = set_loss_of_match(prob, np.zeros((2, 4)) + 0.5, np.zeros(0, int), np.zeros((0, 4)), np.zeros(0, int),
                             np.zeros(0, int))
    assert loss.target == [1, 1] and loss.l1 == loss.giou == 0.0
    assert loss.ce == pytest.approx((-math.log(0.7) - math.log(0.1)) / 2)
