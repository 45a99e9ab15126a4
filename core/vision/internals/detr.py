"""The ShapesWorld DETR opened up: each object query's box and class, and where a query looks.

The decoder's cross-attention weights (query -> encoder cells) are the model's own: forward hooks
record what each decoder layer's `multihead_attn` was given, and the weights are computed by that
same module with need_weights=True (the layer itself asks for none, to save time).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class DetrTrace:
    """prob float[Q, C+1] (last column "no object"), boxes float[Q, 4] xyxy pixels (last decoder layer),
    attention float[L, Q, h, w] (cross-attention, averaged over heads), image_size."""

    prob: np.ndarray
    boxes: np.ndarray
    attention: np.ndarray
    image_size: int
    class_names: list[str]

    @property
    def labels(self) -> np.ndarray:
        """Each query's best real class (index into class_names)."""
        return self.prob[:, :-1].argmax(1)

    @property
    def scores(self) -> np.ndarray:
        return self.prob[:, :-1].max(1)


@torch.no_grad()
def detr_trace(model, image: np.ndarray) -> DetrTrace:
    """model: the ShapesWorld TinyDETR (eval); image uint8[S, S, 3] at its training side."""
    from core.vision.boxes import box_convert
    from core.vision.shapes.generator import CLASSES
    from core.vision.image import to_tensor

    seen: list[tuple[torch.Tensor, torch.Tensor]] = []
    hooks = [layer.multihead_attn.register_forward_hook(lambda m, args, out: seen.append((args[0], args[1])))
             for layer in model.decoder]
    try:
        out = model(to_tensor(image[None]))
    finally:
        for h in hooks:
            h.remove()
    side = model.cfg.image_size // 16
    att = [layer.multihead_attn(q, k, k, need_weights=True, average_attn_weights=True)[1][0]   # [Q, h*w]
           for layer, (q, k) in zip(model.decoder, seen)]
    att = torch.stack(att).reshape(len(att), -1, side, side)
    prob = out["logits"][-1, 0].softmax(-1)
    boxes = box_convert(out["boxes"][-1, 0], "cxcywh", "xyxy") * model.cfg.image_size
    return DetrTrace(prob.numpy(), boxes.numpy(), att.numpy(), model.cfg.image_size, list(CLASSES))
