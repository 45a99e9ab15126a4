"""The detector every semi-supervised detection loop trains (burn-in, Mean/Soft Teacher, STAC,
reproduction): ShapesWorld's tiny Faster R-CNN, its train mode with frozen BatchNorm, and its mAP."""
from __future__ import annotations

import torch

from core.learn.ssl.det_data import IMAGE_SIZE, DetSplit
from core.vision.coco import coco_map
from core.vision.shapes.models.faster_rcnn import build_tiny_faster_rcnn


def build_detector(num_classes: int = 6) -> torch.nn.Module:
    """The project's tiny Faster R-CNN (core.vision.shapes.models.faster_rcnn), or, if that module is missing,
    a local equivalent built from the same torchvision parts (so this lab runs on its own)."""
    try:
        from core.vision.shapes.models.faster_rcnn import build_tiny_faster_rcnn
    except ImportError:
        return _fallback_detector(num_classes)
    return build_tiny_faster_rcnn(num_classes=num_classes, mask=False, image_size=IMAGE_SIZE)


def train_mode(model, freeze_bn: bool = False):
    """model.train(), with BatchNorm layers optionally kept in eval mode ("norm_eval" in the released
    Soft Teacher configs): their running statistics stay those of the burn-in instead of drifting
    towards strongly augmented (cut-out, colour-jittered) batches. Their scale/shift still learn."""
    model.train()
    model._bn_frozen = freeze_bn
    if freeze_bn:
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
    return model


@torch.no_grad()
def predict(model, images: torch.Tensor, batch: int = 32) -> list:
    """Eval-mode detections per image: {"boxes", "scores", "labels" (1..C)}. Restores the mode."""
    was = model.training
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        out.extend(model(list(images[i:i + batch])))
    if was:
        train_mode(model, getattr(model, "_bn_frozen", False))
    return out


def evaluate(model, split: DetSplit) -> dict:
    return coco_map(predict(model, split.images), split.targets)
