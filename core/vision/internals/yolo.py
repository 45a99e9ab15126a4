"""YOLO opened up: the ShapesWorld YOLOv1's S x S grid, and YOLOX's grid decode at each stride.

YOLOv1: every cell predicts B boxes (x, y, sqrt w, sqrt h, confidence) and one class distribution;
the cell holding an object's centre is responsible for it. YOLOX: three grids (strides 8, 16, 32),
one anchor-free prediction per cell, decoded as (offset + cell) * stride and exp(log-size) * stride.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.types import Detections


@dataclass
class YoloGrid:
    """The YOLOv1 output on one image (network pixels, image_size square).

    boxes float[S, S, B, 4] xyxy, conf float[S, S, B], probs float[S, S, C], responsible bool[S, S]
    (cells holding a ground-truth centre, when gt was given), responsible_object int[S, S] (-1: none).
    """

    boxes: np.ndarray
    conf: np.ndarray
    probs: np.ndarray
    responsible: np.ndarray
    responsible_object: np.ndarray
    S: int
    B: int
    image_size: int
    class_names: list[str]

    def candidates(self) -> Detections:
        """All S*S*B boxes before any threshold or NMS: score = conf * p(best class), as decode() scores them."""
        scores = self.conf[..., None] * self.probs[:, :, None, :]             # [S, S, B, C]
        best = scores.argmax(-1)
        s = np.take_along_axis(scores, best[..., None], -1)[..., 0]
        return Detections(self.boxes.reshape(-1, 4).clip(0, self.image_size).astype(np.float32),
                          s.reshape(-1).astype(np.float32), best.reshape(-1).astype(np.int64), list(self.class_names))


@torch.no_grad()
def yolo_grid(model, image: np.ndarray, gt_boxes: np.ndarray | None = None) -> YoloGrid:
    """model: the ShapesWorld YoloV1; image uint8[S_px, S_px, 3] at its training side."""
    from core.vision.shapes.generator import CLASSES
    from core.vision.image import to_tensor
    from core.vision.shapes.models.yolov1 import build_targets, cell_boxes_xyxy

    cfg = model.cfg
    pred = model(to_tensor(image[None]))                        # [1, S, S, B*5 + C]
    boxes = cell_boxes_xyxy(pred, cfg)[0]                              # [S, S, B, 4]
    conf = pred[0, ..., :cfg.B * 5].reshape(cfg.S, cfg.S, cfg.B, 5)[..., 4]
    probs = pred[0, ..., cfg.B * 5:]
    resp = np.zeros((cfg.S, cfg.S), bool)
    which = np.full((cfg.S, cfg.S), -1, np.int64)
    if gt_boxes is not None and len(gt_boxes):
        has, _, xyxy, _ = build_targets([gt_boxes], [np.zeros(len(gt_boxes), np.int64)], cfg)
        resp = has[0].numpy()
        for i, j in zip(*np.nonzero(resp)):                            # which object won the cell
            which[i, j] = int(np.argmin(np.abs(gt_boxes - xyxy[0, i, j].numpy()).sum(1)))
    return YoloGrid(boxes.numpy(), conf.numpy(), probs.numpy(), resp, which, cfg.S, cfg.B, cfg.image_size,
                    list(CLASSES))


@dataclass
class YoloxLevel:
    """One stride of YOLOX: grid side n, boxes float[n*n, 4] xyxy in image pixels, scores, labels."""

    stride: int
    n: int
    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    objectness: np.ndarray  # float[n, n]


def yolox_levels(detector, rgb: np.ndarray) -> list[YoloxLevel]:
    """Run the YOLOX network once and split its decoded output by stride (the head emits the 8, 16, 32 grids in turn)."""
    from core.vision.pretrained.yolox import STRIDES, decode, letterbox

    size = detector.cfg.input_size
    blob, ratio = letterbox(rgb, size, detector.cfg.pad_value)
    raw = detector.forward(blob)
    boxes, scores, labels = decode(raw, size)
    out, start = [], 0
    for s in STRIDES:
        n = size // s
        sl = slice(start, start + n * n)
        out.append(YoloxLevel(s, n, boxes[sl] / ratio, scores[sl], labels[sl], raw[sl, 4].reshape(n, n)))
        start += n * n
    return out
