"""One adapter per model family trained on ShapesWorld: how to build it, its training loss on a
batch of samples, and how it turns images into Detections / Segmentation.

The training script, the bundled-weights loader and the tests all go through these adapters, so
a family is defined in exactly one place. Each model's own maths lives in its module
(tiny_frcnn, yolov1, ssd_tiny, detr_tiny, deeplab_tiny); this file only wires it to the data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from core.vision.detections import Detections
from core.vision.shapesworld import CLASSES, ShapesConfig, ShapesSample, to_torch_targets

FAMILIES = ("frcnn", "maskrcnn", "yolo", "ssd", "detr", "deeplab")


@dataclass
class Family:
    name: str                                   # "frcnn", "yolo", ...
    task: str                                   # "detect" | "instance" | "segment"
    build: Callable[[], torch.nn.Module]        # a fresh, randomly initialised model
    loss: Callable                              # (model, samples) -> (loss tensor, {part: float})
    predict: Callable                           # (model, uint8[B, H, W, 3]) -> list[Detections | Segmentation]
    data: ShapesConfig = field(default_factory=ShapesConfig)  # the ShapesWorld setting it trains on
    batch: int = 8                              # images per step
    lr: float = 1e-3                            # AdamW peak learning rate
    weight_decay: float = 1e-4                  # AdamW weight decay
    metric: str = "map50"                       # the score its floor is set on


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def images_to_tensor(images: np.ndarray, device: torch.device | None = None) -> torch.Tensor:
    """uint8[B, H, W, 3] -> float[B, 3, H, W] in [0, 1], on `device` (default CPU)."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    return (x.to(device) if device is not None else x).float() / 255.0


def stack_images(samples: list[ShapesSample]) -> np.ndarray:
    return np.stack([s.image for s in samples])


# ---- Faster / Mask R-CNN (torchvision) ----

def _rcnn_loss(model, samples, with_masks=False):
    x, targets = to_torch_targets(samples, with_masks=with_masks)
    parts = model(list(x), targets)  # torchvision returns its loss dict in train mode
    return sum(parts.values()), {k: float(v.detach()) for k, v in parts.items()}


def _rcnn_predict(model, images: np.ndarray) -> list[Detections]:
    with torch.no_grad():
        outs = model(list(images_to_tensor(images, model_device(model))))
    dets = []
    for o in outs:
        o = {k: v.cpu() for k, v in o.items()}
        masks = o["masks"][:, 0].numpy().astype(np.float32) if "masks" in o else None
        dets.append(Detections(boxes=o["boxes"].numpy().astype(np.float32), scores=o["scores"].numpy().astype(np.float32),
                               labels=(o["labels"] - 1).numpy().astype(np.int64), class_names=list(CLASSES), masks=masks))
    return dets


def _frcnn(mask: bool) -> Family:
    from core.vision.tiny_frcnn import build_tiny_faster_rcnn
    return Family(name="maskrcnn" if mask else "frcnn", task="instance" if mask else "detect",
                  build=lambda: build_tiny_faster_rcnn(mask=mask),
                  loss=lambda m, s: _rcnn_loss(m, s, with_masks=mask), predict=_rcnn_predict,
                  data=ShapesConfig(easy=True), batch=8, lr=1e-3)


# ---- the one-stage and set-based families live in their own modules ----

def get_family(name: str) -> Family:
    """The adapter for a family name (see FAMILIES)."""
    if name in ("frcnn", "maskrcnn"):
        return _frcnn(mask=name == "maskrcnn")
    if name == "yolo":
        from core.vision import yolov1
        return yolov1.family()
    if name == "ssd":
        from core.vision import ssd_tiny
        return ssd_tiny.family()
    if name == "detr":
        from core.vision import detr_tiny
        return detr_tiny.family()
    if name == "deeplab":
        from core.vision import deeplab_tiny
        return deeplab_tiny.family()
    raise ValueError(f"unknown family {name!r}; choose one of {', '.join(FAMILIES)}")

