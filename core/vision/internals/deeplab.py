"""The ShapesWorld DeepLabs opened up: each ASPP branch's output (v3+), and v1, v2, v3, v3+ side by side.

Forward hooks record the model's own tensors (nothing is recomputed differently): the 1x1 branch,
one 3x3 atrous branch per rate, the image-pooling branch and the final logits. `compare` runs the
four separately trained variants (core.vision.shapes.models.deeplab, one backbone, four heads) on
one picture and scores each against the picture's ground truth when it has one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.shapes.evaluate import boundary_f1, mean_iou


@dataclass
class AsppTrace:
    """branches: name -> float[C, h, w] (h = w = image / 8); logits float[K, H, W]; rates (the 3x3 branches' dilation)."""

    branches: dict[str, np.ndarray]
    logits: np.ndarray
    rates: tuple
    class_names: list[str]


@torch.no_grad()
def aspp_trace(model, image: np.ndarray) -> AsppTrace:
    """model: a ShapesWorld DeepLab v3 or v3+ (eval; its ASPP has image pooling); image uint8[S, S, 3]."""
    from core.vision.shapes.generator import CLASSES
    from core.vision.image import to_tensor

    aspp = model.aspp
    names = ["1x1 conv"] + [f"3x3 atrous, rate {r}" for r in aspp_rates(model)] + ["image pooling"]
    got: dict[str, torch.Tensor] = {}
    mods = list(aspp.branches) + [aspp.pool]
    hooks = [m.register_forward_hook(lambda mod, args, out, n=n: got.__setitem__(n, out[0]))
             for n, m in zip(names, mods)]
    try:
        logits = model(to_tensor(image[None]))[0]               # [K, H, W]
    finally:
        for h in hooks:
            h.remove()
    h, w = got[names[0]].shape[-2:]
    got["image pooling"] = got["image pooling"].expand(-1, h, w)      # one vector, broadcast over the map (as ASPP does)
    return AsppTrace({n: got[n].numpy() for n in names}, logits.numpy(), aspp_rates(model),
                     ["background"] + list(CLASSES))


@dataclass
class VariantView:
    """One DeepLab variant on one picture: its class map int[H, W] and, with ground truth, its scores there."""

    variant: str
    classes: np.ndarray
    miou: float | None
    boundary_f1: float | None


@torch.no_grad()
def compare(models: dict, image: np.ndarray, truth: np.ndarray | None = None) -> list[VariantView]:
    """models: variant name -> a trained ShapesWorld DeepLab (eval); image uint8[S, S, 3]; truth int[S, S] or None.
    Each model's own prediction (argmax of its logits) and its mIoU / boundary F1 on this picture."""
    from core.vision.image import to_tensor

    out = []
    for name, model in models.items():
        x = to_tensor(image[None], next(model.parameters()).device)        # [1, 3, S, S]
        classes = model(x)[0].argmax(0).cpu().numpy()                      # [S, S]
        scored = truth is not None
        out.append(VariantView(name, classes, mean_iou([classes], [truth])["miou"] if scored else None,
                               boundary_f1(classes, truth) if scored else None))
    return out


def aspp_rates(model) -> tuple:
    return tuple(model.cfg.aspp_rates)


@torch.no_grad()
def backbone_map(model, image: np.ndarray) -> np.ndarray:
    """The map ASPP reads: the ShapesWorld DeepLab's backbone (stride 8, last stage atrous) on one picture.
    image uint8[H, W, 3] (any size) -> float[C, H/8, W/8]."""
    from core.vision.image import normalise, to_tensor

    x = normalise(to_tensor(image[None]))                                  # [1, 3, H, W]
    return model.atrous(model.mid(model.low(model.stem(x))))[0].numpy()   # [C, H/8, W/8]
