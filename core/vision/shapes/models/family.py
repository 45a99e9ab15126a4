"""The adapter type every ShapesWorld model family fills in (how to build it, its training loss
on a batch of samples, how it turns images into Detections / Segmentation), and the helpers the
families share. It imports no model: each model file imports it, and `registry.py` imports the models.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from core.vision.image import to_tensor
from core.vision.types import Detections
from core.vision.shapes.generator import CLASSES, ShapesConfig, ShapesSample, to_torch_targets

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
    uses_nms: bool = True                       # False for set prediction (DETR): nothing to suppress


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def stack_images(samples: list[ShapesSample]) -> np.ndarray:
    return np.stack([s.image for s in samples])


# ---- shared by the torchvision-style detectors (Faster / Mask R-CNN, SSD) ----


def rcnn_loss(model, samples, with_masks=False):
    x, targets = to_torch_targets(samples, with_masks=with_masks)
    parts = model(list(x), targets)  # torchvision returns its loss dict in train mode
    return sum(parts.values()), {k: float(v.detach()) for k, v in parts.items()}


def rcnn_predict(model, images: np.ndarray) -> list[Detections]:
    with torch.no_grad():
        outs = model(list(to_tensor(images, model_device(model))))
    dets = []
    for o in outs:
        o = {k: v.cpu() for k, v in o.items()}
        masks = o["masks"][:, 0].numpy().astype(np.float32) if "masks" in o else None
        dets.append(Detections(boxes=o["boxes"].numpy().astype(np.float32), scores=o["scores"].numpy().astype(np.float32),
                               labels=(o["labels"] - 1).numpy().astype(np.int64), class_names=list(CLASSES), masks=masks))
    return dets
