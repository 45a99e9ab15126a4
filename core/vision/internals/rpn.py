"""Faster R-CNN's region proposal network, opened up on one image (torchvision's RPN, our trace).

    features -> RPN head: per anchor an objectness logit and 4 box deltas -> decode deltas on the
    anchors -> top-k by objectness ("before NMS") -> clip, drop tiny boxes, NMS at 0.7 -> proposals

Every tensor is the model's own; `after` is exactly what `model.rpn` hands the RoI heads (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.image import to_tensor


@dataclass
class RPNTrace:
    """All boxes xyxy in the network's input pixels (image_size).

    anchors float[A, 4], objectness float[A] (sigmoid), decoded float[A, 4] (each anchor moved by its deltas),
    before / before_scores: the top-k proposals (per feature level) fed to NMS, after / after_scores: the ones
    kept, feature_size (h, w) and per_cell (anchors per cell) of the first (finest) level, image_size (H, W)
    the resized image the network saw (the input is resized to it first).
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
    before_level: np.ndarray      # int[K]: the FPN level of each box before NMS (NMS runs per level)
    padded_size: tuple[int, int]  # the batch tensor's (H, W) after the transform's padding


@torch.no_grad()
def rpn_trace(model, image: np.ndarray) -> RPNTrace:
    """model: a torchvision FasterRCNN / MaskRCNN (eval mode, one feature map or an FPN); image uint8[H, W, 3]."""
    from torchvision.models.detection.rpn import concat_box_prediction_layers
    from torchvision.ops import boxes as box_ops

    rpn = model.rpn
    dev = next(model.parameters()).device
    x = to_tensor(image, dev)
    images, _ = model.transform([x])
    feats = list(model.backbone(images.tensors).values())
    logits, deltas = rpn.head(feats)                            # per level: [1, A, h, w], [1, 4A, h, w]
    anchors = rpn.anchor_generator(images, feats)[0]            # [sum h*w*A, 4], level by level, cell by cell
    per_level = [o[0].numel() for o in logits]
    logits, deltas = concat_box_prediction_layers(logits, deltas)  # [sum h*w*A, 1], [.., 4] in the anchors' order
    decoded = rpn.box_coder.decode(deltas, [anchors]).view(-1, 4)
    proposals, scores = rpn.filter_proposals(decoded.view(1, -1, 4), logits.detach(), images.image_sizes, per_level)
    obj = torch.sigmoid(logits.view(-1))
    level = torch.cat([torch.full((n,), i) for i, n in enumerate(per_level)])
    # the top-k per level by logit, as torchvision (sigmoids of big logits tie at 1.0)
    top = rpn._get_top_n_idx(logits.view(1, -1), per_level)[0]
    before = box_ops.clip_boxes_to_image(decoded[top], images.image_sizes[0])
    ok = box_ops.remove_small_boxes(before, rpn.min_size)        # clipping can squash a box to nothing
    ok = ok[obj[top][ok] >= rpn.score_thresh]
    before, top = before[ok], top[ok]                            # exactly what goes into the NMS (per level)
    h, w = feats[0].shape[-2:]
    np_ = lambda t: t.detach().cpu().numpy()  # noqa: E731
    return RPNTrace(np_(anchors), np_(obj), np_(decoded), np_(before), np_(obj[top]),
                    np_(proposals[0]), np_(scores[0]), (h, w), tuple(images.image_sizes[0]),
                    per_level[0] // (h * w), float(rpn.nms_thresh), np_(level.to(dev)[top]),
                    (images.tensors.shape[-2], images.tensors.shape[-1]))


def anchors_of_cell(trace: RPNTrace, row: int, col: int) -> np.ndarray:
    """The indices (into trace.anchors) of the anchors at cell (row, col) of the first feature level."""
    w = trace.feature_size[1]
    start = (row * w + col) * trace.per_cell
    return np.arange(start, start + trace.per_cell)
