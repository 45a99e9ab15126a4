"""Faster R-CNN's region proposal network, opened up on one image (torchvision's RPN, our trace).

    features -> RPN head: per anchor an objectness logit and 4 box deltas -> decode deltas on the
    anchors -> top-k by objectness ("before NMS") -> clip, drop tiny boxes, NMS at 0.7 -> proposals

Every tensor is the model's own; `after` is exactly what `model.rpn` hands the RoI heads (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import core.runtime  # noqa: F401  (sets the thread count once for the process)


@dataclass
class RPNTrace:
    """All boxes xyxy in the network's input pixels (image_size).

    anchors float[A, 4], objectness float[A] (sigmoid), decoded float[A, 4] (each anchor moved by its deltas),
    before / before_scores: the top-k proposals fed to NMS, after / after_scores: the ones kept,
    feature_size (h, w), image_size (H, W), per_cell (anchors per feature-map cell).
    """

    anchors: np.ndarray
    objectness: np.ndarray
    decoded: np.ndarray
    before: np.ndarray
    before_scores: np.ndarray
    after: np.ndarray
    after_scores: np.ndarray
    feature_size: tuple[int, int]
    image_size: tuple[int, int]
    per_cell: int
    nms_iou: float


@torch.no_grad()
def rpn_trace(model, image: np.ndarray) -> RPNTrace:
    """model: a torchvision FasterRCNN / MaskRCNN with one feature map (eval mode); image uint8[H, W, 3]."""
    from torchvision.models.detection.rpn import concat_box_prediction_layers
    from torchvision.ops import boxes as box_ops

    rpn = model.rpn
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255.0
    images, _ = model.transform([x])
    feats = list(model.backbone(images.tensors).values())
    logits, deltas = rpn.head(feats)                            # per level: [1, A, h, w], [1, 4A, h, w]
    anchors = rpn.anchor_generator(images, feats)[0]            # [h*w*A, 4], cell by cell
    per_level = [o[0].numel() for o in logits]
    logits, deltas = concat_box_prediction_layers(logits, deltas)  # [h*w*A, 1], [h*w*A, 4] in the anchors' order
    decoded = rpn.box_coder.decode(deltas, [anchors]).view(-1, 4)
    proposals, scores = rpn.filter_proposals(decoded.view(1, -1, 4), logits.detach(), images.image_sizes, per_level)
    obj = torch.sigmoid(logits.view(-1))
    k = min(rpn.pre_nms_top_n(), len(obj))                      # one level: the same top-k filter_proposals takes
    top = logits.view(-1).topk(k).indices                     # by logit, as torchvision (sigmoids of big logits tie at 1.0)
    before = box_ops.clip_boxes_to_image(decoded[top], images.image_sizes[0])
    ok = box_ops.remove_small_boxes(before, rpn.min_size)        # clipping can squash a box to nothing
    ok = ok[obj[top][ok] >= rpn.score_thresh]
    before, top = before[ok], top[ok]                            # exactly what goes into the NMS
    return RPNTrace(anchors.numpy(), obj.numpy(), decoded.numpy(), before.numpy(), obj[top].numpy(),
                    proposals[0].numpy(), scores[0].numpy(), tuple(feats[0].shape[-2:]),
                    tuple(images.image_sizes[0]), len(anchors) // (feats[0].shape[-2] * feats[0].shape[-1]),
                    float(rpn.nms_thresh))


def anchors_of_cell(trace: RPNTrace, row: int, col: int) -> np.ndarray:
    """The indices (into trace.anchors) of the anchors at feature-map cell (row, col)."""
    w = trace.feature_size[1]
    start = (row * w + col) * trace.per_cell
    return np.arange(start, start + trace.per_cell)
