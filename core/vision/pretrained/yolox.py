"""YOLOX (Megvii, Apache-2.0) from its ONNX export, run by OpenCV's DNN module.

Everything around the network is written here, in the order the paper's demo does it:

    letterbox (BGR, 0-255, pad 114, top-left)  ->  forward  ->  grid decode
    ->  score = objectness x class probability  ->  class-wise NMS  ->  boxes / ratio

The exported head already applies the sigmoid to objectness and classes, but leaves the boxes
grid-relative: xy is an offset from the cell's corner in cells, wh is a log-size in cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.vision.boxes import batched_nms, box_convert
from core.vision.coco import COCO_CLASSES
from core.vision.types import Detections, Runner

STRIDES = (8, 16, 32)  # one prediction grid per FPN level: 8, 16 and 32 input pixels per cell


@dataclass
class YoloxConfig:
    input_size: int = 416  # square network input, pixels (nano and tiny: 416; s: 640)
    pad_value: int = 114  # grey used by YOLOX training for the letterbox border
    score_floor: float = 0.01  # candidates below this are dropped before NMS (cheap pre-filter)


def letterbox(rgb: np.ndarray, size: int, pad_value: int = 114) -> tuple[np.ndarray, float]:
    """Resize keeping the aspect ratio, paste top-left on a size x size grey canvas, as BGR.

    rgb (uint8[H, W, 3]) -> (float32[1, 3, size, size] in 0..255, BGR), ratio (network px per image px)
    YOLOX trains on unnormalised BGR 0-255: no mean/std here, unlike torchvision models.
    """
    import cv2

    h, w = rgb.shape[:2]
    r = min(size / h, size / w)
    nh, nw = max(1, int(round(h * r))), max(1, int(round(w * r)))
    resized = cv2.resize(np.ascontiguousarray(rgb), (nw, nh), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((size, size, 3), pad_value, np.uint8)
    canvas[:nh, :nw] = resized
    blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32, order="C")  # RGB -> BGR, HWC -> [1, 3, S, S]
    return blob, r


@lru_cache(maxsize=4)
def make_grid(size: int, strides=STRIDES) -> tuple[np.ndarray, np.ndarray]:
    """Cell corners and strides for every anchor point, in the order the head emits them.

    Returns grid (float32[A, 2]) as (x, y) in cells, stride (float32[A, 1]); A = sum (size/s)^2.
    Cached per size (read-only arrays): the grid never changes between images.
    """
    grids, steps = [], []
    for s in strides:
        n = size // s
        ys, xs = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        grids.append(np.stack([xs, ys], -1).reshape(-1, 2))
        steps.append(np.full((n * n, 1), s))
    grid, stride = np.concatenate(grids).astype(np.float32), np.concatenate(steps).astype(np.float32)
    grid.setflags(write=False)
    stride.setflags(write=False)
    return grid, stride


def decode(raw: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid-relative head output -> boxes in network pixels, one best class per anchor.

    raw (float32[A, 5 + C]): x, y, w, h (grid-relative), objectness, C class probabilities
    Returns boxes (float32[A, 4]) xyxy, scores (float32[A]) = obj x best class prob, labels (int64[A]).
    """
    grid, stride = make_grid(size)
    xy = (raw[:, :2] + grid) * stride  # centre: cell corner + offset, in pixels
    wh = np.exp(raw[:, 2:4]) * stride  # size: exp of a log-size in cells
    boxes = box_convert(np.concatenate([xy, wh], axis=1), "cxcywh", "xyxy")
    cls = raw[:, 5:]
    labels = cls.argmax(1)
    scores = raw[:, 4] * cls[np.arange(len(cls)), labels]  # P(object) x P(class | object)
    return boxes.astype(np.float32), scores.astype(np.float32), labels.astype(np.int64)


class YoloxDetector:
    """A YOLOX ONNX file behind `.predict(rgb) -> Detections` (candidates before NMS by default)."""

    class_names = COCO_CLASSES

    def __init__(self, onnx_path: str | Path, cfg: YoloxConfig | None = None):
        import cv2

        self.cfg = cfg or YoloxConfig()
        self.path = str(onnx_path)
        self.net = cv2.dnn.readNetFromONNX(self.path)

    def forward(self, blob: np.ndarray) -> np.ndarray:
        """The bare network: float32[1, 3, S, S] -> float32[A, 85]."""
        self.net.setInput(blob)
        return self.net.forward()[0]

    def predict(self, rgb: np.ndarray, nms_iou: float | None = None, score_thr: float | None = None) -> Detections:
        """rgb (uint8[H, W, 3]) -> Detections in image pixels. nms_iou=None returns the candidates
        before NMS (so a page can move the IoU slider without running the network again)."""
        size = self.cfg.input_size
        blob, ratio = letterbox(rgb, size, self.cfg.pad_value)
        boxes, scores, labels = decode(self.forward(blob), size)
        keep = scores >= max(self.cfg.score_floor, score_thr or 0.0)
        boxes, scores, labels = boxes[keep] / ratio, scores[keep], labels[keep]  # back to image pixels
        h, w = rgb.shape[:2]
        boxes = np.clip(boxes, 0, [w, h, w, h]).astype(np.float32)
        if nms_iou is not None:
            k = batched_nms(boxes, scores, labels, nms_iou)
            boxes, scores, labels = boxes[k], scores[k], labels[k]
        return Detections(boxes, scores, labels, list(self.class_names),
                          meta={"model": Path(self.path).stem, "input_size": size, "nms": nms_iou is not None})


def _load(card, source, where, extra, input_size) -> YoloxDetector:
    """`where`: the cached .onnx file, or the release URL's name when it is not cached yet (download it)."""
    from core.zoo import sources

    path = where if Path(where).is_file() else sources.download(source)
    return YoloxDetector(path, YoloxConfig(input_size=input_size or card.extra["input_size"]))


RUNNER = Runner("yolox", load=_load, input_size=lambda card: card.extra["input_size"], uses_nms=True)
