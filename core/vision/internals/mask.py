"""Mask R-CNN's mask head opened up: a RoI's 28 x 28 mask logits and how they are pasted into the image.

The mask head sees each detected box through a 14 x 14 RoI Align, upsamples to 28 x 28 and
predicts one logit map per class; only the map of the box's own class is used. Pasting resizes
that small map to the box (torchvision's paste_masks_in_image) and thresholds it at 0.5.
A forward hook records the predictor's own output (the logits, before the sigmoid).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.image import to_tensor


@dataclass
class MaskTrace:
    """boxes float[K, 4] xyxy, scores float[K], labels int[K] (index into class_names), logits float[K, 28, 28]
    (each box's own class), pasted float[K, H, W] (probabilities in the image)."""

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    logits: np.ndarray
    pasted: np.ndarray
    class_names: list[str]


@torch.no_grad()
def mask_trace(model, image: np.ndarray) -> MaskTrace:
    """model: a torchvision MaskRCNN (the ShapesWorld one, eval); image uint8[H, W, 3]."""
    from core.vision.shapes.generator import CLASSES

    got = []
    hook = model.roi_heads.mask_predictor.register_forward_hook(lambda m, a, out: got.append(out))
    try:
        x = to_tensor(image)
        out = model([x])[0]
    finally:
        hook.remove()
    labels = out["labels"]
    logits = got[0][torch.arange(len(labels)), labels] if len(labels) else torch.zeros(0, 28, 28)  # [K, 28, 28]
    return MaskTrace(out["boxes"].numpy(), out["scores"].numpy(), (labels - 1).numpy(), logits.numpy(),
                     out["masks"][:, 0].numpy(), list(CLASSES))


def paste(logits: np.ndarray, box: np.ndarray, height: int, width: int) -> np.ndarray:
    """One 28 x 28 logit map -> float[H, W] probabilities, by torchvision's paste (what the model does)."""
    from torchvision.models.detection.roi_heads import paste_masks_in_image

    m = torch.sigmoid(torch.from_numpy(logits))[None, None]
    return paste_masks_in_image(m, torch.from_numpy(box)[None].float(), (height, width))[0, 0].numpy()
