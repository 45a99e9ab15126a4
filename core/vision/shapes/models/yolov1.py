"""YOLO as in the notes (Redmon et al. 2016, "You Only Look Once"), small enough for ShapesWorld.

The image is cut into an S x S grid. Each cell predicts B boxes, each (x, y, w, h, confidence),
and one set of C class probabilities shared by its boxes:

    output[b, i, j] = [x, y, w, h, conf] * B  +  [p(class_1) ... p(class_C)]     (B*5 + C numbers)

x, y are the box centre's offset inside cell (i, j), in [0, 1]; w, h are the square roots of the
box size over the image size (the paper's trick so an error on a small box costs more than on a
big one). At test time a box's score is conf * p(class).

Changes from the paper, all for a model that trains in minutes on a CPU: a 1x1 conv head instead
of the two fully connected layers (same output tensor, far fewer weights), sigmoid/softmax on
the outputs to keep them in range, and BatchNorm in the backbone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.vision.boxes import batched_nms, box_convert, elementwise_iou
from core.vision.types import DETECT, Detections
from core.vision.shapes.generator import CLASSES, ShapesConfig
from core.vision.image import normalise, to_tensor
from core.vision.shapes.models.family import Family, model_device, stack_images


@dataclass
class YoloConfig:
    S: int = 8                   # grid side: 128 px / 8 = 16 px cells
    B: int = 2                   # boxes per cell
    C: int = len(CLASSES)        # classes
    image_size: int = 128        # input side in pixels
    widths: tuple = (32, 64, 96, 128)  # channels of the stride-2 stages: 128 px / 2**4 = 8 = S
    lambda_coord: float = 5.0    # paper: weight of the box-coordinate errors
    lambda_noobj: float = 0.5    # paper: weight of the confidence error of boxes with no object
    conf_target: str = "iou"     # "iou" (paper: conf should equal the IoU) or "one"


def _conv(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))


class YoloV1(nn.Module):
    """image float[N, 3, H, W] in [0, 1] -> float[N, S, S, B*5 + C] (activated, see decode)."""

    def __init__(self, cfg: YoloConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or YoloConfig()
        if cfg.image_size // 2 ** len(cfg.widths) != cfg.S:
            raise ValueError("image_size / 2**len(widths) must equal the grid side S")
        layers, cin = [], 3
        for cout in cfg.widths:                  # each stage halves the map: 128 -> 64 -> 32 -> 16 -> 8
            layers.append(_conv(cin, cout, 2))
            cin = cout
        layers += [_conv(cin, cin, 1), _conv(cin, cin, 1)]  # context at the grid's resolution
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Conv2d(cin, cfg.B * 5 + cfg.C, 1)   # every cell's B*5 + C numbers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        out = self.head(self.backbone(normalise(x))).permute(0, 2, 3, 1)  # [N, S, S, B*5+C]
        boxes = torch.sigmoid(out[..., :cfg.B * 5])                # x, y, sqrt w, sqrt h, conf in [0, 1]
        probs = torch.softmax(out[..., cfg.B * 5:], dim=-1)          # p(class | object)
        return torch.cat([boxes, probs], dim=-1)


def cell_boxes_xyxy(pred: torch.Tensor, cfg: YoloConfig) -> torch.Tensor:
    """pred [N, S, S, B*5+C] -> boxes [N, S, S, B, 4] in (x1, y1, x2, y2) pixels."""
    N, S = pred.shape[0], cfg.S
    b = pred[..., :cfg.B * 5].reshape(N, S, S, cfg.B, 5)
    cell = cfg.image_size / S
    j = torch.arange(S, dtype=pred.dtype).view(1, 1, S, 1)  # column index -> x
    i = torch.arange(S, dtype=pred.dtype).view(1, S, 1, 1)  # row index -> y
    cx, cy = (j + b[..., 0]) * cell, (i + b[..., 1]) * cell
    w, h = b[..., 2] ** 2 * cfg.image_size, b[..., 3] ** 2 * cfg.image_size
    return box_convert(torch.stack([cx, cy, w, h], dim=-1), "cxcywh", "xyxy")


def build_targets(boxes_list, labels_list, cfg: YoloConfig):
    """Ground truth -> per-cell targets. One object per cell (the paper's limit): the largest wins.

    A box reaching past the image is first cut to it (what the network can see), so its centre, and the
    cell responsible for it, lie inside the image; a box with nothing inside the image has no target.
    Returns has_obj bool[N, S, S], box float[N, S, S, 4] (x, y in cell, sqrt w, sqrt h),
    xyxy float[N, S, S, 4] pixels (the cut box), cls float[N, S, S, C] one-hot.
    """
    N, S = len(boxes_list), cfg.S
    has_obj = torch.zeros(N, S, S, dtype=torch.bool)
    box = torch.zeros(N, S, S, 4)
    xyxy = torch.zeros(N, S, S, 4)
    cls = torch.zeros(N, S, S, cfg.C)
    cell = cfg.image_size / S
    for n, (bx, lb) in enumerate(zip(boxes_list, labels_list)):
        bx = torch.as_tensor(bx, dtype=torch.float32).reshape(-1, 4).clamp(0, cfg.image_size)  # cut to the image
        cxcywh = box_convert(bx, "xyxy", "cxcywh")
        order = (cxcywh[:, 2] * cxcywh[:, 3]).argsort()  # small first, largest last
        for k in order.tolist():
            cx, cy, w, h = cxcywh[k].tolist()
            if w <= 0 or h <= 0:
                continue  # wholly outside the image: nothing to find
            j, i = min(int(cx // cell), S - 1), min(int(cy // cell), S - 1)
            has_obj[n, i, j] = True
            box[n, i, j] = torch.tensor([cx / cell - j, cy / cell - i, (w / cfg.image_size) ** 0.5,
                                         (h / cfg.image_size) ** 0.5])
            xyxy[n, i, j] = bx[k]
            cls[n, i, j] = 0.0
            cls[n, i, j, int(lb[k])] = 1.0
    return has_obj, box, xyxy, cls


def yolo_loss(pred: torch.Tensor, boxes_list, labels_list, cfg: YoloConfig) -> tuple[torch.Tensor, dict]:
    """The YOLOv1 sum-squared loss, averaged over images. pred [N, S, S, B*5+C] from YoloV1.

    In a cell with an object, the one predictor (of B) whose box has the highest IoU with the
    object is "responsible": it alone gets the coordinate and object-confidence terms; every
    other predictor is pushed towards confidence 0 (weighted by lambda_noobj).
    """
    N, S, B = pred.shape[0], cfg.S, cfg.B
    has_obj, tbox, txyxy, tcls = build_targets(boxes_list, labels_list, cfg)
    p = pred[..., :B * 5].reshape(N, S, S, B, 5)
    with torch.no_grad():
        ious = elementwise_iou(cell_boxes_xyxy(pred, cfg), txyxy[..., None, :])  # [N, S, S, B] vs the cell's object
        best = ious.argmax(-1)                                # [N, S, S]
    resp = torch.nn.functional.one_hot(best, B).bool() & has_obj[..., None]  # [N, S, S, B]
    xy = ((p[..., :2] - tbox[..., None, :2]) ** 2).sum(-1)
    wh = ((p[..., 2:4] - tbox[..., None, 2:4]) ** 2).sum(-1)
    conf_t = ious.clamp(min=0) if cfg.conf_target == "iou" else torch.ones_like(ious)
    coord = cfg.lambda_coord * ((xy + wh) * resp).sum()
    obj = (((p[..., 4] - conf_t) ** 2) * resp).sum()
    noobj = cfg.lambda_noobj * ((p[..., 4] ** 2) * ~resp).sum()
    cls = (((pred[..., B * 5:] - tcls) ** 2).sum(-1) * has_obj).sum()
    total = (coord + obj + noobj + cls) / N
    parts = {"coord": coord, "obj": obj, "noobj": noobj, "cls": cls}
    return total, {k: float(v.detach()) / N for k, v in parts.items()}


def decode(pred: torch.Tensor, cfg: YoloConfig, score_thresh: float = 0.05, iou_thresh: float = 0.5,
           max_det: int = 50) -> list[Detections]:
    """pred [N, S, S, B*5+C] -> one Detections per image: score = conf * p(class), per-class NMS."""
    N, B = pred.shape[0], cfg.B
    boxes = cell_boxes_xyxy(pred, cfg).reshape(N, -1, 4).clamp(0, cfg.image_size)
    conf = pred[..., :B * 5].reshape(N, cfg.S, cfg.S, B, 5)[..., 4]                # [N, S, S, B]
    probs = pred[..., B * 5:]                                                      # [N, S, S, C]
    scores = (conf[..., None] * probs[..., None, :]).reshape(N, -1, cfg.C)        # [N, S*S*B, C]
    out = []
    for n in range(N):
        s, lab = scores[n].max(-1)
        keep = s > score_thresh
        b, s, lab = boxes[n][keep], s[keep], lab[keep]
        k = batched_nms(b, s, lab, iou_thresh)[:max_det]
        out.append(Detections(boxes=b[k].numpy().astype(np.float32), scores=s[k].numpy().astype(np.float32),
                              labels=lab[k].numpy().astype(np.int64), class_names=list(CLASSES)))
    return out


def family():
    """The training adapter (see core.vision.shapes.models.family.Family)."""
    cfg = YoloConfig()

    def loss(model, samples):
        pred = model(to_tensor(stack_images(samples)))
        return yolo_loss(pred, [s.boxes for s in samples], [s.labels for s in samples], model.cfg)

    def predict(model, images):
        with torch.no_grad():
            return decode(model(to_tensor(images, model_device(model))).cpu(), model.cfg)

    return Family(name="yolo", task=DETECT, build=lambda: YoloV1(cfg), loss=loss, predict=predict,
                  data=ShapesConfig(easy=True), batch=16, lr=2e-3)
